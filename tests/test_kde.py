"""Kernel density estimates: fast versions against slow per-pixel references and analytic cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from frcnet_lite import kde, pairs, targets
from kde_reference import (
    anisotropic_kde_reference,
    isotropic_kde_reference,
    kernel_covariances_reference,
)


# ----------------------------------------------------------------------------- images ----
def sparse_image(shape=(23, 29), fraction=0.15, seed=0) -> np.ndarray:
    """Random counts on a fraction of the pixels (like a sparse localization histogram)."""
    rng = np.random.default_rng(seed)
    return ((rng.random(shape) < fraction) * rng.poisson(3.0, shape)).astype(np.float32)


def filament_image(shape=(32, 32), seed=1) -> np.ndarray:
    """Counts drawn along two crossing lines (with a little noise), touching the border."""
    rng = np.random.default_rng(seed)
    img = np.zeros(shape, np.float32)
    t = np.linspace(0, 1, 400)
    for (y0, x0), (y1, x1) in [((0, 3), (31, 25)), ((20, 0), (5, 31))]:
        ys = np.clip(np.round(y0 + t * (y1 - y0) + rng.normal(0, 0.6, t.size)), 0, shape[0] - 1)
        xs = np.clip(np.round(x0 + t * (x1 - x0) + rng.normal(0, 0.6, t.size)), 0, shape[1] - 1)
        np.add.at(img, (ys.astype(int), xs.astype(int)), 1.0)
    return img


def assert_float32_close(fast, ref):
    """Agreement to float32 precision, relative to the image's scale."""
    assert fast.dtype == np.float32 and fast.shape == ref.shape
    np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-6 * float(np.abs(ref).max()))


# ------------------------------------------------------------ fast vs reference (2D) ----
@pytest.mark.parametrize("window,scale", [(5, 1.0), (7, 2.5), (11, 4.0)])
def test_anisotropic_matches_reference_on_random_image(window, scale):
    img = sparse_image(seed=window)
    assert_float32_close(kde.anisotropic_kde(img, window, scale), anisotropic_kde_reference(img, window, scale))


@pytest.mark.parametrize("window,scale", [(7, 1.0), (11, 3.0)])
def test_anisotropic_matches_reference_on_filaments(window, scale):
    img = filament_image()
    assert_float32_close(kde.anisotropic_kde(img, window, scale), anisotropic_kde_reference(img, window, scale))


def test_anisotropic_matches_reference_on_dense_smooth_image():
    img = ndimage.gaussian_filter(filament_image((20, 24)), 1.5)  # ~all pixels non-zero, non-integer
    assert_float32_close(kde.anisotropic_kde(img, 9, 2.0), anisotropic_kde_reference(img, 9, 2.0))


def test_kernel_covariances_match_reference_everywhere():
    img = sparse_image((17, 19), fraction=0.2, seed=3)
    fast = kde.kernel_covariances(img, window=7, scale=2.0)
    ref = kernel_covariances_reference(img, window=7, scale=2.0)
    assert fast.shape == (17, 19, 2, 2)
    np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-6)


