"""Loss study: rerun notebook 04 with different losses and targets, collect curves and final metrics.

After Berberich et al. (2021, Figures 3D-F and 4A): which loss gives the best reconstruction,
MS-SSIM alone, the area-FRC alone, or both (each with a small L1 term), and do anisotropic KDE
targets beat Gaussian ones? Each variant is one papermill run of ``notebooks/04_training.md`` in
its own folder (``<out>/<variant>/run``, whose ``data`` links to the shared run folder's data), so
the variants never overwrite each other or ``run/model``. Afterwards every variant's model is
evaluated on the same held-out patches against the ground truth (the common reference for
Gaussian and anisotropic targets) and against its own target, with
:func:`frcnet_lite.metrics.evaluate_many`.

Quick by default (a few training steps per variant, minutes on a CPU: the numbers only show that
the machinery works); ``--full`` trains each variant properly (hours on a CPU, minutes on a GPU).

    python scripts/loss_study.py --run-dir build/executed/run            # quick, 4 variants
    python scripts/loss_study.py --run-dir run --full --all-targets      # 3 losses x 2 targets, full

Needs notebooks 01 (and 02 for anisotropic targets) run into ``--run-dir`` first. Writes
``<out>/loss_study.csv``, ``<out>/loss_study.json`` and ``<out>/loss_study.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_training.md"


@dataclass(frozen=True)
class Variant:
    """One training run of the study: loss weights and target kind."""

    name: str
    ms_ssim_weight: float
    frc_weight: float
    l1_weight: float
    target_kind: str


LOSSES = {"MS-SSIM + L1": (1.0, 0.0, 0.1), "FRC + L1": (0.0, 1.0, 0.1), "MS-SSIM + FRC + L1": (1.0, 1.0, 0.1)}


def variants(all_targets: bool) -> list[Variant]:
    """The three losses on anisotropic targets, plus the full loss (or all three) on Gaussian targets."""
    out = [Variant(f"{name}, anisotropic", *w, "anisotropic") for name, w in LOSSES.items()]
    gauss = LOSSES if all_targets else {"MS-SSIM + FRC + L1": LOSSES["MS-SSIM + FRC + L1"]}
    out += [Variant(f"{name}, gaussian", *w, "gaussian") for name, w in gauss.items()]
    return out


def slug(text: str) -> str:
    """A folder name for a variant."""
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_").replace("__", "_")


def run_variant(v: Variant, run_dir: Path, out: Path, quick: bool, steps: int | None, epochs: int | None,
                seed: int) -> Path:
    """Execute notebook 04 for one variant in its own run folder; return that folder."""
    folder = out / slug(v.name)
    vrun = folder / "run"
    vrun.mkdir(parents=True, exist_ok=True)
    data_link = vrun / "data"
    if not data_link.exists():
        data_link.symlink_to((run_dir / "data").resolve(), target_is_directory=True)
    ipynb = folder / "04_training.ipynb"
    subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "-o", str(ipynb), str(NOTEBOOK)],
                   check=True)
    params = {"quick": quick, "seed": seed, "run_dir": "run", "use_shipped_model": False,
              "target_kind": v.target_kind, "ms_ssim_weight": v.ms_ssim_weight, "frc_weight": v.frc_weight,
              "l1_weight": v.l1_weight}
    if steps is not None:
        params["steps_per_epoch"] = steps
    if epochs is not None:
        params["epochs"] = epochs
    cmd = [sys.executable, "-m", "papermill", str(ipynb), str(folder / "04_training.out.ipynb"), "-k", "python3",
           "--cwd", str(folder), "--no-progress-bar", "--log-level", "WARNING"]
    for key, value in params.items():
        cmd += ["-p", key, str(value)] if not isinstance(value, str) else ["-r", key, value]
    subprocess.run(cmd, check=True)
    return vrun


def evaluate_variant(v: Variant, vrun: Path, run_dir: Path, n_patches: int) -> dict:
    """Final metrics of one variant's model on the held-out patches, and its training history."""
    import numpy as np

    from frcnet_lite import metrics
    from frcnet_lite.model import load_model, predict_image
    from frcnet_lite.pairs import load_pairs
    from frcnet_lite.training import load_history

    model = load_model(vrun / "model")
    pairs = load_pairs(run_dir / "data" / "pairs" / v.target_kind / "val.npz")
    order = np.argsort(pairs.inputs.sum(axis=(1, 2)))[::-1][:n_patches]
    pred = predict_image(model, pairs.inputs[order])
    vs_truth = metrics.evaluate_many(pred, pairs.truths[order])
    vs_target = metrics.evaluate_many(pred, pairs.targets[order])
    history = []
    for sub in ("quick", "model"):
        path = vrun / "training" / sub / "history.csv"
        if path.is_file():
            history = load_history(path)
    row = {"variant": v.name, **asdict(v)}
    row.update({f"truth_{k}": s.mean for k, s in vs_truth.items()})
    row.update({f"truth_{k}_sem": s.sem for k, s in vs_truth.items()})
    row.update({f"target_{k}": s.mean for k, s in vs_target.items()})
    row["history"] = history
    return row


