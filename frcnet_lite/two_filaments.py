"""The two-filament test (Berberich et al. 2021, Fig. 4C): from which distance are two filaments told apart?

Two straight parallel filaments are simulated at each distance (:func:`frcnet_lite.simulate.simulate_two_filaments`),
every method gets the same sparse input, and the profile across the pair, averaged along the central part of the
filaments at their known positions, counts as resolved when its dip between the two peaks passes a criterion
(:func:`frcnet_lite.resolution.two_filament_experiment`). The same simulations are also rendered from all
localizations (the dense target and histogram) and noise-free (:func:`frcnet_lite.simulate.render_truth`): no
faithful estimate can resolve below the truth, so a method that does shows noise, not structure.

A second protocol, closer to a line-profile measurement (:class:`LineProfileSetup`, :func:`line_profile_study`):
each simulation is read through one short segment (300 nm by default) at a random position along the pair; the
segment is averaged along its length into a profile across the pair (:func:`segment_profile`); the two most prominent
peaks are found without knowing where the filaments are (:func:`find_two_peaks`) and Rayleigh's criterion (a dip of at
least 26.5 % below the lower peak) decides. The distance between the found peaks is kept, so the bias of the
measured distance is reported next to the resolved distance. :func:`line_profile_table` and
:func:`line_profile_reading` turn the stored result (:func:`load_line_profile_results`) into Markdown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

__all__ = ["TRUTH", "SPARSE_BASELINES", "PAPER_NETWORK_NM", "TwoFilamentSetup", "two_filament_study",
           "truth_two_filaments", "resolution_rows", "LineProfileSetup", "PeakPair", "segment_profile",
           "find_two_peaks", "line_profile_study", "line_profile_table", "line_profile_reading",
           "LINE_PROFILE_RESULTS", "load_line_profile_results", "plot_fraction_resolved"]

#: The two-filament row of the noise-free truth.
TRUTH = "truth (noise-free)"
#: The rows of the baselines given the network's sparse input.
SPARSE_BASELINES = ("histogram", "anisotropic KDE", "best Gaussian blur")
#: The paper's network: 89.15 +/- 2.61 nm (Berberich et al. 2021; line profiles of real data, another protocol).
PAPER_NETWORK_NM = (89.15, 2.61)


@dataclass(frozen=True)
class TwoFilamentSetup:
    """The simulations and methods of one two-filament test.

    Attributes
    ----------
    distances_nm : tuple of float
        The tested distances.
    repeats : int
        Independent simulations per distance.
    length_nm, margin_nm : float
        Length of the filaments; empty margin around them.
    pixel_size_nm, fraction : float
        Rendering pixel size; fraction of the localizations in the sparse time window.
    blur_sigmas_px : tuple of float
        Gaussian blurs of the sparse input tried as baselines (the best one is reported).
    criterion : str or float
        The headline dip criterion (:data:`frcnet_lite.resolution.DIP_CRITERIA`: ``"rayleigh"``, ``"sparrow"``).
    seed : int
        Seed of the simulations (the same for every method).
    target : frcnet_lite.targets.TargetSpec
        The dense target's kind and parameters.
    """

    distances_nm: tuple
    repeats: int
    length_nm: float
    margin_nm: float
    pixel_size_nm: float
    fraction: float
    blur_sigmas_px: tuple
    criterion: str | float
    seed: int
    target: Any


def _summary(values: Sequence[float]) -> dict:
    from .metrics import _summarise  # noqa: PLC0415

    return _summarise(values).to_dict()


def _two_filament_image(which: str, distance_nm: float, rng: np.random.Generator, setup: TwoFilamentSetup) -> np.ndarray:
    """One two-filament simulation rendered as ``which``: ``"sparse"`` (the time-window histogram), ``"dense"``
    (the histogram of all localizations) or ``"truth"`` (:func:`frcnet_lite.simulate.render_truth`: the
    noise-free expected histogram, what every estimate aims at). One draw from ``rng`` per call, so the three
    experiments, started from one seed, see the same simulations."""
    from .rendering import render_histogram
    from .simulate import render_truth, simulate_two_filaments
    from .subsets import time_window_subset

    own = np.random.default_rng(int(rng.integers(2**31)))
    sim = simulate_two_filaments(distance_nm, length_nm=setup.length_nm, seed=int(own.integers(2**31)),
                                 margin_nm=setup.margin_nm)
    px = setup.pixel_size_nm
    if which == "truth":
        return render_truth(sim, px, sim.fov_nm)
    locs = time_window_subset(sim.localizations, setup.fraction, own) if which == "sparse" else sim.localizations
    return render_histogram(locs, px, sim.fov_nm)


def _two_filament_run(simulate: Callable, methods: Mapping[str, Callable], setup: TwoFilamentSetup, progress: bool | None):
    """:func:`frcnet_lite.resolution.two_filament_experiment` with the study's distances, repeats and criterion."""
    from .resolution import two_filament_experiment

    px = setup.pixel_size_nm

    def centres(distance_nm: float) -> tuple[float, float]:
        m = setup.margin_nm
        return (m / px - 0.5, (m + distance_nm) / px - 0.5)

    return two_filament_experiment(simulate, methods, distances_nm=setup.distances_nm,
                                   n_repeats=setup.repeats, pixel_size_nm=px, criterion=setup.criterion,
                                   smooth_px=1.0, centres_px=centres, progress=progress,
                                   rng=np.random.default_rng(setup.seed))


