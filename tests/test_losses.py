"""Losses: zero for identical images, finite (with finite gradients) for blank ones, numbers
checked against numpy references and the independent numpy MS-SSIM of ``frcnet_lite.metrics``."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from frcnet_lite import frc_tf, losses, metrics  # noqa: E402

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
    fs, powers = metrics.ms_ssim_scales(size)
    assert size // 2 ** (len(powers) - 1) >= fs and sum(powers) == pytest.approx(1.0, abs=2e-4)  # the five standard weights sum to 1.0001


# sizes 11..512 where the number of scales changes (22, 44, 88, 176 px), odd sizes, and the extremes;
# 3..10 px: images smaller than the 11 px filter
@pytest.mark.parametrize("size", [3, 4, 7, 8, 10, 11, 12, 16, 21, 22, 23, 31, 43, 44, 45, 64, 87, 88, 100, 127,
                                  175, 176, 177, 200, 256, 301, 384, 512])
def test_ms_ssim_loss_is_one_minus_the_numpy_metric_at_every_size(size):
    """The metric (numpy, float64, scipy filters) is the independent reference of the loss (TF, float32)."""
    a = _img(size, 1)
    b = np.clip(a * 0.8 + 0.2 * RNG.random(a.shape), 0, 1).astype("float32")
    loss_index = 1.0 - float(losses.ms_ssim_loss(a, b))
    metric = metrics.ms_ssim(b[0, ..., 0], a[0, ..., 0], data_range=1.0)
    assert loss_index == pytest.approx(metric, abs=1e-4)


def test_the_frc_loss_is_frc_tf_and_the_registry_passes_the_cutoff():
    a, b = _img(32), _img(32)
    assert losses.frc_loss is frc_tf.frc_loss
    assert float(losses.LOSSES["frc"](a, b, frc_cutoff=0.5)) == pytest.approx(float(frc_tf.frc_loss(a, b, cutoff=0.5)))
    assert float(losses.LOSSES["l1"](a, b, frc_cutoff=0.5)) == pytest.approx(float(losses.l1_loss(a, b)))
    _, parts = losses.combined_loss({"frc": 1.0}, frc_cutoff=0.5)(a, b)
    assert float(parts["frc"]) == pytest.approx(float(frc_tf.frc_loss(a, b, cutoff=0.5)))


def test_every_registered_loss_has_a_summary_and_known_options():
    assert set(losses.METHOD_WEIGHTS) <= set(losses.LOSSES)
    for name, loss in losses.LOSSES.items():
        assert loss.summary and set(loss.options) <= {"frc_cutoff"}, name
    assert losses.loss_indices({"ms_ssim": 0.2, "frc": 0.5, "mse": 0.1}) == {"ms_ssim_index": 0.8, "area_frc": 0.5}


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
    fs, powers = metrics.ms_ssim_scales(size)
    ref = tf.image.ssim_multiscale(a, b, 1.0, power_factors=powers, filter_size=fs).numpy()
    np.testing.assert_allclose(losses.ms_ssim(a, b).numpy(), ref, atol=2e-5)
