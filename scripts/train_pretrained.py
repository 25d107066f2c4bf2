"""Train, evaluate and package the shipped lite model (``frcnet_lite/pretrained/``).

The documented, reproducible command (from the repository root)::

    python scripts/train_pretrained.py --config configs/pretrained_lite.yaml --work build/pretrained3

1. Simulates microtubule dSTORM fields with :mod:`frcnet_lite.simulate` (seeds 1000 + i; the last
   ``--val-fields`` are held out), renders the sparse input (a random time window holding
   ``--fraction`` of the localizations, 5 nm histogram), the target (the KDE of the full
   acquisition's histogram: ``anisotropic_kde`` or ``gaussian_kde``, per the config's
   ``target_kind``) and the ground truth (:func:`frcnet_lite.simulate.render_truth`).
2. Trains with :func:`frcnet_lite.training.train` (resumable: rerun the same command).
3. Evaluates the model and the non-learned baselines (sparse histogram, its Gaussian KDE, its
   anisotropic KDE) against the ground truth of the held-out fields with
   :func:`frcnet_lite.metrics.evaluate_pair` (``lstsq`` normalisation: the truth scaled to its
   99.9th percentile, each reconstruction least-squares scaled onto it; area-FRC is
   scale-free), writes ``validation_metrics.json`` / ``.csv`` and the training curves
   (``history.csv``, ``training_curves.png``), and copies everything into ``--package-dir``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def simulate_pairs(n_fields: int, field_size_nm: float, fraction: float, target_kind: str,
                   pixel_size_nm: float = 5.0, first_seed: int = 1000) -> SimpleNamespace:
    """Simulated fields -> (sparse counts, dense target, ground truth) arrays."""
    from tqdm.auto import tqdm

    from frcnet_lite import kde, rendering, simulate, subsets

    inputs, targets, truths = [], [], []
    for i in tqdm(range(n_fields), desc="simulating fields", disable=None):
        seed = first_seed + i
        sim = simulate.simulate_microtubules(simulate.SimulationConfig(field_size_nm=field_size_nm, seed=seed))
        locs = sim.localizations
        sparse = subsets.time_window_subset(locs, fraction, rng=seed)
        dense = rendering.render_histogram(locs, pixel_size_nm, fov_nm=sim.fov_nm)
        if target_kind == "anisotropic":
            target = kde.anisotropic_kde(dense)
        else:
            target = kde.gaussian_kde(dense, 1.5)
        inputs.append(rendering.render_histogram(sparse, pixel_size_nm, fov_nm=sim.fov_nm))
        targets.append(target)
        truths.append(simulate.render_truth(sim, pixel_size_nm))
    stack = lambda a: np.stack(a).astype(np.float32)  # noqa: E731
    return SimpleNamespace(inputs=stack(inputs), targets=stack(targets), truths=stack(truths),
                           pixel_size_nm=pixel_size_nm, target_kind=target_kind)


def load_or_simulate(path: Path, **kwargs) -> SimpleNamespace:
    """Cache of :func:`simulate_pairs` in an ``.npz`` (written to a temporary name, then renamed)."""
    if path.is_file():
        with np.load(path) as d:
            return SimpleNamespace(inputs=d["inputs"], targets=d["targets"], truths=d["truths"],
                                   pixel_size_nm=float(d["pixel_size_nm"]), target_kind=str(d["target_kind"]))
    pairs = simulate_pairs(**kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        np.savez_compressed(fh, **vars(pairs))
    os.replace(tmp, path)
    return pairs


def evaluate(model, val: SimpleNamespace) -> dict:
    """Mean metrics against the ground truth of the model and the baselines over held-out fields."""
    from frcnet_lite.metrics import baseline_images, evaluate_pair
    from frcnet_lite.model import predict_image

    rows: dict = {}
    for sparse, truth in zip(val.inputs, val.truths):
        recon = baseline_images(sparse)
        recon = {"frcnet-lite": predict_image(model, sparse), **recon}
        for name, image in recon.items():
            for k, v in evaluate_pair(image, truth).items():
                rows.setdefault(name, {}).setdefault(k, []).append(float(v))
    return {name: {k: float(np.mean(v)) for k, v in metrics.items()} for name, metrics in rows.items()}


def plot_history(history: list, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = [r["epoch"] for r in history]
    fig, ax = plt.subplots(1, 3, figsize=(12, 3.4))
    ax[0].plot(ep, [r["train_loss"] for r in history], label="train")
    ax[0].plot(ep, [r["val_loss"] for r in history], label="validation")
    ax[0].set(title="weighted loss", xlabel="epoch")
    ax[0].legend()
    ax[1].plot(ep, [1 - r["val_frc"] for r in history], color="C2")
    ax[1].set(title="validation area-FRC (cutoff 0.2)", xlabel="epoch")
    ax[2].plot(ep, [r["val_ms_ssim_index"] for r in history], color="C3")
    ax[2].set(title="validation MS-SSIM", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _readme(config, summary: dict, table_lines: list, args) -> str:
    rows = [line.split(",") for line in table_lines]
    table = ["| " + " | ".join(r) + " |" for r in rows]
    table.insert(1, "|" + "---|" * len(rows[0]))
    return f"""# The shipped frcnet-lite model