# -------------------------------------------------------------------------- analytic ----
@pytest.mark.parametrize("scale", [1.0, 2.0, 4.0])
def test_isolated_point_gives_the_isotropic_pixel_kernel(scale):
    # one pixel: covariance 1/12 I, eigenvalue norm sqrt(2)/12, so the kernel variance is scale/sqrt(2)
    img = np.zeros((21, 21), np.float32)
    img[10, 10] = 7.0
    out = kde.anisotropic_kde(img, window=11, scale=scale)
    variance = scale / np.sqrt(2.0)
    d = np.arange(-5, 6)
    g = np.exp(-0.5 * (d[:, None] ** 2 + d[None, :] ** 2) / variance)
    expected = np.zeros((21, 21))
    expected[5:16, 5:16] = 7.0 * g / g.sum()
    assert_float32_close(out, expected)
    np.testing.assert_allclose(kde.kernel_covariances(img, 11, scale)[10, 10], variance * np.eye(2), rtol=1e-6)


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 45.0, 90.0, 120.0])
def test_straight_line_gives_kernels_along_the_line(angle_deg):
    img = np.zeros((41, 41), np.float32)
    theta = np.deg2rad(angle_deg)
    direction = np.array([np.sin(theta), np.cos(theta)])  # (y, x)
    for t in np.linspace(-18, 18, 500):
        y, x = np.round(20 + t * direction).astype(int)
        img[y, x] = 1.0
    cov = kde.kernel_covariances(img, window=11, scale=2.0)[20, 20].astype(np.float64)
    values, vectors = np.linalg.eigh(cov)
    assert values[1] > 8 * values[0] > 0  # strongly elongated, still positive definite
    assert abs(vectors[:, 1] @ direction) > np.cos(np.deg2rad(5))  # long axis along the line
    # and the estimate itself is sharp across the line: the second moment of the spread mass
    out = kde.anisotropic_kde(img, window=11, scale=2.0)
    assert np.isclose(out.sum(), img.sum(), rtol=1e-5)
    normal = np.array([-direction[1], direction[0]])
    ys, xs = np.nonzero(out > 1e-6)
    dist_across = np.abs((ys - 20) * normal[0] + (xs - 20) * normal[1])
    assert np.average(dist_across ** 2, weights=out[ys, xs]) < 1.0  # px^2: the line stays thin


def test_constant_image_stays_constant_away_from_the_border():
    img = np.full((40, 40), 3.0, np.float32)
    out = kde.anisotropic_kde(img, window=7, scale=3.0)
    np.testing.assert_allclose(out[6:-6, 6:-6], 3.0, rtol=1e-5)
    assert np.isclose(out.sum(), img.sum(), rtol=1e-5)


def test_gaussian_kde_of_a_point_is_the_sampled_gaussian():
    img = np.zeros((41, 41))
    img[20, 20] = 2.0
    out = kde.gaussian_kde(img, 2.5)
    d = np.arange(-10, 11)  # truncate 4 sigma = 10 px
    g = np.exp(-0.5 * d ** 2 / 2.5 ** 2)
    g /= g.sum()
    expected = np.zeros((41, 41))
    expected[10:31, 10:31] = 2.0 * np.outer(g, g)
    np.testing.assert_allclose(out, expected, atol=1e-7)


# ------------------------------------------------------------------- mass and edges ----
@pytest.mark.parametrize("kind", ["gaussian", "adaptive", "anisotropic"])
def test_total_intensity_is_conserved_also_at_the_border(kind):
    img = sparse_image((30, 26), seed=5)
    img[0, 0] = img[-1, -1] = img[0, -1] = img[15, 0] = 9.0  # mass on corners and edges
    out = targets.make_target(img, kind)  # the registry's defaults at 5 nm pixels
    assert out.dtype == np.float32 and out.shape == img.shape
    assert np.isclose(float(out.sum(dtype=np.float64)), float(img.sum()), rtol=1e-5)
    assert out.min() >= 0


@pytest.mark.parametrize("case", ["empty", "constant", "single", "corner", "line_on_edge", "tiny"])
@pytest.mark.parametrize("window", [1, 3, 11, 51])
def test_degenerate_inputs_give_finite_results(case, window):
    img = np.zeros((12, 15), np.float32)
    if case == "constant":
        img[:] = 1.0
    elif case == "single":
        img[6, 7] = 5.0
    elif case == "corner":
        img[0, 0] = 5.0
    elif case == "line_on_edge":
        img[0, :] = 2.0
    elif case == "tiny":
        img = np.ones((1, 1), np.float32)
    out = kde.anisotropic_kde(img, window=window, scale=2.0)
    cov = kde.kernel_covariances(img, window=window)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(cov))
    assert np.all(np.linalg.eigvalsh(cov.astype(np.float64)) > 0)
    assert np.isclose(out.sum(), img.sum(), rtol=1e-5)
    if case in ("single", "corner") and window > 1:
        assert out.max() < 5.0  # the point was actually spread
    assert np.all(np.isfinite(kde.adaptive_kde(img, 1.5)))


