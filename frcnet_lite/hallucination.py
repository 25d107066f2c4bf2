"""Hallucination tests with known truth, and the skill of trust maps at flagging what was invented.

A network that reconstructs sparse localizations draws what its training made likely. Where the
data say nothing (a stretch of filament without dye, an empty field, a structure it never saw)
it may still draw: this module measures how much, on simulations whose truth is known, next to
a blur of the same input (which invents nothing: it only spreads the localizations it is given)
and the truth itself.

The scenes (:func:`simulate_scene`, :func:`simulate_gapped_field`):

* **gaps**: a microtubule network with stretches of known length cut out of the labelling (every
  dye whose foot point on its filament lies in the stretch is removed, with all its
  localizations, before anything is rendered: the input *and* the truth have the gap;
  :func:`choose_gaps`, :func:`in_gaps`). :func:`gap_fill` is the intensity at each gap's centre
  as a fraction of the same image's intensity on supported filament (0: the gap is left empty,
  1: it is drawn as filament).
* **empty**: background localizations only; **rings** (100-200 nm across, like pits),
  **clusters** (30 nm dye clusters), **meshwork** (a dense, curved network of short
  filaments), **crossings** (two straight filaments crossing at 5-30 degrees).
  :func:`invented` measures the intensity drawn more than ``clear_nm`` from any true structure;
  :func:`ring_hole_fill` and :func:`crossing_resolution` what became of a ring's hole and of
  two filaments that approach each other.

The trust maps (:mod:`frcnet_lite.trust`) are scored against the truth by :func:`flag_skill`:
the area under the ROC curve (:func:`roc_auc`) of ``1 - trust`` for flagging the worst decile of
``|prediction - truth|`` where the network draws something, and for flagging *filled* gaps against
supported filament.

Everything here is numpy and scipy; the network enters as a ``predict_fn`` (see
:func:`frcnet_lite.reconstruct.model_predict_fn`). A second simulator enters as a module with
``simulate_field``, ``histogram`` and ``truth_image`` (``scripts/independent_simulator.py``:
:func:`other_gapped_field`). The study itself is ``scripts/hallucination_study.py``; its results
are in ``frcnet_lite/studies/trust/`` (:func:`load_results`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage, stats
from scipy.spatial import cKDTree

__all__ = [
    "skill_summary",
    "Gap",
    "Field",
    "GAP_LENGTHS_NM",
    "SCENES",
    "choose_gaps",
    "in_gaps",
    "remove_dyes",
    "simulate_gapped_field",
    "other_gapped_field",
    "scene_filaments",
    "simulate_scene",
    "dihedral_views",
    "local_mean",
    "structure_points",
    "structure_level",
    "gap_fill",
    "invented",
    "ring_hole_fill",
    "crossing_resolution",
    "roc_auc",
    "worst_decile_labels",
    "drawn_region",
    "flag_skill",
    "RESULTS_DIR",
    "load_results",
    "skill_table",
    "fill_table",
    "scene_table",
    "plot_fill_vs_length",
    "plot_skill",
    "plot_example",
]

#: Gap lengths (nm) cut into the labelling.
GAP_LENGTHS_NM = (20.0, 40.0, 60.0, 100.0, 150.0, 200.0)

#: The scenes :func:`scene_filaments` draws.
SCENES = ("empty", "reference", "rings", "clusters", "meshwork", "crossings")

#: Where the stored study lives.
#:
#: :meta hide-value:
RESULTS_DIR = Path(__file__).resolve().parent / "studies" / "trust"


@dataclass(frozen=True)
class Gap:
    """A stretch of one filament cut out of the labelling.

    Attributes
    ----------
    filament : int
        Index of the filament (polyline) in the field's list.
    start_nm, stop_nm : float
        Arc-length interval along that polyline, nm.
    centre_nm : tuple of float
        ``(x, y)`` of the gap's middle, nm.
    length_nm : float
        Its length, nm (``stop_nm - start_nm``).
    """

    filament: int
    start_nm: float
    stop_nm: float
    centre_nm: tuple[float, float]
    length_nm: float


@dataclass
class Field:
    """A simulated field with its truth: what every measurement here reads.

    Attributes
    ----------
    name : str
        Label (scene and seed).
    sparse : numpy.ndarray
        Input: counts of a sparse time window of the localizations, ``(H, W)`` float32.
    truth : numpy.ndarray
        Noise-free density (expected localizations of the whole acquisition per pixel).
    pixel_size_nm : float
        Pixel size; pixel ``(i, j)`` covers ``y`` in ``[i, i + 1)`` and ``x`` in ``[j, j + 1)`` pixels.
    filaments : list of numpy.ndarray
        The structure's centre lines, ``(n, 2)`` arrays of ``x, y`` in nm (rings: closed circles;
        clusters: 30 nm segments).
    gaps : list of Gap
        Stretches cut out of the labelling.
    info : dict
        Scene details (ring centres and radii, crossing angles, the simulator).
    """

    name: str
    sparse: np.ndarray
    truth: np.ndarray
    pixel_size_nm: float
    filaments: list[np.ndarray]
    gaps: list[Gap] = field(default_factory=list)
    info: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------- polylines and gaps
def _arc(line: np.ndarray) -> np.ndarray:
    seg = np.hypot(*np.diff(line, axis=0).T)
    return np.concatenate([[0.0], np.cumsum(seg)])


def _resample(line: np.ndarray, step_nm: float, start_nm: float = 0.0, stop_nm: float | None = None) -> tuple:
    """Points every ``step_nm`` along a polyline between two arc lengths, and their arc lengths."""
    s = _arc(line)
    stop = s[-1] if stop_nm is None else min(stop_nm, s[-1])
    t = np.arange(max(start_nm, 0.0), stop + 1e-9, step_nm)
    return np.column_stack([np.interp(t, s, line[:, 0]), np.interp(t, s, line[:, 1])]), t


def choose_gaps(filaments: Sequence[np.ndarray], lengths_nm: Sequence[float], rng: np.random.Generator,
                fov_nm: tuple[float, float, float, float], clearance_nm: float = 150.0, spacing_nm: float = 300.0,
                edge_nm: float = 250.0, tries: int = 400) -> list[Gap]:
    """Gaps at random places along the filaments, away from other filaments, other gaps and the edge.

    The lengths are used in turn (``lengths_nm[k % len]``) until ``tries`` random places have been
    tried. A gap is kept only if no other filament comes within ``clearance_nm + length / 2`` of its
    centre (so that no crossing fills it), no kept gap within ``spacing_nm``, and the centre is at
    least ``edge_nm`` inside the field.

    Examples
    --------
    >>> line = np.column_stack([np.linspace(0, 3000, 151), np.full(151, 1500.0)])
    >>> gaps = choose_gaps([line], [60.0], np.random.default_rng(0), (0, 0, 3000, 3000))
    >>> len(gaps) >= 3, {round(g.length_nm) for g in gaps}
    (True, {60})
    """
    if not lengths_nm:
        raise ValueError("lengths_nm must hold at least one gap length")
    x0, y0, x1, y1 = fov_nm
    arcs = [_arc(f) for f in filaments]
    total = np.array([a[-1] for a in arcs])
    if not len(filaments) or total.sum() <= 0:
        return []
    dense = [_resample(f, 5.0)[0] for f in filaments]
    trees = [cKDTree(d) for d in dense]
    gaps: list[Gap] = []
    for k in range(tries):
        length = float(lengths_nm[len(gaps) % len(lengths_nm)])
        i = int(rng.choice(len(filaments), p=total / total.sum()))
        s = float(rng.uniform(length / 2, total[i] - length / 2)) if total[i] > length else None
        if s is None:
            continue
        c = np.array([np.interp(s, arcs[i], filaments[i][:, 0]), np.interp(s, arcs[i], filaments[i][:, 1])])
        if not (x0 + edge_nm <= c[0] <= x1 - edge_nm and y0 + edge_nm <= c[1] <= y1 - edge_nm):
            continue
        if any(np.hypot(*(c - g.centre_nm)) < spacing_nm for g in gaps):
            continue
        reach = clearance_nm + length / 2
        if any(j != i and trees[j].query_ball_point(c, reach) for j in range(len(filaments))):
            continue
        # the filament must not come back near its own gap (a tight loop)
        near = np.asarray(trees[i].query_ball_point(c, reach), dtype=int)
        if near.size and np.any(np.abs(near * 5.0 - s) > reach + 10):
            continue
        gaps.append(Gap(i, s - length / 2, s + length / 2, (float(c[0]), float(c[1])), length))
    return gaps


def in_gaps(points_nm: np.ndarray, filaments: Sequence[np.ndarray], gaps: Sequence[Gap],
            max_distance_nm: float = 60.0) -> np.ndarray:
    """Which points (dyes) lie in a gap: within ``max_distance_nm`` of the gap's filament, foot point in the gap.

    The foot point is the nearest point of the filament (sampled every 1 nm) within 150 nm of the
    gap's ends, so a dye just beyond an end belongs to the labelled filament.

    Examples
    --------
    >>> line = np.array([[0.0, 0.0], [1000.0, 0.0]])
    >>> gap = Gap(0, 450.0, 550.0, (500.0, 0.0), 100.0)
    >>> in_gaps(np.array([[500.0, 30.0], [440.0, 0.0], [500.0, 80.0]]), [line], [gap]).tolist()
    [True, False, False]
    """
    pts = np.asarray(points_nm, dtype=np.float64).reshape(-1, 2)
    out = np.zeros(len(pts), dtype=bool)
    if not len(pts):
        return out
    tree = cKDTree(pts)
    for g in gaps:
        samples, arc = _resample(filaments[g.filament], 1.0, g.start_nm - 150.0, g.stop_nm + 150.0)
        if not len(samples):
            continue
        idx = np.asarray(tree.query_ball_point(g.centre_nm, g.length_nm / 2 + max_distance_nm + 150.0), dtype=int)
        if not idx.size:
            continue
        dist, foot = cKDTree(samples).query(pts[idx])
        inside = (dist <= max_distance_nm) & (arc[foot] >= g.start_nm) & (arc[foot] <= g.stop_nm)
        out[idx[inside]] = True
    return out


def remove_dyes(sim, keep: np.ndarray):
    """A :class:`frcnet_lite.simulate.Simulation` without the dyes ``~keep`` and all their localizations.

    Background localizations (``fluorophore_id`` -1) stay; the other ids are renumbered.
    """
    from .simulate import Simulation  # noqa: PLC0415

    keep = np.asarray(keep, dtype=bool)
    ids = np.asarray(sim.localizations["fluorophore_id"])
    kept_loc = (ids < 0) | keep[np.clip(ids, 0, None)]
    new_id = np.cumsum(keep) - 1
    locs = sim.localizations.select(kept_loc)
    old = ids[kept_loc]
    locs = locs.with_columns(fluorophore_id=np.where(old < 0, -1, new_id[np.clip(old, 0, None)]).astype(np.int64))
    return Simulation(locs, sim.filaments, sim.fluorophores_nm[keep], sim.fov_nm, sim.config, sim.parallel_distances_nm)


def _sparse_and_truth(sim, fraction: float, pixel_size_nm: float, rng: np.random.Generator) -> tuple:
    from .rendering import render_histogram  # noqa: PLC0415
    from .simulate import render_truth  # noqa: PLC0415
    from .subsets import time_window_subset  # noqa: PLC0415

    sub = time_window_subset(sim.localizations, fraction, rng)
    sparse = np.asarray(render_histogram(sub, pixel_size_nm, sim.fov_nm), dtype=np.float32)
    return sparse, np.asarray(render_truth(sim, pixel_size_nm, sim.fov_nm), dtype=np.float32)


def simulate_gapped_field(config, lengths_nm: Sequence[float] = GAP_LENGTHS_NM, fraction: float = 0.1,
                          pixel_size_nm: float = 5.0, name: str | None = None) -> Field:
    """A :func:`frcnet_lite.simulate.simulate_microtubules` field with gaps cut out of the labelling.

    The dyes in the gaps (:func:`in_gaps`) are removed with their localizations
    (:func:`remove_dyes`) before the sparse input (a ``fraction`` time window) and the truth are
    rendered, so both have the gaps.
    """
    from .simulate import simulate_microtubules  # noqa: PLC0415

    sim = simulate_microtubules(config)
    rng = np.random.default_rng(config.seed + 1)
    gaps = choose_gaps(sim.filaments, lengths_nm, rng, sim.fov_nm)
    sim = remove_dyes(sim, ~in_gaps(sim.fluorophores_nm, sim.filaments, gaps))
    sparse, truth = _sparse_and_truth(sim, fraction, pixel_size_nm, rng)
    return Field(name or f"gaps-{config.seed}", sparse, truth, pixel_size_nm, list(sim.filaments), gaps,
                 {"simulator": "frcnet_lite.simulate", "seed": config.seed})


def other_gapped_field(simulator: Any, seed: int, field_nm: float = 2560.0,
                       lengths_nm: Sequence[float] = GAP_LENGTHS_NM, fraction: float = 0.1,
                       pixel_size_nm: float = 5.0, **overrides: float) -> Field:
    """As :func:`simulate_gapped_field`, from another simulator (``scripts/independent_simulator.py``).

    ``simulator`` is that module (or anything with its ``simulate_field``, ``histogram`` and
    ``truth_image``); its ``simulate_field(seed, field_nm, px_nm, fraction, **overrides)`` makes the
    field, then the gaps' dyes and their localizations are removed and the input (the same time
    window) and the truth are rendered again with the simulator's own functions.
    """
    f = simulator.simulate_field(seed, field_nm=field_nm, px_nm=pixel_size_nm, fraction=fraction, **overrides)
    rng = np.random.default_rng(seed + 1)
    filaments = [np.asarray(x, dtype=np.float64) for x in f["filaments"]]
    gaps = choose_gaps(filaments, lengths_nm, rng, (0.0, 0.0, field_nm, field_nm))
    keep = ~in_gaps(f["dyes_nm"], filaments, gaps)
    locs, (start, stop) = f["localizations"], f["window"]
    dye = locs["dye"]
    ok = ((dye < 0) | keep[np.clip(dye, 0, None)]) & (locs["frame"] >= start) & (locs["frame"] < stop)
    shape = int(round(field_nm / pixel_size_nm))
    sparse = simulator.histogram(locs["x_nm"][ok], locs["y_nm"][ok], shape, pixel_size_nm)
    truth = simulator.truth_image(f["dyes_nm"][keep], f["expected_locs_per_dye"], f["sigma_eff_nm"], shape,
                                  pixel_size_nm)
    return Field(f"other-gaps-{seed}", np.asarray(sparse, np.float32), np.asarray(truth, np.float32), pixel_size_nm,
                 filaments, gaps, {"simulator": "independent_simulator", "seed": seed})


# ---------------------------------------------------------------------------- other scenes
def _straight(c: np.ndarray, angle: float, length_nm: float, step_nm: float = 10.0) -> np.ndarray:
    t = np.arange(-length_nm / 2, length_nm / 2 + 1e-9, step_nm)
    return c + t[:, None] * np.array([math.cos(angle), math.sin(angle)])


def scene_filaments(kind: str, field_nm: float, rng: np.random.Generator) -> tuple[list[np.ndarray], dict]:
    """Centre lines (nm) and details of a scene of :data:`SCENES` in a square field.

    ``empty``: none; ``reference``: straight filaments 500 nm apart (the intensity of a filament
    for the empty scene); ``rings``: circles of radius 50, 75, 100 nm on a 600 nm grid;
    ``clusters``: 30 nm segments on a 400 nm grid; ``meshwork``: short curved filaments, 12 um
    per um^2; ``crossings``: pairs of 1.1 um straight filaments crossing at 5, 10, 20, 30 degrees
    on a 1.1 um grid.

    Examples
    --------
    >>> lines, info = scene_filaments("rings", 1800.0, np.random.default_rng(0))
    >>> len(lines), sorted(set(info["radii_nm"]))
    (4, [50.0, 75.0, 100.0])
    """
    if kind not in SCENES:
        raise ValueError(f"unknown scene {kind!r}; expected one of {SCENES}")
    lines: list[np.ndarray] = []
    info: dict[str, Any] = {"scene": kind}

    def grid(step: float) -> list[np.ndarray]:  # cells of ``step`` centred in the field, 100 nm from its edge
        n = max(int((field_nm - 200.0) // step), 1)
        g = (field_nm - n * step) / 2 + step * (np.arange(n) + 0.5)
        return [np.array([x, y]) for y in g for x in g]

    if kind == "reference":
        lines = [_straight(np.array([x, field_nm / 2]), math.pi / 2, field_nm + 200.0)
                 for x in np.arange(250.0, field_nm - 200.0, 500.0)]
    elif kind == "rings":
        radii, centres = [], []
        for k, c in enumerate(grid(600.0)):
            r = (50.0, 75.0, 100.0)[k % 3]
            t = np.linspace(0, 2 * math.pi, max(int(2 * math.pi * r / 5.0), 12) + 1)
            lines.append(c + r * np.column_stack([np.cos(t), np.sin(t)]))
            radii.append(r)
            centres.append(c.tolist())
        info.update(radii_nm=radii, centres_nm=centres)
    elif kind == "clusters":
        lines = [_straight(c, float(rng.uniform(0, math.pi)), 30.0, 5.0) for c in grid(400.0)]
    elif kind == "meshwork":
        total, target = 0.0, 12.0 * field_nm**2 / 1000.0
        while total < target:
            start, theta = rng.uniform(0, field_nm, 2), rng.uniform(0, 2 * math.pi)
            n = int(rng.uniform(400, 1000) / 10.0)
            angle = theta + np.cumsum(rng.normal(0, math.sqrt(10.0 / 1500.0), n))
            lines.append(start + np.cumsum(10.0 * np.column_stack([np.cos(angle), np.sin(angle)]), axis=0))
            total += 10.0 * n
    elif kind == "crossings":
        angles, centres, bisectors = [], [], []
        for k, c in enumerate(grid(1100.0)):
            a = (5.0, 10.0, 20.0, 30.0)[k % 4]
            b = float(rng.uniform(0, math.pi))
            lines += [_straight(c, b + math.radians(a) / 2, 1100.0), _straight(c, b - math.radians(a) / 2, 1100.0)]
            angles.append(a)
            centres.append(c.tolist())
            bisectors.append(b)
        info.update(angles_deg=angles, centres_nm=centres, bisectors_rad=bisectors)
    return lines, info


#: Changes to the physics of :class:`frcnet_lite.simulate.SimulationConfig` per scene: rings are
#: labelled with a small probe (no tube, 8 nm linker) so their holes show; clusters densely.
SCENE_PHYSICS: dict[str, dict[str, float]] = {
    "rings": {"tube_radius_nm": 0.0, "linker_nm": 8.0, "labelling_efficiency": 0.12},
    "clusters": {"tube_radius_nm": 0.0, "linker_nm": 8.0, "labelling_efficiency": 0.4},
}


def simulate_scene(kind: str, seed: int, field_nm: float = 2560.0, fraction: float = 0.1,
                   pixel_size_nm: float = 5.0, **physics: Any) -> Field:
    """A scene of :data:`SCENES` with the physics of :mod:`frcnet_lite.simulate` (COS-7-like defaults).

    ``physics`` changes fields of :class:`frcnet_lite.simulate.SimulationConfig` (after
    :data:`SCENE_PHYSICS`), e.g. ``background_per_um2=300`` for a noisy empty field.
    """
    from . import simulate  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    lines, info = scene_filaments(kind, field_nm, rng)
    cfg = simulate.SimulationConfig(field_size_nm=field_nm, seed=seed, **{**SCENE_PHYSICS.get(kind, {}), **physics})
    # the simulator's own labelling, blinking and localization of given centre lines
    sim = simulate._simulate_from_filaments(lines, cfg.fov_nm, cfg, np.random.default_rng(seed + 1))
    sparse, truth = _sparse_and_truth(sim, fraction, pixel_size_nm, np.random.default_rng(seed + 2))
    info.update(simulator="frcnet_lite.simulate", seed=seed, physics={**SCENE_PHYSICS.get(kind, {}), **physics})
    return Field(f"{kind}-{seed}", sparse, truth, pixel_size_nm, lines, [], info)


# ---------------------------------------------------------------------------- the network
def dihedral_views(image: np.ndarray, predict: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The reconstructions of the 8 rotations and flips of a whole image, each mapped back: ``(8, H, W)``.

    ``predict`` maps a 2D image to its reconstruction (e.g. ``lambda im: predict_tiled(im, fn, tiling)``).
    Their mean is the test-time-augmented reconstruction; their spread feeds :func:`frcnet_lite.trust.tta_spread`.

    Examples
    --------
    >>> img = np.arange(12.0).reshape(3, 4)
    >>> v = dihedral_views(img, lambda im: 2 * im)
    >>> v.shape, bool(np.allclose(v, 2 * img))
    ((8, 3, 4), True)
    """
    img = np.asarray(image, dtype=np.float32)
    out = []
    for k in range(4):
        for flip in (False, True):
            view = np.rot90(img, k)
            view = view[:, ::-1] if flip else view
            pred = np.asarray(predict(np.ascontiguousarray(view)), dtype=np.float32)
            pred = pred[:, ::-1] if flip else pred
            out.append(np.rot90(pred, -k))
    return np.stack(out)