def truth_two_filaments(setup: TwoFilamentSetup, progress: bool | None = None):
    """The two-filament test on the noise-free truth of the same simulations: the ceiling of any estimate."""
    return _two_filament_run(lambda d, rng: _two_filament_image("truth", d, rng, setup), {TRUTH: lambda im: im},
                             setup, progress)


def resolution_rows(res, names: Sequence[str], min_dip: float) -> dict:
    """Smallest resolved distance per run (criterion ``min_dip`` applied to the recorded dips): mean, SEM, runs."""
    from .resolution import smallest_resolved_distance

    out = {}
    for name in names:
        runs = [smallest_resolved_distance(res.distances_nm, row > min_dip + 1e-9) for row in res.dips[name]]
        finite = [r for r in runs if math.isfinite(r)]
        out[name] = {**_summary(finite), "runs": len(runs), "per_run_nm": runs,
                     "fraction_resolved": (res.dips[name] > min_dip + 1e-9).mean(axis=0).tolist()}
    return out


def _best_blur_name(rows: Mapping[str, dict], names: Sequence[str]) -> str:
    """The blur width resolving closest: fewest runs never resolved, then smallest mean."""
    return min(names, key=lambda n: (rows[n]["runs"] - rows[n]["n"], rows[n]["mean"]))


def two_filament_study(model, setup: TwoFilamentSetup, progress: bool | None = None) -> dict:
    """The two-filament resolution of every method (see the module docstring), for the paper's and Rayleigh's criteria."""
    from .kde import anisotropic_kde, gaussian_kde
    from .model import predict_image
    from .reconstruct import dihedral_average
    from .resolution import DIP_CRITERIA, min_dip_of

    px = setup.pixel_size_nm
    blurs = {f"Gaussian blur {s:g} px": (lambda im, s=s: gaussian_kde(im, float(s))) for s in setup.blur_sigmas_px}
    tta = dihedral_average(lambda b: predict_image(model, b))
    methods: dict[str, Callable] = {"network": lambda im: tta(im[None])[0], "histogram": lambda im: im,
                                    "anisotropic KDE": anisotropic_kde, **blurs}
    sparse = _two_filament_run(lambda d, rng: _two_filament_image("sparse", d, rng, setup), methods, setup, progress)
    from .targets import make_target

    spec = setup.target
    dense_methods = {"dense target": lambda im: make_target(im, spec, px), "dense histogram": lambda im: im}
    dense = _two_filament_run(lambda d, rng: _two_filament_image("dense", d, rng, setup), dense_methods, setup,
                              progress)
    truth = truth_two_filaments(setup, progress)
    out: dict[str, Any] = {"distances_nm": [float(d) for d in sparse.distances_nm],
                           "repeats": setup.repeats, "fraction": setup.fraction, "pixel_size_nm": px,
                           "length_nm": setup.length_nm, "smooth_px": 1.0,
                           "paper_network_nm": list(PAPER_NETWORK_NM), "target_kind": spec.kind, "criteria": {}}
    for crit in dict.fromkeys((setup.criterion, "sparrow", "rayleigh")):
        dip = min_dip_of(crit)
        rows = {**resolution_rows(sparse, list(methods), dip), **resolution_rows(dense, list(dense_methods), dip),
                **resolution_rows(truth, list(truth.dips), dip)}
        best = _best_blur_name(rows, list(blurs))
        rows["best Gaussian blur"] = {**rows[best], "width": best}
        out["criteria"][crit] = {"min_dip": dip, "rows": rows}
    out["criterion"] = setup.criterion
    out["criterion_text"] = ("two peaks with a minimum between them (any dip), as Berberich et al. 2021"
                             if DIP_CRITERIA.get(setup.criterion) == 0 else f"dip >= {min_dip_of(setup.criterion)}")
    return out


# ------------------------------------------------------------------------------ line-profile protocol --
#: Where ``scripts/two_filament_study.py`` stores the line-profile study (read with :func:`load_line_profile_results`).
#:
#: :meta hide-value:
LINE_PROFILE_RESULTS = Path(__file__).resolve().parent / "studies" / "two_filaments" / "results.json"
#: The rows of the line-profile table, in order.
LINE_PROFILE_METHODS = ("network", "histogram", "best Gaussian blur", "dense target", TRUTH)
#: The peak rule of :func:`find_two_peaks`, in words (stored with the results).
PEAK_RULE = ("the profile is smoothed by a Gaussian of smooth_px; its local maxima (ends excluded, a plateau counted "
             "once at its centre) that reach min_peak_fraction of the profile's maximum are candidates; they are "
             "ranked by prominence (height above the higher of the two lowest points that separate the peak from "
             "any higher part of the profile or from the profile's ends), ties by height; the most prominent is the "
             "first peak, the most prominent at least min_separation_px away the second; positions are refined to "
             "sub-pixel by a parabola through each peak and its two neighbours")


