"""scripts/independent_simulator.py: each test checks the simulator against an analytic expectation.

Several tests raise ``labelling_efficiency`` (and so the number of dyes) above the default: the
expectations checked do not depend on it, and more dyes make the Monte-Carlo noise small enough
for tight tolerances.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expn

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("independent_simulator", ROOT / "scripts" / "independent_simulator.py")
sim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sim)

P = sim.OTHER_PARAMS
FIELD = 2560.0
BOOST = {"labelling_efficiency": 0.8}  # 10x the default dyes


def _in_field(locs: dict, field: float) -> np.ndarray:
    x, y = locs["x_nm"], locs["y_nm"]
    return (x >= 0) & (x < field) & (y >= 0) & (y < field)


def _sigma_eff2_analytic(p: dict) -> float:
    """E[var | N >= T] for N ~ Exp(mu), with E[1/N | .] and E[1/N^2 | .] in terms of E_n integrals."""
    mu, t, a, b2 = p["photons_mean"], p["photon_threshold"], p["camera_pixel_nm"], p["background_photons_per_px"]
    s_a2 = p["psf_sigma_nm"] ** 2 + a**2 / 12
    x = t / mu
    inv_n = np.exp(x) * expn(1, x) / mu  # int_T^inf e^{-N/mu} / (mu N) dN / e^{-T/mu}
    inv_n2 = np.exp(x) * expn(2, x) / (t * mu)  # int_T^inf e^{-N/mu} / (mu N^2) dN / e^{-T/mu}
    return s_a2 * 16 / 9 * inv_n + 8 * np.pi * s_a2**2 * b2 / a**2 * inv_n2


@pytest.fixture(scope="module")
def boosted() -> dict:
    return sim.simulate_field(7, field_nm=FIELD, **BOOST)


def test_reproducible_and_seed_dependent():
    a, b, c = (sim.simulate_field(s, field_nm=1280.0) for s in (3, 3, 4))
    for key in ("sparse", "dense", "truth", "dyes_nm"):
        np.testing.assert_array_equal(a[key], b[key])
    for key in a["localizations"]:
        np.testing.assert_array_equal(a["localizations"][key], b["localizations"][key])
    assert a["window"] == b["window"]
    assert not np.array_equal(a["dense"], c["dense"])
    assert a["dense"].shape == (256, 256) and a["dense"].dtype == np.float32
    assert a["truth"].dtype == np.float32 and a["sparse"].dtype == np.float32


def test_unknown_override_raises():
    with pytest.raises(ValueError, match="no_such_param") as info:
        sim.simulate_field(0, field_nm=640.0, no_such_param=1.0)
    assert "persistence_length_nm" in str(info.value)  # lists the valid names


def test_expected_locs_per_dye_matches_untruncated_formula():
    # Truncation at n_frames only removes frames of events starting in the last few frames.
    untruncated = (1 - P["dark_fraction"]) * P["blinks_per_dye"] * P["on_frames_mean"]
    untruncated *= np.exp(-P["photon_threshold"] / P["photons_mean"])
    assert sim.expected_locs_per_dye(dict(P)) == pytest.approx(untruncated, rel=1e-3)
    assert sim.expected_locs_per_dye(dict(P)) < untruncated


def test_dense_total_matches_truth_plus_background(boosted):
    p = boosted["params"]
    bg = p["background_per_um2"] * (FIELD / 1000) ** 2 * np.exp(-p["photon_threshold"] / p["background_photons_mean"])
    expected = boosted["truth"].sum() + bg
    assert boosted["dense"].sum() == pytest.approx(expected, rel=0.03)
    # The same at the default labelling, summed over a few fields.
    runs = [sim.simulate_field(s, field_nm=FIELD) for s in range(4)]
    dense = sum(r["dense"].sum() for r in runs)
    assert dense == pytest.approx(sum(r["truth"].sum() for r in runs) + 4 * bg, rel=0.03)


def test_background_density():
    r = sim.simulate_field(1, field_nm=1280.0, background_per_um2=3000.0, labelling_efficiency=0.0)
    assert np.all(r["localizations"]["dye"] == -1)
    expected = 3000.0 * 1.28**2 * np.exp(-P["photon_threshold"] / P["background_photons_mean"])
    assert r["dense"].sum() == pytest.approx(expected, rel=0.05)
    assert r["truth"].sum() == 0.0


def test_sparse_window(boosted):
    locs, (start, stop) = boosted["localizations"], boosted["window"]
    assert stop - start == round(0.1 * P["n_frames"]) and 0 <= start and stop <= P["n_frames"]
    inside = _in_field(locs, FIELD)
    in_win = inside & (locs["frame"] >= start) & (locs["frame"] < stop)
    assert boosted["sparse"].sum() == in_win.sum() and boosted["dense"].sum() == inside.sum()
    ratio = float(boosted["sparse"].sum()) / float(boosted["dense"].sum())
    assert ratio == in_win.sum() / inside.sum()
    assert 0.04 < ratio < 0.2  # exponential bleaching: between ~0.05 (last window) and ~0.17 (first)
    # Analytic: dye events start with density ~ exp(-t / bleach_frames) on [0, n_frames).
    tau, n = P["bleach_frames"], P["n_frames"]
    p_win = (np.exp(-start / tau) - np.exp(-stop / tau)) / (1 - np.exp(-n / tau))
    dye_in = (locs["dye"][inside] >= 0).sum()
    bg_in = inside.sum() - dye_in
    expected = (dye_in * p_win + bg_in * (stop - start) / n) / inside.sum()
    assert ratio == pytest.approx(expected, rel=0.05)


def _clipped_length(xy: np.ndarray, field: float) -> float:
    """Exact length of a polyline inside [0, field]^2 (Liang-Barsky clipping of each segment)."""
    p0, d = xy[:-1], np.diff(xy, axis=0)
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    for k in range(2):
        with np.errstate(divide="ignore", invalid="ignore"):
            ta, tb = (0 - p0[:, k]) / d[:, k], (field - p0[:, k]) / d[:, k]
        lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
        flat = d[:, k] == 0
        outside = flat & ((p0[:, k] < 0) | (p0[:, k] > field))
        lo, hi = np.where(flat, -np.inf, lo), np.where(flat, np.inf, hi)
        hi = np.where(outside, -np.inf, hi)
        t0, t1 = np.maximum(t0, lo), np.minimum(t1, hi)
    return float(np.sum(np.clip(t1 - t0, 0, None) * np.hypot(d[:, 0], d[:, 1])))


@pytest.mark.parametrize(("seed", "field"), [(0, 1280.0), (1, 2560.0)])
def test_filament_density(seed: int, field: float):
    r = sim.simulate_field(seed, field_nm=field)
    length_um = sum(_clipped_length(f, field) for f in r["filaments"]) / 1000
    assert length_um / (field / 1000) ** 2 == pytest.approx(P["filament_density_um_per_um2"], rel=0.1)
    lo, hi = -P["margin_nm"], field + P["margin_nm"]
    for f in r["filaments"]:
        assert f.min() >= lo and f.max() < hi
        assert np.hypot(*np.diff(f, axis=0).T).sum() <= P["max_filament_length_nm"] + 1e-6


def test_persistence_length():
    lp, lag = 1000.0, 100  # lag in 5 nm steps: 500 nm
    r = sim.simulate_field(2, field_nm=FIELD, persistence_length_nm=lp, filament_density_um_per_um2=20.0)
    cosines = []
    for f in r["filaments"]:
        theta = np.unwrap(np.arctan2(*np.diff(f, axis=0).T[::-1]))
        cosines.append(np.cos(theta[lag:] - theta[:-lag]))
    # 2D worm-like chain: <cos(dtheta(s))> = exp(-s / (2 lp)).
    assert np.mean(np.concatenate(cosines)) == pytest.approx(np.exp(-lag * 5.0 / (2 * lp)), rel=0.05)


def test_dyes_per_filament_length(boosted):
    length_um = sum(np.hypot(*np.diff(f, axis=0).T).sum() for f in boosted["filaments"]) / 1000
    per_um = P["dimers_per_um"] * BOOST["labelling_efficiency"] * P["dyes_per_antibody"]
    assert len(boosted["dyes_nm"]) / length_um == pytest.approx(per_um, rel=0.03)


def test_localization_error(boosted):
    sig2 = _sigma_eff2_analytic(dict(P))
    assert boosted["sigma_eff_nm"] ** 2 == pytest.approx(sig2, rel=1e-6)
    locs = boosted["localizations"]
    dye = locs["dye"] >= 0
    mean_var = np.mean(locs["sigma_nm"][dye] ** 2)
    assert mean_var == pytest.approx(sig2, rel=0.05)
    assert locs["photons"].min() >= P["photon_threshold"]
    for axis, key in enumerate(("x_nm", "y_nm")):
        offset = locs[key][dye] - boosted["dyes_nm"][locs["dye"][dye], axis]
        assert np.std(offset) == pytest.approx(np.sqrt(mean_var), rel=0.05)


def test_single_straight_filament_profile():
    r = sim.simulate_field(5, field_nm=FIELD, persistence_length_nm=1e12, single_straight_filament=1, **BOOST)
    (f,) = r["filaments"]
    assert np.ptp(f[:, 0]) < 1.0 and f[0, 0] == FIELD / 2 and f[-1, 1] > FIELD
    sig2 = _sigma_eff2_analytic(dict(P))
    geometry = P["tube_radius_nm"] ** 2 / 2 + P["linker_nm"] ** 2 / 3 + P["dye_jitter_nm"] ** 2
    dx_dyes = r["dyes_nm"][:, 0] - FIELD / 2
    assert np.var(dx_dyes) == pytest.approx(geometry, rel=0.1)
    locs = r["localizations"]
    dye = locs["dye"] >= 0
    dx = locs["x_nm"][dye] - FIELD / 2
    assert abs(np.mean(dx)) < 1.0
    assert np.var(dx) == pytest.approx(geometry + sig2, rel=0.1)
    # Truth profile across the filament: dye spread + sigma_eff^2 + px^2 / 6 from the bilinear deposit.
    profile = r["truth"].sum(axis=0)
    centres = (np.arange(profile.size) + 0.5) * 5.0 - FIELD / 2
    mean = np.sum(profile * centres) / profile.sum()
    var = np.sum(profile * (centres - mean) ** 2) / profile.sum()
    in_rows = (r["dyes_nm"][:, 1] >= 0) & (r["dyes_nm"][:, 1] < FIELD)
    assert var == pytest.approx(np.var(dx_dyes[in_rows]) + sig2 + 25.0 / 6, rel=0.02)