# ---------------------------------------------------------------------------- measurements
def local_mean(image: np.ndarray, points_nm: np.ndarray, pixel_size_nm: float, radius_nm: float = 10.0) -> np.ndarray:
    """Mean of ``image`` over a disc of ``radius_nm`` around each point (``(n, 2)`` x, y in nm); NaN outside.

    Examples
    --------
    >>> img = np.zeros((20, 20)); img[10, 10] = 1.0
    >>> local_mean(img, np.array([[52.5, 52.5], [10.0, 10.0]]), 5.0, radius_nm=0.0).tolist()
    [1.0, 0.0]
    """
    img = np.asarray(image, dtype=np.float64)
    r = radius_nm / pixel_size_nm
    k = int(math.floor(r))
    yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
    disc = (yy**2 + xx**2 <= r * r + 1e-9).astype(np.float64)
    sm = ndimage.convolve(np.nan_to_num(img), disc / disc.sum(), mode="constant")
    pts = np.asarray(points_nm, dtype=np.float64).reshape(-1, 2)
    j = np.floor(pts[:, 0] / pixel_size_nm).astype(int)
    i = np.floor(pts[:, 1] / pixel_size_nm).astype(int)
    ok = (i >= 0) & (i < img.shape[0]) & (j >= 0) & (j < img.shape[1])
    out = np.full(len(pts), np.nan)
    out[ok] = sm[i[ok], j[ok]]
    return out


