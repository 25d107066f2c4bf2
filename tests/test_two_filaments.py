"""The line-profile two-filament protocol (frcnet_lite.two_filaments): profiles with known answers, slow references."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from frcnet_lite import two_filaments as tf


def _two_gaussians(n: int, centres: tuple[float, float], sigma: float) -> np.ndarray:
    x = np.arange(n, dtype=float)
    return sum(np.exp(-((x - c) ** 2) / (2 * sigma**2)) for c in centres)


def _rayleigh_distance(sigma: float, min_dip: float = 0.265) -> float:
    """Distance of two equal Gaussians whose dip is min_dip, by bisection on a fine grid (no peak finder)."""

    def dip(d: float) -> float:
        x = np.linspace(0, d, 200001)  # the maxima lie between 0 and d/2 from the centre
        f = np.exp(-((x - d / 2) ** 2) / (2 * sigma**2)) + np.exp(-((x + d / 2) ** 2) / (2 * sigma**2))
        return 1 - f[0] / f.max()

    lo, hi = 2 * sigma, 6 * sigma  # Sparrow (no dip) .. a deep dip
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if dip(mid) < min_dip else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("offset", [0.0, 0.37, 11.8])
def test_two_gaussians_far_apart_are_resolved_at_their_positions(offset):
    prof = _two_gaussians(120, (30.4 + offset, 52.7 + offset), 3.0)
    pair = tf.find_two_peaks(prof, smooth_px=1.0)
    assert pair.found and pair.resolved("rayleigh")
    np.testing.assert_allclose(pair.positions_px, (30.4 + offset, 52.7 + offset), atol=0.05)
    assert pair.dip > 0.99
    assert pair.distance_px == pytest.approx(22.3, abs=0.1)


@pytest.mark.parametrize("smooth_px", [0.0, 1.0])
def test_rayleigh_decides_at_the_analytic_distance(smooth_px):
    sigma = 4.0
    # smoothing by s px widens each Gaussian to sqrt(sigma^2 + s^2)
    d_ray = _rayleigh_distance(math.hypot(sigma, smooth_px))
    for factor, expected in ((1.04, True), (0.96, False), (0.7, False)):
        d = factor * d_ray
        prof = _two_gaussians(200, (80.0, 80.0 + d), sigma)
        assert tf.find_two_peaks(prof, smooth_px=smooth_px).resolved("rayleigh") is expected, (factor, d)
    single = _two_gaussians(200, (80.0, 80.0), sigma)  # one peak: no second peak at all
    assert not tf.find_two_peaks(single, smooth_px=smooth_px).found


def test_a_bright_lumpy_filament_does_not_hide_the_dimmer_one():
    # one filament with two wall bumps, both higher than the other filament's peak
    prof = _two_gaussians(150, (40.0, 48.0), 2.5) + 0.6 * _two_gaussians(150, (80.0, 80.0), 3.0)
    pair = tf.find_two_peaks(prof, smooth_px=0.0)
    assert pair.resolved("rayleigh")
    assert pair.positions_px[1] == pytest.approx(80.0, abs=0.2)
    assert pair.positions_px[0] in (pytest.approx(40.0, abs=1.0), pytest.approx(48.0, abs=1.0))


def _slow_rule(p: np.ndarray, min_peak_fraction: float, min_separation_px: float, min_dip: float) -> tuple:
    """The peak rule written out with loops (strict local maxima, prominence by walking), no smoothing."""
    n = len(p)
    peaks = [i for i in range(1, n - 1) if p[i - 1] < p[i] > p[i + 1] and p[i] >= min_peak_fraction * max(p)]

    def prominence(i):
        left = right = p[i]
        j = i - 1
        while j >= 0 and p[j] <= p[i]:
            left = min(left, p[j])
            j -= 1
        j = i + 1
        while j < n and p[j] <= p[i]:
            right = min(right, p[j])
            j += 1
        return p[i] - max(left, right)

    order = sorted(peaks, key=lambda i: (-prominence(i), -p[i], i))
    if len(order) < 2:
        return False, None
    first = order[0]
    second = next((i for i in order[1:] if abs(i - first) >= min_separation_px), None)
    if second is None:
        return False, None
    a, b = sorted((first, second))
    dip = 1 - min(p[a:b + 1]) / min(p[a], p[b])
    return dip >= min_dip, (a, b)


def test_noisy_flat_profiles_find_two_peaks_and_fail_at_the_right_rate():
    rng = np.random.default_rng(3)
    # low noise: two peaks are found, but no dip can reach 26.5 % (8 sd = 8 % of the level): rate 0
    quiet = [tf.find_two_peaks(rng.normal(100.0, 1.0, 60), smooth_px=1.0) for _ in range(200)]
    assert all(p.found for p in quiet)
    assert not any(p.resolved("rayleigh") for p in quiet)
    # shot noise of 150 counts per bin (sd 8 %): decisions and peaks equal the slow rule's, profile by profile
    decisions = []
    for _ in range(300):
        prof = rng.poisson(150.0, 60).astype(float) + rng.uniform(0, 1e-6, 60)  # break ties like real averages do
        pair = tf.find_two_peaks(prof, smooth_px=0.0, min_peak_fraction=0.25, min_separation_px=2.0)
        ok, idx = _slow_rule(prof, 0.25, 2.0, 0.265)
        assert pair.resolved("rayleigh") == ok
        if idx is not None:
            assert tuple(int(round(v - tf._parabola_offset(prof, round(v)))) for v in pair.positions_px) == idx
        decisions.append(ok)
    rate = np.mean(decisions)
    assert 0.2 < rate < 0.8  # the comparison has teeth: noise alone passes Rayleigh's dip this often


def test_segment_profile_equals_a_direct_slow_average():
    rng = np.random.default_rng(0)
    img = rng.random((40, 30))
    px, along, across = 5.0, (33.0, 121.0), (12.0, 97.0)
    pos, prof = tf.segment_profile(img, px, along, across)
    ref_pos, ref = [], []
    for j in range(img.shape[1]):
        xc = (j + 0.5) * px
        if across[0] <= xc < across[1]:
            vals = [img[i, j] for i in range(img.shape[0]) if along[0] <= (i + 0.5) * px < along[1]]
            ref_pos.append(xc)
            ref.append(sum(vals) / len(vals))
    np.testing.assert_allclose(pos, ref_pos)
    np.testing.assert_allclose(prof, ref, rtol=1e-12)
    pos_t, prof_t = tf.segment_profile(img.T, px, along, across, filament_axis=1)
    np.testing.assert_allclose(prof_t, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="rows"):
        tf.segment_profile(img, px, (500.0, 600.0), across)


def test_setup_says_what_is_wrong():
    with pytest.raises(ValueError, match="line_length_nm"):
        tf.LineProfileSetup(distances_nm=(40.0, 400.0))
    with pytest.raises(ValueError, match="length_nm"):
        tf.LineProfileSetup(segment_nm=1000.0)
    with pytest.raises(ValueError, match="criterion"):
        tf.LineProfileSetup(criterion="abbe")


def test_line_profile_study_table_and_reading_on_tiny_runs():
    setup = tf.LineProfileSetup(distances_nm=(60.0, 160.0), repeats=2, blur_sigmas_px=(1.0, 2.0))
    res = tf.line_profile_study(None, setup, progress=False, predict=lambda im: im)
    json.dumps(res, allow_nan=False)  # JSON-ready: no NaN
    rows = res["rows"]
    assert set(tf.LINE_PROFILE_METHODS) <= set(rows)
    assert rows["best Gaussian blur"]["width"] in ("Gaussian blur 1 px", "Gaussian blur 2 px")
    truth = rows[tf.TRUTH]
    assert truth["fraction_resolved"][1] == 1.0  # 160 nm apart: always resolved
    # the peaks sit on a tube wall (+/- ~25 nm around each centre line), not on the centre line
    assert all(abs(f - 160.0) < 40 for f in np.asarray(truth["found_nm"])[:, 1])
    assert rows["network"]["dips"] == rows["histogram"]["dips"]  # predict = identity: the histogram's own row
    table = tf.line_profile_table(res)
    assert "resolved from (nm)" in table and "found − true distance (nm)" in table and "160 nm" in table
    reading = tf.line_profile_reading(res)
    assert "LineProfiler" in reading and "not known" in reading.lower()
    assert "met" not in table.split() and ": met" not in reading
    with pytest.raises(ValueError, match="model"):
        tf.line_profile_study(None, setup, progress=False)


def test_the_stored_study_renders_and_records_its_run():
    res = tf.load_line_profile_results()
    assert res["model"] == "simulated" and res["wall_s"] > 0 and res["machine"]["cpu_count"] >= 1
    setup = {k: v for k, v in res["setup"].items() if k != "target"}
    assert tf.LineProfileSetup(**{**setup, "distances_nm": tuple(setup["distances_nm"]),
                                  "blur_sigmas_px": tuple(setup["blur_sigmas_px"])}).seed == res["seed"]
    table = tf.line_profile_table(res)
    assert all(tf._line_label(m, res) in table for m in tf.LINE_PROFILE_METHODS)
    rows = res["rows"]
    assert all(len(rows[m]["per_run_nm"]) == res["repeats"] for m in tf.LINE_PROFILE_METHODS)
    assert "LineProfiler" in tf.line_profile_reading(res)
