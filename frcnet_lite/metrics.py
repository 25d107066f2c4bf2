"""Image-quality metrics of a reconstruction against a target, always next to baselines.

A number alone tells a learner nothing, so the functions here evaluate the network's output *and*
the non-learned baselines built from the same sparse input (the histogram itself, its Gaussian
KDE and its anisotropic KDE) against the same target.

Intensity normalisation
-----------------------
A sparse histogram holds counts, a KDE target holds a density, the network output is in target
units: before any pixel-wise metric the two images must be put on one scale. :func:`normalise_pair`
does this in one of three documented ways (``normalisation=`` everywhere in this module):

``"lstsq"`` (default)
    The *target* is divided by its ``percentile``-th percentile (so its bright structures sit near
    1), then the *prediction* is multiplied by the single factor that minimises the squared error
    to that scaled target, ``a = <p, t> / <p, p>``. This is the fairest choice for baselines
    whose units differ from the target's (counts vs density): each method gets its best global
    gain, and only the *shape* of the intensity distribution is judged.
``"affine"``
    As ``"lstsq"`` but with a gain *and* an offset, ``a * p + b``, fitted by least squares: for
    targets with a background floor (the real COS-7 dense images sit on ~256 of 65535), where
    a gain alone would be judged on the floor rather than on the structure.
``"percentile"``
    Each image independently: divided by its own ``percentile``-th percentile.
``"none"``
    The images are used as given (they must already share units).

PSNR uses ``data_range=1`` by default, which matches the first two normalisations.

MS-SSIM is implemented here in numpy, following the definition of Wang, Simoncelli & Bovik (2003)
with the conventions of ``tf.image.ssim_multiscale`` (Gaussian window 11 px, sigma 1.5, valid
convolution, 2x2 average pooling between scales, symmetric padding of odd sizes); the test suite
checks it against TensorFlow. Small images cannot hold five scales: :func:`ms_ssim_scales` is the
one rule that fits the scales and the filter to an image size, and :data:`MS_SSIM_WEIGHTS` the one
set of scale weights; the training loss (:func:`frcnet_lite.losses.ms_ssim`) uses both, so the
metric and the loss agree on every image size (to ~1e-5; tested from 3 to 512 px).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .localizations import DEFAULT_PIXEL_SIZE_NM
from scipy import ndimage

__all__ = [
    "NORMALISATIONS",
    "MS_SSIM_WEIGHTS",
    "normalise_pair",
    "mse",
    "psnr",
    "ms_ssim_scales",
    "gaussian_window",
    "ssim_components",
    "ms_ssim",
    "evaluate_pair",
    "MetricSummary",
    "evaluate_many",
    "baseline_images",
    "format_table",
]

#: Allowed values of the ``normalisation`` argument.
NORMALISATIONS = ("lstsq", "affine", "percentile", "none")

#: The five scale weights of Wang et al. (2003), as used by ``tf.image.ssim_multiscale``.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _as_2d(image: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(image, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2D image, got an array of shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _check_same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"prediction and target must have the same shape, got {a.shape} and {b.shape}")


def _percentile_scale(image: np.ndarray, percentile: float) -> float:
    scale = float(np.percentile(image, percentile))
    if scale <= 0:
        scale = float(image.max())
    return scale if scale > 0 else 1.0


def normalise_pair(
    prediction: np.ndarray,
    target: np.ndarray,
    normalisation: str = "lstsq",
    percentile: float = 99.9,
) -> tuple[np.ndarray, np.ndarray]:
    """Put a prediction and its target on one intensity scale (see the module docstring).

    Parameters
    ----------
    prediction, target : numpy.ndarray
        2D images of the same shape.
    normalisation : {"lstsq", "affine", "percentile", "none"}
        How to scale them (default ``"lstsq"``: target to its ``percentile``, prediction
        least-squares fitted onto it; ``"affine"``: fitted with a gain and an offset).
    percentile : float
        Percentile (0-100] that maps to 1; 99.9 keeps a few saturated pixels from ruling the scale.
        An all-zero percentile falls back to the maximum, an all-zero image stays zero.

    Returns
    -------
    tuple of numpy.ndarray
        ``(prediction, target)`` as float64, scaled.

    Examples
    --------
    >>> t = np.array([[0.0, 2.0], [4.0, 2.0]])
    >>> p, tn = normalise_pair(3 * t, t, "lstsq", percentile=100)
    >>> np.allclose(p, tn), float(tn.max())
    (True, 1.0)
    """
    p = _as_2d(prediction, "prediction")
    t = _as_2d(target, "target")
    _check_same_shape(p, t)
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {normalisation!r}")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    if normalisation == "none":
        return p, t
    t = t / _percentile_scale(t, percentile)
    if normalisation == "percentile":
        return p / _percentile_scale(p, percentile), t
    if normalisation == "affine":
        pc = p - p.mean()
        var = float(np.sum(pc * pc))
        gain = float(np.sum(pc * (t - t.mean()))) / var if var > 0 else 0.0
        return gain * pc + t.mean(), t
    pp = float(np.sum(p * p))
    gain = float(np.sum(p * t)) / pp if pp > 0 else 0.0
    return p * gain, t


def mse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error ``mean((p - t)^2)`` (no normalisation: call :func:`normalise_pair` first).

    Examples
    --------
    >>> mse(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0]]))
    0.5
    """
    p = _as_2d(prediction, "prediction")
    t = _as_2d(target, "target")
    _check_same_shape(p, t)
    return float(np.mean((p - t) ** 2))