def structure_points(fld: Field, step_nm: float = 20.0, gap_clear_nm: float = 100.0,
                     other_clear_nm: float = 100.0, edge_nm: float = 100.0) -> np.ndarray:
    """Points on *supported* structure: along the centre lines every ``step_nm``, away from gaps, crossings, edges.

    A point is dropped if it lies within ``gap_clear_nm`` of a gap's end (or inside one), within
    ``other_clear_nm`` of another centre line, or within ``edge_nm`` of the field's border.
    """
    h, w = fld.truth.shape
    size = (w * fld.pixel_size_nm, h * fld.pixel_size_nm)
    dense = [_resample(f, 5.0)[0] for f in fld.filaments]
    trees = [cKDTree(d) if len(d) else None for d in dense]
    out = []
    for i, f in enumerate(fld.filaments):
        pts, arc = _resample(f, step_nm)
        ok = (pts[:, 0] > edge_nm) & (pts[:, 0] < size[0] - edge_nm) & (pts[:, 1] > edge_nm) & (pts[:, 1] < size[1] - edge_nm)
        for g in fld.gaps:
            if g.filament == i:
                ok &= (arc < g.start_nm - gap_clear_nm) | (arc > g.stop_nm + gap_clear_nm)
        for j, t in enumerate(trees):
            if j != i and t is not None and ok.any():
                d, _ = t.query(pts)
                ok &= d > other_clear_nm
        out.append(pts[ok])
    return np.vstack(out) if out else np.zeros((0, 2))


