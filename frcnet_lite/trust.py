"""Maps of where a reconstruction is backed by its input, and what each of them catches (measured).

No map here proves a reconstruction right. Each flags one kind of invention, and how often it
does was measured against known truth in ``scripts/hallucination_study.py`` (simulated
microtubules with 20-200 nm stretches cut out of the labelling, on fields the maps were not tuned
on, from this package's simulator and from an independent one; stored in
``frcnet_lite/studies/trust/``, read with :func:`frcnet_lite.hallucination.load_results`).

:func:`data_support` (what ``frcnet-lite reconstruct --trust-map`` writes)
    Are there as many localizations within ~10 nm of a bright output pixel as its brightness
    calls for? It catches structure drawn where the input holds no localizations: on fields it was never
    tuned or chosen on (the "confirm" sets), it tells the gaps that the network fills (to more
    than 0.3 of a filament's intensity) but the truth leaves empty from supported filament with
    a ROC AUC of 0.77 (19 gaps; this package's simulator) and 0.88 (12 gaps; an independent
    simulator); counting every gap filled above 0.3, including 20-40 nm gaps that the truth
    half-fills too and whose ends hold localizations, 0.75 and 0.79 (on the fields seen when the
    ratio form was chosen: 0.86 and 0.84; 0.73 and 0.72). The window (``sigma_px`` 2, 10 nm)
    was chosen on other fields.
    It does *not* catch a wrong shape drawn through real localizations (a ring filled in, two
    crossing filaments merged), nor errors of intensity on supported structure: for the worst
    tenth of ``|prediction - truth|`` its AUC is below 0.5 (0.29-0.32 on every set), because the largest
    absolute errors sit on bright, well-supported filament. It costs no extra network pass.

:func:`trust_map` / :func:`local_agreement` (two-halves agreement; ``--trust-method halves``)
    Split the localizations into two disjoint halves, reconstruct each and compare. The hope was
    that an invented structure appears in one half's reconstruction and not the other; measured,
    it barely does: a network fills a gap from its prior in *both* halves, and repeated blinks of
    one dye land in both. For the filled gaps the truth leaves empty its AUC is 0.63 and 0.69
    on the confirm sets (0.52-0.66 on the others; 0.54-0.64 for all filled gaps): little better
    than chance.

:func:`tta_spread` (the spread of the 8 rotations and flips)
    Where the network's 8 views disagree. It flags the filled gaps the truth leaves empty with an AUC of
    0.75 and 0.65 on the confirm sets, and absolute error not at all (AUC 0.25-0.29).

The two-halves split is binomial thinning of the count image: every localization goes to half A
or half B with probability 1/2, independently (exactly a random split of the localization list).
The local agreement of two non-negative images ``a`` and ``b`` is ``1 - G * |a - b| / G * (a + b)``
with ``G *`` a Gaussian smoothing of width ``sigma_px``; pixels whose local intensity is below
``min_signal`` times the image's 99th percentile are NaN, after a constant offset (the median of
each image by default) is subtracted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["split_counts", "local_agreement", "TrustResult", "trust_map", "data_support", "tta_spread"]


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


def data_support(
    counts: np.ndarray,
    reconstruction: np.ndarray,
    sigma_px: float = 2.0,
    min_signal: float = 0.05,
    form: str = "ratio",
) -> np.ndarray:
    """Does the input hold the localizations the output's brightness calls for, nearby?

    Within a Gaussian window of ``sigma_px`` around each pixel, the localizations found
    (``n``: the smoothed ``counts`` times the window's area ``4 pi sigma^2``) are compared with
    the number expected from the reconstruction (``lambda``: the smoothed reconstruction times
    the field's own ratio of localizations to output intensity, taken over the pixels where
    the output is bright, times the same area). Where the network draws a bright structure
    that no localization backs (a gap it bridged, a filament it continued), ``n`` is far below
    ``lambda``.

    Parameters
    ----------
    counts : numpy.ndarray
        2D sparse input (localization counts per pixel), on the reconstruction's grid.
    reconstruction : numpy.ndarray
        2D network output of the same shape (any intensity unit: the ratio is fitted per field).
    sigma_px : float
        Width of the window in pixels (default 2: 10 nm at 5 nm pixels).
    min_signal : float
        Pixels whose smoothed output is below this fraction of its 99th percentile are NaN.
    form : {"ratio", "poisson"}
        ``"ratio"`` (default): ``min(1, n / lambda)``; ``"poisson"``: ``P(N <= n)`` for
        ``N ~ Poisson(lambda)`` (the chance of finding so few localizations if the output were
        right). The Poisson form takes the repeated blinks of one dye for independent evidence,
        so its values swing with the blinking: it flagged gaps worse on held-out fields.

    Returns
    -------
    numpy.ndarray
        float32 map in [0, 1] (1: supported), NaN where the output is dark.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> line = np.zeros((64, 64)); line[:, 32] = 2.0
    >>> counts = rng.poisson(line).astype(float)
    >>> counts[26:38] = 0  # a 60 nm gap in the data ...
    >>> m = data_support(counts, line, sigma_px=2)  # ... that the output fills
    >>> bool(m[32, 32] < 0.05), bool(np.nanmedian(m[5:20, 32]) > 0.3)
    (True, True)
    """
    from scipy import special  # noqa: PLC0415

    n_img = np.asarray(counts, dtype=np.float64)
    out = np.asarray(reconstruction, dtype=np.float64)
    if n_img.shape != out.shape or n_img.ndim != 2:
        raise ValueError(f"data_support expects two 2D images of one shape, got {n_img.shape} and {out.shape}")
    if not sigma_px > 0:
        raise ValueError(f"sigma_px must be > 0, got {sigma_px!r}")
    if form not in ("poisson", "ratio"):
        raise ValueError(f"form must be 'poisson' or 'ratio', got {form!r}")
    local_n = ndimage.gaussian_filter(n_img, sigma_px, mode="constant")
    local_out = ndimage.gaussian_filter(np.clip(out, 0, None), sigma_px, mode="constant")
    result = np.full(out.shape, np.nan, dtype=np.float32)
    ref = float(np.percentile(local_out, 99))
    if ref <= 0:
        return result
    bright = local_out > min_signal * ref
    gain = float(local_n[bright].sum() / local_out[bright].sum())  # localizations per unit of output
    area = 4.0 * np.pi * sigma_px**2
    found, expected = local_n[bright] * area, gain * local_out[bright] * area
    if form == "ratio":
        result[bright] = np.clip(found / np.maximum(expected, 1e-12), 0.0, 1.0)
    else:
        result[bright] = special.gammaincc(found + 1.0, expected)  # P(N <= found), continuous in found
    return result


def tta_spread(views: np.ndarray, sigma_px: float = 4.0, min_signal: float = 0.05) -> np.ndarray:
    """Agreement of the reconstructions of the 8 rotations and flips: ``1 - G*sd / G*mean``.

    Parameters
    ----------
    views : numpy.ndarray
        ``(k, H, W)`` reconstructions of one field, each mapped back to the field's orientation
        (e.g. :func:`frcnet_lite.hallucination.dihedral_views`).
    sigma_px : float
        Width of the Gaussian neighbourhood in pixels.
    min_signal : float
        Pixels whose smoothed mean is below this fraction of its 99th percentile are NaN.

    Returns
    -------
    numpy.ndarray
        float32 map in [0, 1] (1: all views agree), NaN where the mean is dark.

    Examples
    --------
    >>> img = np.zeros((32, 32)); img[:, 16] = 1.0
    >>> float(np.nanmin(tta_spread(np.stack([img] * 8), sigma_px=2)))
    1.0
    """
    v = np.asarray(views, dtype=np.float64)
    if v.ndim != 3 or v.shape[0] < 2:
        raise ValueError(f"tta_spread expects (k >= 2, H, W) views, got shape {v.shape}")
    mean = ndimage.gaussian_filter(np.clip(v.mean(axis=0), 0, None), sigma_px, mode="constant")
    sd = ndimage.gaussian_filter(v.std(axis=0), sigma_px, mode="constant")
    out = np.full(mean.shape, np.nan, dtype=np.float32)
    ref = float(np.percentile(mean, 99))
    if ref <= 0:
        return out
    mask = mean > min_signal * ref
    out[mask] = np.clip(1.0 - sd[mask] / mean[mask], 0.0, 1.0)
    return out
