"""Every localization format: the real files other software wrote (checked against locan's reading of the
same file), tiny synthetic files of each layout, detection by content, and strict parsing."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from frcnet_lite.formats import FORMATS, LocalizationFileError, detect_format
from frcnet_lite.io import read_localizations

PEER = Path(__file__).resolve().parents[2] / "shared" / "data" / "peer-formats"
needs_peer = pytest.mark.skipif(not PEER.is_dir(), reason="../shared/data/peer-formats not present")

# file, our format, locan FileType name, frame numbering of the file, nm per coordinate unit in locan's table
PEER_FILES = [
    ("locan_Thunderstorm_dstorm_data.csv", "thunderstorm", "THUNDERSTORM", 1, (1.0, 1.0)),
    ("locan_decode_dstorm_data.h5", "decode", "DECODE", 0, (127.0, 117.0)),  # locan keeps DECODE's camera px
    ("locan_smap_dstorm_data.mat", "smap", "SMAP", 1, (1.0, 1.0)),
    ("locan_rapidSTORM_dstorm_data.txt", "rapidstorm", "RAPIDSTORM", 0, (1.0, 1.0)),
    ("locan_Elyra_dstorm_data.txt", "elyra", "ELYRA", 1, (1.0, 1.0)),
    ("locan_Nanoimager_dstorm_data.csv", "nanoimager", "NANOIMAGER", 0, (1.0, 1.0)),
    ("locan_SMLM_dstorm_data.smlm", "smlm", "SMLM", 0, (1.0, 1.0)),
]


def _locan_table(path: Path, file_type: str):
    locan = pytest.importorskip("locan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return locan.load_locdata(path, file_type=getattr(locan.FileType, file_type)).data


@needs_peer
@pytest.mark.parametrize("name, fmt, locan_type, first_frame, nm_per_unit", PEER_FILES, ids=[p[1] for p in PEER_FILES])
def test_peer_file_matches_locan(name, fmt, locan_type, first_frame, nm_per_unit):
    path = PEER / name
    assert detect_format(path) == fmt
    ours = read_localizations(path)
    ref = _locan_table(path, locan_type)
    assert len(ours) == len(ref)
    np.testing.assert_allclose(ours.x_nm, ref["position_x"].to_numpy() * nm_per_unit[0], rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(ours.y_nm, ref["position_y"].to_numpy() * nm_per_unit[1], rtol=1e-6, atol=1e-3)
    np.testing.assert_array_equal(ours.frame, ref["frame"].to_numpy() - first_frame)
    assert ours.meta.extra["format"] == fmt


@needs_peer
def test_peer_picasso_matches_its_hdf5_and_yaml():
    path = PEER / "picasso_testdata_locs.hdf5"
    assert detect_format(path) == "picasso"
    t = read_localizations(path)
    with h5py.File(path) as f:
        locs = f["locs"][()]
    assert len(t) == len(locs) == 564
    np.testing.assert_allclose(t.x_nm, locs["x"].astype(float) * 130.0)  # Pixelsize: 130 in the yaml
    np.testing.assert_array_equal(t.frame, locs["frame"])
    assert t.meta.pixel_size_nm == 130.0


@needs_peer
def test_peer_decode_keeps_anisotropic_pixels_and_z_in_nm():
    t = read_localizations(PEER / "locan_decode_dstorm_data.h5")
    ref = _locan_table(PEER / "locan_decode_dstorm_data.h5", "DECODE")
    np.testing.assert_allclose(t["z_nm"], ref["position_z"], rtol=1e-6)
    assert t.meta.pixel_size_nm is None and t.meta.extra["px_size"] == [127.0, 117.0]


@needs_peer
def test_peer_thunderstorm_doubled_quotes_give_all_columns():
    t = read_localizations(PEER / "locan_Thunderstorm_dstorm_data.csv")
    ref = _locan_table(PEER / "locan_Thunderstorm_dstorm_data.csv", "THUNDERSTORM")
    np.testing.assert_allclose(t["precision_nm"], ref["uncertainty"], rtol=1e-6)
    np.testing.assert_allclose(t["photons"], ref["intensity"], rtol=1e-6)


# ----------------------------------------------------------------------------- synthetic files, one per layout
X = np.array([1234.5, 200.25, 3000.0])
Y = np.array([50.0, 4100.75, 999.5])
F0 = np.array([0, 4, 9])


def _check(t, scale=1.0):
    np.testing.assert_allclose(t.x_nm, X * scale, rtol=1e-6)
    np.testing.assert_allclose(t.y_nm, Y * scale, rtol=1e-6)
    np.testing.assert_array_equal(t.frame, F0)


def _rows(fmt, first=0, scale=1.0):
    return [fmt.format(x=x / scale, y=y / scale, f=f + first) for x, y, f in zip(X, Y, F0)]


def write_rapidstorm(path, unit="nanometer"):
    fields = "".join(f'<field identifier="{i}" unit="{u}" />' for i, u in
                     [("Position-0-0", unit), ("Position-1-0", unit), ("ImageNumber-0-0", "frame"),
                      ("Amplitude-0-0", "A/D count")])
    path.write_text(f"# <localizations insequence=\"true\">{fields}</localizations>\n"
                    + "\n".join(_rows("{x} {y} {f} 100", scale=1000.0 if unit == "micrometer" else 1.0)) + "\n")
    return path


def write_elyra(path):
    head = "Index\tFirst Frame\tNumber Frames\tPosition X [nm]\tPosition Y [nm]\tPrecision [nm]\tNumber Photons"
    rows = [f"{i + 1}\t{r}\t8.5\t300" for i, r in enumerate(_rows("{f}\t1\t{x}\t{y}", first=1))]
    text = "\r\n".join([head, *rows]) + "\r\n"
    path.write_bytes(text.encode("latin-1") + b"\x00\r\r\nVoxelSizeX : 0.1 \xb5m\r\r\n")
    return path


def write_smlm(path, rows=None):
    rec = np.zeros(3, dtype=[("x", "<f4"), ("y", "<f4"), ("frame", "<i4"), ("intensity", "<f4")])
    rec["x"], rec["y"], rec["frame"] = X, Y, F0
    manifest = {"format_version": "0.2",
                "formats": {"t": {"type": "table", "mode": "binary", "headers": ["x", "y", "frame", "intensity"],
                                  "dtype": ["float32", "float32", "int32", "float32"], "shape": ["1"] * 4}},
                "files": [{"name": "table-0.bin", "type": "table", "format": "t", "rows": rows or 3}]}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("table-0.bin", rec.tobytes())
    return path


def write_decode_h5(path, unit="px", px_size=(100.0, 50.0)):
    with h5py.File(path, "w") as f:
        d = f.create_group("data")
        sx, sy = (px_size if unit == "px" else (1.0, 1.0))
        d["xyz"] = np.column_stack([X / sx, Y / sy, [-10.0, 0.0, 10.0]]).astype("f4")
        d["frame_ix"] = F0
        d["phot"] = np.full(3, 1000.0, "f4")
        d["xyz_sig"] = np.ones((3, 3), "f4")
        f.create_group("meta").attrs.update({"xy_unit": unit, "px_size": np.asarray(px_size, "f4")})
        f.create_group("decode").attrs["version"] = "0.10.0"
    return path


def write_smap_mat5(path):
    import scipy.io

    loc = {"xnm": X, "ynm": Y, "frame": (F0 + 1).astype(float), "locprecnm": np.full(3, 9.0)}
    scipy.io.savemat(path, {"saveloc": {"loc": loc}})
    return path


def write_smap_mat73(path):
    with h5py.File(path, "w", userblock_size=512) as f:  # MATLAB 7.3: a 512-byte text user block, then HDF5
        g = f.create_group("saveloc/loc")
        for k, v in {"xnm": X, "ynm": Y, "frame": F0 + 1.0, "phot": np.full(3, 500.0)}.items():
            g[k] = np.asarray(v, "f8").reshape(1, -1)
    with open(path, "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(128, b" "))
    return path


SYNTHETIC = {
    "thunderstorm": lambda p: (p.write_text('"id","frame","x [nm]","y [nm]","uncertainty_xy [nm]"\n'
                                            + "\n".join(_rows("1,{f},{x},{y},8.5", first=1)) + "\n"), p)[1],
    "thunderstorm-doubled-quotes": lambda p: (p.write_text('"id,""frame"",""x [um]"",""y [um]"""\n'
                                                           + "\n".join(_rows("1,{f},{x},{y}", 1, 1000.0)) + "\n"),
                                              p)[1],
    "smap-csv": lambda p: (p.write_text("frame,xnm,ynm,locprecnm\n" + "\n".join(_rows("{f},{x},{y},9", 1)) + "\n"),
                           p)[1],
    "decode-csv": lambda p: (p.write_text('# {"version": "0.10.0"}\n# {"xy_unit": "px", "px_size": [10.0, 10.0]}\n'
                                          "frame_ix,x,y,z,phot\n" + "\n".join(_rows("{f},{x},{y},0,100", 0, 10.0))
                                          + "\n"), p)[1],
    "nanoimager": lambda p: (p.write_text("Channel,Frame,X (nm),Y (nm),Z (nm),Photons,Background\n"
                                          + "\n".join(_rows("0,{f},{x},{y},0,100,1")) + "\n"), p)[1],
    "rapidstorm": write_rapidstorm,
    "rapidstorm-um": lambda p: write_rapidstorm(p, "micrometer"),
    "elyra": write_elyra,
    "smlm": write_smlm,
    "decode-h5": write_decode_h5,
    "decode-h5-nm": lambda p: write_decode_h5(p, "nm"),
    "smap-mat5": write_smap_mat5,
    "smap-mat73": write_smap_mat73,
}