def structure_level(image: np.ndarray, fld: Field, radius_nm: float = 10.0) -> float:
    """Median :func:`local_mean` of ``image`` on the supported structure (:func:`structure_points`)."""
    vals = local_mean(image, structure_points(fld), fld.pixel_size_nm, radius_nm)
    vals = vals[np.isfinite(vals)]
    return float(np.median(vals)) if vals.size else math.nan


def gap_fill(image: np.ndarray, fld: Field, radius_nm: float = 10.0, level: float | None = None) -> np.ndarray:
    """Intensity at each gap's centre as a fraction of the image's level on supported filament.

    Examples
    --------
    >>> line = np.column_stack([np.linspace(0, 1000, 101), np.full(101, 500.0)])
    >>> img = np.zeros((200, 200)); img[100, :] = 1.0; img[100, 95:105] = 0.0
    >>> f = Field("t", img, img, 5.0, [line], [Gap(0, 475.0, 525.0, (500.0, 500.0), 50.0)])
    >>> gap_fill(img, f, radius_nm=0.0).tolist()
    [0.0]
    """
    level = structure_level(image, fld, radius_nm) if level is None else level
    centres = np.array([g.centre_nm for g in fld.gaps]).reshape(-1, 2)
    return local_mean(image, centres, fld.pixel_size_nm, radius_nm) / level


