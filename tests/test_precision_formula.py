"""The simulator's localization precision is the formula its documentation states.

Mortensen et al. (2010), Nat. Methods 7:377, eq. 6 (least-squares fit, no EMCCD):
var = (s_a^2 / N) * (16/9 + 8 pi s_a^2 b^2 / (N a^2)),  s_a^2 = s^2 + a^2 / 12,
with b the standard deviation of the background per pixel in photons (b^2 = expected count).
Written out here independently of frcnet_lite.simulate.
"""

from __future__ import annotations

import math

import numpy as np

from frcnet_lite.simulate import SimulationConfig, localization_precision_nm


def mortensen_ls_nm(n_photons: float, psf_sigma_nm: float, pixel_nm: float, b_sd_photons: float) -> float:
    """Mortensen eq. 6, written from the paper with the background given as its expected count b^2."""
    background_count = b_sd_photons**2  # expected background photons per pixel
    sa2 = psf_sigma_nm**2 + pixel_nm**2 / 12
    photon_term = 16 / 9
    background_term = 8 * math.pi * sa2 * background_count / (n_photons * pixel_nm**2)
    return math.sqrt(sa2 / n_photons * (photon_term + background_term))


def test_default_precision_is_about_10_nm_and_matches_the_documented_formula():
    cfg = SimulationConfig()
    got = float(localization_precision_nm(cfg.photons_mean, cfg.psf_sigma_nm, cfg.camera_pixel_nm,
                                          cfg.background_photons))
    expected = mortensen_ls_nm(cfg.photons_mean, cfg.psf_sigma_nm, cfg.camera_pixel_nm, cfg.background_photons)
    assert math.isclose(got, expected, rel_tol=1e-12)
    assert 9.0 < got < 11.0  # the realistic ~10 nm of dSTORM with Alexa 647
    # the default background acts as 225 expected photons per pixel: b = 15 is its standard deviation
    assert cfg.background_photons**2 == 225.0


def test_precision_matches_the_formula_over_a_range_of_parameters():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, s, a, b = rng.uniform(200, 6000), rng.uniform(90, 180), rng.uniform(60, 160), rng.uniform(0, 30)
        assert math.isclose(float(localization_precision_nm(n, s, a, b)), mortensen_ls_nm(n, s, a, b), rel_tol=1e-12)