def psnr(prediction: np.ndarray, target: np.ndarray, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)``; ``inf`` for identical images.

    Examples
    --------
    >>> psnr(np.zeros((2, 2)), np.full((2, 2), 0.1))  # MSE 0.01 -> 20 dB
    20.0
    """
    if data_range <= 0:
        raise ValueError(f"data_range must be > 0, got {data_range!r}")
    err = mse(prediction, target)
    if err == 0:
        return math.inf
    return round(10.0 * math.log10(data_range**2 / err), 12)


def ms_ssim_scales(size_px: int, filter_size: int = 11, max_scales: int = 5) -> tuple[int, tuple[float, ...]]:
    """The MS-SSIM filter size and scale weights that fit an image side of ``size_px`` (metric and loss).

    Every scale halves the image and the coarsest one must still hold the filter: the number of
    scales is the largest ``n <= max_scales`` with ``size_px // 2**(n - 1) >= filter_size``, and the
    weights are the first ``n`` of :data:`MS_SSIM_WEIGHTS`, renormalised to sum 1 (all five as they
    are for images of at least 16 filter widths, e.g. 176 px). Images smaller than the filter get
    one scale and the largest odd filter that fits (at least 3 px).

    Parameters
    ----------
    size_px : int
        The image's smaller side in pixels (>= 3).
    filter_size : int
        The Gaussian window wanted (11 in Wang et al. and TensorFlow).
    max_scales : int
        At most this many scales (1 to 5).

    Returns
    -------
    (int, tuple of float)
        Filter size and one weight per scale (finest first).

    Examples
    --------
    >>> ms_ssim_scales(256)[1] == MS_SSIM_WEIGHTS
    True
    >>> fs, p = ms_ssim_scales(64); fs, len(p), round(sum(p), 12)
    (11, 3, 1.0)
    >>> ms_ssim_scales(8)
    (7, (1.0,))
    """
    size_px, filter_size = int(size_px), int(filter_size)
    if size_px < 3:
        raise ValueError(f"MS-SSIM needs images of at least 3 px per side, got {size_px}")
    if filter_size < 1 or not 1 <= int(max_scales) <= len(MS_SSIM_WEIGHTS):
        raise ValueError(f"filter_size must be >= 1 and max_scales in 1..{len(MS_SSIM_WEIGHTS)}, "
                         f"got {filter_size} and {max_scales}")
    filter_size = min(filter_size, size_px if size_px % 2 else size_px - 1)
    n = 1
    while n < int(max_scales) and size_px // 2**n >= filter_size:
        n += 1
    if n == len(MS_SSIM_WEIGHTS):
        return filter_size, MS_SSIM_WEIGHTS
    weights = MS_SSIM_WEIGHTS[:n]
    total = sum(weights)
    return filter_size, tuple(w / total for w in weights)


def gaussian_window(size: int, sigma: float) -> np.ndarray:
    """The normalised 1D Gaussian window of MS-SSIM (``size`` taps, ``sigma`` px), float64.

    Examples
    --------
    >>> w = gaussian_window(11, 1.5)
    >>> w.shape, round(float(w.sum()), 12), int(np.argmax(w))
    ((11,), 1.0, 5)
    """
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * coords**2 / sigma**2)
    return g / g.sum()


def _valid_filter(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable correlation keeping only fully covered ('valid') positions."""
    lo = (len(window) - 1) // 2
    hi = len(window) - 1 - lo
    out = ndimage.correlate1d(image, window, axis=0, mode="constant")
    out = ndimage.correlate1d(out, window, axis=1, mode="constant")
    return out[lo : image.shape[0] - hi, lo : image.shape[1] - hi]