@dataclass(frozen=True)
class LineProfileSetup:
    """The simulations and the reading of the line-profile two-filament test (:func:`line_profile_study`).

    Attributes
    ----------
    distances_nm : tuple of float
        Tested centre-to-centre distances. Default 40-160 nm in steps of 10.
    repeats : int
        Runs: independent simulations per distance (one run = one simulation at each distance). Default 20.
    seed : int
        The simulation of run ``r`` at distance index ``j`` draws from ``numpy.random.default_rng([seed, r, j])``.
    pixel_size_nm, fraction : float
        Rendering pixel size (the network's, 5 nm); fraction of the localizations in the sparse time window (0.1).
    segment_nm : float
        Length of the segment along the filaments that is averaged into one profile (the line's width in an
        image viewer). Default 300 nm. Its position along the pair is drawn uniformly, ``end_margin_nm`` away
        from the filaments' ends.
    line_length_nm, line_jitter_nm : float
        Length of the line across the pair (400 nm), centred on the pair's midpoint shifted by a uniform random
        offset of up to ``line_jitter_nm`` (25 nm), as a line placed by eye. Peaks are searched on the whole line.
    length_nm, end_margin_nm, margin_nm : float
        Length of the simulated filaments (1280 nm); segments stay ``end_margin_nm`` (250 nm) from their ends;
        empty margin left and right of the pair (300 nm).
    smooth_px, min_peak_fraction, min_separation_px : float
        The peak rule of :func:`find_two_peaks` (1 px, 0.25, 2 px). A quarter, not a half: a short segment
        holds few dyes, so even the noise-free peaks of two equal filaments differ up to about threefold.
    criterion : str or float
        The dip criterion (:data:`frcnet_lite.resolution.DIP_CRITERIA`); default ``"rayleigh"`` (26.5 %).
    blur_sigmas_px : tuple of float
        Gaussian blurs of the sparse histogram tried; the one resolving closest is the "best Gaussian blur".
    target : frcnet_lite.targets.TargetSpec, optional
        The dense target; None takes the model's (its ``model.json``).
    """

    distances_nm: tuple = tuple(float(d) for d in range(40, 161, 10))
    repeats: int = 20
    seed: int = 12000
    pixel_size_nm: float = 5.0
    fraction: float = 0.1
    segment_nm: float = 300.0
    line_length_nm: float = 400.0
    line_jitter_nm: float = 25.0
    length_nm: float = 1280.0
    end_margin_nm: float = 250.0
    margin_nm: float = 300.0
    smooth_px: float = 1.0
    min_peak_fraction: float = 0.25
    min_separation_px: float = 2.0
    criterion: str | float = "rayleigh"
    blur_sigmas_px: tuple = (0.5, 1.0, 1.5, 2.0, 3.0)
    target: Any = None

    def __post_init__(self) -> None:
        from .resolution import min_dip_of

        d = [float(v) for v in self.distances_nm]
        if not d or any(not (math.isfinite(v) and v > 0) for v in d):
            raise ValueError(f"distances_nm must be positive numbers, got {self.distances_nm!r}")
        if int(self.repeats) != self.repeats or self.repeats < 1:
            raise ValueError(f"repeats must be an integer >= 1, got {self.repeats!r}")
        positive = ("pixel_size_nm", "segment_nm", "line_length_nm", "length_nm")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("line_jitter_nm", "end_margin_nm", "margin_nm", "smooth_px"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {self.fraction!r}")
        if self.segment_nm + 2 * self.end_margin_nm > self.length_nm:
            raise ValueError(f"segment_nm + 2 * end_margin_nm = {self.segment_nm + 2 * self.end_margin_nm:g} nm "
                             f"must fit into length_nm = {self.length_nm:g} nm")
        spare = self.line_length_nm - (max(d) + 2 * self.line_jitter_nm + 4 * self.pixel_size_nm)
        if spare < 0:
            raise ValueError(f"line_length_nm = {self.line_length_nm:g} nm is too short: both filaments of the largest "
                             f"distance ({max(d):g} nm) must lie on the line with its jitter and 2 px to spare "
                             f"(need >= {self.line_length_nm - spare:g} nm)")
        if self.line_length_nm / 2 + self.line_jitter_nm > self.margin_nm + min(d) / 2:
            raise ValueError(f"the line ({self.line_length_nm:g} nm, jitter {self.line_jitter_nm:g} nm) leaves the "
                             f"field: margin_nm = {self.margin_nm:g} nm is too small")
        if not 0 <= self.min_peak_fraction <= 1:
            raise ValueError(f"min_peak_fraction must be in [0, 1], got {self.min_peak_fraction!r}")
        if not self.min_separation_px >= 1:
            raise ValueError(f"min_separation_px must be >= 1, got {self.min_separation_px!r}")
        if not self.blur_sigmas_px or any(not s > 0 for s in self.blur_sigmas_px):
            raise ValueError(f"blur_sigmas_px must be positive widths, got {self.blur_sigmas_px!r}")
        min_dip_of(self.criterion)

    def to_dict(self) -> dict:
        """JSON-friendly fields (the target as :meth:`frcnet_lite.targets.TargetSpec.to_dict`)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["distances_nm"] = [float(v) for v in self.distances_nm]
        out["blur_sigmas_px"] = [float(v) for v in self.blur_sigmas_px]
        out["target"] = None if self.target is None else self.target.to_dict()
        return out


def segment_profile(image: np.ndarray, pixel_size_nm: float, along_nm: tuple[float, float],
                    across_nm: tuple[float, float], filament_axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The profile across a pair, averaged over one segment of its length.

    Pixel ``i`` covers ``[i, i + 1) * pixel_size_nm``; the pixels whose centres lie in ``[along_nm)`` along the
    filaments and in ``[across_nm)`` across them are taken, and each across-position is averaged over the
    segment's length.

    Parameters
    ----------
    image : numpy.ndarray
        2D image with the filaments along ``filament_axis`` (0: vertical filaments, rows along them).
    pixel_size_nm : float
        Pixel size in nm.
    along_nm, across_nm : tuple of float
        ``(start, end)`` of the segment along the filaments and of the line across them, in nm.
    filament_axis : int
        The axis the filaments run along.

    Returns
    -------
    tuple of numpy.ndarray
        ``(positions_nm, profile)``: the pixel centres across, in nm, and the mean intensity there.

    Examples
    --------
    >>> img = np.zeros((10, 6)); img[:, 2] = 1.0; img[6:, 4] = 3.0  # rows 2-9 lie in [10, 50) nm, 4 of them hold 3
    >>> pos, prof = segment_profile(img, 5.0, (10.0, 50.0), (5.0, 30.0))
    >>> pos.tolist(), prof.tolist()
    ([7.5, 12.5, 17.5, 22.5, 27.5], [0.0, 1.0, 0.0, 1.5, 0.0])
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"segment_profile expects a 2D image, got shape {img.shape}")
    if filament_axis not in (0, 1):
        raise ValueError(f"filament_axis must be 0 or 1, got {filament_axis!r}")
    if not pixel_size_nm > 0:
        raise ValueError(f"pixel_size_nm must be > 0, got {pixel_size_nm!r}")
    img = img if filament_axis == 0 else img.T
    along = (np.arange(img.shape[0]) + 0.5) * pixel_size_nm
    across = (np.arange(img.shape[1]) + 0.5) * pixel_size_nm
    rows = (along >= along_nm[0]) & (along < along_nm[1])
    cols = (across >= across_nm[0]) & (across < across_nm[1])
    if not rows.any() or cols.sum() < 3:
        raise ValueError(f"the segment {along_nm} nm x line {across_nm} nm holds {int(rows.sum())} rows and "
                         f"{int(cols.sum())} columns of the {img.shape} px image: need >= 1 and >= 3")
    return across[cols], img[np.ix_(rows, cols)].mean(axis=0)


@dataclass(frozen=True)
class PeakPair:
    """The two peaks :func:`find_two_peaks` found.

    Attributes
    ----------
    positions_px : tuple of float
        Sub-pixel positions in profile pixels, in increasing order (NaN where missing).
    heights : tuple of float
        The smoothed profile at the peaks' pixels (NaN where missing).
    dip : float
        ``1 - min(profile between the peaks) / min(the two heights)`` (0 with fewer than two peaks).
    found : bool
        Whether two peaks were found.
    """

    positions_px: tuple
    heights: tuple
    dip: float
    found: bool

    @property
    def distance_px(self) -> float:
        """Distance between the two peaks in pixels (NaN without two)."""
        return float(self.positions_px[1] - self.positions_px[0]) if self.found else math.nan

    def resolved(self, criterion: str | float = "rayleigh") -> bool:
        """Two peaks with a dip of at least the criterion's minimum (Rayleigh: 26.5 % below the lower peak)."""
        from .resolution import min_dip_of

        return bool(self.found and self.dip >= min_dip_of(criterion) - 1e-12)


def _parabola_offset(p: np.ndarray, i: int) -> float:
    if i <= 0 or i >= p.size - 1:
        return 0.0
    curvature = p[i - 1] - 2 * p[i] + p[i + 1]
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (p[i - 1] - p[i + 1]) / curvature, -0.5, 0.5))


