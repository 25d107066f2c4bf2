"""The paper's claims, tested: a resumable queue of trainings, one at a time.

After Berberich et al. (2021). Every run goes through the package's one training path
(:func:`frcnet_lite.training.train`) and leaves one record in ``frcnet_lite/studies/reproduction/``
(``<study>/<run>.json``: its arm (``group``), ``seed``, ``steps``, configuration, training curves,
wall time, the machine, and its scores). Rerun the command to continue: finished runs are skipped,
an interrupted one resumes from its last epoch.

* ``loss`` (Fig. 3E-F, 4A): the paper's recipe (lite pix2pix U-Net, resize decoder, dropout in the
  first three decoder blocks, Adam 2e-4 / beta_1 0.5, constant rate) trained with MS-SSIM + L1,
  area-FRC + L1 and MS-SSIM + area-FRC + L1 (the paper's weights 1 / 1 / 0.1) on the real COS-7
  pairs of ``configs/cos7.yaml``; the fields it holds out are scored whole (one pass per tile, no test-time
  average, for every arm alike).
* ``recipe`` (what the departures buy): the shipped ``cos7`` recipe (``configs/cos7.yaml``: no
  dropout, Adam 1e-3 / 0.9 with a linear decay over the second half, an MSE term) at the same
  budget, fields and seeds.
* ``target`` (Fig. 3D): anisotropic vs Gaussian KDE targets with the paper's loss and optimiser on
  simulated fields; scored against the simulated truth at several steps (a curve against steps)
  and at the end.

Runs are queued seed by seed (seed 0 of every arm first), so a partial study is balanced. After each run the
README's findings are written again from the stored runs; a new target-study run also changes the ``simulated``
model's card (``python scripts/train_simulated.py --recard`` renders it).

    python scripts/reproduction_study.py            # run (or continue) the queue
    python scripts/reproduction_study.py --list     # what is done, what is left
    python scripts/reproduction_study.py --study target   # only one study's runs
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "frcnet_lite" / "studies" / "reproduction"
WORK = ROOT / "build" / "reproduction"

SEEDS = (0, 1, 2)
EPOCHS = 30  # x 100 steps
#: The paper's loss weights for each arm of the loss study.
LOSS_ARMS = {"MS-SSIM + L1": {"ms_ssim": 1.0, "l1": 0.1},
             "area-FRC + L1": {"frc": 1.0, "l1": 0.1},
             "MS-SSIM + area-FRC + L1": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}}
PAPER = dict(learning_rate=2e-4, beta_1=0.5, dropout_blocks=3, decay_epochs=0)
TARGET_ARMS = ("anisotropic", "gaussian")
#: Epochs after which a target-study model is scored against the truth (a constant learning
#: rate makes a run extended to these epochs the same run as one trained straight through).
TARGET_CHECKPOINTS = (1, 2, 4, 6, 10, 15, 20, 25, 30)
METRIC_KEYS = ("ms_ssim", "psnr_db", "area_frc_0.2", "mse")
MIN_COUNTS = 20


def slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in text.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def queue() -> list[tuple[str, str, int, object]]:
    """(study, group, seed, TrainConfig) of every run, seed by seed."""
    from frcnet_lite.training import TrainConfig, read_config

    cos7 = read_config(ROOT / "configs" / "cos7.yaml")
    runs = []
    for seed in SEEDS:
        for group, weights in LOSS_ARMS.items():
            cfg = cos7.replace(loss_weights=weights, seed=seed, epochs=EPOCHS, **PAPER)
            runs.append(("loss", group, seed, cfg))
        runs.append(("recipe", "shipped cos7 recipe", seed,
                     cos7.replace(seed=seed, epochs=EPOCHS, decay_epochs=EPOCHS // 2)))
        for kind in TARGET_ARMS:
            cfg = TrainConfig.lite(target_kind=kind, loss_weights=LOSS_ARMS["MS-SSIM + area-FRC + L1"], seed=seed,
                                   epochs=EPOCHS, patch_size=128, batch_size=8, val_size=128, **PAPER)
            runs.append(("target", f"{kind} KDE targets", seed, cfg))
    out = []
    for study, group, seed, cfg in runs:
        name = f"{group}, seed {seed}"
        out.append((study, group, seed, cfg.replace(out_dir=str(WORK / study / slug(name)))))
    return out


def record_path(study: str, cfg) -> Path:
    return OUT / study / (Path(cfg.out_dir).name + ".json")


# ---------------------------------------------------------------------------------- scoring
def real_baselines(cfg) -> dict:
    """The baselines of every held-out real field (the same for every run: scored once, kept in the study folder)."""
    from frcnet_lite import comparison
    from frcnet_lite.validation import score_image

    path = OUT / "real_baselines.json"
    stored = json.loads(path.read_text()) if path.is_file() else {}
    fields = [f for f in cfg.val_fields if f not in stored]
    if fields:
        for name, (sparse, dense) in comparison.held_out_fields(cfg.image_pairs_dir, fields).items():
            stored[name] = score_image(sparse, dense)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=1))
    return stored


def score_real(model, cfg) -> dict:
    """Scores of a model and of the baselines on each held-out real field (the protocol's fit)."""
    from frcnet_lite import comparison
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled
    from frcnet_lite.validation import PROTOCOL

    baselines = real_baselines(cfg)
    out = {}
    for name, (sparse, dense) in comparison.held_out_fields(cfg.image_pairs_dir, cfg.val_fields).items():
        pred = predict_tiled(sparse, model_predict_fn(model), TilingConfig(), progress=False)
        net = {k: float(v) for k, v in comparison.score(pred, dense, PROTOCOL.fit).items()}
        out[name] = {"rows": {"network": net, **baselines[name]["rows"]},
                     "blur_sigma_px": baselines[name]["blur_sigma_px"],
                     "checkerboard_ratio": comparison.nyquist_corner_power(pred)
                     / comparison.nyquist_corner_power(dense)}
    return out


def simulated_pairs(kind: str, split: str):
    """Training / held-out pairs of simulated fields (cached in the work folder)."""
    from frcnet_lite.pairs import build_pairs, load_pairs, save_pairs
    from frcnet_lite.simulate import SimulationConfig, simulate_microtubules
    from frcnet_lite.targets import TargetSpec

    path = WORK / "target" / "pairs" / f"{kind}_{split}.npz"
    if path.is_file():
        return load_pairs(path)
    n, first = {"train": (24, 1000), "val": (8, 2000)}[split]
    fields = {f"{split}{i}": simulate_microtubules(SimulationConfig(field_size_nm=3840, seed=first + i))
              for i in range(n)}
    pairs = build_pairs(fields, fraction=0.1, target_kind=kind, target_params=TargetSpec(kind).params,
                        pixel_size_nm=5.0, patch_px=384 if split == "train" else 192, seed=first, progress=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_pairs(pairs, path)
    return pairs


def score_simulated(model, val) -> dict:
    """Per held-out field: mean scores of the model's patches against the truth (the protocol's fit)."""
    from frcnet_lite import comparison
    from frcnet_lite.validation import FIT
    from frcnet_lite.model import predict_image

    keep = np.flatnonzero((val.truths.max(axis=(1, 2)) > 0) & (val.inputs.sum(axis=(1, 2)) >= MIN_COUNTS))
    pred = predict_image(model, val.inputs[keep])
    ids = np.asarray(val.meta["field_ids"])[keep]
    per_field: dict = {}
    for p, t, f in zip(pred, val.truths[keep], ids):
        s = comparison.score(p, t, normalisation=FIT)
        per_field.setdefault(str(f), []).append([s[k] for k in METRIC_KEYS])
    return {f: dict(zip(METRIC_KEYS, np.mean(v, axis=0).tolist()), patches=len(v)) for f, v in per_field.items()}


# ---------------------------------------------------------------------------------- running
def run_one(study: str, group: str, seed: int, cfg, log) -> None:
    from frcnet_lite import modelcard
    from frcnet_lite.training import load_history, train

    t0 = time.time()
    config = cfg.to_dict()
    config["out_dir"] = str(Path(cfg.out_dir).relative_to(ROOT))  # no path of this machine in a stored record
    record = {"study": study, "group": group, "seed": seed, "steps": cfg.epochs * cfg.steps_per_epoch,
              "config": config, "machine": modelcard.machine(), "started": time.strftime("%Y-%m-%d %H:%M"),
              "command": "python scripts/reproduction_study.py"}
    if study == "target":
        train_pairs, val = simulated_pairs(cfg.target_kind, "train"), simulated_pairs(cfg.target_kind, "val")
        curve = []
        for e in TARGET_CHECKPOINTS:
            res = train(cfg.replace(epochs=e), train_pairs, val, progress=False)
            curve.append({"epoch": e, "steps": e * cfg.steps_per_epoch, "fields": score_simulated(res.model, val)})
            log(f"  {group}, seed {seed}: epoch {e} scored")
        record["truth_curve"] = curve
        record["fields"] = curve[-1]["fields"]
    else:
        res = train(cfg, progress=False)
        if len(res.history) < cfg.epochs:
            raise SystemExit(f"{group}, seed {seed} stopped early; rerun to resume")
        record["fields"] = score_real(res.model, cfg)
    record["history"] = load_history(cfg.out_dir)
    record["wall_seconds"] = time.time() - t0
    record["train_seconds"] = float(sum(r.get("seconds", 0.0) for r in record["history"]))
    path = record_path(study, cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(path)


def target_baselines() -> Path:
    """The baselines of the target study's held-out patches against the truth, per field (computed once)."""
    from frcnet_lite.validation import score_image

    path = OUT / "target" / "baselines.json"
    if path.is_file():
        return path
    val = simulated_pairs("gaussian", "val")  # inputs and truths are the same for both target kinds
    keep = np.flatnonzero((val.truths.max(axis=(1, 2)) > 0) & (val.inputs.sum(axis=(1, 2)) >= MIN_COUNTS))
    per_field: dict = {}
    for i in keep:
        rows = score_image(val.inputs[i], val.truths[i])["rows"]
        per_field.setdefault(str(val.meta["field_ids"][i]), []).append(rows)
    out = {f: {m: {k: float(np.mean([r[m][k] for r in recs])) for k in METRIC_KEYS} for m in recs[0]}
           for f, recs in per_field.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="show what is done and what is left, run nothing")
    ap.add_argument("--max-runs", type=int, default=0, help="stop after this many runs (0: all)")
    ap.add_argument("--study", choices=("loss", "recipe", "target"), help="only this study's runs (default: all)")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    from frcnet_lite import reproduction

    runs = queue()
    done = 0
    for study, group, seed, cfg in runs:
        if args.study and study != args.study:
            continue
        path = record_path(study, cfg)
        if args.list:
            print(f"{'done' if path.is_file() else 'todo'}  {study:7s} {group}, seed {seed}")
            continue
        if path.is_file():
            continue
        if args.max_runs and done >= args.max_runs:
            break
        log(f"[{study}] {group}, seed {seed}")
        run_one(study, group, seed, cfg, log)
        log(f"[{study}] {group}, seed {seed}: done -> {path.relative_to(ROOT)}")
        done += 1
        if study == "target":
            target_baselines()
        if reproduction.update_readme(ROOT / "README.md"):  # the README's findings, in step with the stored runs
            log("README findings updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
