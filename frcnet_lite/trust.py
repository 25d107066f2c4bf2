"""A trust map that needs no widefield image: do two independent halves of the data agree?

ANNA-PALM checks its output against a widefield image. Without one, we can still ask the data
itself: split the sparse localizations into two disjoint halves, reconstruct each half
separately, and look where the two reconstructions disagree. A structure supported by the data
shows up in both; a structure the network *invented* from too few localizations tends to appear
in one reconstruction and not in the other (or in a different place).

The split is binomial thinning of the count image: every localization goes to half A or half B
with probability 1/2, independently. That is exactly a random split of the localization list,
and works for images of counts too. (Repeated localizations of one blinking molecule land in
both halves, so agreement is somewhat optimistic: the same caveat as for random-split FRC.)

The local agreement of two non-negative images ``a`` and ``b`` at each pixel is::

    trust = 1 - G * |a - b| / G * (a + b)

with ``G *`` a Gaussian smoothing of width ``sigma_px``: 1 where both halves give the same local
intensity, 0 where all the local intensity comes from one half only. Pixels whose local
intensity is below ``min_signal`` times the image's 99th percentile are empty background where
agreement means nothing: they are set to NaN. A constant offset (the median of each image by
default) is subtracted first, so that a background level both halves share does not count as
agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["split_counts", "local_agreement", "TrustResult", "trust_map"]


def split_counts(counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split a count image into two disjoint halves by binomial thinning (p = 1/2 per localization).

    Parameters
    ----------
    counts : numpy.ndarray
        2D histogram of localizations (non-negative integers; float arrays holding integers are fine).
    rng : numpy.random.Generator
        Random generator (fix its seed for reproducible maps).

    Returns
    -------
    tuple of numpy.ndarray
        ``(half_a, half_b)`` float32, with ``half_a + half_b == counts``.

    Examples
    --------
    >>> a, b = split_counts(np.full((4, 4), 10.0), np.random.default_rng(0))
    >>> bool(np.all(a + b == 10))
    True
    """
    arr = np.asarray(counts)
    if arr.ndim != 2:
        raise ValueError(f"split_counts expects a 2D count image, got shape {arr.shape}")
    rounded = np.rint(arr)
    if np.any(arr < 0) or not np.allclose(arr, rounded, atol=1e-4):
        raise ValueError(
            "split_counts needs an image of localization counts (non-negative integers); "
            f"got values in [{float(arr.min()):.3g}, {float(arr.max()):.3g}] that are not all whole numbers"
        )
    n = rounded.astype(np.int64)
    a = rng.binomial(n, 0.5)
    return a.astype(np.float32), (n - a).astype(np.float32)


def local_agreement(
    a: np.ndarray,
    b: np.ndarray,
    sigma_px: float = 8.0,
    min_signal: float = 0.05,
    background_percentile: float | None = 50.0,
) -> np.ndarray:
    """Local agreement ``1 - G*|a-b| / G*(a+b)`` of two non-negative images (NaN on empty background).

    Parameters
    ----------
    a, b : numpy.ndarray
        Two reconstructions of the same field (same shape, >= 0).
    sigma_px : float
        Width of the Gaussian neighbourhood in pixels (default 8: 40 nm at 5 nm pixels, about the
        width of a microtubule's image, so structures rather than single speckles are compared).
    min_signal : float
        Pixels whose smoothed ``a + b`` is below this fraction of its 99th percentile are NaN.
    background_percentile : float or None
        Subtract this percentile of each image (then clip at 0) first, so that a constant
        background a network may add does not pass for agreement (default 50: the median, which
        is background in sparse SMLM images). None: use the images as they are.

    Returns
    -------
    numpy.ndarray
        float32 map in [0, 1] (1: the halves agree), NaN where there is no signal.

    Examples
    --------
    >>> img = np.zeros((32, 32)); img[10:20, 16] = 1
    >>> float(np.nanmin(local_agreement(img, img)))
    1.0
    >>> moved = np.roll(img, 8, axis=1)
    >>> float(np.nanmin(local_agreement(img, moved))) < 0.05
    True
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"local_agreement expects two 2D images of one shape, got {a.shape} and {b.shape}")
    if background_percentile is not None:
        a = a - np.percentile(a, background_percentile)
        b = b - np.percentile(b, background_percentile)
    a, b = np.clip(a, 0, None), np.clip(b, 0, None)
    if sigma_px <= 0:
        raise ValueError(f"sigma_px must be > 0, got {sigma_px!r}")
    diff = ndimage.gaussian_filter(np.abs(a - b), sigma_px, mode="constant")
    total = ndimage.gaussian_filter(a + b, sigma_px, mode="constant")
    ref = float(np.percentile(total, 99)) or float(total.max())
    out = np.full(a.shape, np.nan, dtype=np.float32)
    if ref <= 0:
        return out
    mask = total > min_signal * ref
    out[mask] = np.clip(1.0 - diff[mask] / total[mask], 0.0, 1.0)
    return out


@dataclass(frozen=True)
class TrustResult:
    """The two half reconstructions and their agreement map.

    Attributes
    ----------
    half_a, half_b : numpy.ndarray
        Reconstructions from the two disjoint halves.
    trust : numpy.ndarray
        :func:`local_agreement` of the halves (1: supported by both, 0: only one, NaN: no signal).
    """

    half_a: np.ndarray
    half_b: np.ndarray
    trust: np.ndarray


def trust_map(
    counts: np.ndarray,
    reconstruct: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
    sigma_px: float = 8.0,
    min_signal: float = 0.05,
    rescale_halves: bool = True,
) -> TrustResult:
    """Reconstruct two disjoint halves of a sparse count image and map where they agree.

    Parameters
    ----------
    counts : numpy.ndarray
        2D sparse histogram (localization counts).
    reconstruct : callable
        Image -> reconstruction, e.g. ``lambda im: predict_tiled(im, predict_fn)``.
    rng : numpy.random.Generator
        Random generator of the split.
    sigma_px, min_signal : float
        See :func:`local_agreement`.
    rescale_halves : bool
        Multiply each half by 2 before reconstructing, so its mean density matches what the
        network was trained on (default True).

    Returns
    -------
    TrustResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = np.zeros((48, 48)); truth[:, 24] = 20
    >>> counts = rng.poisson(truth)
    >>> res = trust_map(counts, lambda im: im, rng, sigma_px=3)
    >>> bool(np.nanmean(res.trust) > 0.7)
    True
    """
    a, b = split_counts(counts, rng)
    gain = 2.0 if rescale_halves else 1.0
    ra = np.asarray(reconstruct(gain * a), dtype=np.float32)
    rb = np.asarray(reconstruct(gain * b), dtype=np.float32)
    return TrustResult(ra, rb, local_agreement(ra, rb, sigma_px, min_signal))
