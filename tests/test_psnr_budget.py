"""scripts/psnr_budget.py on synthetic fields whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage


@pytest.fixture(scope="module")
def script(import_script):
    return import_script("psnr_budget")


def _field(seed=0, size=96):
    rng = np.random.default_rng(seed)
    density = ndimage.gaussian_filter(rng.random((size, size)) ** 8, 2.0) * 50
    sparse = rng.poisson(density).astype(np.float64)
    return sparse, density


def test_a_blur_of_the_input_is_its_own_best_linear_filter(script):
    """Dense image = a blur of the sparse input: the linear oracle and the blur reach it; the rows are ordered."""
    sparse, _ = _field()
    dense = ndimage.gaussian_filter(sparse, 3.0)
    rows = script.budget(ndimage.gaussian_filter(sparse, 1.0), sparse, dense, regional_px=8)
    assert rows["best linear filter (oracle)"] > 40  # sigma 3 px is one of the basis blurs: near-exact
    assert rows["oracle blur"] > 40
    assert rows["best linear filter (oracle)"] >= rows["network"]
    assert rows["network, monotone recalibration (oracle)"] >= rows["network"] - 1e-6


def test_a_perfect_network_is_not_improved(script):
    sparse, density = _field(1)
    rows = script.budget(density, sparse, density, regional_px=8)
    assert rows["network"] > 60 and rows["network"] > rows["oracle blur"] + 10


def test_regional_brightness_from_the_dense_image_fixes_a_slow_gain_error(script):
    sparse, density = _field(2)
    yy = np.linspace(0.5, 1.5, density.shape[0])[:, None] * np.ones_like(density)
    rows = script.budget(density * yy, sparse, density, regional_px=8)
    oracle = rows["network, regional brightness (8 px) from the dense image (oracle)"]
    assert oracle > rows["network"] + 5


def test_markdown_has_a_row_per_budget_line_and_a_column_per_field(script):
    out = {"a": {"network": 20.0, "oracle blur": 19.5}, "b": {"network": 21.0, "oracle blur": 21.25}}
    lines = script.markdown(out).splitlines()
    assert lines[0] == "| whole-field PSNR (dB) | a | b |" and lines[2:] == [
        "| network | 20.00 | 21.00 |", "| oracle blur | 19.50 | 21.25 |"]


def test_a_model_not_trained_on_image_pairs_is_refused(script):
    assert script.main(["--model", "simulated"]) == 2
