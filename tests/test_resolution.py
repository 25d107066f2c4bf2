"""Resolution: FRC resolution of localization sets (repeats, splits, a first-principles case), the two-filament
detector on analytic profiles, and the experiment on simulated filaments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage, optimize

from frcnet_lite import resolution as res
from frcnet_lite import simulate
from frcnet_lite.localizations import LocalizationTable

X = np.linspace(-12, 12, 24001)  # in units of sigma, fine sampling


def two_gaussians(d: float, x: np.ndarray = X, ratio: float = 1.0) -> np.ndarray:
    return np.exp(-((x - d / 2) ** 2) / 2) + ratio * np.exp(-((x + d / 2) ** 2) / 2)


def analytic_dip(d: float) -> float:
    """Dip of two unit Gaussians at distance d (sigma = 1), from the continuous function."""
    f = lambda x: -two_gaussians(d, np.array([x]))[0]  # noqa: E731
    peak = optimize.minimize_scalar(f, bounds=(0, d), method="bounded", options={"xatol": 1e-12})
    return 1 - two_gaussians(d, np.array([0.0]))[0] / -peak.fun


@pytest.mark.parametrize("d", [2.05, 2.2, 2.5, 3.0, 4.0, 6.0])
def test_sparrow_resolves_gaussians_beyond_two_sigma(d):
    assert res.is_resolved(two_gaussians(d), "sparrow")


@pytest.mark.parametrize("d", [0.0, 0.5, 1.0, 1.5, 1.9, 1.99])
def test_sparrow_does_not_resolve_below_two_sigma(d):
    assert not res.is_resolved(two_gaussians(d), "sparrow")


@pytest.mark.parametrize("d", [2.3, 2.8, 3.5, 5.0])
def test_dip_matches_the_continuous_function(d):
    assert res.peak_dip(two_gaussians(d))[0] == pytest.approx(analytic_dip(d), abs=1e-6)


def test_rayleigh_threshold_is_where_the_analytic_dip_reaches_26_5_percent():
    d_star = optimize.brentq(lambda d: analytic_dip(d) - 0.265, 2.01, 6.0)
    assert 2.5 < d_star < 3.5
    assert res.is_resolved(two_gaussians(d_star * 1.01), "rayleigh")
    assert not res.is_resolved(two_gaussians(d_star * 0.99), "rayleigh")


def test_unequal_peaks_use_the_lower_one():
    p = two_gaussians(4.0, ratio=0.5)
    dip, i1, i2 = res.peak_dip(p)
    lower = min(p[i1], p[i2])
    assert lower == pytest.approx(p[i1], rel=1e-3) and dip == pytest.approx(1 - p[i1:i2].min() / lower)


def test_criterion_validation():
    with pytest.raises(ValueError, match="criterion must be one of"):
        res.min_dip_of("abbe")
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        res.min_dip_of(1.5)
    assert res.min_dip_of(0.1) == 0.1


def test_profile_across_either_axis():
    img = np.zeros((20, 9))
    img[:, 2] = 1
    img[:, 6] = 3
    np.testing.assert_allclose(res.profile_across(img, 0), img[0])
    np.testing.assert_allclose(res.profile_across(img.T, 1), img[0])


def test_smallest_resolved_distance_requires_all_larger_resolved():
    d = [50, 60, 70, 80, 90, 100]
    assert res.smallest_resolved_distance(d, [0, 0, 0, 1, 1, 1]) == 80
    assert res.smallest_resolved_distance(d, [1, 0, 1, 0, 1, 1]) == 90
    assert math.isnan(res.smallest_resolved_distance(d, [1, 1, 1, 1, 1, 0]))
    assert res.smallest_resolved_distance(d[::-1], [1, 1, 1, 0, 0, 0]) == 80  # order does not matter


def test_experiment_on_the_simulator_resolves_far_filaments_not_close_ones():
    from frcnet_lite import rendering, simulate

    px = 10.0

    def sim(distance_nm, rng):
        s = simulate.simulate_two_filaments(distance_nm, length_nm=1500.0, seed=int(rng.integers(1 << 30)),
                                            margin_nm=300.0)
        return rendering.render_histogram(s.localizations, px, s.fov_nm)

    out = res.two_filament_experiment(
        sim, {"histogram": lambda im: im}, [20.0, 250.0], n_repeats=2,
        rng=np.random.default_rng(0), pixel_size_nm=px, criterion="rayleigh", smooth_px=1.0, progress=False,
    )
    assert out.resolved["histogram"][:, 1].all()
    assert not out.resolved["histogram"][:, 0].any()
    mean, sd, n = out.summary()["histogram"]
    assert mean == 250.0 and n == 2
    assert "histogram" in out.format()


def test_known_centres_ignore_ripples_on_one_peak():
    x = np.arange(200.0)
    one = np.exp(-((x - 100) ** 2) / (2 * 8.0**2))
    rippled = one * (1 + 0.25 * np.cos(2 * x))  # deep noise-like ripples on a single filament
    assert res.is_resolved(rippled, "rayleigh")  # searching all peak pairs is fooled
    assert not res.is_resolved(rippled, "rayleigh", centres_px=(90.0, 110.0))
    two = np.exp(-((x - 80) ** 2) / (2 * 8.0**2)) + np.exp(-((x - 120) ** 2) / (2 * 8.0**2))
    assert res.is_resolved(two, "rayleigh", centres_px=(80.0, 120.0))
    assert res.peak_dip(two, centres_px=(80.0, 120.0))[0] == pytest.approx(res.peak_dip(two)[0])


def test_noise_deepens_dips_so_noisy_profiles_resolve_below_the_noise_free_one():
    # pixel profile of two Gaussians (sigma 4 px) 7.6 px apart: below 2 sigma, the noise-free profile has no dip
    x = np.arange(60.0)
    mean = 2 * (np.exp(-((x - 26.2) ** 2) / 32) + np.exp(-((x - 33.8) ** 2) / 32))  # counts per pixel and row
    centres = (26.2, 33.8)
    assert not res.is_resolved(mean, "sparrow", smooth_px=1.0, centres_px=centres)
    rng = np.random.default_rng(0)
    dips, resolved = [], []
    for _ in range(200):  # Poisson counts in 40 rows, averaged along the filaments as profile_across does
        noisy = res.profile_across(rng.poisson(np.tile(mean, (40, 1))).astype(float), keep_fraction=1.0)
        p = ndimage.gaussian_filter1d(noisy, 1.0, mode="nearest")
        dips.append(res.peak_dip(p, centres_px=centres)[0])
        resolved.append(res.is_resolved(noisy, "sparrow", smooth_px=1.0, centres_px=centres))
    # the peak search takes the maxima of noisy windows and the minimum between them: noise makes the dip deeper
    assert np.mean(dips) > 0.005 and np.mean(resolved) > 0.25  # measured: 0.012 and 0.45


# ------------------------------------------------------------ FRC resolution of localizations --
@pytest.fixture(scope="module")
def simulation():
    return simulate.simulate_microtubules(field_size_nm=4000, n_frames=4000, seed=2)


def test_resolution_repeats_and_splits(simulation):
    locs = simulation.localizations
    out = res.frc_resolution(locs, pixel_size_nm=5.0, n_repeats=4, rng=1)
    assert out.crossing_per_nm.shape == (4,) and np.all(np.isfinite(out.crossing_per_nm))
    assert out.resolution_nm == pytest.approx(np.mean(1 / out.crossing_per_nm))
    assert 0 < out.std_nm < 0.2 * out.resolution_nm
    timed = res.frc_resolution(locs, pixel_size_nm=5.0, split="time")
    assert timed.std_nm == 0 and timed.crossing_per_nm.size == 1
    half_bit = res.frc_resolution(locs, pixel_size_nm=5.0, threshold="half-bit", n_repeats=2, rng=1)
    assert half_bit.as_dict()["threshold"] == "half-bit"
    with pytest.raises(ValueError, match="n_repeats"):
        res.frc_resolution(locs, n_repeats=0)


def test_points_at_known_precision_give_the_expected_resolution():
    """Random points each localized many times with Gaussian precision sigma: the two halves share
    the structure blurred by exp(-2 pi^2 sigma^2 q^2); with dense sampling the 1/7 crossing is
    where the blurred signal power drops to 1/6 of the shot noise, computed here from first principles."""
    rng = np.random.default_rng(8)
    fov, n_points, per_point, sigma = 4000.0, 3000, 40, 10.0
    centres = rng.uniform(0, fov, (n_points, 2))
    xy = np.repeat(centres, per_point, axis=0) + rng.normal(0, sigma, (n_points * per_point, 2))
    locs = LocalizationTable({"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": np.arange(len(xy))})
    out = res.frc_resolution(locs, pixel_size_nm=4.0, n_repeats=2, rng=0, fov_nm=(0, 0, fov, fov))
    # expected: per half, signal power ~ n_points (per_point/2)^2 T(q)^2 (sinc of the pixel ignored),
    # noise ~ n_points per_point / 2; FRC = S / (S + N) with T = exp(-2 pi^2 sigma^2 q^2)
    q = np.linspace(1e-4, 0.125, 20000)
    s = (per_point / 2) ** 2 * np.exp(-4 * np.pi**2 * sigma**2 * q**2)
    expected_frc = s / (s + per_point / 2)
    q_expected = q[np.argmax(expected_frc < 1 / 7)]
    assert 1 / out.resolution_nm == pytest.approx(q_expected, rel=0.05)
