"""Resolution: how fine a structure a localization set or a reconstruction shows, in nm.

Two measurements, both after Berberich et al. (2021):

FRC resolution of a localization set (:func:`frc_resolution`)
--------------------------------------------------------------
Split the localizations in two halves (random or alternating time blocks,
:func:`frcnet_lite.subsets.split_halves`), render both as histograms on one grid
(:func:`frcnet_lite.rendering.render_histogram`), compute their FRC (:mod:`frcnet_lite.frc`) and
take ``1 / f`` at the frequency ``f`` where it falls below the 1/7 or half-bit threshold
(Nieuwenhuizen et al. 2013); repeats with new random splits give a mean and spread.
:func:`plot_frc` draws the curves with their thresholds and crossings.

Two-filament test (:func:`two_filament_experiment`)
---------------------------------------------------
How close can two parallel filaments be and still be told apart (Figure 4C)? Simulate two
parallel filaments at a distance ``d``, reconstruct them from a sparse subset, average the image
along the filaments into a 1D profile across them, and call them *resolved* when the profile has two maxima with a minimum between
them that dips clearly below the lower of the two maxima:

    dip = 1 - min(profile between the maxima) / min(max_1, max_2)  >=  min_dip

Only maxima reaching ``min_peak_fraction`` (default 30 %) of the profile's maximum count as peaks,
so a background speck is never taken for a second filament; among those, the deepest dip counts.
The dip criterion is a parameter, given as a number or by name:

``"sparrow"`` (``min_dip = 0``)
    Any dip at all. Two Gaussians of standard deviation ``s`` show one iff ``d > 2 s``.
``"rayleigh"`` (``min_dip = 0.265``)
    The 26.5 % dip of two Airy patterns at the Rayleigh distance; a clear dip that noise rarely fakes.

Repeated over independent simulations, the *smallest resolved distance* of one repeat is the
smallest tested ``d`` from which on every larger tested distance is resolved too (so a lucky
noise dip at a small distance does not count); the experiment reports its mean +/- sd over repeats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import ndimage

from .localizations import DEFAULT_PIXEL_SIZE_NM
from .frc import FRC_THRESHOLD_1_7, FRCCurve, WindowName, compute_frc, half_bit_threshold, threshold_crossing
from .rendering import render_histogram
from .subsets import split_halves

__all__ = [
    "FRCResolution",
    "frc_resolution",
    "plot_frc",
    "DIP_CRITERIA",
    "min_dip_of",
    "peak_dip",
    "is_resolved",
    "profile_across",
    "smallest_resolved_distance",
    "TwoFilamentResult",
    "two_filament_experiment",
]


# ------------------------------------------------- FRC resolution of localizations --
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
    half1, half2 = split_halves(locs, mode=split, rng=rng)
    img1 = render_histogram(half1, pixel_size_nm, fov_nm)
    img2 = render_histogram(half2, pixel_size_nm, fov_nm)
    return compute_frc(img1, img2, pixel_size_nm, window=window, smooth_rings=smooth_rings)


def frc_resolution(
    locs: Any,
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM,
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
    (:func:`frcnet_lite.frc.threshold_crossing`). Repeats with new random splits give a mean and spread.

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
        Window applied before the Fourier transform (see :func:`frcnet_lite.frc.frc_curve`).
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


# ----------------------------------------------------------------- FRC curve plot --
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


# -------------------------------------------------------------- two filaments --
#: Named dip criteria -> minimum relative dip.
DIP_CRITERIA: dict[str, float] = {"sparrow": 0.0, "rayleigh": 0.265}


def min_dip_of(criterion: str | float) -> float:
    """The minimum relative dip of a criterion name or number.

    Examples
    --------
    >>> min_dip_of("rayleigh"), min_dip_of(0.1)
    (0.265, 0.1)
    """
    if isinstance(criterion, str):
        if criterion not in DIP_CRITERIA:
            raise ValueError(f"criterion must be one of {sorted(DIP_CRITERIA)} or a number in [0, 1), got {criterion!r}")
        return DIP_CRITERIA[criterion]
    value = float(criterion)
    if not 0 <= value < 1:
        raise ValueError(f"a numeric criterion is the minimum relative dip, in [0, 1); got {criterion!r}")
    return value


def _local_maxima(p: np.ndarray) -> np.ndarray:
    """Indices of local maxima (plateaus counted once, at their centre); ends excluded."""
    idx = []
    i, n = 1, len(p)
    while i < n - 1:
        if p[i] > p[i - 1]:
            j = i
            while j + 1 < n and p[j + 1] == p[i]:
                j += 1
            if j + 1 < n and p[j + 1] < p[i]:
                idx.append((i + j) // 2)
            i = j + 1
        else:
            i += 1
    return np.asarray(idx, dtype=int)


def peak_dip(
    profile: np.ndarray,
    min_peak_fraction: float = 0.3,
    centres_px: tuple[float, float] | None = None,
) -> tuple[float, int, int]:
    """The clearest dip between two peaks of a 1D profile.

    Without ``centres_px``: among all pairs of local maxima that reach at least
    ``min_peak_fraction`` of the profile's maximum (so a background speck is not taken for a
    filament), the pair with the deepest relative dip ``1 - min(between) / min(peak_1, peak_2)``.
    With ``centres_px`` (the known filament positions, as in a simulation): each peak is the
    maximum within a quarter of their distance around its centre, so noise ripples on one
    filament's own peak are never mistaken for the gap between two.

    Returns
    -------
    tuple
        ``(dip, i1, i2)``: the dip (0 when there are fewer than two such maxima) and the two peak
        indices (``-1`` when missing).

    Examples
    --------
    >>> peak_dip(np.array([0, 2, 1, 2, 0.0]))
    (0.5, 1, 3)
    >>> peak_dip(np.array([0, 1, 2, 1, 0.0]))
    (0.0, 2, -1)
    >>> peak_dip(np.array([0, 0.1, 0, 1, 2, 1, 0.0]))  # the speck at 10 % does not count
    (0.0, 4, -1)
    >>> peak_dip(np.array([0, 2, 1, 2, 1.5, 2, 0]), centres_px=(1, 5))  # peaks searched at 1 +/- 1 and 5 +/- 1
    (0.5, 1, 5)
    """
    p = np.asarray(profile, dtype=np.float64)
    if p.ndim != 1 or p.size < 3:
        raise ValueError(f"profile must be a 1D array of at least 3 values, got shape {p.shape}")
    if centres_px is not None:
        return _dip_at_centres(p, centres_px)
    if not 0 <= min_peak_fraction <= 1:
        raise ValueError(f"min_peak_fraction must be in [0, 1], got {min_peak_fraction!r}")
    peaks = _local_maxima(p)
    peaks = peaks[p[peaks] >= min_peak_fraction * p.max()] if peaks.size else peaks
    if peaks.size < 2:
        return 0.0, int(peaks[0]) if peaks.size else -1, -1
    best = (-1.0, -1, -1)
    for a in range(peaks.size):
        for b in range(a + 1, peaks.size):
            i1, i2 = int(peaks[a]), int(peaks[b])
            ref = float(min(p[i1], p[i2]))
            if ref <= 0:
                continue
            dip = 1.0 - float(p[i1 : i2 + 1].min()) / ref
            if dip > best[0]:
                best = (dip, i1, i2)
    return (0.0, int(peaks[0]), -1) if best[0] < 0 else best


def _dip_at_centres(p: np.ndarray, centres_px: tuple[float, float]) -> tuple[float, int, int]:
    c1, c2 = sorted(float(c) for c in centres_px)
    half = max(1.0, (c2 - c1) / 4.0)
    idx = []
    for c in (c1, c2):
        lo, hi = max(0, int(np.floor(c - half))), min(p.size, int(np.ceil(c + half)) + 1)
        if hi <= lo:
            raise ValueError(f"centre {c} px lies outside the profile of {p.size} px")
        idx.append(lo + int(np.argmax(p[lo:hi])))
    i1, i2 = idx
    ref = float(min(p[i1], p[i2]))
    if i2 <= i1 or ref <= 0:
        return 0.0, i1, -1
    return 1.0 - float(p[i1 : i2 + 1].min()) / ref, i1, i2


def is_resolved(
    profile: np.ndarray,
    criterion: str | float = "rayleigh",
    smooth_px: float = 0.0,
    min_peak_fraction: float = 0.3,
    centres_px: tuple[float, float] | None = None,
) -> bool:
    """Whether a profile shows two peaks with a dip of at least the criterion's ``min_dip``.

    Parameters
    ----------
    profile : numpy.ndarray
        1D intensity profile across the two filaments.
    criterion : str or float
        ``"sparrow"``, ``"rayleigh"`` or a minimum relative dip in [0, 1).
    smooth_px : float
        Gaussian smoothing of the profile (pixels) before looking for peaks (0: none).
    min_peak_fraction : float
        Only maxima of at least this fraction of the profile's maximum count as peaks (see :func:`peak_dip`).
    centres_px : tuple of float, optional
        Known positions of the two filaments in profile pixels (see :func:`peak_dip`).

    Examples
    --------
    >>> x = np.linspace(-10, 10, 2001)
    >>> two = lambda d: np.exp(-(x - d / 2) ** 2 / 2) + np.exp(-(x + d / 2) ** 2 / 2)
    >>> is_resolved(two(2.2), "sparrow"), is_resolved(two(1.8), "sparrow")
    (True, False)
    """
    dip_min = min_dip_of(criterion)
    p = np.asarray(profile, dtype=np.float64)
    if smooth_px > 0:
        p = ndimage.gaussian_filter1d(p, smooth_px, mode="nearest")
    dip, _, i2 = peak_dip(p, min_peak_fraction, centres_px)
    if i2 < 0:
        return False
    return dip > dip_min + 1e-9


def profile_across(image: np.ndarray, filament_axis: int = 0, keep_fraction: float = 0.8) -> np.ndarray:
    """Average an image along the filaments into a profile across them.

    Parameters
    ----------
    image : numpy.ndarray
        2D image with the filaments parallel to ``filament_axis`` (0: vertical filaments).
    filament_axis : int
        The axis the filaments run along.
    keep_fraction : float
        Central fraction of the filament length to average (their ends are left out).

    Examples
    --------
    >>> img = np.zeros((10, 5)); img[:, 1] = 1; img[:, 3] = 1
    >>> profile_across(img).tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0]
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"profile_across expects a 2D image, got shape {img.shape}")
    if filament_axis not in (0, 1):
        raise ValueError(f"filament_axis must be 0 or 1, got {filament_axis!r}")
    if not 0 < keep_fraction <= 1:
        raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction!r}")
    n = img.shape[filament_axis]
    cut = int(round(n * (1 - keep_fraction) / 2))
    sl = [slice(None), slice(None)]
    sl[filament_axis] = slice(cut, n - cut if n - cut > cut else n)
    return img[tuple(sl)].mean(axis=filament_axis)