def test_line_on_the_border_stays_on_the_border():
    img = np.zeros((20, 20), np.float32)
    img[0, 2:18] = 1.0
    out = kde.anisotropic_kde(img, window=11, scale=2.0)
    assert out[0].sum() > 0.8 * img.sum()


# ------------------------------------------------------------------------ tiling ----
@pytest.mark.parametrize("tile_rows", [2, 9, 100])
def test_tiled_and_untiled_results_are_equal(tile_rows):
    img = filament_image((37, 30))
    whole = kde.anisotropic_kde(img, 11, 2.0, tile_rows=None)
    np.testing.assert_allclose(kde.anisotropic_kde(img, 11, 2.0, tile_rows=tile_rows), whole, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(kde.kernel_covariances(img, 11, 2.0, tile_rows=tile_rows),
                               kde.kernel_covariances(img, 11, 2.0, tile_rows=None), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(kde.adaptive_kde(img, 1.5, tile_rows=tile_rows),
                               kde.adaptive_kde(img, 1.5, tile_rows=None), rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------------ adaptive ----
def test_adaptive_kde_matches_reference_with_its_own_widths():
    img = filament_image((24, 24))
    img[3, 20] = 1.0  # an isolated count: wide kernel
    sig = kde.adaptive_sigmas(img, 1.5)
    r = int(np.ceil(3.0 * sig[img > 0].max()))
    assert_float32_close(kde.adaptive_kde(img, 1.5), isotropic_kde_reference(img, sig, r))


def test_adaptive_sigmas_follow_abramsons_law():
    img = sparse_image((30, 30), fraction=0.3, seed=2)
    sig = kde.adaptive_sigmas(img, 2.0, alpha=0.5, sigma_range_px=(1e-3, 1e3))
    pilot = ndimage.gaussian_filter(img.astype(np.float64), 2.0, mode="reflect", truncate=4.0)
    m = img > 0
    g = np.exp(np.sum(img[m] * np.log(pilot[m])) / img[m].sum())
    np.testing.assert_allclose(sig[m], 2.0 * np.sqrt(g / pilot[m]), rtol=1e-4)
    fixed = kde.adaptive_sigmas(img, 2.0, alpha=0.0)
    np.testing.assert_allclose(fixed[m], 2.0, rtol=1e-6)


def test_adaptive_with_fixed_width_is_a_truncated_gaussian_kde():
    img = np.zeros((40, 40), np.float32)
    img[20, 20] = 1.0
    out = kde.adaptive_kde(img, 2.0, alpha=0.0)  # radius ceil(3 * 2) = 6
    d = np.arange(-6, 7)
    g = np.exp(-0.5 * d ** 2 / 4.0)
    expected = np.zeros((40, 40))
    expected[14:27, 14:27] = np.outer(g, g) / np.outer(g, g).sum()
    assert_float32_close(out, expected)


# ------------------------------------------------------------------------------ 3D ----
def test_3d_matches_reference():
    rng = np.random.default_rng(7)
    vol = ((rng.random((7, 8, 9)) < 0.15) * rng.poisson(2.0, (7, 8, 9))).astype(np.float32)
    vol[3, 4, 1:8] = 2.0  # a line along x
    assert_float32_close(kde.anisotropic_kde_3d(vol, 5, 2.0), anisotropic_kde_reference(vol, 5, 2.0))
    assert_float32_close(kde.anisotropic_kde_3d(vol, 5, 2.0, tile_slices=2),
                         anisotropic_kde_reference(vol, 5, 2.0))


def test_3d_isolated_voxel_and_line():
    vol = np.zeros((9, 9, 9), np.float32)
    vol[4, 4, 4] = 1.0
    out = kde.anisotropic_kde_3d(vol, 5, 3.0)  # isolated voxel: covariance 1/12 I, an isotropic kernel
    for axes in ((1, 0, 2), (2, 1, 0), (0, 2, 1)):
        np.testing.assert_allclose(out, out.transpose(axes), rtol=1e-6, atol=1e-9)
    vol[:] = 0
    vol[1:8, 4, 4] = 1.0  # a line along z: its kernels spread along z, hardly across it
    out = kde.anisotropic_kde_3d(vol, 7, 2.0)
    assert np.isclose(out.sum(), 7.0, rtol=1e-5) and np.all(np.isfinite(out))
    beyond_end, across = out[0, 4, 4], max(out[4, 3, 4], out[4, 4, 3])  # one voxel from the line each
    assert beyond_end > 50 * across and across < 0.01 * out[4, 4, 4]


# ------------------------------------------------------------------ bad input ----
@pytest.mark.parametrize("call,match", [
    (lambda: kde.anisotropic_kde(np.zeros((5, 5)), window=4), "odd integer"),
    (lambda: kde.anisotropic_kde(np.zeros((5, 5)), window=0), "odd integer"),
    (lambda: kde.anisotropic_kde(np.zeros((5, 5)), scale=0.0), "scale"),
    (lambda: kde.anisotropic_kde(-np.ones((5, 5))), "non-negative.*-1"),
    (lambda: kde.anisotropic_kde(np.full((5, 5), np.nan)), "NaN"),
    (lambda: kde.anisotropic_kde(np.zeros((5, 5, 5))), "2D array.*\\(5, 5, 5\\)"),
    (lambda: kde.anisotropic_kde(np.zeros((5, 5)), tile_rows=0), "tile_rows"),
    (lambda: kde.anisotropic_kde_3d(np.zeros((5, 5))), "volume must be a 3D"),
    (lambda: kde.adaptive_kde(np.zeros((5, 5)), sigma_px=-1.0), "sigma_px"),
    (lambda: kde.adaptive_kde(np.zeros((5, 5)), alpha=2.0), "alpha"),
    (lambda: kde.gaussian_kde(np.zeros((5, 5)), -1.0), "sigma_px"),
    (lambda: targets.make_target(np.zeros((5, 5)), "tophat"), "target_kind must be one of .* 'tophat'"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_input_is_not_modified():
    img = filament_image()
    before = img.copy()
    kde.anisotropic_kde(img)
    kde.adaptive_kde(img)
    np.testing.assert_array_equal(img, before)


def test_every_target_kind_is_its_kde_with_the_documented_defaults():
    img = filament_image((24, 24))
    np.testing.assert_array_equal(targets.make_target(img, "anisotropic", window=7, scale=2.0),
                                  kde.anisotropic_kde(img, 7, 2.0))
    np.testing.assert_array_equal(targets.make_target(img, "anisotropic"), kde.anisotropic_kde(img, 11, 1.0))
    np.testing.assert_array_equal(targets.make_target(img, "adaptive", 2.5, sigma_nm=5.0), kde.adaptive_kde(img, 2.0))
    np.testing.assert_allclose(targets.make_target(img, "gaussian", pixel_size_nm=5.0, sigma_nm=10.0),
                               kde.gaussian_kde(img, 2.0))
    np.testing.assert_allclose(targets.make_target(img, "gaussian", pixel_size_nm=2.5),
                               kde.gaussian_kde(img, targets.DEFAULT_GAUSSIAN_SIGMA_NM / 2.5))
    np.testing.assert_array_equal(pairs.make_target(img, "histogram"), img)


@pytest.mark.slow  # ~5-10 s: numba compiles the parallel (threaded) loops on first use
def test_threaded_and_serial_loops_agree(monkeypatch):
    # small images run the serial loops; force the threaded ones (row stripes, even/odd passes)
    img = filament_image((53, 40))
    serial = (kde.anisotropic_kde(img, 11, 2.0, tile_rows=20), kde.kernel_covariances(img, 7, 1.5),
              kde.adaptive_kde(img, 1.5))
    monkeypatch.setattr(kde, "_SERIAL_WORK", 0)
    threaded = (kde.anisotropic_kde(img, 11, 2.0, tile_rows=20), kde.kernel_covariances(img, 7, 1.5),
                kde.adaptive_kde(img, 1.5))
    for s, t in zip(serial, threaded):
        np.testing.assert_allclose(t, s, rtol=1e-6, atol=1e-7)
    assert_float32_close(threaded[0], anisotropic_kde_reference(img, 11, 2.0))
