"""Fourier ring correlation (FRC) of two images, in numpy: rings, curves, thresholds and the area-FRC.

This module holds the FRC *maths* only. The resolution of a localization set (split, render, FRC,
threshold) is :mod:`frcnet_lite.resolution`; the FRC-vs-fraction study of Berberich et al. (2021,
Fig. 2) is :mod:`frcnet_lite.frc_study`; the differentiable TensorFlow twin is :mod:`frcnet_lite.frc_tf`.

The FRC of two images ``f1`` and ``f2`` of the same object with independent noise is, for each
ring ``r`` of spatial frequencies of (about) the same magnitude,

.. math::

    \\mathrm{FRC}(r) = \\frac{\\sum_{k \\in r} \\mathrm{Re}\\,F_1(k) F_2^*(k)}
                           {\\sqrt{\\sum_{k \\in r} |F_1(k)|^2 \\sum_{k \\in r} |F_2(k)|^2}}

(Saxton & Baumeister 1982; for SMLM: Nieuwenhuizen et al. 2013). Rings where either image has no
power get FRC 0, never NaN.

**Real part, not modulus** (a deliberate departure from the authors' code). The numerator is the
real part of ``sum F1 F2*``, as in Saxton & Baumeister and Nieuwenhuizen et al.; the FRC of the
authors' code (Berberich et al. 2021, CIA-CCTB/FRCnet) takes the modulus instead. For real images
the imaginary parts of ``k`` and ``-k`` cancel in a ring sum, so the real part loses nothing, while
a modulus loses the sign, and the sign matters: a modulus is never negative, so it scores anti-correlated images (``-f`` against ``f``)
as perfectly correlated and gives independent noise a positive FRC instead of one that scatters
around 0. The real part keeps the FRC in [-1, 1] with zero mean for independent halves (what the
1/7 and half-bit thresholds assume), and as a loss it penalises a sign-flipped prediction (loss 2)
instead of rewarding it.

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

**What the cut-off means in nm.** Ring ``r`` is a period of ``L / r`` pixels, so the area-FRC sees
only periods of at least ``L / R`` pixels: at ``cutoff=0.2`` on 256 px, ``256 / 25 = 10.24`` px,
i.e. 51 nm at 5 nm pixels and 102 nm at 10 nm pixels (about ``pixel_size_nm / (cutoff / 2)``
for any size). Within a ring the FRC ignores each image's gain, so an isotropic blur (a gain that
falls with frequency) barely moves it: the area-FRC at ``cutoff=0.2`` measures whether coarse
structure is in the right place, not whether it is sharp.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import fft as sp_fft
from scipy.signal import windows as sp_windows

__all__ = [
    "FRC_THRESHOLD_1_7",
    "FRCCurve",
    "ring_index",
    "cutoff_ring",
    "compute_frc",
    "frc_curve",
    "area_frc",
    "half_bit_threshold",
    "threshold_crossing",
    "ring_sums",
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
        The area-FRC in [-1, 1]; the FRC loss is ``1 - area_frc``. Only periods of at least
        ``min(H, W) / cutoff_ring(shape, cutoff)`` pixels count (51 nm for 256 px of 5 nm at
        ``cutoff=0.2``), and a blur of either image hardly lowers it.

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