def _empty_mask(truth: np.ndarray, level: float, pixel_size_nm: float, clear_nm: float, floor: float) -> np.ndarray:
    structure = truth > floor * level
    if not structure.any():
        return np.ones(truth.shape, dtype=bool)
    return ndimage.distance_transform_edt(~structure) * pixel_size_nm > clear_nm


def invented(image: np.ndarray, fld: Field, level: float | None = None, clear_nm: float = 40.0,
             floor: float = 0.05, threshold: float = 0.3, radius_nm: float = 10.0,
             truth_level: float | None = None) -> dict[str, float]:
    """Intensity drawn where the truth is empty (farther than ``clear_nm`` from any true structure).

    The truth is "structure" where it exceeds ``floor`` times its level on supported structure
    (``truth_level``; default :func:`structure_level` of the truth). ``level`` is the image's own
    level on structure (default :func:`structure_level`; for an empty field pass the level the
    same method reaches on a filament field, :func:`simulate_scene` ``"reference"``).

    Returns
    -------
    dict
        ``area``: fraction of the empty pixels whose :func:`local_mean` exceeds ``threshold``
        times ``level`` (invented structure); ``peak``: the 99.9th percentile of that local mean
        there, over ``level``; ``mass``: the image's (positive) intensity in the empty pixels as a
        fraction of its total (NaN for an empty truth, where it is 1 by definition).

    Examples
    --------
    >>> line = np.column_stack([np.full(51, 250.0), np.linspace(0, 500, 51)])
    >>> truth = np.zeros((100, 100)); truth[:, 50] = 1.0
    >>> f = Field("t", truth, truth, 5.0, [line])
    >>> invented(truth, f)["area"], invented(truth + (np.arange(100) == 10), f)["area"] > 0.01
    (0.0, True)
    """
    img = np.clip(np.asarray(image, dtype=np.float64), 0, None)
    tl = structure_level(fld.truth, fld, radius_nm) if truth_level is None else truth_level
    empty = _empty_mask(fld.truth, tl if math.isfinite(tl) else 0.0, fld.pixel_size_nm, clear_nm, floor)
    level = structure_level(img, fld, radius_nm) if level is None else level
    r = radius_nm / fld.pixel_size_nm
    k = int(math.floor(r))
    yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
    disc = (yy**2 + xx**2 <= r * r + 1e-9).astype(np.float64)
    sm = ndimage.convolve(img, disc / disc.sum(), mode="constant")
    vals = sm[empty]
    total = float(img.sum())
    return {"area": float(np.mean(vals > threshold * level)) if vals.size else math.nan,
            "peak": float(np.percentile(vals, 99.9) / level) if vals.size else math.nan,
            "mass": float(img[empty].sum() / total) if total > 0 and not empty.all() else math.nan}