def find_two_peaks(profile: np.ndarray, smooth_px: float = 1.0, min_peak_fraction: float = 0.25,
                   min_separation_px: float = 2.0) -> PeakPair:
    """The two dominant peaks of a profile, found without knowing where the filaments are.

    The rule (:data:`PEAK_RULE`): the profile is smoothed by a Gaussian of ``smooth_px`` (reflecting at the
    ends); its local maxima (the ends excluded, a plateau counted once at its centre) that reach
    ``min_peak_fraction`` of the smoothed profile's maximum are candidates (so background specks far below the
    filaments never count). They are ranked by *prominence* (as ``scipy.signal.peak_prominences``: the height
    above the higher of the lowest points on either side before a higher value or the profile's end), ties by
    height; the most prominent candidate is the first peak, the most prominent at least ``min_separation_px``
    from it the second. Their positions are refined by a parabola through each peak pixel and its neighbours.
    The dip is ``1 - min(smoothed profile between them) / min(their heights)``.

    Why prominence and not height: with antibody-labelled microtubules one filament's profile is lumpy (few dyes
    in a short segment, and the projected tube wall gives two shoulders ~25-40 nm apart), so its two highest
    bumps can both be higher than the other filament's peak; ranked by height, the two peaks would then be two
    bumps of one filament. A bump's prominence is only the depth of the valley beside it, a second filament's
    the depth of the gap between the two: the two most prominent peaks are the two filaments whenever the gap
    is deeper than the lumps. For a single smooth peak the second candidate is a ripple of small prominence,
    and its dip fails the criterion.

    Parameters
    ----------
    profile : numpy.ndarray
        1D profile across the filaments (at least 3 values, finite).
    smooth_px : float
        Gaussian smoothing in pixels (0: none).
    min_peak_fraction : float
        Fraction of the profile's maximum a peak must reach.
    min_separation_px : float
        Smallest distance between the two peaks, in pixels (>= 1).

    Returns
    -------
    PeakPair

    Examples
    --------
    >>> x = np.arange(80.0)
    >>> two = np.exp(-(x - 30.3) ** 2 / 8) + np.exp(-(x - 50.0) ** 2 / 8)
    >>> pair = find_two_peaks(two, smooth_px=0)
    >>> [round(v, 1) for v in pair.positions_px], round(pair.dip, 3), pair.resolved("rayleigh")
    ([30.3, 50.0], 1.0, True)
    >>> find_two_peaks(np.exp(-(x - 40) ** 2 / 8), smooth_px=0).found
    False
    >>> lumpy = [0, 5, 4, 5.5, 4, 0, 4.5, 0.0]  # the lower filament (4.5) beats the shallow bump (5 beside 5.5)
    >>> find_two_peaks(lumpy, smooth_px=0).positions_px
    (3.0, 6.0)
    """
    from scipy.signal import peak_prominences

    from .resolution import _local_maxima

    p = np.asarray(profile, dtype=np.float64)
    if p.ndim != 1 or p.size < 3 or not np.all(np.isfinite(p)):
        raise ValueError(f"profile must be a finite 1D array of at least 3 values, got shape {p.shape}")
    if smooth_px < 0 or not 0 <= min_peak_fraction <= 1 or min_separation_px < 1:
        raise ValueError(f"need smooth_px >= 0, min_peak_fraction in [0, 1], min_separation_px >= 1; got "
                         f"{smooth_px!r}, {min_peak_fraction!r}, {min_separation_px!r}")
    if smooth_px > 0:
        p = ndimage.gaussian_filter1d(p, smooth_px, mode="reflect")
    top = float(p.max())
    maxima = _local_maxima(p)
    cands = maxima[p[maxima] >= min_peak_fraction * top] if top > 0 and maxima.size else maxima[:0]
    if cands.size == 0:
        return PeakPair((math.nan, math.nan), (math.nan, math.nan), 0.0, False)
    prominence = peak_prominences(p, cands)[0]
    order = sorted(range(cands.size), key=lambda k: (-prominence[k], -p[cands[k]], cands[k]))
    first = int(cands[order[0]])
    second = next((int(cands[k]) for k in order[1:] if abs(int(cands[k]) - first) >= min_separation_px), None)
    if second is None:
        return PeakPair((first + _parabola_offset(p, first), math.nan), (float(p[first]), math.nan), 0.0, False)
    i1, i2 = sorted((first, second))
    ref = float(min(p[i1], p[i2]))
    dip = 1.0 - float(p[i1:i2 + 1].min()) / ref
    return PeakPair((i1 + _parabola_offset(p, i1), i2 + _parabola_offset(p, i2)), (float(p[i1]), float(p[i2])),
                    dip, True)


