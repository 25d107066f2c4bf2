"""Property-based tests of the readers: random bytes, and random damage to valid files of each layout,
produce a table or a documented error (ValueError naming the file, FileNotFoundError) and nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formats import SYNTHETIC

from frcnet_lite.io import read_localizations

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_or_documented_error(path: Path) -> None:
    try:
        t = read_localizations(path)
    except ValueError as exc:
        assert str(path) in str(exc) or path.name in str(exc), str(exc)
        return
    assert len(t) > 0 and np.all(np.isfinite(t.x_nm)) and np.all(np.isfinite(t.y_nm)) and t.frame.min() >= 0


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(data):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.csv"
        path.write_bytes(data)
        _read_or_documented_error(path)


def _valid(kind: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        return SYNTHETIC[kind](Path(d) / "locs.dat").read_bytes()


TEXT_KINDS = ["thunderstorm", "thunderstorm-doubled-quotes", "smap-csv", "decode-csv", "nanoimager", "rapidstorm",
              "elyra"]
VALID = {k: _valid(k) for k in [*TEXT_KINDS, "smlm", "decode-h5", "smap-mat5"]}

mutation = st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.integers(0, 10**6),
                     st.binary(min_size=1, max_size=8))


def _mutate(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for kind, pos, chunk in edits:
        if not buf:
            break
        i = pos % len(buf)
        if kind == "flip":
            buf[i] ^= chunk[0] or 1
        elif kind == "cut":
            del buf[i:]
        elif kind == "insert":
            buf[i:i] = chunk
        else:
            del buf[i:i + len(chunk)]
    return bytes(buf)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_damaged_files(kind):
    @FUZZ
    @given(edits=st.lists(mutation, min_size=1, max_size=4))
    def check(edits):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "locs.dat"
            path.write_bytes(_mutate(VALID[kind], edits))
            _read_or_documented_error(path)

    check()


@FUZZ
@given(text=st.text(alphabet='0123456789.,-+eE naif"\n\t', max_size=300))
def test_random_tables_under_a_thunderstorm_header(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.csv"
        path.write_text('"id","frame","x [nm]","y [nm]"\n' + text)
        _read_or_documented_error(path)
