"""The ``evaluate`` and ``reconstruct`` subcommands, through the real argument parser."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from frcnet_lite.pipeline import Normalisation
from frcnet_lite import metrics
from frcnet_lite.cli import main
from frcnet_lite.reconstruct import read_image_with_pixel_size, write_float_tiff


@pytest.fixture()
def images(tmp_path):
    rng = np.random.default_rng(0)
    target = rng.random((64, 64)).astype(np.float32)
    pred = (target + 0.1 * rng.random(target.shape)).astype(np.float32)
    sparse = rng.poisson(target).astype(np.float32)
    paths = {}
    for name, img in (("pred", pred), ("target", target), ("sparse", sparse)):
        paths[name] = write_float_tiff(tmp_path / f"{name}.tif", img, 5.0)
    np.save(tmp_path / "pred.npy", pred)
    return paths, pred, target


def test_evaluate_json_equals_the_library(images, capsys, tmp_path):
    paths, pred, target = images
    assert main(["evaluate", str(tmp_path / "pred.npy"), str(paths["target"]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = metrics.evaluate_pair(pred, target, "affine")  # the one fit of the package (validation.FIT)
    for key, value in expected.items():
        assert out["prediction"][key] == pytest.approx(value, abs=1e-6)


def test_evaluate_table_with_baselines(images, capsys):
    paths, *_ = images
    assert main(["evaluate", str(paths["pred"]), str(paths["target"]), "--input", str(paths["sparse"])]) == 0
    text = capsys.readouterr().out
    for row in ("prediction", "histogram", "gaussian KDE"):
        assert row in text


def test_evaluate_bad_inputs(images, capsys, tmp_path):
    paths, *_ = images
    small = write_float_tiff(tmp_path / "small.tif", np.zeros((10, 10)), 5.0)
    assert main(["evaluate", str(paths["pred"]), str(small)]) == 2
    assert "same shape" in capsys.readouterr().err
    assert main(["evaluate", str(paths["pred"]), str(tmp_path / "missing.tif")]) == 2
    assert "missing.tif" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from frcnet_lite import model as m

    gen = m.build_generator(None, depth=2, base_filters=4, max_filters=4)
    wrapped = m.wrap_for_counts(gen, Normalisation(input_scale=4.0, target_scale=2.0))
    folder = tmp_path_factory.mktemp("model")
    m.save_model(wrapped, folder, m.ModelInfo(Normalisation(4.0, 2.0), pixel_size_nm=5.0, depth=2))
    return folder


def test_reconstruct_png_with_pixel_size(tmp_path, tiny_model_dir, capsys):
    png = tmp_path / "sparse.png"
    Image.fromarray(np.random.default_rng(1).poisson(0.5, (48, 60)).astype(np.uint8)).save(png)
    out = tmp_path / "rec.tif"
    args = ["reconstruct", str(png), "-o", str(out), "--model", str(tiny_model_dir), "--pixel-size-nm", "10",
            "--tile-size", "64", "--overlap", "16", "--quiet", "--trust-map", str(tmp_path / "trust.tif")]
    assert main(args) == 0
    img, px = read_image_with_pixel_size(out)
    assert img.shape == (96, 120) and px == pytest.approx(5.0)  # rendered at the model's 5 nm
    assert (tmp_path / "trust.tif").is_file()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make, extra, message",
    [
        (lambda d: Image.fromarray(np.zeros((64, 64), np.uint8)).save(d / "in.png") or d / "in.png", [], "pixel size"),
        (lambda d: (d / "in.tif").write_bytes(b"not a tiff") and d / "in.tif", ["--pixel-size-nm", "5"], "not a readable image"),
        (lambda d: write_float_tiff(d / "in.tif", np.ones((8, 8)), 5.0), [], "smaller than"),
    ],
    ids=["png-without-pixel-size", "non-image", "too-small"],
)
def test_reconstruct_bad_inputs_write_nothing(tmp_path, tiny_model_dir, capsys, make, extra, message):
    src = make(tmp_path)
    out = tmp_path / "rec.tif"
    assert main(["reconstruct", str(src), "-o", str(out), "--model", str(tiny_model_dir), "--quiet", *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert not any(".partial" in p.name for p in tmp_path.iterdir())


def test_reconstruct_rejects_non_tiff_output(tmp_path, capsys):
    assert main(["reconstruct", str(tmp_path / "x.csv"), "-o", str(tmp_path / "out.png")]) == 2
    assert ".tif" in capsys.readouterr().err


def test_reconstruct_localization_file_matches_rendering(tmp_path, tiny_model_dir):
    from frcnet_lite import io, rendering
    from frcnet_lite.localizations import LocalizationMeta, LocalizationTable

    rng = np.random.default_rng(3)
    n = 500
    table = LocalizationTable(
        {"x_nm": rng.uniform(0, 400, n), "y_nm": rng.uniform(0, 300, n), "frame": np.arange(n)},
        LocalizationMeta(pixel_size_nm=100.0, fov_nm=(0.0, 0.0, 400.0, 300.0)),
    )
    src = io.write_localizations(table, tmp_path / "locs.csv")
    out = tmp_path / "rec.tif"
    assert main(["reconstruct", str(src), "-o", str(out), "--model", str(tiny_model_dir), "--quiet",
                 "--tile-size", "64", "--overlap", "16"]) == 0
    img, px = read_image_with_pixel_size(out)
    hist = rendering.render_histogram(table, 5.0)
    assert img.shape == hist.shape == (60, 80) and px == pytest.approx(5.0)
    from frcnet_lite.model import load_model
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled

    direct = predict_tiled(hist, model_predict_fn(load_model(tiny_model_dir), tta=True),
                           TilingConfig(tile_size_px=64, overlap_px=16), progress=False)
    np.testing.assert_allclose(img, direct, atol=1e-5)
