"""Two-filament resolution: how close can two parallel filaments be and still be told apart?

After Berberich et al. (2021, Figure 4C): simulate two parallel filaments at a distance ``d``,
reconstruct them from a sparse subset, average the image along the filaments into a 1D profile
across them, and call them *resolved* when the profile has two maxima with a minimum between
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

import numpy as np
from scipy import ndimage

__all__ = [
    "DIP_CRITERIA",
    "min_dip_of",
    "peak_dip",
    "is_resolved",
    "profile_across",
    "smallest_resolved_distance",
    "TwoFilamentResult",
    "two_filament_experiment",
]

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
