"""``frcnet-lite frc``: JSON and text output, plots, bad input, a real file and curves that never cross."""

import json

import numpy as np
import pytest

from frcnet_lite import io
from frcnet_lite import resolution as R
from frcnet_lite.cli import main
from frcnet_lite.localizations import LocalizationTable


def _points_table(seed=0, n_points=300, per_point=20, fov=2000.0):
    rng = np.random.default_rng(seed)
    xy = np.repeat(rng.uniform(0, fov, (n_points, 2)), per_point, axis=0) + rng.normal(0, 12, (n_points * per_point, 2))
    return LocalizationTable({"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": np.arange(len(xy))})


def test_cli_prints_resolution_json_and_plot(tmp_path, monkeypatch, capsys):
    table = _points_table()
    monkeypatch.setattr(io, "read_localizations", lambda path, **kw: table, raising=False)
    fake = tmp_path / "locs.csv"
    fake.write_text("placeholder")
    plot = tmp_path / "out" / "frc.png"
    assert main(["frc", str(fake), "--json", "--plot", str(plot), "--repeats", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    expected = R.frc_resolution(table, 5.0, n_repeats=3, rng=0)
    assert summary["resolution_nm"] == pytest.approx(expected.resolution_nm)
    assert summary["n_localizations"] == len(table) and summary["n_repeats"] == 3
    assert plot.read_bytes()[:4] == b"\x89PNG"
    # time halves share fluorophores only when each blinks all through the acquisition (frames shuffled)
    mixed = table.with_columns(frame=np.random.default_rng(1).permutation(table.frame))
    monkeypatch.setattr(io, "read_localizations", lambda path, **kw: mixed, raising=False)
    assert main(["frc", str(fake), "--threshold", "half-bit", "--split", "time"]) == 0
    text = capsys.readouterr().out
    assert "half-bit" in text and " nm" in text and "1/nm" in text


def test_cli_reports_missing_file_and_bad_values(tmp_path, monkeypatch, capsys):
    assert main(["frc", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    monkeypatch.setattr(io, "read_localizations", lambda path, **kw: _points_table(), raising=False)
    fake = tmp_path / "locs.csv"
    fake.write_text("placeholder")
    assert main(["frc", str(fake), "--pixel-size-nm", "-1"]) == 2
    assert "--pixel-size-nm" in capsys.readouterr().err  # named as on the command line


def test_cli_reads_a_real_localization_file(tmp_path, capsys):
    path = tmp_path / "locs.csv"
    io.write_localizations(_points_table(), path)
    assert main(["frc", str(path), "--repeats", "2"]) == 0
    assert "FRC resolution" in capsys.readouterr().out


def test_no_crossing_gives_nan_and_a_clear_cli_message(monkeypatch, capsys, tmp_path):
    table = _points_table(per_point=50)  # 12 nm precision: the curve stays high up to Nyquist at 100 nm pixels
    res = R.frc_resolution(table, pixel_size_nm=100.0, n_repeats=2, rng=0)
    assert np.all(np.isnan(res.crossing_per_nm)) and np.isnan(res.resolution_nm) and np.isnan(res.std_nm)
    assert json.loads(json.dumps(res.as_dict()))["resolution_nm"] is None  # valid JSON, no NaN
    monkeypatch.setattr(io, "read_localizations", lambda path, **kw: table, raising=False)
    fake = tmp_path / "locs.csv"
    fake.write_text("placeholder")
    assert main(["frc", str(fake), "--pixel-size-nm", "100"]) == 0
    assert "smaller --pixel-size-nm" in capsys.readouterr().out
