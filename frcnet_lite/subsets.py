"""Sparse subsets of localization tables and two-way splits for FRC.

A *sparse* SMLM image is what a short acquisition would give: the localizations of a contiguous
window of frames. The method (Berberich et al. 2021) trains on windows holding 5-30 % of the
localizations. :func:`time_window_subset` picks such a window at random (the fraction is counted in
localizations, not frames, since blinking is not uniform in time); :func:`random_subset` draws
localizations independently (useful as a contrast: it keeps every fluorophore, just fewer of its
blinks). :func:`split_halves` makes the two independent halves that Fourier ring correlation needs.

``rng`` arguments accept a :class:`numpy.random.Generator`, an integer seed or None (fresh entropy).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .localizations import LocalizationTable

__all__ = ["time_window_subset", "time_window", "random_subset", "split_halves"]

RngLike = np.random.Generator | int | None


def _check_fraction(fraction: float) -> float:
    if not (np.isfinite(fraction) and 0 < fraction <= 1):
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    return float(fraction)


def time_window(locs: LocalizationTable, fraction: float, rng: RngLike = None) -> tuple[int, int]:
    """A random contiguous frame window ``[first, last)`` that holds about ``fraction`` of the localizations.

    The window is found in localization counts: it starts at a random localization (in frame
    order) and extends until ``round(fraction * n)`` localizations are covered, then is rounded
    out to whole frames (so the realised fraction is at least ``fraction`` and at most one
    frame's worth above it).

    Examples
    --------
    >>> t = LocalizationTable({"x_nm": np.zeros(100), "y_nm": np.zeros(100), "frame": np.arange(100)})
    >>> first, last = time_window(t, 0.2, rng=1)
    >>> last - first
    20
    """
    fraction = _check_fraction(fraction)
    n = len(locs)
    if n == 0:
        raise ValueError("cannot take a time window of an empty localization table")
    gen = np.random.default_rng(rng)
    frames = np.sort(locs.frame, kind="stable")
    k = max(1, int(round(fraction * n)))
    start = int(gen.integers(0, n - k + 1))
    return int(frames[start]), int(frames[start + k - 1]) + 1


def time_window_subset(locs: LocalizationTable, fraction: float, rng: RngLike = None) -> LocalizationTable:
    """Localizations of a random contiguous window of frames holding about ``fraction`` of them.

    Parameters
    ----------
    locs : LocalizationTable
        The full acquisition.
    fraction : float
        Fraction of the localizations to keep, in (0, 1] (the method: 0.05 to 0.3).
    rng : numpy.random.Generator or int or None
        Random source for the window's position.

    Returns
    -------
    LocalizationTable
        The rows whose frame lies in the window (order preserved); ``meta.extra`` gains
        ``time_window = (first, last)``.

    Examples
    --------
    >>> t = LocalizationTable({"x_nm": np.zeros(1000), "y_nm": np.zeros(1000), "frame": np.arange(1000) // 2})
    >>> len(time_window_subset(t, 0.1, rng=0))
    100
    """
    first, last = time_window(locs, fraction, rng)
    out = locs.select((locs.frame >= first) & (locs.frame < last))
    return out.with_meta(extra={**dict(locs.meta.extra), "time_window": (first, last)})


def random_subset(locs: LocalizationTable, fraction: float, rng: RngLike = None) -> LocalizationTable:
    """Exactly ``round(fraction * n)`` localizations drawn without replacement (order preserved).

    Examples
    --------
    >>> t = LocalizationTable({"x_nm": np.arange(10.0), "y_nm": np.zeros(10), "frame": np.arange(10)})
    >>> len(random_subset(t, 0.3, rng=0))
    3
    """
    fraction = _check_fraction(fraction)
    gen = np.random.default_rng(rng)
    n = len(locs)
    k = int(round(fraction * n))
    idx = np.sort(gen.choice(n, size=k, replace=False))
    return locs.select(idx)


def split_halves(
    locs: LocalizationTable,
    mode: Literal["random", "time"] = "random",
    rng: RngLike = None,
    n_blocks: int = 20,
) -> tuple[LocalizationTable, LocalizationTable]:
    """Split localizations into two halves for Fourier ring correlation.

    Parameters
    ----------
    locs : LocalizationTable
        The localizations.
    mode : {"random", "time"}
        ``"random"``: every localization goes to either half with probability 1/2 (the halves
        share fluorophores, so repeated blinks correlate and FRC comes out optimistic).
        ``"time"``: the frame range is cut into ``n_blocks`` equal blocks that alternate between
        the halves (closer to two independent acquisitions).
    rng : numpy.random.Generator or int or None
        Random source (``"random"`` mode).
    n_blocks : int
        Number of time blocks (``"time"`` mode, >= 2). Default 20.

    Returns
    -------
    (LocalizationTable, LocalizationTable)

    Examples
    --------
    >>> t = LocalizationTable({"x_nm": np.zeros(100), "y_nm": np.zeros(100), "frame": np.arange(100)})
    >>> a, b = split_halves(t, mode="time", n_blocks=4)
    >>> len(a), len(b), int(a.frame.max())
    (50, 50, 74)
    """
    if mode == "random":
        gen = np.random.default_rng(rng)
        first = gen.random(len(locs)) < 0.5
    elif mode == "time":
        if int(n_blocks) < 2:
            raise ValueError(f"n_blocks must be >= 2, got {n_blocks!r}")
        if len(locs) == 0:
            first = np.zeros(0, dtype=bool)
        else:
            f0 = int(locs.frame.min())
            span = int(locs.frame.max()) - f0 + 1
            block = ((locs.frame - f0) * int(n_blocks)) // span
            first = block % 2 == 0
    else:
        raise ValueError(f"mode must be 'random' or 'time', got {mode!r}")
    return locs.select(first), locs.select(~first)
