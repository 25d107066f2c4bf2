"""Tests of frcnet_lite.report: the sentences and tables say what the numbers say."""

from __future__ import annotations

import pytest

from frcnet_lite.metrics import MetricSummary as M
from frcnet_lite.report import compare, metric_table, oracle, ranking, verdicts

RESULTS = {
    "network": {"psnr_db": M(25.0, 0.1, 50), "mse": M(1e-3, 1e-5, 50), "ms_ssim": M(0.70, 0.01, 50)},
    "histogram": {"psnr_db": M(18.0, 0.1, 50), "mse": M(5e-3, 1e-5, 50), "ms_ssim": M(0.30, 0.01, 50)},
    "Gaussian 10 nm": {"psnr_db": M(24.0, 0.1, 50), "mse": M(2e-3, 1e-5, 50), "ms_ssim": M(0.69, 0.01, 50)},
    "Gaussian 20 nm": {"psnr_db": M(23.0, 0.1, 50), "mse": M(0.5e-3, 1e-5, 50), "ms_ssim": M(0.60, 0.01, 50)},
}


def test_verdicts_pick_the_strongest_rival_per_metric_and_respect_direction():
    v = {x.metric: x for x in verdicts(RESULTS, "network")}
    assert (v["psnr_db"].outcome, v["psnr_db"].rival) == ("wins", "Gaussian 10 nm")
    assert (v["mse"].outcome, v["mse"].rival) == ("loses", "Gaussian 20 nm")  # lower MSE is better
    assert (v["ms_ssim"].outcome, v["ms_ssim"].rival) == ("ties", "Gaussian 10 nm")  # 0.01 apart, SEM 0.01


def test_compare_words_wins_ties_and_losses_with_numbers():
    text = compare(RESULTS, "network", subject="The network")
    assert text.startswith("The network beats the strongest baseline on PSNR (25.00 ± 0.10 dB vs 24.00 ± 0.10 dB")
    assert "ties with it (difference within two standard errors) on MS-SSIM" in text
    assert "loses to it on MSE (1.00e-03 ± 1.00e-05 vs 5.00e-04 ± 1.00e-05, Gaussian 20 nm)" in text
    only_loss = compare(RESULTS, "histogram")
    assert only_loss.startswith("The histogram loses to the strongest baseline on ")


def test_oracle_takes_the_best_candidate_per_metric():
    row, chosen = oracle(RESULTS, ["Gaussian 10 nm", "Gaussian 20 nm"])
    assert chosen == {"psnr_db": "Gaussian 10 nm", "mse": "Gaussian 20 nm", "ms_ssim": "Gaussian 10 nm"}
    assert row["mse"].mean == 0.5e-3


def test_metric_table_bolds_the_best_of_each_column():
    html = metric_table(RESULTS).to_html()
    frame = metric_table(RESULTS).data
    assert list(frame.columns) == ["PSNR (dB)", "MSE", "MS-SSIM"]
    assert frame.loc["network", "PSNR (dB)"] == "25.00 ± 0.10"
    style = html.split("</style>")[0]
    bold = style.split("{")[0]
    assert "font-weight: bold" in style
    # best: network's PSNR (row 0, col 0) and MS-SSIM (col 2), Gaussian 20 nm's MSE (row 3, col 1)
    assert sorted(s.strip().split("_", 2)[2] for s in bold.split(",")) == ["row0_col0", "row0_col2", "row3_col1"]
    with pytest.raises(ValueError, match="unknown metric"):
        metric_table({"a": {"nonsense": 1.0}})


def test_ranking_orders_both_ways():
    assert ranking({"a": 2.0, "b": 1.0}, higher_is_better=True, fmt=".0f") == "a (2), then b (1)"
    assert ranking({"a": 2.0, "b": 1.0}, higher_is_better=False, fmt=".0f") == "b (1), then a (2)"