def _line_profile_scene(distance_nm: float, rng: np.random.Generator, setup: LineProfileSetup) -> tuple:
    """One simulation: its sparse, dense and noise-free images, the segment along and the line across (nm)."""
    from .rendering import render_histogram
    from .simulate import render_truth, simulate_two_filaments
    from .subsets import time_window_subset

    px = setup.pixel_size_nm
    sim = simulate_two_filaments(distance_nm, length_nm=setup.length_nm, seed=int(rng.integers(2**31)),
                                 margin_nm=setup.margin_nm)
    sparse = time_window_subset(sim.localizations, setup.fraction, rng)
    images = {"sparse": render_histogram(sparse, px, sim.fov_nm), "dense": render_histogram(sim.localizations, px,
                                                                                            sim.fov_nm),
              "truth": render_truth(sim, px, sim.fov_nm)}
    y0 = float(rng.uniform(setup.end_margin_nm, setup.length_nm - setup.end_margin_nm - setup.segment_nm))
    mid = setup.margin_nm + distance_nm / 2 + float(rng.uniform(-setup.line_jitter_nm, setup.line_jitter_nm))
    return images, (y0, y0 + setup.segment_nm), (mid - setup.line_length_nm / 2, mid + setup.line_length_nm / 2)


def _json_safe(value: Any) -> Any:
    """NaN -> None, numpy scalars -> Python, recursively (JSON has no NaN)."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _line_profile_rows(dips: np.ndarray, found_nm: np.ndarray, d: np.ndarray, min_dip: float) -> dict:
    """One method's summary: smallest resolved distance per run, fraction resolved and bias per distance."""
    from .resolution import smallest_resolved_distance

    resolved = (dips >= min_dip - 1e-12) & np.isfinite(found_nm)
    runs = [smallest_resolved_distance(d, r) for r in resolved]
    bias = found_nm - d[None, :]
    return {**_summary([r for r in runs if math.isfinite(r)]), "runs": int(resolved.shape[0]), "per_run_nm": runs,
            "fraction_resolved": resolved.mean(axis=0).tolist(), "bias_nm": _summary(bias[resolved]),
            "bias_per_distance": [_summary(bias[resolved[:, j], j]) for j in range(d.size)],
            "dips": np.round(dips, 4).tolist(), "found_nm": np.round(found_nm, 2).tolist()}


