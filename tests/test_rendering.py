"""Rendering against slow references and another library."""

import numpy as np
import pytest

from frcnet_lite.localizations import LocalizationTable
from frcnet_lite.rendering import (
    image_shape, remove_isolated, render_gaussian, render_histogram,
)


def _slow_histogram(xy, px, fov):
    h, w = image_shape(fov, px)
    out = np.zeros((h, w))
    for x, y in xy:
        j, i = int(np.floor((x - fov[0]) / px)), int(np.floor((y - fov[1]) / px))
        if 0 <= i < h and 0 <= j < w:
            out[i, j] += 1
    return out


def test_histogram_matches_slow_reference_and_numpy():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-20, 520, (3000, 2))  # some points outside the field
    fov = (0.0, 0.0, 500.0, 300.0)
    img = render_histogram(xy, 7.0, fov)
    ref = _slow_histogram(xy, 7.0, fov)
    np.testing.assert_array_equal(img, ref)
    assert img.shape == (43, 72)
    # numpy's histogram2d on a grid that is a multiple of the pixel size
    img2 = render_histogram(xy, 10.0, fov)
    h2, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=[30, 50], range=[[0, 300], [0, 500]])
    np.testing.assert_array_equal(img2, h2)


def test_histogram_edges_half_open_and_negative_coordinates():
    fov = (-10.0, -10.0, 10.0, 10.0)
    xy = np.array([[-10.0, -10.0], [10.0, 0.0], [-10.001, 0.0], [9.999, 9.999]])
    img = render_histogram(xy, 5.0, fov)
    assert img.sum() == 2 and img[0, 0] == 1 and img[3, 3] == 1


def test_histogram_weights_table_and_default_fov():
    t = LocalizationTable({"x_nm": [1.0, 6.0], "y_nm": [1.0, 1.0], "frame": [0, 1]})
    img = render_histogram(t, 5.0, (0, 0, 10, 10), weights=np.array([2.0, 3.0]))
    np.testing.assert_array_equal(img, [[2, 3], [0, 0]])
    assert render_histogram(t, 5.0).shape == (1, 2)


def test_gaussian_rendering_matches_explicit_sum_of_gaussians():
    rng = np.random.default_rng(1)
    px, sigma = 5.0, 12.0
    fov = (0.0, 0.0, 400.0, 400.0)
    # localizations at pixel centres: binning adds no error, so the two must agree closely
    ij = rng.integers(20, 60, (40, 2))
    xy = (ij + 0.5) * px
    img = render_gaussian(xy, px, sigma, fov)
    yy, xx = (np.mgrid[0:80, 0:80] + 0.5) * px
    ref = np.zeros((80, 80))
    for x, y in xy:
        ref += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2)) / (2 * np.pi * sigma**2) * px**2
    np.testing.assert_allclose(img, ref, atol=1e-3 * ref.max())
    assert img.sum() == pytest.approx(len(xy), rel=1e-3)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="pixel_size_nm"):
        render_histogram(np.zeros((1, 2)), 0.0, (0, 0, 1, 1))
    with pytest.raises(ValueError, match="fov_nm"):
        render_histogram(np.zeros((1, 2)), 1.0, (0, 0, -1, 1))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        render_histogram(np.zeros((3, 3)), 1.0, (0, 0, 1, 1))
    with pytest.raises(ValueError, match="sigma_nm"):
        render_gaussian(np.zeros((1, 2)), 1.0, -1.0, (0, 0, 1, 1))


def test_remove_isolated_matches_brute_force():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1000, (400, 2))
    t = LocalizationTable({"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": np.zeros(400, int)})
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    for k in (1, 2):
        kept = remove_isolated(t, radius_nm=40.0, min_neighbours=k)
        expect = (d <= 40.0).sum(axis=1) - 1 >= k
        np.testing.assert_array_equal(kept.x_nm, xy[expect, 0])
