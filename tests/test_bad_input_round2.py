"""Bad input, round 2: every file the command line reads (localizations, images, models, configs, run
folders) gives one ``error: ...`` line naming the file, the value and what was expected, or is read with a
one-line ``warning: ...`` where it is unusual; nothing is written (or left behind) by a refused command.
Also: Picasso cluster centres (float mean frames) are read."""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from frcnet_lite.pipeline import Normalisation
from frcnet_lite import model as M
from frcnet_lite import pairs as P
from frcnet_lite.cli import main
from frcnet_lite.io import read_image, read_localizations, write_localizations, write_tiff
from frcnet_lite.localizations import LocalizationTable

PEER = Path(__file__).resolve().parents[2] / "shared" / "data" / "peer-formats"


def _table(n=400, frames=None, seed=0, fov=2000.0):
    rng = np.random.default_rng(seed)
    frame = np.arange(n) if frames is None else np.asarray(frames)
    return LocalizationTable({"x_nm": rng.uniform(0, fov, n), "y_nm": rng.uniform(0, fov, n), "frame": frame})


def _run(argv, capsys):
    """Exit code, stdout, stderr lines of the command line (asserts no traceback)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err.strip().splitlines()


def _error(argv, capsys, *needles):
    """The command fails with exit code 2 and one ``error:`` line holding every needle."""
    code, out, err = _run(argv, capsys)
    assert code == 2, (out, err)
    assert len(err) >= 1 and err[-1].startswith("error: "), err
    for needle in needles:
        assert needle in err[-1], (needle, err[-1])
    return err[-1]


# ================================================================ Picasso cluster centres
CLUSTER_DTYPE_2D = [("frame", "f4"), ("std_frame", "f4"), ("x", "f4"), ("y", "f4"), ("std_x", "f4"), ("std_y", "f4"),
                    ("photons", "f4"), ("sx", "f4"), ("sy", "f4"), ("bg", "f4"), ("lpx", "f4"), ("lpy", "f4"),
                    ("ellipticity", "f4"), ("net_gradient", "f4"), ("n", "u4"), ("n_events", "i4"), ("area", "f4"),
                    ("convexhull", "f4"), ("group", "i4")]  # picasso.clusterer.CLUSTER_CENTERS_DTYPE_2D


def _write_clusters(path, pixel_size_nm=130.0, z=False):
    import h5py

    dtype = CLUSTER_DTYPE_2D if not z else [*CLUSTER_DTYPE_2D[:6], ("z", "f4"), ("std_z", "f4"),
                                            *[d for d in CLUSTER_DTYPE_2D[6:] if d[0] != "area"], ("volume", "f4")]
    locs = np.zeros(6, dtype)
    locs["frame"] = [10.4, 250.6, 999.5, 3.0, 77.25, 1500.9]
    locs["std_frame"] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    locs["x"], locs["y"] = [1.0, 5.0, 9.0, 13.0, 17.0, 21.0], [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    locs["std_x"], locs["std_y"], locs["lpx"], locs["lpy"] = 0.1, 0.2, 0.05, 0.05
    locs["n"], locs["group"], locs["convexhull"] = [5, 8, 12, 3, 40, 9], np.arange(6) + 100, 0.25
    if z:
        locs["z"], locs["std_z"], locs["volume"] = 50.0, 20.0, 2.0
    else:
        locs["area"] = 0.5
    with h5py.File(path, "w") as f:
        f.create_dataset("locs", data=locs)
    with open(path.with_suffix(".yaml"), "w") as f:
        yaml.safe_dump_all([{"Byte Order": "<"}, {"Pixelsize": pixel_size_nm, "Frames": 2000, "Width": 32,
                                                 "Height": 32}], f)
    return path


def test_picasso_cluster_centres_are_read_with_rounded_frames_and_their_columns(tmp_path):
    path = _write_clusters(tmp_path / "egfr_mols.hdf5")
    with pytest.warns(UserWarning, match="cluster centres.*rounded.*not a sparse acquisition"):
        t = read_localizations(path)
    assert t.frame.tolist() == [10, 251, 1000, 3, 77, 1501]  # the mean frames, rounded
    np.testing.assert_allclose(t["frame_mean"], [10.4, 250.6, 999.5, 3.0, 77.25, 1500.9], rtol=1e-6)
    np.testing.assert_allclose(t.x_nm, np.array([1.0, 5.0, 9.0, 13.0, 17.0, 21.0]) * 130.0, rtol=1e-6)
    assert t["n"].tolist() == [5, 8, 12, 3, 40, 9] and t["group"].tolist() == list(range(100, 106))
    np.testing.assert_allclose(t["std_frame"], [1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(t["std_x_nm"], 0.1 * 130.0, rtol=1e-6)
    np.testing.assert_allclose(t["area_nm2"], 0.5 * 130.0**2, rtol=1e-6)  # camera pixels^2 -> nm^2
    np.testing.assert_allclose(t["convexhull_nm2"], 0.25 * 130.0**2, rtol=1e-6)
    assert t.meta.extra["picasso_clusters"] is True and t.meta.n_frames == 2000


def test_picasso_3d_cluster_centres_keep_volume_in_nm3(tmp_path):
    with pytest.warns(UserWarning, match="cluster centres"):
        t = read_localizations(_write_clusters(tmp_path / "mols3d.hdf5", pixel_size_nm=100.0, z=True))
    np.testing.assert_allclose(t["volume_nm3"], 2.0 * 100.0**3, rtol=1e-6)
    np.testing.assert_allclose(t["std_z_nm"], 20.0)  # Picasso keeps z in nm
    assert "area_nm2" not in t


def test_ordinary_picasso_files_stay_as_they_were():
    path = PEER / "picasso_testdata_locs.hdf5"
    if not path.is_file():
        pytest.skip(f"peer file not present: {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cluster warning for plain localizations
        t = read_localizations(path)
    assert "frame_mean" not in t and not t.meta.extra.get("picasso_clusters")


def test_cluster_centres_through_the_command_line_warn_in_one_line(tmp_path, capsys):
    path = _write_clusters(tmp_path / "mols.hdf5")
    code, out, err = _run(["render", path, "-o", tmp_path / "mols.tif"], capsys)
    assert code == 0 and (tmp_path / "mols.tif").is_file()
    assert len([e for e in err if "cluster centres" in e]) == 1
    assert all(e.startswith("warning: ") for e in err), err


# ================================================================ Picasso messages
def test_picasso_without_yaml_says_missing(tmp_path, capsys):
    path = write_localizations(_table(50), tmp_path / "p.hdf5", pixel_size_nm=100.0)
    path.with_suffix(".yaml").unlink()
    _error(["frc", path], capsys, "p.hdf5", "p.yaml", "is missing", "--camera-pixel-nm")


@pytest.mark.parametrize("info, needle", [({"Frames": 10}, "has no 'Pixelsize'"),
                                          ({"Pixelsize": 0}, "states 'Pixelsize' 0; expected a positive")])
def test_picasso_yaml_without_a_usable_pixel_size(tmp_path, capsys, info, needle):
    path = write_localizations(_table(50), tmp_path / "p.hdf5", pixel_size_nm=100.0)
    path.with_suffix(".yaml").write_text(yaml.safe_dump(info))
    _error(["frc", path], capsys, "p.hdf5", needle)


def test_format_picasso_on_a_csv_names_what_the_file_is(tmp_path, capsys):
    path = write_localizations(_table(), tmp_path / "locs.csv")
    line = _error(["frc", path, "--format", "picasso"], capsys, "locs.csv", "not an HDF5 file",
                  "its content is frcnet", "--format frcnet")
    assert "signature" in line and "synchronously" not in line


# ================================================================ localization files: geometry and frames
def test_frc_of_two_localizations_reports_no_resolution(tmp_path, capsys):
    path = write_localizations(LocalizationTable({"x_nm": [100.0, 300.0], "y_nm": [100.0, 500.0], "frame": [0, 1]}),
                               tmp_path / "two.csv")
    line = _error(["frc", path], capsys, "two.csv", "no FRC resolution can be measured", "2 localizations")
    assert "+/-" not in line
    assert "FRC resolution" not in capsys.readouterr().out


def test_frc_of_unstructured_points_reports_no_resolution(tmp_path, capsys):
    path = write_localizations(_table(400), tmp_path / "uniform.csv")  # no fluorophore blinks twice
    _error(["frc", path], capsys, "uniform.csv", "periods across the", "expected at least 4")


@pytest.mark.parametrize("x, y, needle", [([5.0] * 50, [7.0] * 50, "all at one point"),
                                          (np.linspace(0, 2000, 50), [60.0] * 50, "all on one line")])
def test_frc_of_a_degenerate_field_names_its_extent(tmp_path, capsys, x, y, needle):
    path = write_localizations(LocalizationTable({"x_nm": x, "y_nm": y, "frame": np.arange(50)}), tmp_path / "d.csv")
    _error(["frc", path], capsys, "d.csv", needle, "at least 8 x 8 px")


def test_frc_time_split_of_one_frame_is_refused(tmp_path, capsys):
    path = write_localizations(_table(400, frames=np.zeros(400, int)), tmp_path / "one_frame.csv")
    _error(["frc", path, "--split", "time"], capsys, "--split time", "one_frame.csv", "in frame 0", "--split random")


def test_render_of_a_point_warns_and_writes(tmp_path, capsys):
    path = write_localizations(LocalizationTable({"x_nm": [5.0] * 3, "y_nm": [7.0] * 3, "frame": [0, 1, 2]}),
                               tmp_path / "pt.csv")
    code, _, err = _run(["render", path, "-o", tmp_path / "pt.tif"], capsys)
    assert code == 0 and err and err[0].startswith("warning: ") and "all at one point" in err[0]
    assert read_image(tmp_path / "pt.tif").sum() == 3


def test_pairs_of_a_single_frame_file_is_refused_and_writes_nothing(tmp_path, capsys):
    path = write_localizations(_table(500, frames=np.zeros(500, int)), tmp_path / "snap.csv")
    out = tmp_path / "pairs"
    _error(["pairs", path, "-o", out, "--fraction", "0.1"], capsys, "'snap'", "10%", "holds all of them",
           "only 1 frame")
    assert not out.exists() or not any(out.iterdir())


def test_pairs_checks_every_field_before_writing_any(tmp_path):
    good, bad = _table(400), _table(400, frames=np.zeros(400, int))
    with pytest.raises(ValueError, match="'bad'.*holds all of them"):
        P.write_image_pairs({"good": good, "bad": bad}, tmp_path / "out", fraction=0.1, target_kind="histogram")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_pairs_of_few_frames_warns_that_the_input_is_less_sparse(tmp_path, capsys):
    path = write_localizations(_table(400, frames=np.arange(400) % 2), tmp_path / "two_frames.csv")
    code, out, err = _run(["pairs", path, "-o", tmp_path / "p", "--fraction", "0.1", "--target", "histogram"], capsys)
    assert code == 0, err
    assert any(e.startswith("warning: ") and "holds 50%" in e and "less sparse" in e for e in err), err
    sub = read_image(tmp_path / "p" / "two_frames_sub.tif")
    assert sub.sum() == 200  # one whole frame: what the warning says


def test_pairs_reads_pixel_files_with_the_localization_options(tmp_path, capsys):
    path = write_localizations(_table(400), tmp_path / "cam.hdf5", pixel_size_nm=100.0)
    path.with_suffix(".yaml").unlink()
    _error(["pairs", path, "-o", tmp_path / "p"], capsys, "is missing", "--camera-pixel-nm")
    code, _, err = _run(["pairs", path, "-o", tmp_path / "p", "--camera-pixel-nm", "100", "--target", "histogram"],
                        capsys)
    assert code == 0, err and (tmp_path / "p" / "cam_sub.tif").is_file()


# ================================================================ images: mode, bit depth, channels, sign, pages
def _png(path, array, mode=None):
    from PIL import Image

    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


@pytest.fixture()
def grey():
    return (np.random.default_rng(0).random((16, 16)) * 9).astype(np.uint8)


def test_rgb_png_is_refused_by_reconstruct(tmp_path, capsys):
    rgb = (np.random.default_rng(0).random((32, 32, 3)) * 9).astype(np.uint8)
    path = _png(tmp_path / "colour.png", rgb)
    _error(["reconstruct", path, "-o", tmp_path / "r.tif", "--pixel-size-nm", "10"], capsys, "colour.png",
           "colour image (RGB) whose channels differ", "single-channel")
    assert not (tmp_path / "r.tif").exists()


def test_grey_saved_as_rgb_or_palette_is_read_with_a_warning(tmp_path, grey):
    from PIL import Image

    for path in (_png(tmp_path / "g.png", np.dstack([grey] * 3)), tmp_path / "p.png"):
        if path.name == "p.png":
            Image.fromarray(grey, "L").convert("P").save(path)
        with pytest.warns(UserWarning, match="channels are equal: read as one grey channel"):
            np.testing.assert_array_equal(read_image(path), grey)


@pytest.mark.parametrize("make, needle", [
    (lambda g: np.dstack([g, g, g, np.arange(g.size, dtype=np.uint8).reshape(g.shape)]), "alpha"),
    (lambda g: np.dstack([g, g // 2, g]), "channels differ"),
])
def test_colour_images_are_refused(tmp_path, grey, make, needle):
    with pytest.raises(ValueError, match=needle):
        read_image(_png(tmp_path / "c.png", make(grey)))


def test_cmyk_jpeg_is_refused(tmp_path, grey):
    from PIL import Image

    Image.fromarray(grey, "L").convert("CMYK").save(tmp_path / "c.jpg")
    with pytest.raises(ValueError, match=r"c\.jpg is a colour image \(CMYK\)"):
        read_image(tmp_path / "c.jpg")


def test_bit_depths_are_read_exactly(tmp_path, grey):
    from PIL import Image

    u16 = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 257)
    Image.fromarray(u16).save(tmp_path / "u16.png")
    np.testing.assert_array_equal(read_image(tmp_path / "u16.png"), u16)
    Image.fromarray(grey > 4).save(tmp_path / "bw.png")  # 1 bit: 0/1
    np.testing.assert_array_equal(read_image(tmp_path / "bw.png"), (grey > 4).astype(np.float32))


def test_tiff_stacks_and_rgb_tiffs_are_refused(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "stack.tif", np.zeros((5, 16, 16), np.float32), imagej=True, metadata={"axes": "ZYX"})
    with pytest.raises(ValueError, match=r"stack\.tif is a stack of planes \(5 along 'Z'"):
        read_image(tmp_path / "stack.tif")
    rgb = (np.random.default_rng(0).random((16, 16, 3)) * 9).astype(np.uint8)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    with pytest.raises(ValueError, match="colour image .* channels differ"):
        read_image(tmp_path / "rgb.tif")
    tifffile.imwrite(tmp_path / "one.tif", np.ones((1, 16, 16), np.float32))  # one page: fine
    assert read_image(tmp_path / "one.tif").shape == (16, 16)


def test_a_one_pixel_image_keeps_its_two_dimensions(tmp_path):
    assert read_image(_png(tmp_path / "px.png", np.zeros((1, 1), np.uint8))).shape == (1, 1)


# ================================================================ training inputs
def _pairs_folder(folder, size=64, sub=None, names=("a", "b")):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in names:
        counts = rng.poisson(0.3, (size, size)).astype(np.float32)
        write_tiff(folder / f"{name}_sub.tif", counts, 10.0)
        write_tiff(folder / f"{name}_full.tif", counts + 0.5, 10.0)
    if sub is not None:
        name, image = sub
        (folder / f"{name}_sub.tif").unlink(missing_ok=True)
        path = folder / f"{name}_sub{'.png' if image.ndim == 3 or image.dtype == np.uint8 else '.tif'}"
        _png(path, image) if path.suffix == ".png" else write_tiff(path, image, 10.0)
        if path.suffix == ".png":
            full = folder / f"{name}_full.tif"
            write_tiff(full, np.ones(image.shape[:2], np.float32), 10.0)
    return folder


def _config(tmp_path, folder, out, **kw):
    cfg = dict(image_pairs_dir=str(folder), target_kind="images", val_fields=["b"], out_dir=str(out), patch_size=32,
               depth=2, base_filters=4, max_filters=8, batch_size=2, steps_per_epoch=1, epochs=1, val_size=32,
               rotate=False, loss_weights={"l1": 1.0})
    cfg.update(kw)
    path = tmp_path / "train.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_negative_counts_are_refused_for_training(tmp_path):
    folder = _pairs_folder(tmp_path / "pairs", sub=("a", -np.ones((64, 64), np.float32)))
    with pytest.raises(ValueError, match=r"a_sub\.tif: 4096 of 4096 pixel values are negative.*counts >= 0"):
        P.load_image_pairs(folder)


def test_negative_targets_are_read_with_a_warning(tmp_path):
    folder = _pairs_folder(tmp_path / "pairs")
    write_tiff(folder / "a_full.tif", -np.ones((64, 64), np.float32), 10.0)
    with pytest.warns(UserWarning, match=r"a_full\.tif: 4096 of 4096 pixel values are negative"):
        P.load_image_pairs(folder)


def test_rgb_sub_image_fails_train_in_one_line_and_leaves_no_run_folder(tmp_path, capsys):
    rgb = (np.random.default_rng(0).random((64, 64, 3)) * 9).astype(np.uint8)
    folder = _pairs_folder(tmp_path / "pairs", sub=("a", rgb))
    out = tmp_path / "run" / "model"
    _error(["train", _config(tmp_path, folder, out)], capsys, "a_sub.png", "colour image (RGB)")
    assert not out.exists() and not (tmp_path / "run").exists()


def test_a_one_pixel_training_image_names_the_size_needed(tmp_path, capsys):
    folder = _pairs_folder(tmp_path / "pairs", sub=("a", np.zeros((1, 1), np.uint8)))
    _error(["train", _config(tmp_path, folder, tmp_path / "out")], capsys, "a_sub.png is 1 x 1 px",
           "expected at least 32 x 32 px", "patch_size 32")
    assert not (tmp_path / "out").exists()


def test_out_dir_that_is_a_file_is_refused(tmp_path, capsys):
    folder = _pairs_folder(tmp_path / "pairs")
    (tmp_path / "taken").write_text("keep me")
    _error(["train", _config(tmp_path, folder, tmp_path / "taken")], capsys, "taken", "is a file; expected a folder")
    _error(["train", _config(tmp_path, folder, tmp_path / "taken" / "model")], capsys, "which is a file")
    assert (tmp_path / "taken").read_text() == "keep me"


def _fake_checkpoint(out, **config):
    (out / "checkpoint").mkdir(parents=True)
    (out / "checkpoint" / "state.json").write_text("{}")
    (out / "config.json").write_text(json.dumps(config))


def test_resuming_another_architecture_suggests_restart(tmp_path, capsys):
    folder = _pairs_folder(tmp_path / "pairs")
    config = _config(tmp_path, folder, tmp_path / "out")
    from frcnet_lite.training import read_config

    _fake_checkpoint(tmp_path / "out", **{**read_config(config).to_dict(), "depth": 3})
    line = _error(["train", config], capsys, "different configuration", "depth: 3 there, 2 now", "--restart")
    assert "resume=False" not in line


def test_a_corrupt_config_json_of_a_checkpoint_is_named(tmp_path, capsys):
    folder = _pairs_folder(tmp_path / "pairs")
    config = _config(tmp_path, folder, tmp_path / "out")
    _fake_checkpoint(tmp_path / "out")
    (tmp_path / "out" / "config.json").write_text('{"depth": 2,')
    _error(["train", config], capsys, "config.json is not valid JSON", "--restart")


def test_damaged_pairs_npz_is_named(tmp_path):
    pairs = P.PairSet(np.zeros((1, 8, 8), np.float32), np.zeros((1, 8, 8), np.float32))
    path = P.save_pairs(pairs, tmp_path / "train.npz")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"train\.npz is not a readable pairs file"):
        P.load_pairs(path)
    bad = P.PairSet(np.full((1, 8, 8), np.nan, np.float32), np.zeros((1, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"nan\.npz: 64 of 64 inputs values are NaN"):
        P.load_pairs(P.save_pairs(bad, tmp_path / "nan.npz"))


# ================================================================ models: each file of the folder
@pytest.fixture()
def model_copy(tmp_path):
    """A copy of the shipped cos7 model's model.json and model.keras."""
    src = M.model_folder("cos7")
    dst = tmp_path / "model"
    dst.mkdir()
    for name in ("model.json", "model.keras"):
        shutil.copy2(src / name, dst / name)
    return dst


