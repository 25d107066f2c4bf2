"""Fourier ring correlation (FRC) in numpy: curves, thresholds, resolution and the area-FRC.

The FRC of two images ``f1`` and ``f2`` of the same object with independent noise is, for each
ring ``r`` of spatial frequencies of (about) the same magnitude,

.. math::

    \\mathrm{FRC}(r) = \\frac{\\sum_{k \\in r} \\mathrm{Re}\\,F_1(k) F_2^*(k)}
                           {\\sqrt{\\sum_{k \\in r} |F_1(k)|^2 \\sum_{k \\in r} |F_2(k)|^2}}

(Saxton & Baumeister 1982; for SMLM: Nieuwenhuizen et al. 2013). Rings where either image has no
power get FRC 0, never NaN.

**Ring definition** (used by every function here *and* by :mod:`frcnet_lite.frc_tf`). For an image
of ``H x W`` pixels of ``pixel_size_nm``, let ``L = min(H, W)``. The Fourier pixel ``(ky, kx)``
(signed integer indices) has the radial frequency, in cycles per pixel, ``rho = sqrt((kx / W)^2 +
(ky / H)^2)``; its **ring index** is the integer-rounded ``r = floor(rho * L + 0.5)``. Ring ``r``
therefore holds the frequencies within half a bin of ``r / (L * pixel_size_nm)`` (in 1/nm), one bin
being ``1 / (L * pixel_size_nm)``. Rings run from ``0`` (the mean) to ``L // 2`` (the Nyquist
frequency ``1 / (2 * pixel_size_nm)``); the corners of the Fourier plane beyond Nyquist are left
out. For a square ``N x N`` image this is the usual "rings of one pixel width, ``r = round(|k|)``,
up to ``N / 2``".

**Cut-off as a fraction of the maximum frequency** (area-FRC). The maximum frequency is the Nyquist
frequency, ring ``L / 2``. A ``cutoff`` in ``(0, 1]`` keeps the rings ``1 <= r <= R`` with ``R =
max(1, floor(cutoff * L / 2))``; e.g. 25 rings for a 256-pixel image at ``cutoff=0.2``, 64 rings at
``cutoff=0.5``. Ring 0 (the mean intensity, whose FRC is 1 for any two positive images) is left out.
The **area-FRC** is the plain mean of the FRC over these rings (the area under the curve divided by
the frequency range), and the FRC loss is ``1 - area``. :func:`cutoff_ring` computes ``R``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import fft as sp_fft
from scipy.signal import windows as sp_windows

__all__ = [
    "FRC_THRESHOLD_1_7",
    "FRCCurve",
    "FRCResolution",
    "ring_index",
    "cutoff_ring",
    "compute_frc",
    "frc_curve",
    "area_frc",
    "half_bit_threshold",
    "threshold_crossing",
    "ring_sums",
    "frc_resolution",
    "frc_vs_fraction",
    "save_table_csv",
    "plot_frc",
]

#: The fixed 1/7 threshold of Nieuwenhuizen et al. (2013).
FRC_THRESHOLD_1_7: float = 1.0 / 7.0

WindowName = Literal["none", "tukey", "hamming"]
BinningName = Literal["round", "floor"]


# ------------------------------------------------------------------------- rings --
def _check_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 2:
        raise ValueError(f"expected a 2D image of at least 2 x 2 pixels, got shape {tuple(shape)}")
    return int(shape[0]), int(shape[1])


@functools.lru_cache(maxsize=16)
def ring_index(shape: tuple[int, int], half: bool = False, binning: BinningName = "round") -> np.ndarray:
    """Ring index of every Fourier pixel of an image (see the module docstring).

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(H, W)`` in pixels.
    half : bool
        False: the full ``(H, W)`` plane of :func:`numpy.fft.fft2`. True: the half plane
        ``(H, W // 2 + 1)`` of :func:`numpy.fft.rfft2`.
    binning : {"round", "floor"}
        "round" (the package's definition, ``r = floor(rho * L + 0.5)``) or "floor"
        (``r = floor(rho * L)``, ring ``r`` holds ``[r, r + 1)`` bins, as in locan and other SMLM
        tools; for comparisons only).

    Returns
    -------
    numpy.ndarray
        int32 ring indices, read-only (cached). Pixels beyond Nyquist get ``L // 2 + 1`` where
        ``L = min(H, W)``: one overflow ring that every FRC function ignores.

    Examples
    --------
    >>> ring_index((4, 4))
    array([[0, 1, 2, 1],
           [1, 1, 2, 1],
           [2, 2, 3, 2],
           [1, 1, 2, 1]], dtype=int32)
    """
    h, w = _check_shape(tuple(shape))
    length = min(h, w)
    ky = np.fft.fftfreq(h)[:, None]  # cycles per pixel
    kx = (np.fft.rfftfreq(w) if half else np.fft.fftfreq(w))[None, :]
    rho = np.sqrt(kx**2 + ky**2)
    if binning not in ("round", "floor"):
        raise ValueError(f"binning must be 'round' or 'floor', got {binning!r}")
    offset = 0.5 if binning == "round" else 1e-9  # 1e-9: exact integers stay in their ring
    rings = np.floor(rho * length + offset).astype(np.int32)
    np.minimum(rings, length // 2 + 1, out=rings)
    rings.setflags(write=False)
    return rings


@functools.lru_cache(maxsize=16)
def _half_plane_weights(width: int) -> np.ndarray:
    """Weights that turn sums over the rfft half plane into sums over the full plane.

    Column 0 (and column ``W / 2`` for even ``W``) appear once in the full plane, every other
    column twice (``F(-k) = F(k)*`` for real images).
    """
    weights = np.full(width // 2 + 1, 2.0)
    weights[0] = 1.0
    if width % 2 == 0:
        weights[-1] = 1.0
    weights.setflags(write=False)
    return weights


def cutoff_ring(shape: tuple[int, int], cutoff: float) -> int:
    """Highest ring ``R`` kept by an area-FRC with this ``cutoff`` (fraction of Nyquist).

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(H, W)``.
    cutoff : float
        Fraction of the maximum (Nyquist) frequency, in ``(0, 1]``.

    Returns
    -------
    int
        ``max(1, floor(cutoff * min(H, W) / 2))``.

    Examples
    --------
    >>> cutoff_ring((256, 256), 0.2), cutoff_ring((256, 256), 0.5), cutoff_ring((256, 256), 1.0)
    (25, 64, 128)
    """
    h, w = _check_shape(tuple(shape))
    if not (isinstance(cutoff, (int, float, np.floating)) and 0 < cutoff <= 1):
        raise ValueError(f"cutoff must be a fraction of the Nyquist frequency in (0, 1], got {cutoff!r}")
    return max(1, int(math.floor(float(cutoff) * (min(h, w) // 2) + 1e-9)))


# --------------------------------------------------------------------- the curve --
@dataclass(frozen=True)
class FRCCurve:
    """An FRC curve: one value per ring from 0 to Nyquist.

    Attributes
    ----------
    frequency_per_nm : numpy.ndarray
        Ring centre frequencies ``r / (L * pixel_size_nm)`` in 1/nm.
    frc : numpy.ndarray
        Correlation per ring, in [-1, 1]; 0 where a ring has no power in either image.
    n_pixels : numpy.ndarray
        Number of Fourier pixels per ring (for the half-bit threshold).
    pixel_size_nm : float
        Pixel size of the images.
    """

    frequency_per_nm: np.ndarray
    frc: np.ndarray
    n_pixels: np.ndarray
    pixel_size_nm: float = 1.0

    def __repr__(self) -> str:
        return (
            f"FRCCurve({self.frc.size} rings up to {self.frequency_per_nm[-1]:.4g} 1/nm, "
            f"pixel_size_nm={self.pixel_size_nm})"
        )


def _window_2d(shape: tuple[int, int], window: str, tukey_alpha: float) -> np.ndarray | None:
    if window == "none":
        return None
    if window == "tukey":
        wy, wx = sp_windows.tukey(shape[0], tukey_alpha), sp_windows.tukey(shape[1], tukey_alpha)
    elif window == "hamming":
        wy, wx = sp_windows.hamming(shape[0]), sp_windows.hamming(shape[1])
    else:
        raise ValueError(f"window must be 'none', 'tukey' or 'hamming', got {window!r}")
    return np.outer(wy, wx).astype(np.float32)


def _smooth(values: np.ndarray, smooth_rings: int) -> np.ndarray:
    """Centred moving average over ``2 * smooth_rings + 1`` rings (shrinking at the ends)."""
    if smooth_rings == 0:
        return values
    if smooth_rings < 0 or int(smooth_rings) != smooth_rings:
        raise ValueError(f"smooth_rings must be an integer >= 0, got {smooth_rings!r}")
    k = int(smooth_rings)
    csum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(values.size)
    lo, hi = np.maximum(idx - k, 0), np.minimum(idx + k + 1, values.size)
    return (csum[hi] - csum[lo]) / (hi - lo)


def _as_image(image: Any, name: str) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2D image (or H x W x 1), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _full_plane_ring_sum(rings: np.ndarray, values: np.ndarray, n_rings: int, width: int) -> np.ndarray:
    """Per-ring sums over the full Fourier plane of ``values`` given on the rfft half plane.

    Every column but 0 (and ``W / 2`` for even ``W``) stands for two pixels of the full plane
    (``F(-k) = F(k)*``): full sum = 2 * half-plane sum - the sums of the columns counted once.
    """
    total = np.bincount(rings.ravel(), values.ravel(), n_rings)
    once = np.bincount(rings[:, 0], values[:, 0], n_rings)
    if width % 2 == 0:
        once += np.bincount(rings[:, -1], values[:, -1], n_rings)
    return 2.0 * total - once


@functools.lru_cache(maxsize=16)
def _ring_counts(shape: tuple[int, int], binning: str) -> np.ndarray:
    rings = ring_index(shape, half=True, binning=binning)
    counts = _full_plane_ring_sum(rings, np.ones(rings.shape), min(shape) // 2 + 2, shape[1])
    counts = counts[:-1].astype(np.int64)
    counts.setflags(write=False)
    return counts


def ring_sums(
    image1: np.ndarray, image2: np.ndarray, binning: BinningName = "round"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-ring sums ``sum Re(F1 F2*)``, ``sum |F1|^2``, ``sum |F2|^2`` and pixel counts.

    Uses real FFTs (half plane, counted as the full plane); rings ``0 .. L // 2``.
    """
    shape = _check_shape(image1.shape)
    rings = ring_index(shape, half=True, binning=binning)
    f1 = sp_fft.rfft2(image1, workers=-1)
    f2 = sp_fft.rfft2(image2, workers=-1)
    n_rings = min(shape) // 2 + 2  # + the overflow ring beyond Nyquist
    r1, i1, r2, i2 = f1.real, f1.imag, f2.real, f2.imag
    num = _full_plane_ring_sum(rings, r1 * r2 + i1 * i2, n_rings, shape[1])
    p1 = _full_plane_ring_sum(rings, r1 * r1 + i1 * i1, n_rings, shape[1])
    p2 = _full_plane_ring_sum(rings, r2 * r2 + i2 * i2, n_rings, shape[1])
    keep = slice(0, n_rings - 1)
    return num[keep], p1[keep], p2[keep], _ring_counts(shape, binning)


def compute_frc(
    image1: Any,
    image2: Any,
    pixel_size_nm: float = 1.0,
    window: WindowName = "none",
    tukey_alpha: float = 0.25,
    smooth_rings: int = 0,
    binning: BinningName = "round",
) -> FRCCurve:
    """FRC curve of two images, with ring pixel counts (see :func:`frc_curve`)."""
    img1, img2 = _as_image(image1, "image1"), _as_image(image2, "image2")
    if img1.shape != img2.shape:
        raise ValueError(f"the two images must have the same shape, got {img1.shape} and {img2.shape}")
    if not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number of nanometres, got {pixel_size_nm!r}")
    shape = _check_shape(img1.shape)
    dtype = np.float32 if img1.dtype == np.float32 and img2.dtype == np.float32 else np.float64
    img1, img2 = img1.astype(dtype, copy=False), img2.astype(dtype, copy=False)
    win = _window_2d(shape, window, tukey_alpha)
    if win is not None:
        img1, img2 = img1 * win, img2 * win
    num, p1, p2, count = ring_sums(img1, img2, binning)
    denom = np.sqrt(p1 * p2)
    frc = np.divide(num, denom, out=np.zeros_like(num), where=denom > 0)
    frc = np.clip(_smooth(frc, smooth_rings), -1.0, 1.0)
    freq = np.arange(frc.size) / (min(shape) * float(pixel_size_nm))
    return FRCCurve(freq, frc, count, float(pixel_size_nm))


def frc_curve(
    image1: Any,
    image2: Any,
    pixel_size_nm: float = 1.0,
    window: WindowName = "none",
    tukey_alpha: float = 0.25,
    smooth_rings: int = 0,
    binning: BinningName = "round",
) -> tuple[np.ndarray, np.ndarray]:
    """Fourier ring correlation of two images of the same shape (square or not).

    Parameters
    ----------
    image1, image2 : array_like
        2D images (``H x W`` or ``H x W x 1``) of the same shape, real and finite.
    pixel_size_nm : float
        Pixel size in nm; sets the frequency axis.
    window : {"none", "tukey", "hamming"}
        Window multiplied into both images before the Fourier transform, against the edge
        artefacts of non-periodic images. Default "none": rendered localizations usually fall
        off to zero at the border anyway.
    tukey_alpha : float
        Taper fraction of the Tukey window.
    smooth_rings : int
        Half-width of a centred moving average applied to the curve (0: no smoothing, the default).
    binning : {"round", "floor"}
        Ring binning (see :func:`ring_index`): "round" (default, the package's definition, shared
        with the TensorFlow loss) or "floor" (as in locan; frequencies are then the rings' lower
        edges ``r / (L * pixel_size_nm)``).

    Returns
    -------
    frequency_per_nm : numpy.ndarray
        Ring frequencies in 1/nm, rings ``0 .. min(H, W) // 2`` (see the module docstring).
    frc : numpy.ndarray
        The correlation per ring; 0 (not NaN) where a ring has no power.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img = rng.poisson(2.0, (64, 64)).astype(float)
    >>> freq, frc = frc_curve(img, img, pixel_size_nm=10.0)
    >>> freq.shape, float(freq[-1]), bool(np.allclose(frc, 1.0))
    ((33,), 0.05, True)
    """
    curve = compute_frc(image1, image2, pixel_size_nm, window, tukey_alpha, smooth_rings, binning)
    return curve.frequency_per_nm, curve.frc


def area_frc(image1: Any, image2: Any, cutoff: float = 0.2) -> float:
    """Area-FRC: mean FRC over the rings from 1 up to ``cutoff`` times the Nyquist frequency.

    Parameters
    ----------
    image1, image2 : array_like
        2D images of the same shape.
    cutoff : float
        Fraction of the Nyquist frequency in ``(0, 1]`` (0.2 and 0.5 in Berberich et al. 2021);
        see :func:`cutoff_ring` and the module docstring for the exact ring range.

    Returns
    -------
    float
        The area-FRC in [-1, 1]; the FRC loss is ``1 - area_frc``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a, b = rng.normal(size=(2, 64, 64))
    >>> area_frc(a, a), abs(area_frc(a, b, cutoff=1.0)) < 0.05
    (1.0, True)
    """
    img1 = _as_image(image1, "image1")
    last = cutoff_ring(img1.shape, cutoff)
    _, frc = frc_curve(img1, image2)
    return float(np.mean(frc[1 : last + 1]))


# ----------------------------------------------------------------- thresholds --
def half_bit_threshold(n_pixels: np.ndarray) -> np.ndarray:
    """The half-bit threshold of van Heel & Schatz (2005) for rings of ``n_pixels`` pixels.

    ``T(n) = (0.2071 + 1.9102 / sqrt(n)) / (1.2071 + 0.9102 / sqrt(n))``; it falls towards
    0.2071 / 1.2071 = 0.1716 for large rings. Rings without pixels get 1.

    Examples
    --------
    >>> np.round(half_bit_threshold(np.array([1, 100, 10**8])), 4)
    array([1.    , 0.3067, 0.1717])
    """
    n = np.asarray(n_pixels, dtype=float)
    inv = np.divide(1.0, np.sqrt(n), out=np.full_like(n, np.inf), where=n > 0)
    with np.errstate(invalid="ignore"):
        t = (0.2071 + 1.9102 * inv) / (1.2071 + 0.9102 * inv)
    return np.where(n > 0, t, 1.0)


def threshold_crossing(curve: FRCCurve, threshold: float | str = FRC_THRESHOLD_1_7) -> float:
    """Frequency (1/nm) where the FRC first falls below a threshold, linearly interpolated.

    Parameters
    ----------
    curve : FRCCurve
        From :func:`compute_frc`.
    threshold : float or "half-bit"
        A fixed threshold (default 1/7) or the ring-size dependent half-bit threshold.

    Returns
    -------
    float
        The crossing frequency in 1/nm, searched from ring 1 upwards; NaN if the curve stays
        above the threshold up to Nyquist (then the pixel size limits the measurement: use
        smaller pixels).

    Examples
    --------
    >>> c = FRCCurve(np.array([0.0, 0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.1, 0.0]), np.array([1, 8, 16, 24]))
    >>> round(threshold_crossing(c, 0.3), 6)
    0.15
    """
    if isinstance(threshold, str):
        if threshold != "half-bit":
            raise ValueError(f"threshold must be a number or 'half-bit', got {threshold!r}")
        thr = half_bit_threshold(curve.n_pixels)
    else:
        thr = np.full(curve.frc.shape, float(threshold))
    diff = curve.frc - thr
    below = np.flatnonzero(diff[1:] < 0) + 1
    if below.size == 0:
        return float("nan")
    r = int(below[0])
    if r == 1 or diff[r - 1] <= 0:
        return float(curve.frequency_per_nm[r])
    t = diff[r - 1] / (diff[r - 1] - diff[r])
    f0, f1 = curve.frequency_per_nm[r - 1], curve.frequency_per_nm[r]
    return float(f0 + t * (f1 - f0))


# --------------------------------------------------- resolution from localizations --
@dataclass(frozen=True)
class FRCResolution:
    """FRC resolution from repeated two-way splits of one localization set.

    Attributes
    ----------
    resolution_nm : float
        Mean over the repeats of ``1 / crossing frequency``, in nm (NaN if no repeat crossed).
    std_nm : float
        Standard deviation over the repeats, in nm (0 for a single repeat).
    crossing_per_nm : numpy.ndarray
        Crossing frequency of each repeat, in 1/nm (NaN where the curve did not cross).
    curves : list of FRCCurve
        One curve per repeat.
    threshold : float or str
        The threshold used.
    split : str
        "random" or "time".
    """

    resolution_nm: float
    std_nm: float
    crossing_per_nm: np.ndarray
    curves: list = field(repr=False)
    threshold: float | str = FRC_THRESHOLD_1_7
    split: str = "random"

    def mean_curve(self) -> FRCCurve:
        """The FRC averaged over the repeats."""
        first = self.curves[0]
        mean = np.mean([c.frc for c in self.curves], axis=0)
        return FRCCurve(first.frequency_per_nm, mean, first.n_pixels, first.pixel_size_nm)

    def as_dict(self) -> dict:
        """JSON-friendly summary."""
        return {
            "resolution_nm": _nan_to_none(self.resolution_nm),
            "std_nm": _nan_to_none(self.std_nm),
            "crossing_per_nm": [_nan_to_none(float(v)) for v in self.crossing_per_nm],
            "threshold": self.threshold if isinstance(self.threshold, str) else float(self.threshold),
            "split": self.split,
            "n_repeats": len(self.curves),
            "pixel_size_nm": self.curves[0].pixel_size_nm,
        }


def _nan_to_none(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def _split_curve(locs: Any, pixel_size_nm: float, fov_nm: tuple, split: str, rng: np.random.Generator,
                 window: WindowName, smooth_rings: int) -> FRCCurve:
    from .rendering import render_histogram
    from .subsets import split_halves

    half1, half2 = split_halves(locs, mode=split, rng=rng)
    img1 = render_histogram(half1, pixel_size_nm, fov_nm)
    img2 = render_histogram(half2, pixel_size_nm, fov_nm)
    return compute_frc(img1, img2, pixel_size_nm, window=window, smooth_rings=smooth_rings)


def frc_resolution(
    locs: Any,
    pixel_size_nm: float = 5.0,
    threshold: float | str = FRC_THRESHOLD_1_7,
    split: Literal["random", "time"] = "random",
    n_repeats: int = 5,
    rng: np.random.Generator | int | None = None,
    fov_nm: tuple[float, float, float, float] | None = None,
    window: WindowName = "none",
    smooth_rings: int = 1,
) -> FRCResolution:
    """FRC resolution of a localization set (Nieuwenhuizen et al. 2013).

    The localizations are split in two halves (:func:`frcnet_lite.subsets.split_halves`), both are
    rendered as histograms (:func:`frcnet_lite.rendering.render_histogram`) on the same grid, and
    the resolution is ``1 / f`` where ``f`` is the first crossing of the threshold
    (:func:`threshold_crossing`). Repeats with new random splits give a mean and spread.

    Parameters
    ----------
    locs : LocalizationTable
        The localizations (x_nm, y_nm, frame).
    pixel_size_nm : float
        Rendering pixel size in nm (default 5). It must be well below the expected resolution:
        the measurable limit is ``2 * pixel_size_nm`` (Nyquist).
    threshold : float or "half-bit"
        1/7 (default) or the half-bit threshold.
    split : {"random", "time"}
        Random halves (repeats draw new halves) or alternating time blocks (deterministic, so it
        is computed once whatever ``n_repeats``; less optimistic for blinking dyes).
    n_repeats : int
        Number of random splits (>= 1).
    rng : numpy.random.Generator or int or None
        Random source for the splits.
    fov_nm : tuple (x0, y0, x1, y1), optional
        Field of view; default ``locs.bounds_nm()``.
    window : {"none", "tukey", "hamming"}
        Window applied before the Fourier transform (see :func:`frc_curve`).
    smooth_rings : int
        Moving-average half-width applied to each curve before the threshold search (default 1,
        i.e. over 3 rings, so a single noisy ring does not end the curve early).

    Returns
    -------
    FRCResolution
        Mean and standard deviation of the resolution in nm, crossings and curves.

    Examples
    --------
    >>> from frcnet_lite.localizations import LocalizationTable
    >>> rng = np.random.default_rng(0)
    >>> x = np.repeat(rng.uniform(0, 2000, 400), 10) + rng.normal(0, 15, 4000)
    >>> y = np.repeat(rng.uniform(0, 2000, 400), 10) + rng.normal(0, 15, 4000)
    >>> locs = LocalizationTable({"x_nm": x, "y_nm": y, "frame": np.arange(4000)})
    >>> res = frc_resolution(locs, pixel_size_nm=5.0, n_repeats=3, rng=1, fov_nm=(0, 0, 2000, 2000))
    >>> 20 < res.resolution_nm < 100
    True
    """
    if int(n_repeats) < 1:
        raise ValueError(f"n_repeats must be >= 1, got {n_repeats!r}")
    if split not in ("random", "time"):
        raise ValueError(f"split must be 'random' or 'time', got {split!r}")
    if len(locs) < 2:
        raise ValueError(f"FRC needs at least 2 localizations to split, got {len(locs)}")
    gen = np.random.default_rng(rng)
    fov = tuple(fov_nm) if fov_nm is not None else locs.bounds_nm()
    repeats = 1 if split == "time" else int(n_repeats)
    curves = [_split_curve(locs, pixel_size_nm, fov, split, gen, window, smooth_rings) for _ in range(repeats)]
    crossing = np.array([threshold_crossing(c, threshold) for c in curves])
    res = 1.0 / crossing[np.isfinite(crossing)]
    mean = float(res.mean()) if res.size else float("nan")
    std = float(res.std(ddof=1)) if res.size > 1 else (0.0 if res.size else float("nan"))
    return FRCResolution(mean, std, crossing, curves, threshold, split)


def frc_vs_fraction(
    locs: Any,
    fractions: Any = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
    pixel_size_nm: float = 5.0,
    n_repeats: int = 3,
    cutoffs: tuple[float, ...] = (0.2, 0.5),
    rng: np.random.Generator | int | None = None,
    fov_nm: tuple[float, float, float, float] | None = None,
    split: Literal["random", "time"] = "random",
    threshold: float | str = FRC_THRESHOLD_1_7,
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    """FRC resolution and area-FRC against the fraction of localizations (Berberich et al. 2021, Fig. 2).

    For each fraction and repeat, a sparse subset is taken as a random contiguous time window
    (:func:`frcnet_lite.subsets.time_window_subset`, as a shorter acquisition would give). Its
    split-half FRC gives the crossing frequency and resolution; the area-FRC between the sparse
    and the full rendering is computed at each cut-off. (The sparse data are part of the full
    data, so that area-FRC is not a resolution: it measures how much of the full image's
    structure the sparse image already shows, the quantity the network is trained to raise.)

    Parameters
    ----------
    locs : LocalizationTable
        The full acquisition.
    fractions : sequence of float
        Fractions of the localizations in (0, 1].
    pixel_size_nm : float
        Rendering pixel size, nm.
    n_repeats : int
        Repeats per fraction (new time window and split each time).
    cutoffs : tuple of float
        Area-FRC cut-offs as fractions of Nyquist.
    rng : numpy.random.Generator or int or None
        Random source.
    fov_nm : tuple, optional
        Field of view; default ``locs.bounds_nm()``.
    split : {"random", "time"}
        How each sparse subset is split for its resolution.
    threshold : float or "half-bit"
        Threshold of the resolution.
    progress : bool or None
        Show a tqdm bar (None: only on a terminal / notebook).

    Returns
    -------
    dict of str -> numpy.ndarray
        Columns, one row per (fraction, repeat): ``fraction``, ``repeat``, ``n_localizations``,
        ``crossing_per_nm``, ``resolution_nm`` and ``area_frc_<cutoff>`` for each cut-off.
        Write it with :func:`save_table_csv`.

    Examples
    --------
    >>> from frcnet_lite.localizations import LocalizationTable
    >>> rng = np.random.default_rng(0)
    >>> x = np.repeat(rng.uniform(0, 1000, 200), 20) + rng.normal(0, 15, 4000)
    >>> y = np.repeat(rng.uniform(0, 1000, 200), 20) + rng.normal(0, 15, 4000)
    >>> locs = LocalizationTable({"x_nm": x, "y_nm": y, "frame": rng.permutation(4000)})
    >>> table = frc_vs_fraction(locs, [0.1, 1.0], n_repeats=2, rng=0, fov_nm=(0, 0, 1000, 1000), progress=False)
    >>> sorted(table)
    ['area_frc_0.2', 'area_frc_0.5', 'crossing_per_nm', 'fraction', 'n_localizations', 'repeat', 'resolution_nm']
    >>> table["fraction"].tolist(), bool(table["resolution_nm"][0] > table["resolution_nm"][-1])
    ([0.1, 0.1, 1.0, 1.0], True)
    """
    from tqdm.auto import tqdm

    from .rendering import render_histogram
    from .subsets import time_window_subset

    fracs = [float(f) for f in np.atleast_1d(np.asarray(fractions, dtype=float))]
    if not fracs or not all(0 < f <= 1 for f in fracs):
        raise ValueError(f"fractions must be numbers in (0, 1], got {list(fractions)!r}")
    for c in cutoffs:
        cutoff_ring((2, 2), c)
    gen = np.random.default_rng(rng)
    fov = tuple(fov_nm) if fov_nm is not None else locs.bounds_nm()
    full = render_histogram(locs, pixel_size_nm, fov)
    names = ("fraction", "repeat", "n_localizations", "crossing_per_nm", "resolution_nm")
    rows: dict[str, list] = {k: [] for k in names}
    rows.update({f"area_frc_{c:g}": [] for c in cutoffs})
    jobs = [(f, r) for f in fracs for r in range(int(n_repeats))]
    for f, r in tqdm(jobs, desc="FRC vs fraction", disable=None if progress is None else not progress):
        sparse = locs if f == 1.0 else time_window_subset(locs, f, gen)
        res = frc_resolution(sparse, pixel_size_nm, threshold, split, 1, gen, fov)
        image = render_histogram(sparse, pixel_size_nm, fov)
        rows["fraction"].append(f)
        rows["repeat"].append(r)
        rows["n_localizations"].append(len(sparse))
        rows["crossing_per_nm"].append(float(res.crossing_per_nm[0]))
        rows["resolution_nm"].append(res.resolution_nm)
        _, against_full = frc_curve(image, full)  # one FFT pair for every cut-off
        for c in cutoffs:
            rows[f"area_frc_{c:g}"].append(float(np.mean(against_full[1 : cutoff_ring(full.shape, c) + 1])))
    return {k: np.asarray(v) for k, v in rows.items()}


def save_table_csv(columns: dict[str, Any], path: Any) -> Any:
    """Write equal-length columns as a CSV file, atomically (temporary name, then rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = save_table_csv({"a": [1, 2], "b": [0.5, float("nan")]}, out)
    >>> out.read_text().splitlines()
    ['a,b', '1,0.5', '2,nan']
    """
    import csv
    from pathlib import Path

    from ._files import atomic_write

    path = Path(path)
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"all columns must have the same length, got {lengths}")
    with atomic_write(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(columns))
        for row in zip(*columns.values()):
            writer.writerow([_fmt(v) for v in row])
    return path


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "nan" if not np.isfinite(value) else repr(float(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------------ plots --
def plot_frc(
    curve: FRCCurve | FRCResolution,
    ax: Any = None,
    label: str | None = None,
    thresholds: bool = True,
    crossing: float | None = None,
    resolution_axis: bool = True,
):
    """Plot an FRC curve against spatial frequency, with the 1/7 and half-bit thresholds.

    Parameters
    ----------
    curve : FRCCurve or FRCResolution
        A curve, or a resolution result (its mean curve is drawn, its crossing marked).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    label : str, optional
        Legend label of the curve.
    thresholds : bool
        Draw the 1/7 line and the half-bit curve.
    crossing : float, optional
        A crossing frequency (1/nm) to mark with a vertical line.
    resolution_axis : bool
        Add a top axis labelled in resolution (nm, = 1 / frequency).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> img = np.random.default_rng(0).poisson(2.0, (32, 32)).astype(float)
    >>> ax = plot_frc(compute_frc(img, img, 5.0), label="same image")
    >>> ax.get_xlabel()
    'spatial frequency (1/nm)'
    """
    import matplotlib.pyplot as plt

    if isinstance(curve, FRCResolution):
        if crossing is None and np.isfinite(curve.resolution_nm):
            crossing = 1.0 / curve.resolution_nm
        curve = curve.mean_curve()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    (line,) = ax.plot(curve.frequency_per_nm[1:], curve.frc[1:], lw=1.5, label=label)
    if thresholds:
        ax.axhline(FRC_THRESHOLD_1_7, color="0.3", ls="--", lw=1, label="1/7 threshold")
        ax.plot(curve.frequency_per_nm[1:], half_bit_threshold(curve.n_pixels)[1:], color="0.5", ls=":", lw=1,
                label="half-bit threshold")
    if crossing is not None and np.isfinite(crossing):
        n_marked = getattr(ax, "_frc_n_crossings", 0)  # stack the labels of several curves
        ax._frc_n_crossings = n_marked + 1
        ax.axvline(crossing, color=line.get_color(), lw=1, alpha=0.7)
        ax.annotate(f"{1 / crossing:.1f} nm", (crossing, 0.9 - 0.12 * n_marked), xytext=(4, 0),
                    textcoords="offset points", color=line.get_color(), fontsize=9)
    ax.set_xlabel("spatial frequency (1/nm)")
    ax.set_ylabel("FRC")
    ax.set_ylim(-0.2, 1.05)
    ax.set_xlim(0, curve.frequency_per_nm[-1])
    if resolution_axis and not getattr(ax, "_frc_resolution_axis", False):
        top = ax.secondary_xaxis("top", functions=(_inverse, _inverse))
        ax._frc_resolution_axis = True
        ticks = [t for t in (100, 50, 30, 20, 15, 10, 5, 3, 2) if 1 / t <= curve.frequency_per_nm[-1]]
        top.set_xticks(ticks, [str(t) for t in ticks])  # in the top axis' own unit, nm
        top.set_xlabel("resolution (nm)")
    if label is not None or thresholds:
        ax.legend(fontsize=8, loc="upper right")
    return ax


def _inverse(x: Any) -> Any:
    return 1.0 / np.maximum(np.asarray(x, dtype=float), 1e-12)