def plot(rows: list[dict], path: Path) -> None:
    """Validation curves per epoch and final metrics against the truth, one colour per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    for k, r in enumerate(rows):
        h = r["history"]
        if h:
            ep = [e["epoch"] for e in h]
            axes[0].plot(ep, [1 - e["val_frc"] for e in h], "o-", label=r["variant"], color=f"C{k}")
            axes[1].plot(ep, [e["val_ms_ssim_index"] for e in h], "o-", color=f"C{k}")
    axes[0].set(xlabel="epoch", ylabel="validation area-FRC", title="training curves")
    axes[1].set(xlabel="epoch", ylabel="validation MS-SSIM")
    axes[0].legend(fontsize=7)
    for ax, key in zip(axes[2:], ("truth_area_frc_0.2", "truth_ms_ssim")):
        ax.bar(range(len(rows)), [r[key] for r in rows], yerr=[r[key + "_sem"] for r in rows],
               color=[f"C{k}" for k in range(len(rows))], capsize=3)
        ax.set_xticks(range(len(rows)), [r["variant"] for r in rows], rotation=30, ha="right", fontsize=7)
        ax.set_title(f"{key.replace('truth_', '')} vs ground truth")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", type=Path, default=Path("run"), help="run folder holding data/ (notebooks 01, 02)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <run-dir>/loss_study)")
    parser.add_argument("--full", action="store_true", help="full training per variant (default: quick)")
    parser.add_argument("--all-targets", action="store_true", help="all three losses on Gaussian targets too")
    parser.add_argument("--steps", type=int, default=None, help="override steps per epoch")
    parser.add_argument("--epochs", type=int, default=None, help="override epochs")
    parser.add_argument("--patches", type=int, default=8, help="held-out patches to evaluate (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.run_dir / "data" / "pairs").is_dir():
        print(f"error: no training pairs in {args.run_dir / 'data' / 'pairs'}: run notebooks 01 and 02 first",
              file=sys.stderr)
        return 2
    out = args.out or args.run_dir / "loss_study"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for v in variants(args.all_targets):
        if not (args.run_dir / "data" / "pairs" / v.target_kind / "val.npz").is_file():
            print(f"skipping {v.name!r}: no {v.target_kind} pairs (run notebook 02)", file=sys.stderr)
            continue
        start = time.perf_counter()
        vrun = run_variant(v, args.run_dir, out, quick=not args.full, steps=args.steps, epochs=args.epochs,
                           seed=args.seed)
        rows.append(evaluate_variant(v, vrun, args.run_dir, args.patches))
        print(f"{v.name}: done in {time.perf_counter() - start:.0f} s", flush=True)
    if not rows:
        print("error: no variant could run", file=sys.stderr)
        return 2
    keys = ["variant", "truth_psnr_db", "truth_ms_ssim", "truth_area_frc_0.2", "truth_area_frc_0.5",
            "target_ms_ssim", "target_area_frc_0.2"]
    print("\nfinal metrics on held-out patches (lstsq normalisation; truth = ground truth, target = own KDE target)")
    width = max(len(r["variant"]) for r in rows)
    print(f"{'variant':<{width}}  " + "  ".join(f"{k:>20}" for k in keys[1:]))
    for r in rows:
        print(f"{r['variant']:<{width}}  " + "  ".join(f"{r[k]:>20.4f}" for k in keys[1:]))
    flat = [{k: v for k, v in r.items() if k != "history"} for r in rows]
    with (out / ".loss_study.csv.tmp").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    os.replace(out / ".loss_study.csv.tmp", out / "loss_study.csv")
    (out / ".loss_study.json.tmp").write_text(json.dumps(rows, indent=1, default=float))
    os.replace(out / ".loss_study.json.tmp", out / "loss_study.json")
    plot(rows, out / "loss_study.png")
    print(f"\nwrote {out / 'loss_study.csv'}, {out / 'loss_study.json'}, {out / 'loss_study.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
