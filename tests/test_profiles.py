"""Tests of frcnet_lite.profiles against brute force and analytic profiles."""

from __future__ import annotations

import numpy as np
import pytest

from frcnet_lite.profiles import busiest_box_nm, busiest_window, fwhm_nm, mean_cross_section


def brute_force_best_sum(img: np.ndarray, w: int) -> float:
    return max(img[r:r + w, c:c + w].sum() for r in range(img.shape[0] - w + 1) for c in range(img.shape[1] - w + 1))


@pytest.mark.parametrize("seed", range(5))
def test_busiest_window_has_the_largest_sum_of_all_windows(seed):
    img = np.random.default_rng(seed).poisson(0.3, (23, 31)).astype(float)
    rows, cols = busiest_window(img, 7)
    assert rows.stop - rows.start == 7 == cols.stop - cols.start
    assert img[rows, cols].sum() == pytest.approx(brute_force_best_sum(img, 7))


def test_busiest_window_centres_an_isolated_spot_and_respects_the_step():
    img = np.zeros((50, 50))
    img[20:23, 30:33] = 1.0
    rows, cols = busiest_window(img, 9)
    assert (rows.start + rows.stop) / 2 == pytest.approx(21.5, abs=1) and (cols.start + cols.stop) / 2 == pytest.approx(31.5, abs=1)
    rows, cols = busiest_window(img, 9, step_px=5)
    assert rows.start % 5 == 0 and cols.start % 5 == 0 and img[rows, cols].sum() == 9


@pytest.mark.parametrize("bad", [dict(window_px=0), dict(window_px=2.5), dict(window_px=3, step_px=0)])
def test_busiest_window_refuses_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive integer"):
        busiest_window(np.ones((5, 5)), **bad)


def test_busiest_box_nm_contains_the_cluster_and_stays_in_the_field():
    rng = np.random.default_rng(1)
    xy = np.concatenate([rng.uniform(0, 4000, (300, 2)), rng.normal((3900, 150), 10, (400, 2))])
    box = busiest_box_nm(xy, 500.0, (0, 0, 4000, 4000))
    assert box[2] - box[0] == 500 and box[3] - box[1] == 500
    assert box[0] <= 3900 <= box[2] and box[1] <= 150 <= box[3]
    assert 0 <= box[0] and box[2] <= 4000 and 0 <= box[1] and box[3] <= 4000


@pytest.mark.parametrize("sigma", [3.0, 8.0, 15.0])
def test_fwhm_of_a_gaussian_is_2_355_sigma(sigma):
    x = np.arange(-80.0, 80.25, 0.5)
    assert fwhm_nm(x, np.exp(-(x - 5) ** 2 / (2 * sigma ** 2))) == pytest.approx(2 * np.sqrt(2 * np.log(2)) * sigma,
                                                                             rel=0.02)


def test_fwhm_is_nan_when_a_side_never_falls_to_half_maximum():
    # the bug this replaces: a profile starting above half maximum wrapped to the last sample
    x = np.arange(-20.0, 21.0)
    starts_high = np.exp(-(x + 25) ** 2 / 200.0)
    assert np.isnan(fwhm_nm(x, starts_high))
    assert np.isnan(fwhm_nm(x, starts_high[::-1]))
    assert np.isnan(fwhm_nm(x, np.zeros_like(x)))


def test_fwhm_of_a_boxcar_with_linear_edges():
    x = np.arange(10.0)
    p = np.array([0, 0, 0.5, 1, 1, 1, 1, 0.5, 0, 0])
    # crossings of 0.5 exactly at samples 2 and 7
    assert fwhm_nm(x, p) == pytest.approx(5.0)


def test_mean_cross_section_of_a_gaussian_ridge():
    px, sigma = 5.0, 12.0
    yy, xx = np.mgrid[0:200, 0:200]
    centre_x = 100 * px
    img = np.exp(-(((xx + 0.5) * px - centre_x) ** 2) / (2 * sigma ** 2))
    line = np.stack([np.full(200, centre_x), np.linspace(0, 1000, 200)], 1)
    off, prof = mean_cross_section(img, [line], (0, 0, 1000, 1000), px, half_width_nm=60)
    assert abs(off[np.argmax(prof)]) <= 2.0  # the ridge's centre lies between two samples
    assert fwhm_nm(off, prof) == pytest.approx(2.3548 * sigma, rel=0.05)


def test_mean_cross_section_refuses_filaments_outside_the_image():
    line = np.stack([np.full(20, 5000.0), np.linspace(0, 100, 20)], 1)
    with pytest.raises(ValueError, match="inside the image"):
        mean_cross_section(np.ones((10, 10)), [line], (0, 0, 100, 100), 10.0)