@pytest.fixture()
def counts_tif(tmp_path):
    return write_tiff(tmp_path / "counts.tif", np.random.default_rng(0).poisson(0.2, (64, 64)), 10.0)


@pytest.mark.parametrize("key, value, needle", [
    ("pixel_size_nm", 0, "pixel_size_nm is 0; expected a positive number of nm"),
    ("pixel_size_nm", "10", "pixel_size_nm is '10'; expected a positive number"),
    ("input_scale", -1.0, "input_scale is -1.0; expected a positive number"),
    ("depth", 0, "depth is 0; expected a whole number from 1 to 16"),
    ("input_transform", "log", "input_transform is 'log'"),
    ("data", [], "data is []; expected a JSON object"),
])
def test_model_json_values_are_checked(model_copy, counts_tif, capsys, key, value, needle):
    info = json.loads((model_copy / "model.json").read_text())
    (info["normalisation"] if key in info["normalisation"] else info)[key] = value  # the scales are nested
    (model_copy / "model.json").write_text(json.dumps(info))
    out = counts_tif.parent / "r.tif"
    _error(["reconstruct", counts_tif, "-o", out, "--model", model_copy], capsys, "model.json", needle)
    assert not out.exists()


def test_model_json_missing_scales_is_named(model_copy):
    info = json.loads((model_copy / "model.json").read_text())
    del info["normalisation"]["input_scale"]
    (model_copy / "model.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="model.json has no 'input_scale'"):
        M.read_model_info(model_copy)


def test_corrupt_model_json_names_the_file(model_copy, counts_tif, capsys):
    (model_copy / "model.json").write_text((model_copy / "model.json").read_text()[:200])
    line = _error(["reconstruct", counts_tif, "-o", counts_tif.parent / "r.tif", "--model", model_copy], capsys,
                  "model.json is not valid JSON", "expected the model.json save_model writes")
    assert str(model_copy) in line


def test_truncated_model_keras_is_not_called_missing(model_copy, counts_tif, capsys):
    data = (model_copy / "model.keras").read_bytes()
    (model_copy / "model.keras").write_bytes(data[: len(data) // 2])
    line = _error(["reconstruct", counts_tif, "-o", counts_tif.parent / "r.tif", "--model", model_copy], capsys,
                  "model.keras", "is not a complete .keras (zip) archive", "truncated or damaged")
    assert "not found" not in line.lower()


def test_model_keras_with_a_damaged_member_is_refused(model_copy):
    path = model_copy / "model.keras"
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside the weights
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="is not a complete .keras"):
        M.load_model(model_copy)


def test_a_model_stating_pixel_size_zero_is_not_run_at_5_nm():
    from frcnet_lite.reconstruct import model_pixel_size_nm

    class Fake:
        frcnet_info = M.ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=0.0)
        frcnet_folder = "somewhere"

    with pytest.raises(ValueError, match="somewhere states pixel_size_nm 0.0; expected a positive number"):
        model_pixel_size_nm(Fake())
    Fake.frcnet_info = M.ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=None)
    assert model_pixel_size_nm(Fake()) == 5.0  # states none: the default


def test_trust_map_equal_to_output_is_named_as_such(tmp_path, capsys, counts_tif):
    out = tmp_path / "r.tif"
    _error(["reconstruct", counts_tif, "-o", out, "--trust-map", out], capsys, "--trust-map", "same file as --output")


def test_reconstruct_of_localizations_on_one_line_names_the_file(tmp_path, capsys):
    path = write_localizations(LocalizationTable({"x_nm": np.linspace(0, 2000, 50), "y_nm": np.full(50, 60.0),
                                                  "frame": np.arange(50)}), tmp_path / "line.csv")
    _error(["reconstruct", path, "-o", tmp_path / "r.tif", "--no-tta", "--quiet"], capsys, "line.csv",
           "is smaller than the")
    assert not (tmp_path / "r.tif").exists()