def ssim_components(
    x: np.ndarray,
    y: np.ndarray,
    data_range: float = 1.0,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> tuple[float, float]:
    """Single-scale SSIM and its contrast-structure term, averaged over valid windows.

    Returns
    -------
    tuple of float
        ``(ssim, cs)``; SSIM = luminance * cs, both averaged over all window positions.

    Examples
    --------
    >>> img = np.random.default_rng(0).random((16, 16))
    >>> [round(v, 6) for v in ssim_components(img, img)]
    [1.0, 1.0]
    """
    if min(x.shape) < filter_size:
        raise ValueError(f"SSIM needs images of at least {filter_size} px per side, got shape {x.shape}")
    window = gaussian_window(filter_size, filter_sigma)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    mx, my = _valid_filter(x, window), _valid_filter(y, window)
    num0, den0 = 2.0 * mx * my, mx**2 + my**2
    luminance = (num0 + c1) / (den0 + c1)
    num1 = 2.0 * _valid_filter(x * y, window)
    den1 = _valid_filter(x * x + y * y, window)
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return float(np.mean(luminance * cs)), float(np.mean(cs))


def _downsample(image: np.ndarray) -> np.ndarray:
    """2x2 average pooling; odd sizes are first padded by repeating the last row / column."""
    pad = [(0, image.shape[0] % 2), (0, image.shape[1] % 2)]
    if any(p[1] for p in pad):
        image = np.pad(image, pad, mode="symmetric")
    h, w = image.shape
    return image.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def ms_ssim(
    prediction: np.ndarray,
    target: np.ndarray,
    data_range: float = 1.0,
    power_factors: Sequence[float] | None = None,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
) -> float:
    """Multi-scale SSIM (Wang et al. 2003), in the conventions of ``tf.image.ssim_multiscale``.

    Parameters
    ----------
    prediction, target : numpy.ndarray
        2D images of the same shape, normalised (see :func:`normalise_pair`).
    data_range : float
        Dynamic range of the images (1 after normalisation).
    power_factors : sequence of float, optional
        One weight per scale. Default: as many scales as the image holds, with the weights of
        :func:`ms_ssim_scales` (which also shrinks ``filter_size`` for images smaller than it) --
        the rule the training loss uses too.
    filter_size, filter_sigma : int, float
        Gaussian window (pixels).

    Returns
    -------
    float
        MS-SSIM in [0, 1] (negative contrast terms are clipped to 0, as TensorFlow does).

    Examples
    --------
    >>> img = np.random.default_rng(1).random((64, 64))
    >>> ms_ssim(img, img)
    1.0
    >>> ms_ssim(img, np.zeros_like(img)) < 0.1
    True
    """
    p = _as_2d(prediction, "prediction")
    t = _as_2d(target, "target")
    _check_same_shape(p, t)
    if power_factors is None:
        filter_size, power_factors = ms_ssim_scales(min(p.shape), filter_size)
    values = []
    for k in range(len(power_factors)):
        if k > 0:
            p, t = _downsample(p), _downsample(t)
        ssim, cs = ssim_components(p, t, data_range, filter_size, filter_sigma)
        values.append(max(cs, 0.0))
    values[-1] = max(ssim, 0.0)
    result = float(np.prod(np.power(values, power_factors)))
    return round(result, 12)


def evaluate_pair(
    prediction: np.ndarray,
    target: np.ndarray,
    normalisation: str = "lstsq",
    percentile: float = 99.9,
    frc_cutoffs: Sequence[float] = (0.2, 0.5),
) -> dict[str, float]:
    """All metrics of one prediction against its target.

    Parameters
    ----------
    prediction, target : numpy.ndarray
        2D images of the same shape.
    normalisation, percentile
        See :func:`normalise_pair`.
    frc_cutoffs : sequence of float
        Cutoffs of the area-FRC values (keys ``area_frc_0.2``, ...; :func:`frcnet_lite.frc.area_frc`
        of the images as given: the FRC is blind to a global gain, so it needs no normalisation);
        empty to skip FRC.

    Returns
    -------
    dict
        ``{"mse", "psnr_db", "ms_ssim", "area_frc_<cutoff>"...}``.

    Examples
    --------
    >>> t = np.random.default_rng(2).random((48, 48))
    >>> m = evaluate_pair(2 * t, t, frc_cutoffs=())
    >>> round(m["mse"], 12), m["ms_ssim"]
    (0.0, 1.0)
    """
    from .frc import area_frc  # noqa: PLC0415  (FRC maths, imported when used)

    p, t = normalise_pair(prediction, target, normalisation, percentile)
    out = {"mse": mse(p, t), "psnr_db": psnr(p, t), "ms_ssim": ms_ssim(p, t)}
    for cutoff in frc_cutoffs:
        out[f"area_frc_{cutoff:g}"] = area_frc(_as_2d(prediction, "prediction"), _as_2d(target, "target"), cutoff)
    return out


@dataclass(frozen=True)
class MetricSummary:
    """Mean and standard error of one metric over many images.

    Attributes
    ----------
    mean : float
        Mean over the finite values.
    sem : float
        Standard error of the mean (``sd / sqrt(n)``, ``nan`` for n < 2).
    n : int
        Number of finite values used.
    """

    mean: float
    sem: float
    n: int

    def to_dict(self) -> dict:
        """``{"mean", "sem", "n"}`` (how stored results hold a summary)."""
        return {"mean": self.mean, "sem": self.sem, "n": self.n}

    def __str__(self) -> str:
        return f"{self.mean:.4g} ± {self.sem:.2g}"


def _summarise(values: Sequence[float]) -> MetricSummary:
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if arr.size == 0:
        return MetricSummary(math.nan, math.nan, 0)
    sem = float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size > 1 else math.nan
    return MetricSummary(float(arr.mean()), sem, int(arr.size))


def evaluate_many(
    predictions: Sequence[np.ndarray] | np.ndarray,
    targets: Sequence[np.ndarray] | np.ndarray,
    **kwargs,
) -> dict[str, MetricSummary]:
    """Metrics over many crops: mean and standard error of each (keyword arguments go to :func:`evaluate_pair`).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> t = rng.random((4, 32, 32))
    >>> s = evaluate_many(t + 0.1 * rng.random(t.shape), t, frc_cutoffs=())
    >>> s["ms_ssim"].n, s["ms_ssim"].mean > 0.8
    (4, True)
    """
    if len(predictions) != len(targets):
        raise ValueError(f"got {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError("evaluate_many needs at least one image pair, got none")
    rows = [evaluate_pair(p, t, **kwargs) for p, t in zip(predictions, targets)]
    return {key: _summarise([r[key] for r in rows]) for key in rows[0]}


def baseline_images(
    sparse: np.ndarray,
    gaussian_sigma_px: float | None = None,
    anisotropic: bool = True,
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM,
) -> dict[str, np.ndarray]:
    """The non-learned reconstructions of a sparse histogram: itself, its Gaussian KDE, its anisotropic KDE.

    The KDEs are the ``"gaussian"`` and ``"anisotropic"`` targets of :mod:`frcnet_lite.targets`
    (made from the sparse input instead of all localizations), with their default parameters.

    Parameters
    ----------
    sparse : numpy.ndarray
        2D sparse histogram (counts).
    gaussian_sigma_px : float, optional
        Gaussian KDE kernel width in pixels. Default: the targets' default width,
        :data:`frcnet_lite.targets.DEFAULT_GAUSSIAN_SIGMA_NM` (10 nm), at ``pixel_size_nm``.
    anisotropic : bool
        Include the anisotropic KDE (window 11 px, scale 1).
    pixel_size_nm : float
        Pixel size of ``sparse`` in nm (default 5, the method's).

    Returns
    -------
    dict
        ``{"histogram": ..., "gaussian KDE": ..., "anisotropic KDE": ...}`` (float32).

    Examples
    --------
    >>> img = np.zeros((16, 16), np.float32); img[8, 8] = 1
    >>> sorted(baseline_images(img, anisotropic=False))
    ['gaussian KDE', 'histogram']
    """
    from .targets import TargetSpec, make_target  # noqa: PLC0415

    img = np.asarray(sparse, dtype=np.float32)
    gaussian = TargetSpec("gaussian") if gaussian_sigma_px is None else \
        TargetSpec("gaussian", {"sigma_nm": float(gaussian_sigma_px) * pixel_size_nm})
    out = {"histogram": img, "gaussian KDE": make_target(img, gaussian, pixel_size_nm)}
    if anisotropic:
        out["anisotropic KDE"] = make_target(img, TargetSpec("anisotropic"), pixel_size_nm)
    return out


def format_table(
    results: Mapping[str, Mapping[str, MetricSummary | float]],
    precision: int = 4,
) -> str:
    """A plain-text table: one row per method, one column per metric (``mean ± sem`` for summaries).

    Examples
    --------
    >>> print(format_table({"net": {"psnr_db": 20.0}, "input": {"psnr_db": 12.5}}))
    method  psnr_db
    net     20
    input   12.5
    """
    methods = list(results)
    if not methods:
        raise ValueError("format_table needs at least one method, got an empty mapping")
    keys = list(results[methods[0]])

    def cell(v: MetricSummary | float) -> str:
        if isinstance(v, MetricSummary):
            return f"{v.mean:.{precision}g} ± {v.sem:.2g}"
        return f"{v:.{precision}g}"

    rows = [["method", *keys]] + [[m, *(cell(results[m][k]) for k in keys)] for m in methods]
    widths = [max(len(r[i]) for r in rows) for i in range(len(keys) + 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