@pytest.mark.parametrize("kind", sorted(SYNTHETIC))
def test_synthetic_file_of_each_layout(tmp_path, kind):
    path = SYNTHETIC[kind](tmp_path / "locs.dat")  # a neutral extension: detection is by content
    assert detect_format(path) == kind.split("-")[0]
    _check(read_localizations(path))


def test_every_format_is_tested_here():
    tested = {k.split("-")[0] for k in SYNTHETIC} | {"picasso", "frcnet", "csv"}  # the last three: test_io.py
    assert tested == set(FORMATS)


def test_thunderstorm_in_camera_pixels_names_the_option(tmp_path):
    p = tmp_path / "px.csv"
    p.write_text('"frame","x [px]","y [px]"\n' + "\n".join(_rows("{f},{x},{y}", 1, 100.0)) + "\n")
    with pytest.raises(ValueError, match="--camera-pixel-nm"):
        read_localizations(p, option_names={"pixel_size_nm": "--camera-pixel-nm"})
    _check(read_localizations(p, pixel_size_nm=100.0))


def test_first_frame_option_and_negative_frames(tmp_path):
    p = SYNTHETIC["thunderstorm"](tmp_path / "t.csv")
    t = read_localizations(p, first_frame=0)
    np.testing.assert_array_equal(t.frame, F0 + 1)
    p.write_text('"frame","x [nm]","y [nm]"\n0,1,2\n')
    with pytest.raises(ValueError, match="counted from 1.*first_frame= 0"):
        read_localizations(p)