def ring_hole_fill(image: np.ndarray, fld: Field, radius_nm: float = 10.0) -> np.ndarray:
    """Per ring of a ``rings`` scene: intensity at the centre over the median on the ring."""
    out = []
    for c, line in zip(fld.info["centres_nm"], fld.filaments):
        ring = np.nanmedian(local_mean(image, line, fld.pixel_size_nm, radius_nm))
        out.append(float(local_mean(image, np.array([c]), fld.pixel_size_nm, radius_nm)[0] / ring))
    return np.asarray(out)


def crossing_resolution(image: np.ndarray, fld: Field, separations_nm: Sequence[float] = (40.0, 60.0, 80.0, 120.0),
                        criterion: str | float = "rayleigh") -> dict[float, dict[float, float]]:
    """Per crossing angle: the fraction of profiles resolved at each separation of the two filaments.

    Across the bisector of each crossing of a ``crossings`` scene, on both sides, at the distance
    from the crossing where the filaments are ``s`` apart (``s / (2 tan(angle / 2))``), a profile
    of ``s + 120`` nm is read (1 px steps, bilinear) and tested with
    :func:`frcnet_lite.resolution.is_resolved` at the known centres.

    Returns
    -------
    dict
        ``{angle_deg: {separation_nm: fraction resolved}}`` (over the crossings of that angle, two sides each).
    """
    from .resolution import is_resolved  # noqa: PLC0415

    px = fld.pixel_size_nm
    res: dict[float, dict[float, list[bool]]] = {}
    for a, c, b in zip(fld.info["angles_deg"], fld.info["centres_nm"], fld.info["bisectors_rad"]):
        u, v = np.array([math.cos(b), math.sin(b)]), np.array([-math.sin(b), math.cos(b)])
        for s in separations_nm:
            d = s / (2 * math.tan(math.radians(a) / 2))
            if d > 550.0:
                continue
            for side in (1.0, -1.0):
                half = s / 2 + 60.0
                t = np.arange(-half, half + 1e-9, px)
                pts = np.asarray(c) + side * d * u + t[:, None] * v
                prof = ndimage.map_coordinates(np.asarray(image, np.float64),
                                               [pts[:, 1] / px - 0.5, pts[:, 0] / px - 0.5], order=1)
                centres = ((half - s / 2) / px, (half + s / 2) / px)
                res.setdefault(float(a), {}).setdefault(float(s), []).append(
                    bool(is_resolved(prof, criterion, centres_px=centres)))
    return {a: {s: float(np.mean(v)) for s, v in row.items()} for a, row in res.items()}


# ---------------------------------------------------------------------------- skill of a trust map
def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the boolean ``labels`` (ties count half; NaN if one class is empty).

    Examples
    --------
    >>> roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    >>> roc_auc(np.array([1.0, 2.0]), np.array([False, True]))
    1.0
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=bool).ravel()
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def drawn_region(prediction: np.ndarray, min_signal: float = 0.05, sigma_px: float = 2.0) -> np.ndarray:
    """Where the prediction draws something: its smoothed value above ``min_signal`` of its 99th percentile."""
    sm = ndimage.gaussian_filter(np.clip(np.asarray(prediction, np.float64), 0, None), sigma_px)
    return sm > min_signal * np.percentile(sm, 99)


