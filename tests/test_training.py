"""Training loop: the loss goes down, interrupted + resumed == uninterrupted, files, config."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from frcnet_lite import training as T  # noqa: E402


def _pairs(n=4, size=48, seed=0):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    truth = np.zeros((n, size, size), "float32")
    for img in truth:  # a few bright lines
        for _ in range(3):
            r = rng.integers(4, size - 4)
            img[r, :] += 1.0 if rng.random() < 0.5 else 0.0
            img[:, r] += 1.0
    sparse = rng.poisson(0.8 * truth).astype("float32")
    target = np.stack([ndimage.gaussian_filter(t, 1.0) for t in truth]).astype("float32")
    return SimpleNamespace(inputs=sparse, targets=target, truths=truth, pixel_size_nm=5.0)


def _config(**kw):
    base = dict(target_kind="gaussian", patch_size=16, depth=2, base_filters=4, max_filters=8, batch_size=4,
                steps_per_epoch=6, epochs=3, loss_weights={"l1": 1.0, "ms_ssim": 0.5, "frc": 0.5}, seed=1,
                learning_rate=2e-3, val_size=32)
    base.update(kw)
    return T.TrainConfig(**base)


def test_a_few_steps_lower_the_loss(tmp_path):
    p = _pairs()
    res = T.train(_config(epochs=4), p, p, out_dir=tmp_path, progress=False)
    losses = [r["train_loss"] for r in res.history]
    assert losses[-1] < 0.8 * losses[0]
    assert res.history[-1]["val_loss"] < res.history[0]["val_loss"]


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path):
    p = _pairs()
    cfg = _config()
    full = T.train(cfg, p, p, out_dir=tmp_path / "full", progress=False)
    part = T.train(cfg, p, p, out_dir=tmp_path / "resumed", progress=False, stop_after_epochs=1)
    assert len(part.history) == 1 and not (tmp_path / "resumed" / "model.keras").exists()
    resumed = T.train(cfg, p, p, out_dir=tmp_path / "resumed", progress=False)
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    for a, b in zip(full.model.get_weights(), resumed.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose([r["train_loss"] for r in full.history],
                               [r["train_loss"] for r in resumed.history], rtol=1e-4)


def test_run_folder_contents(tmp_path):
    p = _pairs()
    rows = []
    T.train(_config(epochs=2), p, p, out_dir=tmp_path, progress=False, on_epoch_end=rows.append)
    assert {"model.keras", "model.json", "config.json", "history.csv"} <= {f.name for f in tmp_path.iterdir()}
    hist = T.load_history(tmp_path)
    assert [r["epoch"] for r in hist] == [1.0, 2.0] and len(rows) == 2
    assert {"train_loss", "val_loss", "val_frc", "val_ms_ssim_index", "val_psnr_db"} <= set(hist[0])
    info = json.loads((tmp_path / "model.json").read_text())
    assert info["train_config"]["depth"] == 2 and info["pixel_size_nm"] == 5.0


def test_resuming_with_another_configuration_is_refused(tmp_path):
    p = _pairs()
    T.train(_config(epochs=1), p, p, out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="different configuration"):
        T.train(_config(epochs=1, learning_rate=1e-3), p, p, out_dir=tmp_path, progress=False)


@pytest.mark.parametrize("change, match", [({"patch_size": 30}, "multiple of"), ({"loss_weights": {"ssim": 1}},
                                           "unknown loss"), ({"mixed_precision": "yes"}, "mixed_precision"),
                                           ({"target_kind": "blurry"}, "target_kind"), ({"epochs": 0}, "epochs")])
def test_bad_configs_are_explained(change, match):
    with pytest.raises(ValueError, match=match):
        _config(**change)


def test_config_file_round_trip(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("preset: lite\nepochs: 3\ntarget_kind: gaussian\n")
    cfg = T.read_config(f)
    assert cfg == T.TrainConfig.lite(epochs=3, target_kind="gaussian")
    assert "epochs" in str(cfg)
    f.write_text("epoch: 3\n")
    with pytest.raises(ValueError, match="unknown key"):
        T.read_config(f)


def test_cli_trains_from_a_config_file(tmp_path):
    from frcnet_lite.cli import main
    from frcnet_lite.pairs import PairSet, save_pairs

    p = _pairs(size=48)
    for split in ("train", "val"):
        save_pairs(PairSet(p.inputs, p.targets, p.truths, 5.0, "gaussian", {}), tmp_path / "pairs" / "gaussian" /
                   f"{split}.npz")
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("target_kind: gaussian\npatch_size: 16\ndepth: 2\nbase_filters: 4\nmax_filters: 8\n"
                   "batch_size: 2\nsteps_per_epoch: 2\nepochs: 1\nval_size: 32\nloss_weights: {l1: 1.0}\n")
    out = tmp_path / "model"
    assert main(["train", str(cfg), "--pairs-dir", str(tmp_path / "pairs"), "--out-dir", str(out)]) == 0
    assert (out / "model.keras").is_file() and len(T.load_history(out)) == 1


@pytest.mark.gpu
def test_mixed_precision_code_path_runs(tmp_path):
    """float16 compute + loss scaling (the GPU path), with a tiny model (slow on a CPU: runs where there is a GPU)."""
    import keras

    p = _pairs()
    res = T.train(_config(epochs=1, mixed_precision="on"), p, p, out_dir=tmp_path, progress=False)
    assert np.isfinite(res.history[0]["train_loss"]) and np.isfinite(res.history[0]["val_loss"])
    assert keras.mixed_precision.global_policy().name == "float32"  # the global policy is restored
    gen = res.model.get_layer("generator")
    assert gen.get_layer("down1_conv").compute_dtype == "float16"
    assert res.model.output.dtype == "float32"


@pytest.mark.gpu
def test_training_runs_under_the_multi_gpu_strategy(tmp_path):
    """With several GPUs, training runs replicated (MirroredStrategy) and gives finite losses."""
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) < 2:
        pytest.skip("needs at least 2 GPUs for the MirroredStrategy path")
    assert isinstance(T.pick_strategy(), tf.distribute.MirroredStrategy)
    p = _pairs()
    res = T.train(_config(epochs=1), p, p, out_dir=tmp_path, progress=False)
    assert np.isfinite(res.history[0]["train_loss"]) and np.isfinite(res.history[0]["val_loss"])


def test_fine_tuning_starts_from_the_saved_weights_and_scales(tmp_path):
    p = _pairs()
    base = T.train(_config(epochs=2), p, p, out_dir=tmp_path / "base", progress=False)
    # new data with another intensity scale: the saved normalisation must be kept, not refitted
    q = SimpleNamespace(inputs=3 * p.inputs, targets=5 * p.targets, pixel_size_nm=5.0)
    tuned = T.train(_config(epochs=1, steps_per_epoch=1, learning_rate=1e-9, init_from=str(tmp_path / "base")),
                    q, q, out_dir=tmp_path / "tuned", progress=False)
    assert tuned.normalisation == base.normalisation
    x = p.inputs[:1, :32, :32, None]
    np.testing.assert_allclose(tuned.model(x).numpy(), base.model(x).numpy(), rtol=1e-3, atol=1e-5)
    scratch = T.train(_config(epochs=1, steps_per_epoch=1, learning_rate=1e-9), q, q, out_dir=tmp_path / "scratch",
                      progress=False)
    assert not np.allclose(scratch.model(x).numpy(), base.model(x).numpy(), atol=1e-3)
    info = json.loads((tmp_path / "tuned" / "model.json").read_text())
    assert info["train_config"]["init_from"] == str(tmp_path / "base")


def test_fine_tuning_refuses_another_architecture(tmp_path):
    p = _pairs()
    T.train(_config(epochs=1, steps_per_epoch=1), p, p, out_dir=tmp_path / "base", progress=False)
    with pytest.raises(ValueError, match=r"another architecture \(base_filters: 4 there, 8 here\)"):
        T.train(_config(epochs=1, base_filters=8, init_from=str(tmp_path / "base")), p, p,
                out_dir=tmp_path / "other", progress=False)


def test_sqrt_input_transform_trains_and_is_recorded(tmp_path):
    """The transform reaches the saved model (its info and its layers) and a fine-tune must keep it."""
    p = _pairs()
    res = T.train(_config(epochs=1, steps_per_epoch=2, input_transform="sqrt"), p, p, out_dir=tmp_path / "s",
                  progress=False)
    assert res.normalisation.input_transform == "sqrt"
    info = json.loads((tmp_path / "s" / "model.json").read_text())
    assert info["normalisation"]["input_transform"] == "sqrt" and info["train_config"]["input_transform"] == "sqrt"
    assert any(layer.name == "counts_sqrt" for layer in res.model.layers)
    with pytest.raises(ValueError, match=r"input_transform: 'sqrt' there, 'linear' here"):
        T.train(_config(epochs=1, init_from=str(tmp_path / "s")), p, p, out_dir=tmp_path / "t", progress=False)
    with pytest.raises(ValueError, match="input_transform must be one of"):
        _config(input_transform="log")


def test_local_density_normalisation_trains_and_is_recorded(tmp_path):
    """The local density reaches the saved model (info and layers), loads back, and a fine-tune must keep it."""
    from frcnet_lite.model import load_model

    p = _pairs()
    res = T.train(_config(epochs=1, steps_per_epoch=2, local_sigma_px=3.0), p, p, out_dir=tmp_path / "l",
                  progress=False)
    assert res.normalisation.local_sigma_px == 3.0
    assert res.normalisation.local_floor == pytest.approx(float(np.mean(p.inputs)), rel=1e-5)
    norm = json.loads((tmp_path / "l" / "model.json").read_text())["normalisation"]  # one value object
    assert norm["local_sigma_px"] == 3.0 and norm["local_floor"] == pytest.approx(res.normalisation.local_floor)
    back = load_model(tmp_path / "l")
    x = p.inputs[:1, ..., None].astype("float32")
    np.testing.assert_allclose(back(x).numpy(), res.model(x).numpy(), rtol=1e-5)
    assert any(layer.name == "times_local_density" for layer in back.layers)
    with pytest.raises(ValueError, match=r"local_sigma_px: 3.0 there, 0.0 here"):
        T.train(_config(epochs=1, init_from=str(tmp_path / "l")), p, p, out_dir=tmp_path / "t", progress=False)
    with pytest.raises(ValueError, match="local_sigma_px must be 0"):
        _config(local_sigma_px=-2.0)


def test_blend_generator_trains_saves_and_reports_its_chosen_widths(tmp_path):
    """A unet_blend run: saved and loaded in safe mode with the same output; blend_widths lies within the bank's
    widths and equals the softmax-weighted width computed from the generator's own layer."""
    import keras

    from frcnet_lite.model import BLEND_SIGMAS_PX, load_model

    p = _pairs(size=32)
    res = T.train(_config(epochs=1, steps_per_epoch=2, generator="unet_blend", local_sigma_px=3.0), p, p,
                  out_dir=tmp_path / "b", progress=False)
    back = load_model(tmp_path / "b")
    x = p.inputs[:1, ..., None].astype("float32")
    np.testing.assert_allclose(back(x).numpy(), res.model(x).numpy(), rtol=1e-5, atol=1e-6)
    widths = T.blend_widths(back, p.inputs[0])
    assert widths.shape == p.inputs[0].shape
    assert min(BLEND_SIGMAS_PX) - 1e-5 <= widths.min() and widths.max() <= max(BLEND_SIGMAS_PX) + 1e-5
    gen = T._generator_of(back)
    xin = T.normalisation_of(back.frcnet_info).inputs(p.inputs[0])[None, ..., None]
    w = keras.Model(gen.input, gen.get_layer("blend_weights").output)(xin).numpy()[0]
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(widths, (w * np.array(BLEND_SIGMAS_PX)).sum(-1), rtol=1e-5)
    plain = T.train(_config(epochs=1, steps_per_epoch=1), p, p, out_dir=tmp_path / "p", progress=False)
    plain.model.frcnet_folder = "plain"
    with pytest.raises(ValueError, match="its generator is not 'unet_blend'"):
        T.blend_widths(plain.model, p.inputs[0])


