"""frcnet_lite.validation: the protocol and margins over independent units, on constructed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage, stats

from frcnet_lite import validation as V


def test_margins_are_averaged_within_units_then_counted_over_units():
    # field a: 3 tiles won by 1.0; fields b, c: one tile each, won by 0.5 and 0.0
    a = [1.0, 1.0, 1.0, 0.5, 0.0]
    m = V.paired_margin(a, [0.0] * 5, ["a", "a", "a", "b", "c"])
    assert m.n == 3 and m.items == 5 and m.per_unit == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert m.mean == pytest.approx(0.5) and m.sem == pytest.approx(0.5 / math.sqrt(3))
    half = stats.t.ppf(0.975, 2) * m.sem  # the 95 % t interval with n - 1 degrees of freedom
    assert (m.low, m.high) == pytest.approx((0.5 - half, 0.5 + half))
    assert m.verdict == "no clear difference"  # the interval spans zero
    # counted over tiles, the same numbers would have looked certain
    naive = np.mean(a) / (np.std(a, ddof=1) / math.sqrt(5))
    assert naive > 2


def test_verdicts_follow_the_interval_and_need_enough_units():
    units = [f"f{i}" for i in range(6)]
    better = V.paired_margin([1.1, 0.9, 1.0, 1.05, 0.95, 1.0], [0.0] * 6, units)
    worse = V.paired_margin([0.0] * 6, [1.1, 0.9, 1.0, 1.05, 0.95, 1.0], units)
    assert better.verdict == "better" and worse.verdict == "worse" and worse.mean == pytest.approx(-1.0)
    two = V.paired_margin([5.0, 6.0], [0.0, 0.0], ["a", "b"])
    assert two.verdict == "too few units" and two.n == 2 and math.isfinite(two.sem)
    one = V.paired_margin([5.0, 6.0], [0.0, 0.0], ["a", "a"])
    assert one.n == 1 and math.isnan(one.sem) and one.text(1) == "+5.5 (1 field)"
    assert V.paired_margin([], [], []).n == 0


def test_error_metrics_are_oriented_so_that_positive_is_better():
    m = V.paired_margin([0.1, 0.2, 0.1], [0.3, 0.4, 0.3], ["a", "b", "c"], higher_is_better=False)
    assert m.mean == pytest.approx(0.2) and m.verdict == "better"


def test_units_may_be_seed_field_pairs_and_non_finite_items_are_dropped():
    units = [(0, "a"), (0, "b"), (1, "a"), (1, "b"), (1, "b")]
    m = V.paired_margin([1.0, 2.0, 3.0, 4.0, float("nan")], [0.0] * 5, units, unit="seed x field")
    assert m.n == 4 and m.n_text == "4 seed x field pairs" and m.mean == pytest.approx(2.5)


def test_field_margins_read_records_and_the_phrase_names_n():
    recs = [{"field": f, "network": {"psnr_db": 20 + d, "mse": 0.1}, V.ORACLE: {"psnr_db": 20.0, "mse": 0.2}}
            for f, d in zip("abcd", (1.0, 1.2, 0.9, 1.1))]
    mg = V.field_margins(recs, metrics=("psnr_db", "mse"))
    assert mg["psnr_db"].verdict == "better" and mg["mse"].mean == pytest.approx(0.1)
    assert V.margin_phrase(mg) == "beats the oracle blur on PSNR (dB), MSE (95 % interval over 4 fields)"


def test_score_image_uses_the_one_fit_and_the_per_image_oracle():
    rng = np.random.default_rng(0)
    truth = ndimage.gaussian_filter(rng.random((64, 64)), 2)
    sparse = rng.poisson(40 * truth).astype(float)
    protocol = V.Protocol(blur_sigmas_px=(0.5, 1.0, 2.0, 4.0))
    s = V.score_image(sparse, truth, 3 * truth + 1, protocol)
    assert set(s["rows"]) == set(V.METHODS)
    assert s["rows"]["network"]["ms_ssim"] == pytest.approx(1.0)  # gain and offset are fitted away
    from frcnet_lite import comparison, kde

    direct = max(comparison.score(kde.gaussian_kde(sparse.astype(np.float32), w), truth, "affine")["psnr_db"]
                 for w in protocol.blur_sigmas_px)  # the oracle: the best width, chosen on the reference
    assert s["rows"][V.ORACLE]["psnr_db"] == pytest.approx(direct)
    assert s["blur_sigma_px"]["psnr_db"] in protocol.blur_sigmas_px
    assert "gain and offset" in protocol.describe()


# ---------------------------------------------------------------------------- psnr budget
def _field(seed=0, size=96):
    rng = np.random.default_rng(seed)
    density = ndimage.gaussian_filter(rng.random((size, size)) ** 8, 2.0) * 50
    return rng.poisson(density).astype(np.float64), density


def test_a_blur_of_the_input_is_its_own_best_linear_filter():
    sparse, _ = _field()
    dense = ndimage.gaussian_filter(sparse, 3.0)
    rows = V.psnr_budget(ndimage.gaussian_filter(sparse, 1.0), sparse, dense, 3.0, regional_px=8)
    assert rows["best linear filter (oracle)"] > 40 and rows["oracle blur"] > 40  # sigma 3 px is in the basis
    assert rows["best linear filter (oracle)"] >= rows["network"]
    assert rows["network, monotone recalibration (oracle)"] >= rows["network"] - 1e-6


def test_a_perfect_network_is_not_improved_and_a_gain_error_is_found():
    sparse, density = _field(1)
    rows = V.psnr_budget(density, sparse, density, 2.0, regional_px=8)
    assert rows["network"] > 60 and rows["network"] > rows["oracle blur"] + 10
    yy = np.linspace(0.5, 1.5, density.shape[0])[:, None] * np.ones_like(density)
    rows = V.psnr_budget(density * yy, sparse, density, 2.0, regional_px=8)
    assert rows["network, regional brightness (8 px) from the dense image (oracle)"] > rows["network"] + 5
