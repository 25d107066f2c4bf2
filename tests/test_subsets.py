"""Sparse subsets and two-way splits."""

import numpy as np
import pytest

from frcnet_lite.localizations import LocalizationTable
from frcnet_lite.subsets import random_subset, split_halves, time_window, time_window_subset


def _bursty(n_frames=2000, seed=0):
    """Localizations with a frame-dependent rate (like a dSTORM acquisition that bleaches)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(20 * np.exp(-np.arange(n_frames) / 800))
    frames = np.repeat(np.arange(n_frames), counts)
    n = frames.size
    return LocalizationTable({"x_nm": rng.uniform(0, 1e3, n), "y_nm": rng.uniform(0, 1e3, n), "frame": frames})


@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.3])
def test_time_window_holds_the_fraction_in_contiguous_frames(fraction):
    t = _bursty()
    per_frame = np.bincount(t.frame)
    for seed in range(5):
        sub = time_window_subset(t, fraction, rng=seed)
        first, last = sub.meta.extra["time_window"]
        # contiguous: every localization of frames first..last-1 and nothing else
        np.testing.assert_array_equal(np.unique(sub.frame), np.arange(first, last)[per_frame[first:last] > 0])
        assert len(sub) == per_frame[first:last].sum()
        # fraction counted in localizations, rounded out by at most two frames' worth
        assert fraction * len(t) - 1 <= len(sub) <= fraction * len(t) + 2 * per_frame.max()


def test_time_windows_cover_the_acquisition():
    t = _bursty()
    starts = [time_window(t, 0.1, rng=s)[0] for s in range(200)]
    assert min(starts) < 100 and max(starts) > 500


def test_random_subset_exact_size_and_rows_of_the_table():
    t = _bursty()
    sub = random_subset(t, 0.2, rng=3)
    assert len(sub) == round(0.2 * len(t))
    assert np.all(np.diff(sub.frame) >= 0)  # order kept
    assert np.isin(sub.x_nm, t.x_nm).all()


def test_split_halves_partition():
    t = _bursty()
    a, b = split_halves(t, "random", rng=1)
    assert len(a) + len(b) == len(t)
    assert abs(len(a) - len(b)) < 4 * np.sqrt(len(t))
    assert not np.intersect1d(a.x_nm, b.x_nm).size
    a, b = split_halves(t, "time", n_blocks=10)
    span = t.frame.max() + 1
    assert set((a.frame * 10) // span % 2) == {0} and set((b.frame * 10) // span % 2) == {1}
    assert len(a) + len(b) == len(t)


def test_bad_arguments():
    t = _bursty()
    for bad in (0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="fraction"):
            time_window_subset(t, bad)
    with pytest.raises(ValueError, match="mode"):
        split_halves(t, "odd")
    with pytest.raises(ValueError, match="empty"):
        time_window_subset(t.select(np.zeros(len(t), bool)), 0.1)