def test_batch_norm_recalibration_sets_the_statistics_of_the_batches(tmp_path):
    """Against a direct computation: the per-channel mean and unbiased variance of the first batch-norm layer's
    input, averaged over the batches; the saved model uses them; bad values are explained."""
    import keras

    from frcnet_lite.model import load_model

    g = __import__("frcnet_lite.model", fromlist=["x"]).build_generator(None, depth=3, base_filters=4,
                                                                            max_filters=8, dropout_blocks=0)
    rng = np.random.default_rng(0)
    batches = [rng.normal(0, 1, (3, 16, 16, 1)).astype("float32") for _ in range(4)]
    bn = next(layer for layer in g.layers if isinstance(layer, keras.layers.BatchNormalization))
    probe = keras.Model(g.input, bn.input)
    # before the first BN layer nothing is batch-normalised: its input does not depend on the mode
    means = [probe(b).numpy().reshape(-1, bn.input.shape[-1]).mean(0) for b in batches]
    variances = [probe(b).numpy().reshape(-1, bn.input.shape[-1]).var(0, ddof=1) for b in batches]
    assert T.recalibrate_batch_norm(g, iter(batches)) == 4
    np.testing.assert_allclose(bn.moving_mean.numpy(), np.mean(means, 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bn.moving_variance.numpy(), np.mean(variances, 0), rtol=1e-5)
    with pytest.raises(ValueError, match="at least one batch"):
        T.recalibrate_batch_norm(g, iter([]))
    with pytest.raises(ValueError, match="bn_recalibration_patches must be >= 0, got -1"):
        _config(bn_recalibration_patches=-1)
    p = _pairs()
    plain = T.train(_config(epochs=1, steps_per_epoch=2), p, p, out_dir=tmp_path / "r", progress=False)
    again = T.train(_config(epochs=1, steps_per_epoch=2, bn_recalibration_patches=8), p, p, out_dir=tmp_path / "r",
                    progress=False)  # a finished run, recalibrated: allowed, weights unchanged
    pairs = list(zip(T._generator_of(plain.model).weights, T._generator_of(again.model).weights))
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in pairs if "moving" not in a.path)
    assert any(not np.array_equal(a.numpy(), b.numpy()) for a, b in pairs if "moving" in a.path)
    back = load_model(tmp_path / "r")
    x = p.inputs[:1, ..., None]
    np.testing.assert_allclose(back(x).numpy(), again.model(x).numpy(), rtol=1e-5, atol=1e-6)
    assert json.loads((tmp_path / "r" / "model.json").read_text())["train_config"]["bn_recalibration_patches"] == 8
