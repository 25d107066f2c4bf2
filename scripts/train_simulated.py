"""Train, evaluate and package the shipped ``simulated`` model (``frcnet_lite/pretrained/simulated/``).

The one command (from the repository root; resumable: run it again after an interruption)::

    python scripts/train_simulated.py

1. **Data** (cached in ``--work``/pairs/, made once): simulated microtubule dSTORM fields, each with
   its own parameters drawn by :func:`frcnet_lite.simulate.vary_config` from :data:`TRAIN_RANGES`
   (labelling density, blinks per dye, photons i.e. localization precision, antibody shell,
   background, filament density, curvature, frames per blink, dyes per antibody, PSF), plus close
   parallel filament pairs 20-150 nm apart; cut into pairs by :func:`frcnet_lite.pairs.build_pairs`
   (the notebooks' one data path): the histogram of a random time window holding 10 % of the
   localizations (5 nm pixels) -> the KDE of all of them (``target_kind`` of the config); the ground truth is kept.
   Training, validation (the training curves), test and "shifted" fields use disjoint seeds.
2. **Training** with :func:`frcnet_lite.training.train` and ``configs/simulated.yaml``.
3. **Evaluation against the ground truth** (:func:`frcnet_lite.validation.evaluate_patches`, summarised
   over fields by :func:`frcnet_lite.modelcard.summarise_set`) on held-out test fields, a confirmation set,
   fields of a second simulator (``scripts/independent_simulator.py``) and its sweep, and a *shifted*
   regime (every varied parameter outside its training range, and bleaching: :data:`SHIFTED_RANGES`).
4. **Two filaments** (:mod:`frcnet_lite.two_filaments`), Rayleigh's criterion as the headline.
5. **Packaging**: the model, ``results.json`` and the tables, and the card rendered from them
   (:func:`frcnet_lite.modelcard.readme`) into ``frcnet_lite/pretrained/simulated/``, all at once.

Options: ``--quick`` (tiny data, 2 epochs of 2 steps, nothing packaged: a smoke test),
``--eval-only`` (evaluate ``--model``, default the work folder's trained model), ``--no-package``,
``--recard`` (no training: bring the shipped results to the current protocol and render the card again).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frcnet_lite.modelcard import (bars, install, machine, bars_table, departures_from_paper,
                                   evaluation_table, load_results, readme, summarise_set, two_filament_table,
                                   update_model_json, validation_line, write_csvs, _summary_csv)
from frcnet_lite.two_filaments import two_filament_study
from frcnet_lite.validation import blend_width_at_structure, target_kernel_cost

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: First seeds of the field sets (field ``i`` of a set uses ``first + i`` to draw its parameters).
SEEDS = {"train": 1000, "val": 2000, "test": 3000, "shifted": 4000, "two_filaments": 5000, "confirm": 7000,
         "other": 8000, "sweep": 9000}

#: The training fields' ranges (each drawn log-uniformly per field by
#: :func:`frcnet_lite.simulate.vary_config`): wider than its defaults :data:`frcnet_lite.simulate.VARY_RANGES`
#: on every parameter, and three more varied, so that the model does not learn one simulator's settings:
#: labelling 2-20 %, 1.5-20 blinks per dye, 600-4000 photons (~20 to ~5 nm precision), a 4-25 nm antibody
#: shell (nanobody to primary + secondary IgG), 5-300 background localizations per um^2, 0.4-3.5 um of
#: filament per um^2, persistence 4-100 um, 1-3 frames per blink, 1-3 dyes per antibody, PSF 100-160 nm.
TRAIN_RANGES: dict[str, tuple[float, float]] = {
    "labelling_efficiency": (0.02, 0.2),
    "blinks_per_fluorophore": (1.5, 20.0),
    "photons_mean": (600.0, 4000.0),
    "linker_nm": (4.0, 25.0),
    "background_per_um2": (5.0, 300.0),
    "filament_density_um_per_um2": (0.4, 3.5),
    "persistence_length_nm": (4000.0, 100000.0),
    "on_frames_mean": (1.0, 3.0),
    "dyes_per_antibody": (1.0, 3.0),
    "psf_sigma_nm": (100.0, 160.0),
}

#: The shifted regime's ranges: every parameter just outside its training range (:data:`TRAIN_RANGES`):
#: denser labelling, fewer blinks, worse precision, a larger shell, more background, denser and curvier
#: filaments, longer blinks, more dyes per antibody, a wider PSF ...
SHIFTED_RANGES: dict[str, tuple[float, float]] = {
    "labelling_efficiency": (0.2, 0.3),
    "blinks_per_fluorophore": (1.0, 1.5),
    "photons_mean": (400.0, 600.0),
    "linker_nm": (25.0, 32.0),
    "background_per_um2": (300.0, 450.0),
    "filament_density_um_per_um2": (3.5, 4.5),
    "persistence_length_nm": (2500.0, 4000.0),
    "on_frames_mean": (3.0, 4.0),
    "dyes_per_antibody": (3.0, 4.0),
    "psf_sigma_nm": (160.0, 190.0),
}

#: ... and one effect never simulated in training: blinking that decays over the acquisition (bleaching).
SHIFTED_BASE: dict[str, Any] = {"bleach_time_frames": 8000.0}




#: The pair sets every model is evaluated on: held-out test fields (training ranges), the shifted regime, the
#: confirmation fields (as the test fields, drawn after the choices were made on those) and the fields of an
#: independent simulator.
EVALUATED = ("test", "shifted", "confirm", "other")







@dataclass(frozen=True)
class Study:
    """The data and evaluation sizes of a run (the training itself is ``configs/simulated.yaml``)."""

    train_fields: int = 96
    val_fields: int = 8
    test_fields: int = 16
    shifted_fields: int = 16
    #: Fields of the *confirmation* set: drawn as the test fields (other seeds, :data:`SEEDS`), evaluated only after
    #: the training data, target and architecture had been chosen on the test fields: no selection bias.
    confirm_fields: int = 16
    #: Fields of the independent simulator (``scripts/independent_simulator.py``): our stand-in for "another simulator".
    other_fields: int = 16
    #: Fields per parameter set of the independent simulator's sweep (:data:`OTHER_SWEEP`).
    sweep_fields: int = 4
    field_size_nm: float = 2560.0
    patch_px: int = 256
    pixel_size_nm: float = 5.0
    fraction: float = 0.1
    subsets_per_field: int = 2
    parallel_pairs: int = 1
    #: Close parallel pairs per *training* field when it differs from ``parallel_pairs`` (``None``: the same);
    #: validation and test fields keep ``parallel_pairs``, so that a change leaves the test set as it was.
    train_parallel_pairs: int | None = 4
    parallel_length_nm: float = 2000.0
    two_filament_distances_nm: tuple = tuple(float(d) for d in range(20, 141, 10))
    two_filament_repeats: int = 20
    two_filament_length_nm: float = 4000.0
    two_filament_margin_nm: float = 300.0
    blur_sigmas_px: tuple = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
    criterion: str | float = "rayleigh"
    target_kind: str = "anisotropic"
    #: Width of a ``gaussian`` target's kernel. Narrower than the 10 nm default: the target's own blur is a bias
    #: the network learns (the card's kernel-cost table measures it), while a narrower kernel leaves the dense
    #: target noisier where dyes blink rarely.
    target_sigma_nm: float = 7.5

    @property
    def training_parallel_pairs(self) -> int:
        """Close parallel pairs per training field (``train_parallel_pairs``, or ``parallel_pairs`` when None)."""
        return self.parallel_pairs if self.train_parallel_pairs is None else self.train_parallel_pairs

    def target_spec(self):
        """The :class:`~frcnet_lite.targets.TargetSpec` of the dense targets (``target_sigma_nm`` for Gaussian KDEs)."""
        from frcnet_lite.targets import TargetSpec

        return TargetSpec(self.target_kind, {"sigma_nm": self.target_sigma_nm} if self.target_kind == "gaussian"
                          else {})

    @classmethod
    def quick(cls) -> Study:
        """A tiny run for smoke tests: one patch per field, two distances, two repeats."""
        return cls(train_fields=3, val_fields=1, test_fields=2, shifted_fields=1, confirm_fields=1, other_fields=1,
                   sweep_fields=1, field_size_nm=1280.0, subsets_per_field=1, two_filament_distances_nm=(40.0, 120.0),
                   two_filament_repeats=2, two_filament_length_nm=1500.0, blur_sigmas_px=(1.0, 2.0))

    def data_key(self) -> dict:
        """The fields that determine the cached pairs."""
        keep = ("field_size_nm", "patch_px", "pixel_size_nm", "fraction", "subsets_per_field", "parallel_pairs",
                "parallel_length_nm", "target_kind", "target_sigma_nm")
        return {k: getattr(self, k) for k in keep}


# ---------------------------------------------------------------------------------------- data
def field_configs(split: str, n: int, study: Study):
    """The :class:`~frcnet_lite.simulate.SimulationConfig` of each field of a split, drawn from its seed."""
    from frcnet_lite.simulate import SimulationConfig, vary_config

    if split == "shifted":
        base = SimulationConfig(field_size_nm=study.field_size_nm, **SHIFTED_BASE)
        ranges: Mapping[str, Any] = SHIFTED_RANGES
    else:
        pairs = study.training_parallel_pairs if split == "train" else study.parallel_pairs
        base = SimulationConfig(field_size_nm=study.field_size_nm, parallel_pairs=pairs,
                                parallel_length_nm=study.parallel_length_nm)
        ranges = TRAIN_RANGES
    return [vary_config(SEEDS[split] + i, base=base, **ranges)
            for i in range(n)]


def simulation_description(study: Study) -> dict:
    """What the fields are, for the pairs' meta and the model's ``model.json``."""
    return {"simulator": "frcnet_lite.simulate.simulate_microtubules, parameters per field from vary_config",
            "ranges": {k: list(v) for k, v in TRAIN_RANGES.items()}, "field_size_nm": study.field_size_nm,
            "parallel_pairs_per_field": study.training_parallel_pairs, "parallel_distance_nm": [20.0, 150.0],
            "seeds": {k: SEEDS[k] for k in ("train", "val", "test", "confirm")}}


def split_pairs(split: str, study: Study, cache_dir: Path, progress: bool | None = None):
    """The pairs of one split (``train``, ``val``, ``test``, ``shifted``, ``confirm``, ``other``): read from the cache
    or made and cached. ``other`` comes from ``scripts/independent_simulator.py`` (:func:`other_simulator_pairs`)."""
    from frcnet_lite.pairs import build_pairs, load_pairs, save_pairs
    from frcnet_lite.simulate import simulate_microtubules

    n = {"train": study.train_fields, "val": study.val_fields, "test": study.test_fields,
         "shifted": study.shifted_fields, "confirm": study.confirm_fields, "other": study.other_fields}[split]
    ranges = ({"ranges": SHIFTED_RANGES, "base": SHIFTED_BASE} if split == "shifted" else
              {"simulator": "independent_simulator.OTHER_PARAMS"} if split == "other" else {"ranges": TRAIN_RANGES})
    key = {**study.data_key(), "split": split, "n_fields": n, "first_seed": SEEDS[split], **ranges}
    if split == "train" and study.train_parallel_pairs is not None:
        key["train_parallel_pairs"] = study.train_parallel_pairs
    path = cache_dir / f"{split}.npz"
    if path.is_file():
        pairs = load_pairs(path)
        key = json.loads(json.dumps(key))
        if pairs.meta.get("study") != key:
            raise ValueError(f"{path} was made with other settings ({pairs.meta.get('study')}, now {key}): "
                             "use another --work folder or delete it")
        return pairs
    if split == "other":
        pairs = other_simulator_pairs(n, study)
        pairs.meta.update(study=key)
        save_pairs(pairs, path)
        return pairs
    fields = {f"{split}{i:03d}": simulate_microtubules(cfg) for i, cfg in enumerate(field_configs(split, n, study))}
    spec = study.target_spec()
    pairs = build_pairs(fields, fraction=study.fraction, target_kind=spec.kind, pixel_size_nm=study.pixel_size_nm,
                        patch_px=study.patch_px, subsets_per_field=study.subsets_per_field if split == "train" else 1,
                        seed=SEEDS[split], target_params=spec.params, progress=progress)
    pairs.meta.update(study=key, names=pairs.meta["field_ids"], target=spec.to_dict(),
                      simulation=simulation_description(study) if split != "shifted" else
                      {"ranges": {k: list(v) for k, v in SHIFTED_RANGES.items()}, **SHIFTED_BASE},
                      configs={fid: dataclasses.asdict(f.config) for fid, f in fields.items()})
    save_pairs(pairs, path)
    return pairs


#: Parameter sets of the independent simulator besides its defaults (changes to its ``OTHER_PARAMS``), each a
#: departure a real experiment makes; fixed before any model was scored on them. ``--recard`` and the evaluation
#: score the network on :attr:`Study.sweep_fields` fields of each.
OTHER_SWEEP: dict[str, dict[str, float]] = {
    "defaults": {},
    "poor precision (photons 600, background 60 / px)": {"photons_mean": 600.0, "background_photons_per_px": 60.0},
    "few blinks (2 per dye, 30 % dark dyes)": {"blinks_per_dye": 2.0, "dark_fraction": 0.3},
    "dense labelling (20 % of dimers)": {"labelling_efficiency": 0.2},
    "nanobodies (4 nm linker, 1.2 dyes)": {"linker_nm": 4.0, "dyes_per_antibody": 1.2},
    "dense, curvy network (3 um / um^2, persistence 3 um)": {"filament_density_um_per_um2": 3.0,
                                                              "persistence_length_nm": 3000.0},
    "high background (200 localizations / um^2)": {"background_per_um2": 200.0},
    # added after the six above had been scored: the shifted regime's departures all at once (its range midpoints
    # where the two simulators share a parameter), to see whether its loss follows the parameters or our simulator
    "all at once (the shifted regime's departures)": {
        "labelling_efficiency": 0.2, "blinks_per_dye": 1.25, "photons_mean": 500.0, "linker_nm": 28.0,
        "background_per_um2": 375.0, "filament_density_um_per_um2": 4.0, "persistence_length_nm": 3000.0,
        "on_frames_mean": 3.5, "dyes_per_antibody": 3.5, "psf_sigma_nm": 175.0},
}


@functools.cache
def _independent_simulator():
    """``scripts/independent_simulator.py``, imported from its file."""
    import importlib.util

    found = importlib.util.spec_from_file_location("independent_simulator",
                                                   Path(__file__).with_name("independent_simulator.py"))
    other = importlib.util.module_from_spec(found)
    found.loader.exec_module(other)
    return other


def other_simulator_pairs(n_fields: int, study: Study, overrides: Mapping[str, float] | None = None,
                          first_seed: int | None = None):
    """Patches of ``n_fields`` fields of the independent simulator (``scripts/independent_simulator.py``, its
    default parameters changed by ``overrides``, seeds ``first_seed + i``, default ``SEEDS["other"]``): the 10 %
    window's histogram, the study's dense target of all localizations and that simulator's own truth, cut into
    non-overlapping ``patch_px`` tiles."""
    other = _independent_simulator()
    from frcnet_lite.pairs import PairSet
    from frcnet_lite.targets import make_target

    spec, px, size = study.target_spec(), study.pixel_size_nm, study.patch_px
    inputs, targets, truths, ids, origins = [], [], [], [], []
    for i in range(n_fields):
        f = other.simulate_field((SEEDS["other"] if first_seed is None else first_seed) + i,
                                 field_nm=study.field_size_nm, px_nm=px, fraction=study.fraction, **(overrides or {}))
        target = make_target(f["dense"], spec, px)
        for r in range(0, f["sparse"].shape[0] - size + 1, size):
            for c in range(0, f["sparse"].shape[1] - size + 1, size):
                cut = (slice(r, r + size), slice(c, c + size))
                inputs.append(f["sparse"][cut]), targets.append(target[cut]), truths.append(f["truth"][cut])
                ids.append(f"other{i:03d}"), origins.append([r, c])
    return PairSet(np.stack(inputs), np.stack(targets), np.stack(truths), px, spec.kind,
                   {"fraction": study.fraction, "patch_px": size, "field_ids": ids, "origins_px": origins,
                    "names": sorted(set(ids)), "target": spec.to_dict(),
                    "simulation": {"simulator": "scripts/independent_simulator.py",
                                   "params": {**other.OTHER_PARAMS, **(overrides or {})}}})


def other_sweep(model, study: Study, names: Sequence[str] | None = None) -> dict:
    """The network against the oracle blur on :data:`OTHER_SWEEP`'s parameter sets of the independent simulator
    (``study.sweep_fields`` fields each, seeds ``SEEDS["sweep"] + i``, the same fields' seeds for every set):
    ``{name: {"overrides", "fields", "summary", "margin", "skipped"}}`` (``names``: only those sets)."""
    out = {}
    for name, overrides in OTHER_SWEEP.items():
        if names is not None and name not in names:
            continue
        ev = evaluate_patches(model, other_simulator_pairs(study.sweep_fields, study, overrides, SEEDS["sweep"]))
        out[name] = {"overrides": overrides, "fields": study.sweep_fields,
                     **{k: ev[k] for k in ("summary", "margin", "skipped")}}
    return out






























# ---------------------------------------------------------------------------------- evaluation
def _kept(pairs, min_counts: float = 10.0) -> np.ndarray:
    """Indices of the patches an evaluation scores: at least ``min_counts`` sparse counts and some truth."""
    return np.flatnonzero((pairs.inputs.sum(axis=(1, 2)) >= min_counts) & (pairs.truths.max(axis=(1, 2)) > 0))


def evaluate_patches(model, pairs) -> dict:
    """Every method against the truth on every patch with sparse counts and some truth
    (:func:`frcnet_lite.validation.evaluate_patches`), summarised over fields (:func:`frcnet_lite.modelcard.summarise_set`).

    Returns ``{"per_patch": [...], "summary", "margin", "patches", "fields", "skipped"}``.
    """
    from frcnet_lite.pairs import PairSet
    from frcnet_lite.validation import evaluate_patches as score_patches

    keep = _kept(pairs)
    kept = PairSet(pairs.inputs[keep], pairs.targets[keep], pairs.truths[keep], pairs.pixel_size_nm, pairs.target_kind,
                   {**pairs.meta, "field_ids": [pairs.meta["field_ids"][i] for i in keep],
                    "origins_px": [pairs.meta["origins_px"][i] for i in keep]})
    per_patch = score_patches(model, kept)  # with the 8 rotations and flips, as frcnet-lite reconstruct does
    chosen = blend_width_at_structure(model, pairs, keep)
    for rec, w in zip(per_patch, chosen or []):
        rec["network_blend_px"] = w
    return {"per_patch": per_patch, **summarise_set(per_patch), "skipped": int(len(pairs) - keep.size)}


def two_filament_setup(study: Study):
    """The two-filament test of a study (:class:`frcnet_lite.two_filaments.TwoFilamentSetup`)."""
    from frcnet_lite.two_filaments import TwoFilamentSetup

    return TwoFilamentSetup(distances_nm=tuple(study.two_filament_distances_nm), repeats=study.two_filament_repeats,
                            length_nm=study.two_filament_length_nm, margin_nm=study.two_filament_margin_nm,
                            pixel_size_nm=study.pixel_size_nm, fraction=study.fraction,
                            blur_sigmas_px=tuple(study.blur_sigmas_px), criterion=study.criterion,
                            seed=SEEDS["two_filaments"], target=study.target_spec())


# ------------------------------------------------------------------------------------- outputs






























def plot_curves(work: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from frcnet_lite.plotting import plot_history
    from frcnet_lite.training import load_history

    fig = plot_history(load_history(work / "model"), title="simulated model training")
    fig.savefig(work / "training_curves.png", dpi=100)


def package(work: Path, pkg: Path, config_path: Path, readme_text: str) -> Path:
    """Copy the model and its results into ``pkg`` (:func:`frcnet_lite.modelcard.install`)."""
    files = [work / "model" / f for f in ("model.keras", "model.json", "config.json", "history.csv")]
    files += [work / f for f in ("results.json", "evaluation.csv", "two_filaments.csv", "validation_metrics.csv",
                                 "training_curves.png")]
    return install(pkg, files, {"train_config.yaml": config_path.read_text(), "README.md": readme_text})


def _fill_model_data(model_dir: Path, results: Mapping, study: Study, extra: Mapping | None = None) -> None:
    """``model.json``'s ``data``: source, description of the ranges, fraction, target, validation line (+ ``extra``)."""
    ranges = ", ".join(f"{k} {lo:g}-{hi:g}" for k, (lo, hi) in results["simulation"]["ranges"].items())
    update_model_json(model_dir, {
        "source": "simulated", "fraction": study.fraction,
        "description": (f"simulated microtubule dSTORM, {study.train_fields} fields of {study.field_size_nm / 1000:g} "
                        f"um with parameters drawn per field ({ranges}) + "
                        f"{results['simulation']['parallel_pairs_per_field']} parallel pair(s) 20-150 nm apart per field"),
        "input": f"histogram of a {study.fraction:.0%} time window (counts, {study.pixel_size_nm:g} nm px)",
        "target": results["target"], "validation": validation_line(results),
        "departures_from_paper": departures_from_paper(results["train_config"], results["target"]), **(extra or {})})


def recard(pkg: Path, study: Study) -> int:
    """Bring the shipped model's stored results to the current protocol and render its card again.

    Every set is summarised again over its fields from the stored per-patch scores; what the per-field statistics
    need and older results lack (per-patch scores of the sweep sets, the kernel cost per field) is measured again
    with the shipped model on the same simulations (seeds); the headline two-filament criterion is Rayleigh's.
    """
    from frcnet_lite.model import load_model

    results = load_results(pkg)
    model = functools.cache(lambda: load_model(pkg))
    for ev in results["evaluation"].values():
        ev.update(summarise_set(ev["per_patch"]))
    sweep = results.get("other_sweep", {})
    for name, row in sweep.items():
        if "per_patch" not in row:
            print(f"scoring the sweep set {name!r} per patch", flush=True)
            ev = evaluate_patches(model(), other_simulator_pairs(study.sweep_fields, study, row["overrides"],
                                                                 SEEDS["sweep"]))
            sweep[name] = {"overrides": row["overrides"], "fields": study.sweep_fields, **ev}
        else:
            row.update(summarise_set(row["per_patch"]))
    if "field" not in json.dumps(results.get("kernel_cost", [])):
        print("kernel cost per field", flush=True)
        work = Path("build/simulated")
        results["kernel_cost"] = target_kernel_cost(split_pairs("test", study, work / "pairs"),
                                                     results["evaluation"]["test"]["per_patch"])
    results["seeds"] = dict(SEEDS)
    results["two_filaments"]["criterion"] = "rayleigh"
    results["two_filaments"]["criterion_text"] = "a dip of at least 26.5 % between the two peaks (Rayleigh)"
    results["timing"].setdefault("machine", {"cpu_count": 2, "processor": "x86_64"})
    results.pop("model", None)
    results["bars"] = bars(results)
    (pkg / "results.json").write_text(json.dumps(results, indent=1, default=float))
    write_csvs(results, pkg)
    _summary_csv(results, pkg / "validation_metrics.csv")
    _fill_model_data(pkg, results, study)
    from frcnet_lite.model import read_model_info

    (pkg / "README.md").write_text(readme(results, *stored_studies(read_model_info(pkg).data)))
    print(f"card rendered in {pkg}")
    return 0


def stored_studies(data: Mapping) -> tuple:
    """The card's inputs besides ``results.json``: the model's ``data``, the stored hallucination study, the
    line-profile two-filament study (None where not stored) and the reproduction study's target runs."""
    from frcnet_lite import hallucination, reproduction, two_filaments

    out = [data]
    for load in (hallucination.load_results, two_filaments.load_line_profile_results):
        try:
            out.append(load())
        except FileNotFoundError:
            out.append(None)
    out.append([r for r in reproduction.load_runs() if r["study"] == "target"])
    return tuple(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="configs/simulated.yaml", help="TrainConfig YAML (default %(default)s)")
    ap.add_argument("--work", default=None, help="data, checkpoints and results (default build/simulated[-quick])")
    ap.add_argument("--package-dir", default="frcnet_lite/pretrained/simulated")
    ap.add_argument("--quick", action="store_true", help="tiny data, 2 epochs of 2 steps, no packaging (smoke test)")
    ap.add_argument("--eval-only", action="store_true", help="no training: evaluate --model")
    ap.add_argument("--model", default=None, help="with --eval-only: a model name or folder (default: WORK/model)")
    ap.add_argument("--no-package", action="store_true", help="train and evaluate, but do not copy")
    ap.add_argument("--recard", action="store_true",
                    help="no training: bring the shipped model's results.json to the current protocol and render its "
                         "card (README, tables, model.json) again")
    ap.add_argument("--two-filament-repeats", type=int, default=None, help="simulations per distance (default 20)")
    ap.add_argument("--two-filament-length-nm", type=float, default=None,
                    help="length of the two filaments (the profile averages 80 %% of it; default 4000)")
    ap.add_argument("--train-parallel-pairs", type=int, default=None,
                    help="close parallel filament pairs per training field (default 4; test fields: 1)")
    ap.add_argument("--target-sigma-nm", type=float, default=None,
                    help="kernel of the Gaussian KDE targets in nm (default 7.5)")
    ap.add_argument("--criterion", default=None, help="headline two-filament criterion: rayleigh (a dip of 26.5 %%, "
                                                      "default), sparrow (any dip), or a minimum dip in [0, 1)")
    args = ap.parse_args(argv)

    from frcnet_lite.model import load_model, read_model_info
    from frcnet_lite.training import load_history, read_config, train

    config = read_config(args.config)
    study = dataclasses.replace(Study.quick() if args.quick else Study(), target_kind=config.target_kind)
    if args.two_filament_repeats:
        study = dataclasses.replace(study, two_filament_repeats=args.two_filament_repeats)
    if args.train_parallel_pairs is not None:
        if args.train_parallel_pairs < 0:
            raise SystemExit(f"--train-parallel-pairs must be >= 0, got {args.train_parallel_pairs}")
        study = dataclasses.replace(study, train_parallel_pairs=args.train_parallel_pairs)
    if args.target_sigma_nm is not None:
        if not (math.isfinite(args.target_sigma_nm) and args.target_sigma_nm > 0):
            raise SystemExit(f"--target-sigma-nm must be a width > 0 nm, got {args.target_sigma_nm}")
        study = dataclasses.replace(study, target_sigma_nm=args.target_sigma_nm)
    if args.two_filament_length_nm:
        study = dataclasses.replace(study, two_filament_length_nm=args.two_filament_length_nm)
    if args.criterion:
        try:
            criterion: str | float = float(args.criterion)
        except ValueError:
            criterion = args.criterion
        study = dataclasses.replace(study, criterion=criterion)
    work = Path(args.work or ("build/simulated-quick" if args.quick else "build/simulated"))
    if args.quick:
        config = config.replace(epochs=2, decay_epochs=1, steps_per_epoch=2, batch_size=2, val_size=128)
    progress = None
    if args.recard:
        return recard(Path(args.package_dir), study)
    t0 = time.time()
    data = {s: split_pairs(s, study, work / "pairs", progress) for s in ("train", "val", *EVALUATED)}
    print({s: repr(p) for s, p in data.items()}, f"({time.time() - t0:.0f} s)")
    if not args.eval_only:
        print(config)
        result = train(config, data["train"], data["val"], out_dir=work / "model", progress=progress)
        if len(result.history) < config.epochs:
            print("training stopped early; run the same command again to resume")
            return 1
    model = load_model(args.model if args.model else work / "model")
    t1 = time.time()
    evaluation = {s: evaluate_patches(model, data[s]) for s in EVALUATED}
    kernel_cost = target_kernel_cost(data["test"], evaluation["test"]["per_patch"])
    sweep = other_sweep(model, study)
    two = two_filament_study(model, two_filament_setup(study), progress)
    eval_s = time.time() - t1
    history = load_history(work / "model") if (work / "model" / "history.csv").is_file() else []
    results = {"study": dataclasses.asdict(study), "train_config": config.to_dict(), "seeds": SEEDS,
               "simulation": data["train"].meta["simulation"], "target": data["train"].meta["target"],
               "shifted": {"ranges": SHIFTED_RANGES, "base": SHIFTED_BASE}, "evaluation": evaluation,
               "two_filaments": two, "kernel_cost": kernel_cost, "other_sweep": sweep,
               "timing": {"train_minutes": sum(r["seconds"] for r in history) / 60, "evaluation_minutes": eval_s / 60,
                          "machine": machine()}}
    results["bars"] = bars(results)
    work.mkdir(parents=True, exist_ok=True)
    (work / "results.json").write_text(json.dumps(results, indent=1, default=float))
    write_csvs(results, work)
    _summary_csv(results, work / "validation_metrics.csv")
    print(evaluation_table(evaluation["test"]), "", evaluation_table(evaluation["shifted"]), "",
          two_filament_table(two), "", bars_table(results["bars"]), f"\nevaluation: {eval_s / 60:.1f} min", sep="\n")
    if history:
        plot_curves(work)
    if args.eval_only or args.quick or args.no_package:
        return 0
    _fill_model_data(work / "model", results, study)
    text = readme(results, *stored_studies(read_model_info(work / "model").data))
    pkg = package(work, Path(args.package_dir), Path(args.config), text)
    print(f"packaged into {pkg} ({sum(f.stat().st_size for f in pkg.iterdir()) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