def smallest_resolved_distance(distances_nm: Sequence[float], resolved: Sequence[bool]) -> float:
    """The smallest tested distance from which on all larger tested distances are resolved.

    Returns NaN if the largest distance is not resolved.

    Examples
    --------
    >>> smallest_resolved_distance([60, 70, 80, 90, 100], [True, False, False, True, True])
    90.0
    >>> smallest_resolved_distance([60, 70], [True, False])
    nan
    """
    d = np.asarray(distances_nm, dtype=float)
    r = np.asarray(resolved, dtype=bool)
    if d.shape != r.shape or d.ndim != 1 or d.size == 0:
        raise ValueError(f"distances and resolved flags must be 1D of one length, got {d.shape} and {r.shape}")
    order = np.argsort(d)
    d, r = d[order], r[order]
    best = math.nan
    for dist, ok in zip(d[::-1], r[::-1]):
        if not ok:
            break
        best = float(dist)
    return best


@dataclass(frozen=True)
class TwoFilamentResult:
    """Outcome of :func:`two_filament_experiment`.

    Attributes
    ----------
    distances_nm : numpy.ndarray
        Tested distances.
    resolved : dict
        Method -> bool array ``(n_repeats, n_distances)``.
    dips : dict
        Method -> relative dip array ``(n_repeats, n_distances)``.
    smallest_nm : dict
        Method -> smallest resolved distance per repeat ``(n_repeats,)`` (NaN: none).
    profiles : dict
        Method -> list (one per distance) of the first repeat's profiles, for plots.
    pixel_size_nm : float
        Pixel size of the profiles.
    criterion : str or float
        The dip criterion used.
    """

    distances_nm: np.ndarray
    resolved: dict = field(repr=False)
    dips: dict = field(repr=False)
    smallest_nm: dict
    profiles: dict = field(repr=False)
    pixel_size_nm: float = 1.0
    criterion: str | float = "rayleigh"

    def summary(self) -> dict[str, tuple[float, float, int]]:
        """Method -> ``(mean, sd, n)`` of the smallest resolved distance over repeats where one was found."""
        out = {}
        for name, values in self.smallest_nm.items():
            v = np.asarray(values, dtype=float)
            v = v[np.isfinite(v)]
            sd = float(v.std(ddof=1)) if v.size > 1 else math.nan
            out[name] = (float(v.mean()) if v.size else math.nan, sd, int(v.size))
        return out

    def format(self) -> str:
        """A text table of :meth:`summary`."""
        lines = [f"smallest resolved distance ({self.criterion!r} criterion), mean ± sd over repeats"]
        for name, (mean, sd, n) in self.summary().items():
            total = len(self.smallest_nm[name])
            lines.append(f"  {name:<18} {mean:7.1f} ± {sd:5.1f} nm   ({n}/{total} repeats resolved at some distance)")
        return "\n".join(lines)