def line_profile_study(model, setup: LineProfileSetup | None = None, progress: bool | None = None,
                       predict: Callable[[np.ndarray], np.ndarray] | None = None) -> dict:
    """The line-profile two-filament test of the network, the sparse baselines, the dense target and the truth.

    For each run and distance one pair is simulated (:func:`frcnet_lite.simulate.simulate_two_filaments`) and
    rendered three ways: the sparse time-window histogram (input of the network, the histogram and the Gaussian
    blurs), the histogram of all localizations (input of the dense target, the model's target kind) and the
    noise-free truth (:func:`frcnet_lite.simulate.render_truth`). Every image is read through the same short
    segment at a random position along the pair (:func:`segment_profile`), the two most prominent peaks are
    found without the filaments' positions (:func:`find_two_peaks`) and the criterion (Rayleigh: a dip of at least
    26.5 % below the lower peak) decides. Per method: the smallest resolved distance of each run
    (:func:`frcnet_lite.resolution.smallest_resolved_distance`), its mean ± SEM over the runs that resolved
    somewhere (``n`` of ``runs``), the fraction resolved per distance, and the found minus the true distance
    (bias) over the resolved profiles.

    Parameters
    ----------
    model : keras.Model or None
        A model from :func:`frcnet_lite.model.load_model` (predicted with the 8-fold test-time augmentation of
        :func:`frcnet_lite.reconstruct.dihedral_average`, as :func:`two_filament_study`); None with ``predict``.
    setup : LineProfileSetup, optional
        Default :class:`LineProfileSetup`.
    progress : bool or None
        tqdm progress bar.
    predict : callable, optional
        ``sparse histogram (H, W) -> image`` in place of the model (for tests and other reconstructions).

    Returns
    -------
    dict
        JSON-ready (NaN stored as None): ``setup``, ``distances_nm``, ``criterion``, ``min_dip``, ``peak_rule``,
        ``target``, ``rows`` (method -> ``mean``, ``sem``, ``n``, ``runs``, ``per_run_nm``,
        ``fraction_resolved``, ``bias_nm``, ``bias_per_distance``, ``dips``, ``found_nm``; ``best Gaussian
        blur`` also ``width``) and ``example_profiles`` (run 0).
    """
    from tqdm.auto import tqdm

    from .kde import gaussian_kde
    from .resolution import min_dip_of
    from .targets import DEFAULT_GAUSSIAN_SIGMA_NM, TargetSpec, make_target

    setup = LineProfileSetup() if setup is None else setup
    px = setup.pixel_size_nm
    info = getattr(model, "frcnet_info", None)
    if predict is None:
        if model is None:
            raise ValueError("line_profile_study needs a model (frcnet_lite.model.load_model) or a predict function")
        from .model import predict_image
        from .reconstruct import dihedral_average

        if info is not None and abs(info.pixel_size_nm - px) > 1e-6:
            raise ValueError(f"the model works at {info.pixel_size_nm:g} nm pixels, the setup at {px:g} nm")
        tta = dihedral_average(lambda b: predict_image(model, b))

        def predict(im: np.ndarray) -> np.ndarray:
            return tta(im[None])[0]

    spec = setup.target
    if spec is None:
        target = (info.data or {}).get("target") if info is not None else None
        default = TargetSpec("gaussian", {"sigma_nm": DEFAULT_GAUSSIAN_SIGMA_NM})
        spec = TargetSpec.from_dict(target) if target else default
    blurs = {f"Gaussian blur {s:g} px": (lambda im, s=s: gaussian_kde(im, float(s))) for s in setup.blur_sigmas_px}
    methods: dict[str, tuple[str, Callable]] = {
        "network": ("sparse", predict), "histogram": ("sparse", lambda im: im),
        **{name: ("sparse", fn) for name, fn in blurs.items()},
        "dense target": ("dense", lambda im: make_target(im, spec, px)), TRUTH: ("truth", lambda im: im)}
    d = np.asarray(sorted(float(v) for v in setup.distances_nm))
    shape = (setup.repeats, d.size)
    dips = {m: np.zeros(shape) for m in methods}
    found = {m: np.full(shape, math.nan) for m in methods}
    examples: dict[str, list] = {"positions_nm": [], **{m: [] for m in methods}}
    peak_rule = {"smooth_px": setup.smooth_px, "min_peak_fraction": setup.min_peak_fraction,
                 "min_separation_px": setup.min_separation_px}
    with tqdm(total=setup.repeats * d.size, desc="line profiles",
              disable=None if progress is None else not progress) as bar:
        for rep in range(setup.repeats):
            for j, dist in enumerate(d):
                images, along, across = _line_profile_scene(float(dist), np.random.default_rng([setup.seed, rep, j]),
                                                            setup)
                for name, (source, fn) in methods.items():
                    pos, prof = segment_profile(fn(images[source]), px, along, across)
                    pair = find_two_peaks(prof, **peak_rule)
                    dips[name][rep, j] = pair.dip
                    found[name][rep, j] = pair.distance_px * px
                    if rep == 0:
                        examples[name].append(np.round(prof, 5).tolist())
                if rep == 0:
                    examples["positions_nm"].append((pos - setup.margin_nm - dist / 2).round(2).tolist())
                bar.update(1)
    min_dip = min_dip_of(setup.criterion)
    rows = {m: _line_profile_rows(dips[m], found[m], d, min_dip) for m in methods}
    best = _best_blur_name(rows, list(blurs))
    rows["best Gaussian blur"] = {**rows[best], "width": best}
    examples["best Gaussian blur"] = examples[best]
    examples = {k: v for k, v in examples.items() if k == "positions_nm" or k in LINE_PROFILE_METHODS}
    out = {"protocol": "line profile", "setup": setup.to_dict(), "distances_nm": d.tolist(), "repeats": setup.repeats,
           "criterion": setup.criterion, "min_dip": min_dip, "peak_rule": PEAK_RULE, "target": spec.to_dict(),
           "blur_widths": list(blurs), "rows": rows, "example_profiles": examples}
    return _json_safe(out)


def load_line_profile_results(path: str | Path | None = None) -> dict:
    """The stored line-profile study (default :data:`LINE_PROFILE_RESULTS`)."""
    p = Path(path) if path is not None else LINE_PROFILE_RESULTS
    if not p.is_file():
        raise FileNotFoundError(f"no line-profile study at {p}: run scripts/two_filament_study.py")
    return json.loads(p.read_text())


