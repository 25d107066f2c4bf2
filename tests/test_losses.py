"""Losses: zero for identical images, finite (with finite gradients) for blank ones, numbers
checked against numpy references and the independent numpy MS-SSIM of ``frcnet_lite.metrics``."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from frcnet_lite import losses  # noqa: E402

RNG = np.random.default_rng(0)


def _img(size=64, n=2):
    return RNG.random((n, size, size, 1)).astype("float32")


@pytest.mark.parametrize("name", ["ms_ssim", "frc", "l1", "mse"])
def test_identical_images_give_zero(name):
    a = _img()
    assert float(losses.LOSSES[name](a, a)) == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("name", ["ms_ssim", "frc", "l1", "mse"])
@pytest.mark.parametrize("pair", ["both_blank", "blank_pred", "blank_true"])
def test_blank_images_give_finite_loss_and_gradients(name, pair):
    a = tf.constant(_img())
    z = tf.zeros_like(a)
    y_true, y_pred = {"both_blank": (z, z), "blank_pred": (a, z), "blank_true": (z, a)}[pair]
    y_pred = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = losses.LOSSES[name](y_true, y_pred)
    grad = tape.gradient(value, y_pred)
    assert np.isfinite(float(value))
    assert grad is None or np.all(np.isfinite(grad.numpy()))


def test_l1_and_mse_match_numpy():
    a, b = _img(16), _img(16)
    assert float(losses.l1_loss(a, b)) == pytest.approx(np.abs(a - b).mean(), rel=1e-5)
    assert float(losses.mse_loss(a, b)) == pytest.approx(((a - b) ** 2).mean(), rel=1e-5)


@pytest.mark.parametrize("size", [16, 32, 64, 128, 200])
def test_ms_ssim_scales_fit_every_patch_size(size):
    """The TF default (5 scales, filter 11) fails under ~161 px: our scales must not."""
    a = _img(size, 1)
    b = np.clip(a + 0.1 * RNG.normal(size=a.shape), 0, 1).astype("float32")
    v = float(losses.ms_ssim_loss(a, b))
    assert 0 < v < 1
    fs, powers = losses.ms_ssim_scales(size)
    assert size // 2 ** (len(powers) - 1) >= fs and sum(powers) == pytest.approx(1.0, abs=2e-4)


def test_ms_ssim_agrees_with_independent_numpy_implementation():
    metrics = pytest.importorskip("frcnet_lite.metrics")
    a = _img(192, 1)
    b = np.clip(a * 0.8 + 0.2 * RNG.random(a.shape), 0, 1).astype("float32")
    ours = 1.0 - float(losses.ms_ssim_loss(a, b))
    ref = metrics.ms_ssim(b[0, ..., 0], a[0, ..., 0], data_range=1.0)
    assert ours == pytest.approx(ref, abs=2e-3)


def test_frc_loss_is_the_frc_engineers_function():
    frc_tf = pytest.importorskip("frcnet_lite.frc_tf")
    a, b = _img(32), _img(32)
    assert float(losses.frc_loss(a, b, cutoff=0.5)) == pytest.approx(float(frc_tf.frc_loss(a, b, cutoff=0.5)))


def test_combined_loss_is_the_weighted_sum():
    a, b = _img(32), _img(32)
    loss = losses.combined_loss({"ms_ssim": 1.0, "l1": 0.1, "mse": 0.0})
    total, parts = loss(a, b)
    assert sorted(parts) == ["l1", "ms_ssim"]
    expected = float(losses.ms_ssim_loss(a, b)) + 0.1 * float(losses.l1_loss(a, b))
    assert float(total) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("weights, match", [({"ssim": 1.0}, "unknown loss"), ({"l1": -1.0}, ">= 0"),
                                            ({"l1": 0.0}, "at least one")])
def test_combined_loss_rejects_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        losses.combined_loss(weights)


def test_bad_shapes_are_explained():
    with pytest.raises(ValueError, match="batch, H, W"):
        losses.l1_loss(np.zeros((4, 4)), np.zeros((4, 4)))


@pytest.mark.parametrize("size", [32, 64, 128, 200])
def test_separable_ms_ssim_equals_tensorflows(size):
    """Our separable-filter MS-SSIM against tf.image.ssim_multiscale with the same scales."""
    a = _img(size, 3)
    b = np.clip(0.7 * a + 0.3 * RNG.random(a.shape), 0, 1).astype("float32")
    fs, powers = losses.ms_ssim_scales(size)
    ref = tf.image.ssim_multiscale(a, b, 1.0, power_factors=powers, filter_size=fs).numpy()
    np.testing.assert_allclose(losses.ms_ssim(a, b).numpy(), ref, atol=2e-5)