# ----------------------------------------------------------------------------- strict parsing
@pytest.mark.parametrize("body, message", [
    ("1,1,10.0,20.0\n2,2,30.0", "line 3: 3 fields where the header has 4 .a truncated"),
    ("1,1,10.0,20.0\n2,2,30.0,4", None),  # a complete last row without a newline is fine
    ("1,1,10.0,20.0,7\n", "line 2: 5 fields where the header has 4 .extra"),
    ("1,1,abc,20.0\n", "line 2, column 'x \\[nm\\]': 'abc' is not a number"),
    ("1,1,1_000,20.0\n", "'1_000' is not a number"),
    ("1,1.5,10.0,20.0\n", "non-integer frame numbers"),
    ("1,1e300,10.0,20.0\n", "out of range"),
])
def test_malformed_rows(tmp_path, body, message):
    p = tmp_path / "t.csv"
    p.write_text('"id","frame","x [nm]","y [nm]"\n' + body)
    if message is None:
        assert len(read_localizations(p)) == 2
    else:
        with pytest.raises(ValueError, match=message):
            read_localizations(p)


def test_duplicate_columns_directory_and_unknown_layout(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('"frame","x [nm]","x [nm]","y [nm]"\n1,2,3,4\n')
    with pytest.raises(ValueError, match="duplicate column"):
        read_localizations(p)
    with pytest.raises(ValueError, match="is a directory"):
        read_localizations(tmp_path)
    p.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="--columns"):
        read_localizations(p, option_names={"columns": "--columns"})
    hdf = tmp_path / "other.h5"
    with h5py.File(hdf, "w") as f:
        f["stuff"] = np.zeros(3)
    with pytest.raises(ValueError, match="neither Picasso"):
        read_localizations(hdf)


def test_drop_invalid_counts_what_it_dropped(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text('"frame","x [nm]","y [nm]"\n1,10,20\n2,nan,5\n3,,1\n4,7,8\n')
    with pytest.raises(ValueError, match="2 of 4 localizations"):
        read_localizations(p)
    t = read_localizations(p, drop_invalid=True)
    assert len(t) == 2 and t.meta.extra["dropped_invalid"] == 2


def test_damaged_smlm_and_decode(tmp_path):
    p = write_smlm(tmp_path / "a.smlm", rows=4)  # declares more rows than it holds
    with pytest.raises(ValueError, match="truncated or damaged"):
        read_localizations(p)
    d = write_decode_h5(tmp_path / "d.h5")
    with h5py.File(d, "r+") as f:
        del f["meta"].attrs["xy_unit"]
    with pytest.raises(ValueError, match="xy_unit"):
        read_localizations(d)


def test_a_crash_of_the_matlab_parser_becomes_one_clear_error(tmp_path, monkeypatch):
    # scipy's MATLAB 5 parser can segfault on damaged files; it runs in a forked child
    import os
    import signal

    from frcnet_lite.formats import smap

    path = tmp_path / "broken.mat"
    path.write_bytes(smap.MAT5_SIGNATURE + b" " * 200)
    monkeypatch.setattr(smap, "_mat5_fields", lambda p: os.kill(os.getpid(), signal.SIGSEGV))
    with pytest.raises(smap.LocalizationFileError, match="parser crashed"):
        smap._mat5_loc(path)