def plot_fraction_resolved(results: Mapping, ax=None):
    """Fraction of runs resolved against distance, one line per method of the line-profile table."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.5))
    d = results["distances_nm"]
    styles = {"network": ("C0", "-", "o"), "histogram": ("C1", "-", "s"), "best Gaussian blur": ("C2", "-", "^"),
              "dense target": ("C4", "--", "v"), TRUTH: ("k", ":", "D")}
    for m in LINE_PROFILE_METHODS:
        if m in results["rows"]:
            color, ls, marker = styles[m]
            ax.plot(d, results["rows"][m]["fraction_resolved"], color=color, ls=ls, marker=marker, ms=4,
                    label=_line_label(m, results))
    ax.set_xlabel("distance between the filaments (nm)")
    ax.set_ylabel(f"fraction resolved ({results['criterion']})")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=7, loc="lower right")
    setup = results["setup"]
    ax.set_title(f"{setup['segment_nm']:g} nm segments, {results['repeats']} runs per distance", fontsize=9)
    return ax


def _dyes_per_segment(setup: Mapping) -> float:
    """Mean dyes per filament in one segment at :class:`frcnet_lite.simulate.SimulationConfig`'s defaults."""
    from .simulate import SimulationConfig

    c = SimulationConfig()
    return c.epitopes_per_nm * c.labelling_efficiency * c.dyes_per_antibody * float(setup["segment_nm"])


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _pm(row: Mapping, decimals: int = 1) -> str:
    mean, sem = _num(row.get("mean")), _num(row.get("sem"))
    if not math.isfinite(mean):
        return "—"
    return f"{mean:.{decimals}f} ± {sem:.{decimals}f}" if math.isfinite(sem) else f"{mean:.{decimals}f}"


def _line_label(name: str, results: Mapping) -> str:
    row = results["rows"][name]
    px = results["setup"]["pixel_size_nm"]
    if name == "best Gaussian blur":
        s = float(row["width"].removeprefix("Gaussian blur ").removesuffix(" px"))
        return f"best Gaussian blur (σ = {s:g} px = {s * px:g} nm)"
    if name == "dense target":
        t = results.get("target") or {}
        params = ", ".join(("σ" if k == "sigma_nm" else k.removesuffix("_nm")) + f" = {v:g} nm" if k.endswith("_nm")
                           else f"{k} = {v}" for k, v in (t.get("params") or {}).items())
        return f"dense target ({t.get('kind', '?')} KDE{', ' + params if params else ''}; all localizations)"
    return {"network": "network (8-fold TTA)", "histogram": "histogram (sparse)"}.get(name, name)


def line_profile_table(results: Mapping) -> str:
    """Markdown: per method the smallest resolved distance, the bias of the found distance, the fraction resolved.

    Two tables: (1) resolved distance, mean ± SEM over the runs that resolved at some distance (``n``) of all runs,
    and the found minus the true peak distance over the resolved profiles; (2) the fraction of runs resolved at
    each tested distance.
    """
    rows, d = results["rows"], results["distances_nm"]
    names = [m for m in LINE_PROFILE_METHODS if m in rows]
    crit = results["criterion"]
    lines = ["| method | resolved from (nm), mean ± SEM | n / runs | found − true distance (nm), mean ± SEM "
             "| resolved profiles |", "|---|---:|---:|---:|---:|"]
    for m in names:
        r = rows[m]
        lines.append(f"| {_line_label(m, results)} | {_pm(r)} | {r['n']} / {r['runs']} | {_pm(r['bias_nm'])} "
                     f"| {r['bias_nm']['n']} |")
    head = "| method | " + " | ".join(f"{v:g} nm" for v in d) + " |"
    frac = [f"Fraction of runs resolved ({crit}) per distance:", "", head, "|---" + "|---:" * len(d) + "|"]
    for m in names:
        frac.append(f"| {_line_label(m, results)} | " + " | ".join(f"{v:.2f}" for v in rows[m]["fraction_resolved"])
                    + " |")
    return "\n".join(lines) + "\n\n" + "\n".join(frac)


def _paired(a: Mapping, b: Mapping) -> dict:
    """Run-by-run difference of two rows' smallest resolved distances (runs where both resolved)."""
    diffs = [_num(x) - _num(y) for x, y in zip(a["per_run_nm"], b["per_run_nm"])
             if math.isfinite(_num(x)) and math.isfinite(_num(y))]
    return _summary(diffs)


def _compare(diff: Mapping, closer: str, farther: str) -> str:
    if diff["n"] < 2:
        return f"not comparable ({diff['n']} runs resolved by both)"
    text = f"{diff['mean']:+.1f} ± {diff['sem']:.1f} nm over {diff['n']} paired runs"
    if abs(diff["mean"]) <= 2 * diff["sem"]:
        return f"{text}: within 2 SEM, no difference at this n"
    return f"{text}: {closer if diff['mean'] < 0 else farther}"