Lite pix2pix U-Net (depth {config.depth}, {config.base_filters}..{config.max_filters} filters) trained on
simulated microtubule dSTORM fields ({args.train_fields} fields of {args.field_size_nm / 1000:g} um, 5 nm pixels):
input = histogram of a random time window holding {args.fraction:.0%} of the localizations (raw counts),
target = {config.target_kind} KDE of all localizations, loss = {config.loss_weights}.
Load it with `frcnet_lite.model.load_model()`; `predict_image(model, counts)` returns the density in target units
(normalisation in `model.json`).

Reproduce: `python scripts/train_pretrained.py --config configs/pretrained_lite.yaml` (configuration:
`train_config.yaml`; curves: `history.csv`, `training_curves.png`).

## Validation against the ground truth ({summary["fields"]} held-out fields)

Normalisation: {summary["normalisation"]}. Higher is better except for MSE.

{chr(10).join(table)}
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="configs/pretrained_lite.yaml")
    p.add_argument("--work", default="build/pretrained", help="folder for data, checkpoints and the model")
    p.add_argument("--package-dir", default="frcnet_lite/pretrained", help="where the finished model is copied")
    p.add_argument("--train-fields", type=int, default=32)
    p.add_argument("--val-fields", type=int, default=4)
    p.add_argument("--field-size-nm", type=float, default=3840.0)
    p.add_argument("--fraction", type=float, default=0.1, help="fraction of localizations in the sparse input")
    p.add_argument("--no-package", action="store_true", help="train and evaluate, but do not copy")
    args = p.parse_args(argv)

    from frcnet_lite.model import load_model
    from frcnet_lite.training import read_config, train

    config = read_config(args.config)
    work = Path(args.work)
    common = dict(field_size_nm=args.field_size_nm, fraction=args.fraction, target_kind=config.target_kind)
    t0 = time.time()
    tr = load_or_simulate(work / f"data/{config.target_kind}_train.npz", n_fields=args.train_fields, first_seed=1000,
                          **common)
    va = load_or_simulate(work / f"data/{config.target_kind}_val.npz", n_fields=args.val_fields, first_seed=2000,
                          **common)
    print(f"data: train {tr.inputs.shape}, val {va.inputs.shape} ({time.time() - t0:.0f} s)")
    print(config)
    result = train(config, tr, va, out_dir=work / "model")
    if len(result.history) < config.epochs:
        print("training stopped early; rerun the same command to resume")
        return 1
    model = load_model(work / "model")
    metrics = evaluate(model, va)
    summary = {"normalisation": "metrics.evaluate_pair(..., 'lstsq'): truth / its 99.9th percentile, "
                                "reconstruction least-squares scaled onto it; area-FRC is scale-free",
               "fields": len(va.inputs), "field_size_nm": args.field_size_nm, "sparse_fraction": args.fraction,
               "metrics": metrics}
    (work / "model" / "validation_metrics.json").write_text(json.dumps(summary, indent=2))
    keys = list(next(iter(metrics.values())))
    lines = ["method," + ",".join(keys)] + [f"{n}," + ",".join(f"{m[k]:.6g}" for k in keys)
                                           for n, m in metrics.items()]
    (work / "model" / "validation_metrics.csv").write_text("\n".join(lines) + "\n")
    plot_history(result.history, work / "model" / "training_curves.png")
    print("\n".join(lines))
    if not args.no_package:
        pkg = Path(args.package_dir)
        staging = pkg.with_name(f".{pkg.name}.new")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        for name in ("model.keras", "model.json", "config.json", "history.csv", "validation_metrics.json",
                     "validation_metrics.csv", "training_curves.png"):
            shutil.copy2(work / "model" / name, staging / name)
        shutil.copy2(args.config, staging / "train_config.yaml")
        (staging / "README.md").write_text(_readme(config, summary, lines, args))
        if pkg.exists():
            shutil.rmtree(pkg)
        os.replace(staging, pkg)
        print(f"packaged into {pkg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
