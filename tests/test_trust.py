"""Trust map: exact split, agreement on known cases, invented structures get low trust."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from frcnet_lite import trust


def test_split_is_disjoint_and_binomial():
    counts = np.full((100, 100), 6.0)
    a, b = trust.split_counts(counts, np.random.default_rng(0))
    np.testing.assert_array_equal(a + b, counts)
    assert a.mean() == pytest.approx(3.0, abs=0.05)  # binomial(6, 1/2): sd of the mean 0.012
    assert a.var() == pytest.approx(1.5, rel=0.1)


def test_split_rejects_non_counts():
    with pytest.raises(ValueError, match="whole numbers"):
        trust.split_counts(np.full((4, 4), 0.5), np.random.default_rng(0))
    with pytest.raises(ValueError, match="2D"):
        trust.split_counts(np.zeros(5), np.random.default_rng(0))


def test_local_agreement_known_cases():
    img = np.zeros((40, 40))
    img[5:35, 20] = 1.0
    same = trust.local_agreement(img, img, sigma_px=2)
    assert np.nanmin(same) == pytest.approx(1.0)
    assert np.isnan(same[0, 0])  # empty background is not judged
    half = trust.local_agreement(img, 0.5 * img, sigma_px=2)
    assert np.nanmedian(half) == pytest.approx(1 - 0.5 / 1.5, abs=1e-6)  # 1 - |a-b| / (a+b)
    moved = trust.local_agreement(img, np.roll(img, 12, axis=1), sigma_px=2)
    assert np.nanmax(moved) < 0.05
    sym = trust.local_agreement(np.roll(img, 12, axis=1), img, sigma_px=2)
    np.testing.assert_allclose(moved, sym, equal_nan=True)


def test_invented_structure_gets_low_trust():
    rng = np.random.default_rng(1)
    truth = np.zeros((64, 64))
    truth[:, 20] = 8.0  # a well-sampled filament
    counts = rng.poisson(truth)

    def hallucinating(im):
        # a blur, plus a bright line at a position that depends on the input's noise: "invented"
        out = ndimage.gaussian_filter(im, 1.0)
        col = 35 + int(im.sum()) % 20
        out[:, col] += 4.0
        return out

    result = trust.trust_map(counts, hallucinating, np.random.default_rng(2), sigma_px=2.0)
    real = np.nanmean(result.trust[:, 18:23])
    assert real > 0.8
    cols = [35 + int(2 * h.sum()) % 20 for h in trust.split_counts(counts, np.random.default_rng(2))]
    if cols[0] != cols[1]:
        assert np.nanmean(result.trust[:, cols[0]]) < 0.3


def test_a_shared_constant_background_is_not_agreement():
    img = np.zeros((40, 40))
    img[5:35, 10] = 1.0
    moved = np.roll(img, 15, axis=1)
    offset = trust.local_agreement(img + 0.5, moved + 0.5, sigma_px=2)
    assert np.nanmax(offset) < 0.05  # the 0.5 everywhere is removed before comparing
    raw = trust.local_agreement(img + 0.5, moved + 0.5, sigma_px=2, background_percentile=None)
    assert np.nanmedian(raw) > 0.9  # ... which without it would look like agreement