def line_profile_reading(results: Mapping) -> str:
    """What the line-profile study shows (computed from ``results``), and how it still differs from the paper."""
    rows, setup = results["rows"], results["setup"]
    net, truth = rows["network"], rows[TRUTH]
    best = min(("histogram", "best Gaussian blur"),
               key=lambda n: (rows[n]["runs"] - rows[n]["n"], _num(rows[n]["mean"])))
    best_label = _line_label(best, results)
    crit = results["criterion"]
    vs_best = _compare(_paired(net, rows[best]), "the network resolves closer", "the network resolves less close")
    vs_truth = _compare(_paired(net, truth), "the network resolves closer than the truth (noise, not structure)",
                        "the network stays above the truth")
    best_truth = _compare(_paired(rows[best], truth), "below the truth, so its dips are partly noise",
                          "above the truth")
    parts = [
        f"With {crit}'s criterion (a dip of at least {100 * results['min_dip']:.1f} % below the lower of the two "
        f"most prominent peaks) on {setup['segment_nm']:g} nm segments, the noise-free truth resolves from "
        f"{_pm(truth)} nm "
        f"({truth['n']}/{truth['runs']} runs), the network from {_pm(net)} nm ({net['n']}/{net['runs']}), the best "
        f"sparse baseline, the {best_label}, from {_pm(rows[best])} nm ({rows[best]['n']}/{rows[best]['runs']}), and "
        f"the dense target from {_pm(rows['dense target'])} nm. Run by run (the same simulations), network − "
        f"{best}: {vs_best}; network − truth: {vs_truth}; {best} − truth: {best_truth}."]
    below = []
    for m in LINE_PROFILE_METHODS:
        diff = _paired(rows[m], truth) if m in rows and m != TRUTH else {"n": 0}
        if diff["n"] > 1 and diff["mean"] + 2 * diff["sem"] < 0:
            below.append(f"the {_line_label(m, results)} ({diff['mean']:+.1f} ± {diff['sem']:.1f} nm)")
    if below:
        listed = below[0] if len(below) == 1 else ", ".join(below[:-1]) + " and " + below[-1]
        parts.append(
            f"Below the noise-free truth, run by run by more than 2 SEM: {listed}. No image of these data can show "
            "more than the truth does, so those dips are noise: shot noise of the few sparse localizations, and in "
            "all localizations the unequal number of blinks per dye (the truth weights every dye by the mean "
            "number of localizations). A smaller 'resolved' distance is then no better resolution.")
    never = [m for m in LINE_PROFILE_METHODS if m in rows and rows[m]["n"] < rows[m]["runs"]]
    if never:
        parts.append("Runs never resolved up to the largest distance (left out of the mean): " + ", ".join(
            f"{m} {rows[m]['runs'] - rows[m]['n']}" for m in never) + ".")
    bias = "; ".join(f"{m} {_pm(rows[m]['bias_nm'])} nm ({rows[m]['bias_nm']['n']} profiles)"
                     for m in LINE_PROFILE_METHODS if m in rows)
    biased = [m for m in LINE_PROFILE_METHODS if m in rows and rows[m]["bias_nm"]["n"] > 1
              and abs(_num(rows[m]["bias_nm"]["mean"])) > 2 * _num(rows[m]["bias_nm"]["sem"])]
    verdict = ("biased beyond 2 SEM: " + ", ".join(biased)) if biased else "none biased beyond 2 SEM"
    means = {d: _num(b["mean"]) for d, b in zip(results["distances_nm"], truth["bias_per_distance"]) if b["n"] >= 5}
    spread = ""
    if means:
        hi = max(means, key=means.get)
        spread = (f" Per distance (where at least 5 runs resolved) the truth's own mean bias ranges from "
                  f"{min(means.values()):+.1f} to {means[hi]:+.1f} nm (at {hi:g} nm), and the other methods move "
                  f"with it: they see the same simulations, a {setup['segment_nm']:g} nm segment holds few dyes "
                  f"(about {_dyes_per_segment(setup):.0f} per filament at the simulator's defaults) whose positions "
                  "shift the peaks, and near the resolution limit only profiles whose peaks happen to lie farther "
                  "apart pass the dip (a selection that biases the found distance upward there).")
    parts.append(f"Found minus true peak distance over the resolved profiles: {bias}; {verdict}.{spread}")
    parts.append(
        "How this still differs from the paper's measurement (Berberich et al. 2021, Fig. 4C, with LineProfiler, "
        "Reinhard et al.): (1) here the pairs are simulated, straight and parallel, both labelled by the same "
        "process (their brightness differs only by chance), with the truth known; the paper measured pairs of "
        "microtubules in real dSTORM reconstructions, so curvature, crossings, systematically unequal labelling "
        "and out-of-focus filaments do not occur here. (2) Here the line is exactly "
        f"perpendicular to the pair, {setup['line_length_nm']:g} nm long, centred on the pair within "
        f"±{setup['line_jitter_nm']:g} nm, and averages a {setup['segment_nm']:g} nm segment at a random position; "
        "LineProfiler, according to its documentation, blurs and skeletonises the image, fits a cubic spline to "
        "each line structure and averages profiles drawn perpendicular to the spline, so the averaged length and "
        "the orientation come from the image itself. (3) Here the peaks are the two most prominent local maxima "
        f"(at least {100 * setup['min_peak_fraction']:g} % of the highest) of the {setup['smooth_px']:g} px-smoothed "
        "profile (sub-pixel by a parabola) and Rayleigh's dip decides; "
        "LineProfiler fits the mean profile by least squares (Gaussian, bi-/tri-Gaussian or cylinder projection) "
        "and in its two-peak modes drops profiles without two maxima. (4) Not known from what we could read: how "
        "the paper's pairs and lines were chosen (by hand or by LineProfiler's automatic detection), over what "
        "length they averaged, which fit they used, what decided 'resolved' (a dip threshold, a successful two-peak "
        "fit, or the eye), how many pairs entered their 89.15 ± 2.61 nm and whether that spread is an SD or an "
        "SEM. Here 'resolved from' is, per run, the smallest tested distance from which every larger one is "
        "resolved, a different quantity from the smallest separation observed in an image; so the paper's figure "
        "is not a bar these numbers meet or miss.")
    return "\n\n".join(parts)
