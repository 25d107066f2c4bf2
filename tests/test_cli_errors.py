"""Bad input through the command line: one ``error: ...`` line naming the file or option, exit code 2,
no traceback, nothing written; outputs are checked before any computation and never overwrite an input."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from frcnet_lite.cli import main
from frcnet_lite.io import write_localizations, write_tiff
from frcnet_lite.localizations import LocalizationTable

TS_HEADER = '"id","frame","x [nm]","y [nm]"\n'


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    table = LocalizationTable({"x_nm": rng.uniform(0, 2000, n), "y_nm": rng.uniform(0, 2000, n),
                               "frame": rng.integers(0, 100, n)})
    f = {"locs": write_localizations(table, tmp_path / "locs.csv"), "dir": tmp_path / "folder"}
    f["dir"].mkdir()
    rows = "".join(f"{i},{i + 1},{10.0 * i},{20.0 * i}\n" for i in range(1, 6))
    for name, text in {
        "truncated": TS_HEADER + rows + "6,7,27",
        "far": TS_HEADER + rows + "6,7,1e12,5\n",
        "nan": TS_HEADER + rows + "6,7,nan,5\n",
        "text": TS_HEADER + rows + "6,7,abc,5\n",
        "dup": '"frame","x [nm]","x [nm]","y [nm]"\n1,2,3,4\n',
        "unknown": "a,b,c\n1,2,3\n",
        "pixels": '"frame","x [px]","y [px]"\n1,2,3\n2,3,4\n',
        "extra": TS_HEADER + rows + "6,7,1,5,9\n",
    }.items():
        f[name] = tmp_path / f"{name}.csv"
        f[name].write_text(text)
    img = rng.random((64, 64)).astype(np.float32)
    f["img"] = write_tiff(tmp_path / "img.tif", img, 5.0)
    f["flat"] = write_tiff(tmp_path / "flat.tif", np.zeros((64, 64)), 5.0)
    huge = tmp_path / "huge.tif"
    import tifffile

    tifffile.imwrite(huge, np.full((64, 64), 3e38, np.float32))
    f["huge"] = huge
    np.save(tmp_path / "nan.npy", np.full((64, 64), np.nan))
    f["nan_npy"] = tmp_path / "nan.npy"
    f["yaml_bad"] = tmp_path / "bad.yaml"
    f["yaml_bad"].write_text("epochs: [1,\n")
    f["yaml_key"] = tmp_path / "key.yaml"
    f["yaml_key"].write_text("epochz: 3\n")
    f["yaml_value"] = tmp_path / "value.yaml"
    f["yaml_value"].write_text("epochs: abc\n")
    return f


# (argv with {name} placeholders, text the error line must contain)
CASES = [
    ("frc {dir}", "is a directory"),
    ("frc {dir}/missing.csv", "no such file"),
    ("frc {locs} --plot {dir}", "--plot .* is a directory"),
    ("frc {locs} --plot {dir}/curve.txt", "--plot .*ending in .png"),
    ("frc {truncated}", "line 7: 3 fields where the header has 4 .a truncated row"),
    ("frc {extra}", "line 7: 5 fields .* .extra fields"),
    ("frc {far}", "more than --max-pixels .*--roi"),
    ("frc {locs} --pixel-size-nm 0", "--pixel-size-nm: expected a number > 0"),
    ("frc {locs} --pixel-size-nm -2", "--pixel-size-nm: expected a number > 0"),
    ("frc {locs} --pixel-size-nm nan", "--pixel-size-nm: expected a finite number"),
    ("frc {locs} --repeats 0", "--repeats: expected a whole number >= 1"),
    ("frc {nan}", "1 of 6 localizations have NaN .*--drop-invalid"),
    ("frc {text}", "line 7, column 'x \\[nm\\]': 'abc' is not a number"),
    ("frc {dup}", "duplicate column"),
    ("frc {unknown}", "--columns x_nm=.*--unit.*--format"),
    ("frc {unknown} --columns x=a,y=b", "--columns: must map x, y and frame"),
    ("frc {unknown} --columns x=a,y=b,frame=zz", "column.*'zz'.*not in the header"),
    ("frc {pixels}", "camera pixels .*--camera-pixel-nm"),
    ("frc {locs} --first-frame -1", "--first-frame: expected a whole number >= 0"),
    ("frc {locs} --roi 5,5,1,1", "--roi: expected X1 > X0"),
    ("render {locs} -o {dir}", "--output .* is a directory"),
    ("render {locs} -o {dir}/x.png", "--output .*ending in .tif"),
    ("render {locs} -o {locs}", "--output .*ending in .tif"),
    ("render {locs} -o {img}/sub/x.tif", "is not a directory"),
    ("render {locs} -o {dir}/r.tif --roi 1e6,1e6,2e6,2e6", "--roi .* holds none"),
    ("render {locs} -o {dir}/r.tif --pixel-size-nm 0.0001", "more than --max-pixels"),
    ("simulate {dir}", "OUTPUT .* is a directory"),
    ("simulate {dir}/s.txt", "OUTPUT .*ending in .csv"),
    ("simulate {dir}/s.csv --labelling-efficiency 0", "--labelling-efficiency: expected a fraction in \\(0, 1\\]"),
    ("simulate {dir}/s.csv --labelling-efficiency 1.5", "expected a fraction"),
    ("simulate {dir}/s.csv --drift-nm nan 0", "--drift-nm: expected a finite number"),
    ("simulate {dir}/s.csv --field-size-nm 1e9", "more than --max-pixels"),
    ("reconstruct {img} -o {img}", "--output .* is also an input"),
    ("reconstruct {img} -o {dir}/r.tif --trust-map {img}", "--trust-map .* is also an input"),
    ("reconstruct {img} -o {dir}/r.tif --trust-map {dir}/r.tif", "--trust-map .* is the same file as --output"),
    ("reconstruct {img} -o {dir}/r.tif --trust-map {dir}/t.png", "--trust-map .*ending in .tif"),
    ("reconstruct {img} -o {dir}", "--output .* is a directory"),
    ("reconstruct {dir} -o {dir}/r.tif", "INPUT: .* is a directory"),
    ("reconstruct {img} -o {dir}/r.tif --tile-size 4", "--tile-size must be >= 8"),
    ("reconstruct {img} -o {dir}/r.tif --overlap 200", "--overlap must be between 0 and --tile-size"),
    ("reconstruct {img} -o {dir}/r.tif --tile-size 0", "--tile-size: expected a whole number >= 1"),
    ("reconstruct {img} -o {dir}/r.tif --pixel-size-nm -5", "--pixel-size-nm: expected a number > 0"),
    ("evaluate {img} {flat}", "TARGET .* is constant"),
    ("evaluate {img} {huge}", "overflow float32"),
    ("evaluate {nan_npy} {img}", "NaN or infinite"),
    ("evaluate {img} {dir}", "TARGET: .* is a directory"),
    ("evaluate {img} {img} --percentile 0", "--percentile: expected a percentile in \\(0, 100\\]"),
    ("train {dir}/missing.yaml", "does not exist"),
    ("train {yaml_bad}", "not valid YAML"),
    ("train {yaml_key}", "unknown key.*epochz"),
    ("train {yaml_value}", "epochs must be an integer"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[c[0].split()[0] + ":" + c[1][:30] for c in CASES])
def test_bad_input_is_one_clear_line_and_exit_2(files, capsys, argv, message):
    import re

    before = {p: p.stat().st_mtime_ns for p in files["dir"].parent.rglob("*")}
    code = main([part.format(**files) for part in argv.split()])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in "\n".join(err)
    last = err[-1]
    assert "error: " in last and re.search(message, last), last
    after = {p: p.stat().st_mtime_ns for p in files["dir"].parent.rglob("*")}
    assert after == before, "a failed command must not write or change any file"


def test_drop_invalid_counts_and_render_writes_0644(files, capsys, tmp_path):
    out = tmp_path / "r.tif"
    old = os.umask(0o022)
    try:
        assert main(["render", str(files["nan"]), "-o", str(out), "--drop-invalid"]) == 0
    finally:
        os.umask(old)
    assert "dropped 1 localizations" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_render_targets_are_calibrated(files, tmp_path):
    from frcnet_lite.io import read_image_with_pixel_size

    for target in ("histogram", "gaussian"):
        out = tmp_path / f"{target}.tif"
        assert main(["render", str(files["locs"]), "-o", str(out), "--pixel-size-nm", "20", "--target", target]) == 0
        img, px = read_image_with_pixel_size(out)
        assert px == 20.0 and img.sum() == pytest.approx(400, rel=1e-4)


def test_frc_plot_format_follows_its_extension(tmp_path):
    rng = np.random.default_rng(0)  # 200 fluorophores blinking 20 times each: a resolution to measure
    xy = np.repeat(rng.uniform(0, 2000, (200, 2)), 20, axis=0) + rng.normal(0, 12, (4000, 2))
    locs = write_localizations(LocalizationTable({"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": np.arange(4000)}),
                               tmp_path / "points.csv")
    for suffix, magic in ((".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")):
        out = tmp_path / f"curve{suffix}"
        assert main(["frc", str(locs), "--repeats", "1", "--plot", str(out)]) == 0
        assert out.read_bytes()[:len(magic)] == magic
        assert stat.S_IMODE(out.stat().st_mode) & 0o044  # readable by others, not mkstemp's 0600


def test_max_pixels_matches_the_library_default():
    from frcnet_lite import reconstruct
    from frcnet_lite.cli import _common

    assert _common.DEFAULT_MAX_PIXELS == reconstruct.DEFAULT_MAX_PIXELS


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from frcnet_lite import _files

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tiff(tmp_path / "x.tif", np.zeros((4, 4)), 5.0)
    assert list(tmp_path.iterdir()) == []