def two_filament_experiment(
    simulate_fn: Callable[[float, np.random.Generator], np.ndarray],
    methods: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    distances_nm: Sequence[float],
    n_repeats: int,
    rng: np.random.Generator,
    pixel_size_nm: float,
    criterion: str | float = "rayleigh",
    filament_axis: int = 0,
    smooth_px: float = 0.0,
    centres_px: Callable[[float], tuple[float, float]] | None = None,
    progress: bool | None = None,
) -> TwoFilamentResult:
    """Run the two-filament experiment for several reconstruction methods on the same simulations.

    Parameters
    ----------
    simulate_fn : callable
        ``(distance_nm, rng) -> sparse histogram`` with the two filaments along ``filament_axis``.
    methods : mapping
        Name -> ``reconstruct(sparse) -> image`` (e.g. the network, the histogram itself, a KDE).
    distances_nm : sequence of float
        Distances to test.
    n_repeats : int
        Independent simulations per distance.
    rng : numpy.random.Generator
        Random generator (all simulations draw from it).
    pixel_size_nm : float
        Pixel size of the histograms (for the record and plots).
    criterion, smooth_px
        See :func:`is_resolved`.
    filament_axis : int
        Axis the filaments run along.
    centres_px : callable, optional
        ``distance_nm -> (c1, c2)``: the known filament positions in profile pixels (recommended
        for simulations: see :func:`peak_dip`); None searches all peak pairs.
    progress : bool or None
        tqdm progress bar.

    Returns
    -------
    TwoFilamentResult

    Examples
    --------
    >>> def sim(d, rng, px=5.0, s=15.0):
    ...     x = (np.arange(64) - 31.5) * px
    ...     line = np.exp(-(x - d / 2) ** 2 / (2 * s**2)) + np.exp(-(x + d / 2) ** 2 / (2 * s**2))
    ...     return rng.poisson(np.tile(20 * line, (64, 1))).astype(np.float32)
    >>> res = two_filament_experiment(sim, {"histogram": lambda im: im}, [20, 40, 60, 80], 3,
    ...                               np.random.default_rng(0), 5.0, progress=False)
    >>> mean, sd, n = res.summary()["histogram"]
    >>> 30 <= mean <= 60, n
    (True, 3)
    """
    from tqdm.auto import tqdm  # noqa: PLC0415

    if n_repeats < 1:
        raise ValueError(f"n_repeats must be >= 1, got {n_repeats}")
    if len(methods) == 0:
        raise ValueError("methods must name at least one reconstruction")
    d = np.asarray(sorted(float(v) for v in distances_nm))
    if d.size == 0 or np.any(d <= 0):
        raise ValueError(f"distances_nm must be positive numbers, got {list(distances_nm)}")
    min_dip_of(criterion)
    resolved = {m: np.zeros((n_repeats, d.size), bool) for m in methods}
    dips = {m: np.zeros((n_repeats, d.size)) for m in methods}
    profiles: dict[str, list] = {m: [] for m in methods}
    total = n_repeats * d.size
    with tqdm(total=total, desc="two filaments", disable=None if progress is None else not progress) as bar:
        for rep in range(n_repeats):
            for j, dist in enumerate(d):
                sparse = np.asarray(simulate_fn(float(dist), rng), dtype=np.float32)
                centres = centres_px(float(dist)) if centres_px is not None else None
                for name, fn in methods.items():
                    prof = profile_across(fn(sparse), filament_axis)
                    if smooth_px > 0:
                        prof = ndimage.gaussian_filter1d(prof, smooth_px, mode="nearest")
                    dips[name][rep, j] = peak_dip(prof, centres_px=centres)[0]
                    resolved[name][rep, j] = is_resolved(prof, criterion, centres_px=centres)
                    if rep == 0:
                        profiles[name].append(prof)
                bar.update(1)
    smallest = {m: np.array([smallest_resolved_distance(d, r) for r in resolved[m]]) for m in methods}
    return TwoFilamentResult(d, resolved, dips, smallest, profiles, float(pixel_size_nm), criterion)
