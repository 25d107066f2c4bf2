"""Metrics against hand-computed cases, numpy least squares, TensorFlow's MS-SSIM and the FRC module."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from frcnet_lite import frc, metrics


def _pair(shape, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    t = ndimage.gaussian_filter(rng.random(shape), 2.0)
    t /= t.max()
    p = np.clip(t + noise * rng.standard_normal(shape), 0, 1)
    return p, t


def test_mse_and_psnr_hand_computed():
    p = np.array([[0.0, 0.5], [1.0, 1.0]])
    t = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert metrics.mse(p, t) == pytest.approx((0.25 + 1.0) / 4)
    assert metrics.psnr(p, t) == pytest.approx(10 * math.log10(1 / 0.3125))
    assert metrics.psnr(p, t, data_range=2.0) == pytest.approx(10 * math.log10(4 / 0.3125))
    assert metrics.psnr(t, t) == math.inf


def test_lstsq_normalisation_matches_numpy_lstsq():
    p, t = _pair((40, 30), seed=1)
    pn, tn = metrics.normalise_pair(5 * p + 0.0, 3 * t, "lstsq", percentile=99.0)
    t_expected = 3 * t / np.percentile(3 * t, 99.0)
    gain = np.linalg.lstsq((5 * p).reshape(-1, 1), t_expected.ravel(), rcond=None)[0][0]
    np.testing.assert_allclose(tn, t_expected)
    np.testing.assert_allclose(pn, gain * 5 * p, rtol=1e-10)


def test_percentile_and_none_normalisation():
    p, t = _pair((32, 32), seed=2)
    pn, tn = metrics.normalise_pair(7 * p, 2 * t, "percentile", percentile=100)
    assert pn.max() == pytest.approx(1.0) and tn.max() == pytest.approx(1.0)
    pn, tn = metrics.normalise_pair(7 * p, 2 * t, "none")
    np.testing.assert_array_equal(pn, 7 * p)


def test_gain_does_not_change_lstsq_metrics():
    p, t = _pair((64, 64), seed=3)
    a = metrics.evaluate_pair(p, t, frc_cutoffs=(0.2,))
    b = metrics.evaluate_pair(123.0 * p, t, frc_cutoffs=(0.2,))
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-6)


@pytest.mark.parametrize(
    "shape, factors",
    [((192, 200), metrics.MS_SSIM_WEIGHTS), ((64, 70), (0.2, 0.3, 0.5)), ((177, 163), metrics.MS_SSIM_WEIGHTS)],
)
def test_ms_ssim_matches_tensorflow(shape, factors):
    from frcnet_lite._tf import tf

    p, t = _pair(shape, seed=4)
    ours = metrics.ms_ssim(p, t, power_factors=factors)
    theirs = tf().image.ssim_multiscale(p[None, ..., None], t[None, ..., None], 1.0, power_factors=factors)
    assert ours == pytest.approx(float(np.asarray(theirs)[0]), abs=2e-4)


def test_ms_ssim_default_scales_fit_small_images_and_order_quality():
    p, t = _pair((64, 64), seed=5, noise=0.05)
    worse = np.clip(t + 0.3 * np.random.default_rng(6).standard_normal(t.shape), 0, 1)
    assert 0 < metrics.ms_ssim(worse, t) < metrics.ms_ssim(p, t) < 1
    with pytest.raises(ValueError, match="at least 3 px"):
        metrics.ms_ssim(np.zeros((2, 2)), np.zeros((2, 2)))


@pytest.mark.parametrize("size", [5, 8, 10])
def test_images_smaller_than_the_filter_get_one_scale_with_a_smaller_filter(size):
    """Below 11 px: single-scale SSIM with the largest odd filter that fits, as TensorFlow computes it."""
    from frcnet_lite._tf import tf

    p, t = _pair((size, size), seed=8)
    fs, weights = metrics.ms_ssim_scales(size)
    assert weights == (1.0,) and fs == (size if size % 2 else size - 1)
    theirs = tf().image.ssim(p[None, ..., None], t[None, ..., None], 1.0, filter_size=fs)
    assert metrics.ms_ssim(p, t) == pytest.approx(float(np.asarray(theirs)[0]), abs=1e-4)  # TF: float32


def test_area_frc_of_evaluate_pair_is_the_frc_modules_and_gain_invariant():
    p, t = _pair((64, 64), seed=7)
    m = metrics.evaluate_pair(p, t, frc_cutoffs=(0.5,))
    assert m["area_frc_0.5"] == pytest.approx(frc.area_frc(p, t, cutoff=0.5))
    assert metrics.evaluate_pair(3 * p, t, frc_cutoffs=(0.5,))["area_frc_0.5"] == pytest.approx(m["area_frc_0.5"])
    assert metrics.evaluate_pair(t, t, frc_cutoffs=(0.2,))["area_frc_0.2"] == pytest.approx(1.0)


def test_evaluate_many_mean_and_standard_error():
    rng = np.random.default_rng(8)
    ts = rng.random((5, 32, 32))
    ps = ts + 0.2 * rng.random(ts.shape)
    out = metrics.evaluate_many(ps, ts, frc_cutoffs=(0.2, 0.5))
    assert set(out) == {"mse", "psnr_db", "ms_ssim", "area_frc_0.2", "area_frc_0.5"}
    per = [metrics.evaluate_pair(p, t)["psnr_db"] for p, t in zip(ps, ts)]
    assert out["psnr_db"].mean == pytest.approx(np.mean(per))
    assert out["psnr_db"].sem == pytest.approx(np.std(per, ddof=1) / np.sqrt(5))
    assert out["psnr_db"].n == 5


def test_baselines_and_table():
    rng = np.random.default_rng(9)
    sparse = rng.poisson(0.2, (48, 48)).astype(np.float32)
    base = metrics.baseline_images(sparse, gaussian_sigma_px=2.0)
    assert list(base)[:2] == ["histogram", "gaussian KDE"]
    assert base["gaussian KDE"].sum() == pytest.approx(sparse.sum(), rel=1e-4)
    for img in base.values():
        assert img.shape == sparse.shape
    table = metrics.format_table({name: metrics.evaluate_many([img], [sparse], frc_cutoffs=()) for name, img in base.items()})
    assert table.splitlines()[0].split()[:3] == ["method", "mse", "psnr_db"]
    assert "histogram" in table


def test_bad_inputs_have_clear_errors():
    with pytest.raises(ValueError, match="same shape"):
        metrics.mse(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="normalisation must be one of"):
        metrics.normalise_pair(np.zeros((2, 2)), np.zeros((2, 2)), "minmax")
    with pytest.raises(ValueError, match="2D image"):
        metrics.mse(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="2 targets"):
        metrics.evaluate_many([np.zeros((4, 4))], [np.zeros((4, 4))] * 2)
