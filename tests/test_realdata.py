"""The real-data path: image-pair folders in the training config, the split by field, shipped
models by name, the default-model rule, input warnings, the ``pairs`` command, the comparison
with the oracle blur, and the checkerboard measure."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from frcnet_lite.pipeline import Normalisation
from frcnet_lite import comparison, kde, model as M, pairs as P, reconstruct as R, training as T
from frcnet_lite.cli import main
from frcnet_lite.io import read_image, write_tiff
from frcnet_lite.simulate import simulate_microtubules


def _write_pairs(folder: Path, names=("a", "b", "c"), size=128, seed=0) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        truth = np.zeros((size, size), "float32")
        for _ in range(4):
            truth[rng.integers(8, size - 8), :] = 1.0
            truth[:, rng.integers(8, size - 8)] = 1.0
        write_tiff(folder / f"{name}_sub.tif", rng.poisson(0.5 * truth).astype("float32"), 10.0)
        write_tiff(folder / f"{name}_full.tif", ndimage.gaussian_filter(truth, 1.5) * 1000 + 250, 10.0)
    return folder


def _tiny_config(folder, out, **kw):
    base = dict(image_pairs_dir=str(folder), target_kind="images", val_fields=["c"], out_dir=str(out),
                patch_size=32, depth=2, base_filters=4, max_filters=8, batch_size=2, steps_per_epoch=2, epochs=1,
                val_size=64, loss_weights={"l1": 1.0, "ms_ssim": 1.0, "frc": 1.0})
    base.update(kw)
    return base


# ------------------------------------------------------------------------------- split by field
def test_split_by_field_never_trains_on_a_held_out_field(tmp_path):
    folder = _write_pairs(tmp_path / "pairs", names=("a", "b", "c"))
    pairs = P.load_image_pairs(folder, patch_px=64)
    train, val = pairs.split_by_field(["c"])
    assert set(train.meta["names"]) == {"a", "b"} and set(val.meta["names"]) == {"c"}
    assert len(train) + len(val) == len(pairs) and len(val) == 4  # 2 x 2 patches of 64 px
    held_out = read_image(folder / "c_sub.tif")[:64, :64]
    assert not any(np.array_equal(held_out, x) for x in train.inputs)


def test_split_by_field_keeps_the_windows_of_one_field_together(tmp_path):
    sim = simulate_microtubules(field_size_nm=1280, n_frames=400, seed=3)
    P.write_image_pairs({"x": sim.localizations, "y": sim.localizations}, tmp_path, fraction=0.2, windows=3,
                        target_kind="gaussian", pixel_size_nm=10.0)
    pairs = P.load_image_pairs(tmp_path)
    assert sorted(pairs.meta["pairs"]) == ["x@1", "x@2", "x@3", "y@1", "y@2", "y@3"]
    train, val = pairs.split_by_field(["y"])
    assert train.meta["names"] == ["x"] * 3 and val.meta["names"] == ["y"] * 3


@pytest.mark.parametrize("val, message", [(["zz"], "not among the fields"), (["a", "b", "c"], "nothing is left"),
                                          ([], "empty")])
def test_split_by_field_errors_name_the_problem(tmp_path, val, message):
    pairs = P.load_image_pairs(_write_pairs(tmp_path))
    with pytest.raises(ValueError, match=message):
        pairs.split_by_field(val)


# ------------------------------------------------------------------------------- config + training
def test_train_command_trains_from_an_image_pair_folder(tmp_path, capsys):
    folder = _write_pairs(tmp_path / "pairs")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(_tiny_config(folder, tmp_path / "model", epochs=2)))
    assert main(["train", str(cfg)]) == 0
    info = M.read_model_info(tmp_path / "model")
    assert info.target_kind == "images" and info.pixel_size_nm == 10.0
    assert info.data["train_fields"] == ["a", "b"] and info.data["val_fields"] == ["c"]
    assert info.data["input_counts_per_um2"] > 0
    assert info.train_config["decoder"] == "resize"
    history = T.load_history(tmp_path / "model")
    assert [r["epoch"] for r in history] == [1.0, 2.0]


@pytest.mark.parametrize("change, message", [
    ({"val_fields": []}, "val_fields"),
    ({"target_kind": "gaussian"}, "target_kind must be 'images'"),
    ({"decoder": "pixelshuffle"}, "decoder must be one of"),
    ({"generator": "resnet"}, "generator must be one of"),
    ({"pixel_size_nm": -1.0}, "pixel_size_nm must be > 0"),
])
def test_image_pair_config_errors(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        T.TrainConfig(**{**_tiny_config(tmp_path, tmp_path), **change})


def test_old_checkpoints_without_new_fields_still_resume(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.poisson(0.3, (2, 64, 64)).astype("float32")
    pairs = P.PairSet(x, ndimage.gaussian_filter(x, 1.0) + 0.1)
    cfg = T.TrainConfig(patch_size=32, depth=2, base_filters=4, max_filters=4, batch_size=2, steps_per_epoch=1,
                        epochs=2, val_size=32)
    T.train(cfg, pairs, pairs, out_dir=tmp_path, progress=False, stop_after_epochs=1)
    saved = json.loads((tmp_path / "config.json").read_text())
    for key in ("generator", "decoder", "image_pairs_dir", "val_fields", "pixel_size_nm"):
        saved.pop(key)  # as written before these fields existed
    (tmp_path / "config.json").write_text(json.dumps(saved))
    res = T.train(cfg, pairs, pairs, out_dir=tmp_path, progress=False)
    assert [r["epoch"] for r in res.history] == [1, 2]


# ------------------------------------------------------------------------------- decoders
@pytest.mark.parametrize("decoder", M.DECODERS)
def test_both_decoders_build_and_keep_the_shape(decoder):
    g = M.build_generator(64, depth=3, base_filters=4, max_filters=8, decoder=decoder)
    assert g.output_shape == (None, 64, 64, 1)
    kinds = {type(layer).__name__ for layer in g.layers}
    assert ("Conv2DTranspose" in kinds) == (decoder == "transpose")
    assert ("UpSampling2D" in kinds) == (decoder == "resize")


def test_nyquist_corner_power_sees_the_checkerboard_of_an_untrained_transposed_decoder():
    # Untrained transposed convolutions with a constant input make the textbook checkerboard;
    # nearest-neighbour upsampling + convolution cannot (Odena et al. 2016).
    import keras

    keras.utils.set_random_seed(0)
    x = np.ones((1, 64, 64, 1), "float32")
    power = {}
    for decoder in M.DECODERS:
        g = M.build_generator(64, depth=3, base_filters=4, max_filters=8, dropout_blocks=0, decoder=decoder)
        power[decoder] = comparison.nyquist_corner_power(g(x, training=False).numpy()[0, 8:-8, 8:-8, 0])
    assert power["transpose"] > 0.3 and power["resize"] < 0.1 * power["transpose"]


# ------------------------------------------------------------------------------- shipped models
def test_shipped_models_load_by_name_in_safe_mode():
    assert {"simulated", "cos7"} <= set(M.shipped_models())
    for name in ("simulated", "cos7"):
        m = M.load_model(name)
        assert m.frcnet_folder == M.PRETRAINED_DIR / name
        assert M.read_model_info(name) == m.frcnet_info
        assert sum(f.stat().st_size for f in (M.PRETRAINED_DIR / name).iterdir()) < 20e6
        for f in ("model.json", "model.keras", "README.md", "history.csv", "train_config.yaml"):
            assert (M.PRETRAINED_DIR / name / f).is_file(), f
    assert M.read_model_info("cos7").pixel_size_nm == 10.0 and M.read_model_info("simulated").pixel_size_nm == 5.0


def test_default_model_is_the_one_nearest_the_input_pixel_size():
    assert M.default_model_name(None) == M.DEFAULT_MODEL == "simulated"
    assert M.default_model_name(10.0) == "cos7" and M.default_model_name(12.0) == "cos7"
    assert M.default_model_name(4.0) == "simulated" and M.default_model_name(7.0) == "simulated"
    with pytest.raises(ValueError, match="positive"):
        M.default_model_name(0.0)


def test_a_model_folder_is_accepted_and_unknown_names_are_one_clear_error(tmp_path):
    assert M.model_folder(M.PRETRAINED_DIR / "cos7") == M.PRETRAINED_DIR / "cos7"
    assert M.model_folder(str(M.PRETRAINED_DIR / "cos7" / "model.keras")) == M.PRETRAINED_DIR / "cos7"
    with pytest.raises(FileNotFoundError, match="no shipped model named 'cos8'.*cos7, simulated"):
        M.model_folder("cos8")


def test_models_command_lists_every_shipped_model(capsys):
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"].split()[0]: r for r in rows}
    assert by_name["cos7"]["pixel_size_nm"] == 10.0 and by_name["cos7"]["validation"]
    assert by_name["simulated"]["name"] == "simulated (default)"


# ------------------------------------------------------------------------------- warnings
def test_input_warnings_pixel_size_and_density():
    info = M.ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=10.0, data={"input_counts_per_um2": 400.0})
    ok = np.full((100, 100), 0.04, "float32")  # 400 per um^2 at 10 nm
    assert R.input_warnings(info, ok, 10.0) == []
    assert "5 nm pixels but the model was trained at 10 nm" in R.input_warnings(info, ok / 4, 5.0)[0]
    dense = R.input_warnings(info, ok * 10, 10.0)
    assert len(dense) == 1 and "10x" in dense[0] and "whole acquisition" in dense[0]
    assert "only 0.10x" in R.input_warnings(info, ok / 10, 10.0)[0]
    assert R.input_warnings(M.ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=10.0), ok * 100, 10.0) == []  # no record, no guess


def test_input_warnings_use_the_training_density_range_when_recorded():
    # trained on 100-2,000 per um^2 (5th-95th percentile), median 400: 4,000 is inside 3x the range, 10,000 is not
    info = M.ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=10.0,
                       data={"input_counts_per_um2": 400.0, "input_counts_per_um2_range": [100.0, 2000.0]})
    per_um2 = np.full((100, 100), 1e-4, "float32")  # 1 per um^2 at 10 nm
    assert R.input_warnings(info, per_um2 * 4000, 10.0) == []  # 10x the median, but within the range's reach
    dense = R.input_warnings(info, per_um2 * 10000, 10.0)
    assert dense == ["the input holds 1e+04 localizations per um^2, 5x the 2e+03 per um^2 of its densest training "
                     "inputs (95th percentile; median 400): the model expects sparse inputs like those (e.g. a 10% "
                     "time window), not a whole acquisition"]
    assert R.input_warnings(info, per_um2 * 40, 10.0) == []  # 1/10 of the median, 0.4x the sparsest
    sparse = R.input_warnings(info, per_um2 * 20, 10.0)
    assert len(sparse) == 1 and "only 0.20x the 100 per um^2 of its sparsest training inputs" in sparse[0]


def test_input_density_range_against_a_direct_count():
    from frcnet_lite.training import input_density_range

    rng = np.random.default_rng(0)
    inputs = rng.poisson(rng.uniform(0.01, 1.0, (40, 1, 1)), (40, 32, 32)).astype("float32")
    per_um2 = [float(x.sum()) / (32 * 32 * 0.005**2) for x in inputs]  # 5 nm pixels
    median, low, high = input_density_range(inputs, 5.0)
    assert median == pytest.approx(np.median(per_um2)) and low == pytest.approx(np.percentile(per_um2, 5))
    assert high == pytest.approx(np.percentile(per_um2, 95)) and low < median < high
    with pytest.raises(ValueError, match=r"non-empty stack of images \(N, H, W\), got shape \(32, 32\)"):
        input_density_range(inputs[0], 5.0)


def test_reconstruct_picks_and_prints_the_default_model_and_warns(tmp_path, capsys):
    rng = np.random.default_rng(0)
    img = rng.poisson(0.5, (128, 128)).astype("float32")  # ~5000 per um^2 at 10 nm: a dense input
    src = tmp_path / "sparse.tif"
    write_tiff(src, img, 10.0)
    assert main(["reconstruct", str(src), "-o", str(tmp_path / "out.tif"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "model: cos7" in captured.out
    assert "warning: the input holds" in captured.err and "Traceback" not in captured.err
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = R.reconstruct_file(src, tmp_path / "out2.tif", model="cos7", progress=False)
    assert res["default_model"] is None and res["warnings"] and any("localizations per um^2" in str(w.message)
                                                                    for w in caught)


# ------------------------------------------------------------------------------- pairs command
def test_pairs_command_renders_training_pairs_from_a_localization_file(tmp_path, capsys):
    from frcnet_lite.io import write_localizations

    sim = simulate_microtubules(field_size_nm=1280, n_frames=500, seed=1)
    locs = tmp_path / "cell1.csv"
    write_localizations(sim.localizations, locs)
    out = tmp_path / "pairs"
    assert main(["pairs", str(locs), "-o", str(out), "--fraction", "0.1", "--windows", "2", "--target",
                 "gaussian", "--pixel-size-nm", "10"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cell1@1_full.tif", "cell1@1_sub.tif", "cell1@2_full.tif",
                                                    "cell1@2_sub.tif"]
    sub, full = read_image(out / "cell1@1_sub.tif"), read_image(out / "cell1@1_full.tif")
    n = len(sim.localizations)
    assert 0.07 * n < sub.sum() < 0.13 * n  # a 10 % time window (whole frames)
    assert abs(full.sum() - n) < 0.01 * n  # the Gaussian KDE keeps the count


@pytest.mark.parametrize("argv, message", [
    (["--fraction", "0.4:0.1"], "fractions must lie in"),
    (["--fraction", "abc"], "expected a fraction"),
])
def test_pairs_command_rejects_bad_fractions(tmp_path, capsys, argv, message):
    assert main(["pairs", str(tmp_path / "x.csv"), "-o", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# ------------------------------------------------------------------------------- comparison
def test_oracle_blur_picks_the_best_width_for_each_metric():
    rng = np.random.default_rng(4)
    truth = ndimage.gaussian_filter(rng.random((96, 96)), 2.5)
    sparse = rng.poisson(15 * truth).astype("float32")
    best = comparison.best_blur(sparse, truth, sigmas_px=(0.5, 1.0, 2.0, 4.0))
    for metric, (value, sigma) in best.items():
        each = [comparison.score(kde.gaussian_kde(sparse, s), truth)[metric]
                for s in (0.5, 1.0, 2.0, 4.0)]
        pick = max(each) if comparison.METRICS[metric] else min(each)
        assert value == pytest.approx(pick, rel=1e-3, abs=1e-6)
        assert sigma == (0.5, 1.0, 2.0, 4.0)[each.index(pick)]


def test_affine_fit_removes_gain_and_offset():
    from frcnet_lite.metrics import normalise_pair

    t = np.random.default_rng(0).random((32, 32))
    p, tn = normalise_pair(5 * t - 3, t + 7, "affine")
    np.testing.assert_allclose(p, tn, atol=1e-12)


def test_compare_crops_reports_mean_and_sem_per_method():
    rng = np.random.default_rng(5)
    truth = ndimage.gaussian_filter(rng.random((128, 128)), 2.0)
    sparse = rng.poisson(20 * truth).astype("float32")
    res = comparison.compare_crops(sparse, truth, truth, crop_px=64, sigmas_px=(1.0, 2.0), anisotropic=False)
    assert res["network"]["ms_ssim"].n == 4 and res["network"]["ms_ssim"].mean == pytest.approx(1.0)
    assert res["margin"]["psnr_db"].mean > 0 and np.isfinite(res["margin"]["psnr_db"].sem)


def test_evaluate_command_reconstructs_with_a_model_and_adds_the_oracle_blur(tmp_path, capsys):
    from frcnet_lite.datasets import demo_pair

    sparse, dense = demo_pair()
    write_tiff(tmp_path / "s.tif", sparse[:192, :192], 10.0)
    write_tiff(tmp_path / "d.tif", dense[:192, :192], 10.0)
    assert main(["evaluate", str(tmp_path / "s.tif"), str(tmp_path / "d.tif"), "--model", "cos7",
                 "--normalisation", "affine", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"network (cos7)", "histogram", "anisotropic KDE", "best blur (oracle)"} <= set(rows)
    best = comparison.best_blur(sparse[:192, :192], dense[:192, :192])
    assert rows["best blur (oracle)"]["ms_ssim"] == pytest.approx(best["ms_ssim"][0], abs=1e-5)
    assert main(["evaluate", str(tmp_path / "s.tif"), str(tmp_path / "d.tif"), "--model", "cos9"]) == 2
    assert "--model" in capsys.readouterr().err


def test_demo_crop_is_small_and_documented():
    from frcnet_lite.datasets import DEMO_DIR, demo_pair

    assert sum(f.stat().st_size for f in DEMO_DIR.iterdir()) < 1_000_000
    text = (DEMO_DIR / "README.md").read_text()
    assert "MIT" in text and "10.3389/fbinf.2021.752788" in text and (DEMO_DIR / "LICENSE").is_file()
    sparse, dense = demo_pair()
    assert sparse.max() <= 255 and dense.max() > 1000  # counts and the 16-bit dense image
