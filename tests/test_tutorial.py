"""Tests of frcnet_lite.tutorial: a notebook's run folder made from nothing, and reused."""

from __future__ import annotations

import pytest

from frcnet_lite.pairs import load_fields, load_pairs
from frcnet_lite.tutorial import QuickScale, ensure_quick_run, missing, run_folder

TINY = QuickScale(field_size_nm=1000.0, n_fields=3, n_val_fields=1, patch_px=128)


def test_ensure_quick_run_makes_the_chain_then_reuses_it(tmp_path, capsys):
    made = ensure_quick_run(tmp_path, ["anisotropic"], scale=TINY)
    assert made == ["fields", "gaussian", "anisotropic"]
    out = capsys.readouterr().out
    assert out.count("was missing") == 3 and "notebook 2 writes it" in out
    assert sorted(load_fields(tmp_path / "data" / "fields", "val")) == ["field_002"]
    gauss = load_pairs(tmp_path / "data" / "pairs" / "gaussian" / "val.npz")
    aniso = load_pairs(tmp_path / "data" / "pairs" / "anisotropic" / "val.npz")
    assert gauss.target_kind == "gaussian" and aniso.target_kind == "anisotropic"
    assert (gauss.inputs == aniso.inputs).all()  # the same sparse inputs, new targets
    before = (tmp_path / "data" / "pairs" / "gaussian" / "val.npz").stat().st_mtime_ns
    assert ensure_quick_run(tmp_path, ["fields", "gaussian", "anisotropic"], scale=TINY) == []
    assert "reusing" in capsys.readouterr().out
    assert (tmp_path / "data" / "pairs" / "gaussian" / "val.npz").stat().st_mtime_ns == before


def test_only_the_missing_part_is_made(tmp_path):
    ensure_quick_run(tmp_path, ["fields"], scale=TINY, verbose=False)
    assert missing(tmp_path, ["fields", "gaussian"]) == ["gaussian"]
    assert ensure_quick_run(tmp_path, ["gaussian"], scale=TINY, verbose=False) == ["gaussian"]


def test_unknown_artifacts_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown run-folder artifacts"):
        ensure_quick_run(tmp_path, ["model"])


def test_run_folder_outside_colab_is_a_plain_folder(tmp_path, capsys):
    run = run_folder(tmp_path / "a" / "run", keep_on_drive=True)
    assert run == tmp_path / "a" / "run" and run.is_dir()
    assert capsys.readouterr().out == ""