def worst_decile_labels(prediction: np.ndarray, truth: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Pixels of ``region`` whose ``|prediction - truth|`` is in the worst tenth (after the ``lstsq`` intensity fit).

    Examples
    --------
    >>> t = np.zeros((10, 10)); t[:, 5] = 1.0
    >>> p = t.copy(); p[0:3, 2] = 1.0
    >>> lab = worst_decile_labels(p, t, np.ones_like(t, bool))
    >>> bool(lab[0:3, 2].all()), int(lab.sum()) <= 10
    (True, True)
    """
    from .metrics import normalise_pair  # noqa: PLC0415

    p, t = normalise_pair(prediction, truth, "lstsq")
    err = np.abs(p - t)
    cut = np.percentile(err[region], 90)
    return region & (err > cut) if np.any(err[region] > cut) else region & (err >= cut)


def flag_skill(maps: Mapping[str, Sequence[np.ndarray]], fields: Sequence[Field], predictions: Sequence[np.ndarray],
               fill_threshold: float = 0.3, radius_nm: float = 10.0, empty_fill: float = 0.1) -> dict[str, dict[str, float]]:
    """How well each trust map flags error, pooled over fields: two ROC AUCs of ``1 - trust``.

    ``worst_decile``: the worst tenth of ``|prediction - truth|`` (:func:`worst_decile_labels`)
    against the rest, over the pixels where the prediction draws something (:func:`drawn_region`).
    ``filled_gaps``: gap centres the prediction fills more than ``fill_threshold`` (:func:`gap_fill`)
    against points on supported filament (:func:`structure_points`), trust read as
    :func:`local_mean` over ``radius_nm``; ``invented_fills``: the same for the filled gaps that the
    truth leaves empty (its own fill below ``empty_fill``: short gaps are partly lit by the dyes at
    their ends, in the truth too, and hold localizations, so filling them invents little).
    NaN trust (no signal) counts as 0.

    Parameters
    ----------
    maps : mapping
        ``{name: [trust map of each field]}``.
    fields, predictions : sequence
        The fields and the network's reconstruction of each.

    Returns
    -------
    dict
        ``{name: {"worst_decile", "filled_gaps", "invented_fills", "n_filled", "n_invented", "n_supported"}}``.
    """
    out = {}
    for name, per_field in maps.items():
        s_err, y_err, s_gap, y_gap, long_gap = [], [], [], [], []
        for m, fld, pred in zip(per_field, fields, predictions):
            flag = 1.0 - np.nan_to_num(np.asarray(m, np.float64), nan=0.0)
            region = drawn_region(pred)
            s_err.append(flag[region])
            y_err.append(worst_decile_labels(pred, fld.truth, region)[region])
            if fld.gaps:
                filled = gap_fill(pred, fld, radius_nm) > fill_threshold
                centres = np.array([g.centre_nm for g in fld.gaps])[filled]
                empty = gap_fill(fld.truth, fld, radius_nm)[filled] < empty_fill
                sup = structure_points(fld)
                s_gap += [local_mean(flag, centres, fld.pixel_size_nm, radius_nm),
                          local_mean(flag, sup, fld.pixel_size_nm, radius_nm)]
                y_gap += [np.ones(len(centres), bool), np.zeros(len(sup), bool)]
                long_gap += [empty, np.ones(len(sup), bool)]
        if s_gap:
            sg, yg, lg = np.concatenate(s_gap), np.concatenate(y_gap), np.concatenate(long_gap)
        else:
            sg, yg, lg = np.zeros(0), np.zeros(0, bool), np.zeros(0, bool)
        keep = np.isfinite(sg)
        sg, yg, lg = sg[keep], yg[keep], lg[keep]
        out[name] = {"worst_decile": roc_auc(np.concatenate(s_err), np.concatenate(y_err)),
                     "filled_gaps": roc_auc(sg, yg), "invented_fills": roc_auc(sg[lg], yg[lg]),
                     "n_filled": int(yg.sum()), "n_invented": int((yg & lg).sum()), "n_supported": int((~yg).sum())}
    return out


# ---------------------------------------------------------------------------- stored results and views
def load_results(folder: str | Path | None = None) -> dict:
    """The stored study (``results.json`` of :data:`RESULTS_DIR`, written by ``scripts/hallucination_study.py``)."""
    path = Path(folder or RESULTS_DIR) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"no stored hallucination study at {path}: run python scripts/hallucination_study.py")
    return json.loads(path.read_text())


def skill_table(results: Mapping) -> str:
    """Markdown table of every trust map's AUCs on every field set (``results["skill"]``)."""
    skill = results["skill"]
    sets = list(skill)
    names = list(next(iter(skill.values())))
    head = "| trust map | " + " | ".join(f"{s}: worst decile | {s}: filled gaps | {s}: filled, truth empty"
                                         for s in sets) + " |"
    lines = [head, "|---|" + "---|---|---|" * len(sets)]
    for n in names:
        cells = []
        for s in sets:
            r = skill[s][n]
            cells += [f"{r['worst_decile']:.2f}", f"{r['filled_gaps']:.2f} (n={r['n_filled']})",
                      f"{r['invented_fills']:.2f} (n={r['n_invented']})"]
        shipped = " (shipped)" if n == results.get("shipped") else ""
        lines.append(f"| {n}{shipped} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def skill_summary(results: Mapping, sets: Sequence[str] = ("held-out", "other simulator", "confirm",
                                                           "confirm, other simulator")) -> str:
    """A compact Markdown table of the maps' skill: per field set, the AUC for filled gaps / for filled gaps the
    truth leaves empty / for the worst decile of error (0.5: chance, 1: perfect)."""
    skill = results["skill"]
    names = [n for n in next(iter(skill.values())) if "before this study" not in n]
    lines = ["| trust map | " + " | ".join(f"{s}" for s in sets) + " |", "|---|" + "---:|" * len(sets)]
    for n in names:
        cells = [f"{skill[s][n]['filled_gaps']:.2f} / {skill[s][n]['invented_fills']:.2f} / "
                 f"{skill[s][n]['worst_decile']:.2f}" for s in sets]
        label = n + (" (**shipped**)" if n == results.get("shipped") else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    counts = ", ".join(f"{s}: {skill[s][names[0]]['n_filled']} filled gaps, {skill[s][names[0]]['n_invented']} "
                       "of them empty in the truth" for s in sets)
    return "\n".join(lines) + f"\n\nEach cell: AUC for filled gaps / filled gaps the truth leaves empty / the worst " \
        f"decile of error. Gaps: {counts}."


def fill_table(results: Mapping, field_set: str | None = None) -> str:
    """Markdown table: median gap fill against gap length, per method (``results["gaps"]``)."""
    gaps = results["gaps"]
    sets = [field_set] if field_set else list(gaps)
    lines = ["| fields | gap length (nm) | n | " + " | ".join(gaps[sets[0]]["methods"]) + " |",
             "|---|---|---|" + "---|" * len(gaps[sets[0]]["methods"])]
    for s in sets:
        g = gaps[s]
        for i, length in enumerate(g["lengths_nm"]):
            cells = [f"{g['median_fill'][m][i]:.2f}" for m in g["methods"]]
            lines.append(f"| {s} | {length:g} | {g['n'][i]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scene_table(results: Mapping) -> str:
    """Markdown table of the other scenes: invented area and peak per method (``results["scenes"]``)."""
    rows = results["scenes"]
    methods = list(next(iter(rows.values()))["invented"])
    lines = ["| scene | " + " | ".join(f"{m}: area / peak" for m in methods) + " | scene-specific |",
             "|---|" + "---|" * (len(methods) + 1)]
    for name, r in rows.items():
        cells = [f"{r['invented'][m]['area']:.4f} / {r['invented'][m]['peak']:.2f}" for m in methods]
        extra = "; ".join(f"{k}: {json.dumps(v)}" for k, v in r.items() if k != "invented")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {extra} |")
    return "\n".join(lines)


def plot_fill_vs_length(results: Mapping):
    """Figure: median gap fill against gap length, per method, one panel per field set."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    gaps = results["gaps"]
    fig, axes = plt.subplots(1, len(gaps), figsize=(3.6 * len(gaps), 3.0), sharey=True, squeeze=False)
    for ax, (s, g) in zip(axes[0], gaps.items()):
        for m in g["methods"]:
            ax.plot(g["lengths_nm"], g["median_fill"][m], "o-", label=m)
        ax.axhline(0.3, color="0.6", lw=0.8, ls=":")
        ax.set_xlabel("gap length (nm)")
        ax.set_title(s)
    axes[0][0].set_ylabel("fill at gap centre\n(fraction of filament)")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_example(panels: Mapping[str, np.ndarray], pixel_size_nm: float, centre_nm: Sequence[float],
                 half_width_nm: float = 250.0, trust_key: str | None = None):
    """Side-by-side crops (input, output, truth, trust map, ...) around one point, with nm scale bars.

    ``panels`` maps titles to full-field images; ``trust_key`` names the one drawn in [0, 1] with a
    diverging colour map, blank where the ``"network"`` panel draws nothing (:func:`drawn_region`:
    a map has no verdict there). Use with the arrays of ``examples.npz`` in :data:`RESULTS_DIR`.
    """
    from .plotting import image_grid, show_image  # noqa: PLC0415

    cx, cy = (int(round(v / pixel_size_nm)) for v in centre_nm)
    h = int(round(half_width_nm / pixel_size_nm))
    fig, axes = image_grid(len(panels))
    for ax, (title, img) in zip(axes, panels.items()):
        crop = np.asarray(img)[max(cy - h, 0):cy + h, max(cx - h, 0):cx + h]
        if title == trust_key:
            if "network" in panels:
                net = np.asarray(panels["network"])[max(cy - h, 0):cy + h, max(cx - h, 0):cx + h]
                crop = np.where(drawn_region(net), crop, np.nan)
            show_image(ax, crop, pixel_size_nm, title, cmap="RdYlGn", vmin=0.0, vmax=1.0)
        else:
            show_image(ax, crop, pixel_size_nm, title)
    return fig


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Gap):
        return asdict(obj)
    if isinstance(obj, (np.floating, float)):
        return None if not math.isfinite(float(obj)) else round(float(obj), 5)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


def plot_skill(results: Mapping, target: float = 0.75):
    """Figure: each trust map's AUC (filled gaps, worst decile) on each field set, the target as a line."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    skill = results["skill"]
    sets = list(skill)
    names = list(next(iter(skill.values())))
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 4.2), sharey=True)
    width = 0.8 / len(names)
    titles = {"invented_fills": "filled gaps the truth leaves empty", "filled_gaps": "all gaps filled > 0.3",
              "worst_decile": "worst decile of |error|"}
    for ax, key in zip(axes, titles):
        for k, n in enumerate(names):
            vals = [skill[s][n][key] for s in sets]
            ax.bar(np.arange(len(sets)) + (k - (len(names) - 1) / 2) * width, [np.nan_to_num(v) for v in vals],
                   width, label=n)
        ax.axhline(0.5, color="0.5", lw=0.8)
        ax.axhline(target, color="k", ls="--", lw=0.8)
        ax.set_xticks(range(len(sets)), [x.replace(", ", ",\n").replace(" ", "\n") for x in sets], fontsize=7)
        ax.set_ylim(0.2, 1.0)
        ax.set_title(titles[key], fontsize=9)
    axes[0].set_ylabel("ROC AUC of 1 - trust")
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=7, loc="lower center", ncol=3)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig
