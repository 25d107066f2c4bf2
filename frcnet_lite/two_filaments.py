"""The two-filament test (Berberich et al. 2021, Fig. 4C): from which distance are two filaments told apart?

Two straight parallel filaments are simulated at each distance (:func:`frcnet_lite.simulate.simulate_two_filaments`),
every method gets the same sparse input, and the profile across the pair, averaged along the central part of the
filaments at their known positions, counts as resolved when its dip between the two peaks passes a criterion
(:func:`frcnet_lite.resolution.two_filament_experiment`). The same simulations are also rendered from all
localizations (the dense target and histogram) and noise-free (:func:`frcnet_lite.simulate.render_truth`): no
faithful estimate can resolve below the truth, so a method that does shows noise, not structure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TRUTH", "SPARSE_BASELINES", "PAPER_NETWORK_NM", "TwoFilamentSetup", "two_filament_study",
           "truth_two_filaments", "resolution_rows"]

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
    v = np.asarray(values, float)
    if v.size == 0:
        return {"mean": math.nan, "sem": math.nan, "n": 0}
    return {"mean": float(v.mean()), "sem": float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan,
            "n": int(v.size)}


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
