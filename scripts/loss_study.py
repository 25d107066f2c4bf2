"""The paper's comparisons, run: which loss (real COS-7 pairs) and which target (simulations).

After Berberich et al. (2021): Figures 3E-F / 4A (which loss: MS-SSIM + L1, area-FRC + L1, or
both + L1) and Figure 3D (anisotropic vs Gaussian KDE targets). Every run goes through the
package's one training path (:func:`frcnet_lite.training.train`, the code of ``frcnet-lite
train``), one run at a time, each resumable (rerun the command: finished runs are skipped,
an interrupted one continues from its last epoch).

* **Loss study** on the real pairs of ``configs/cos7.yaml`` (the same held-out fields as the
  shipped ``cos7`` model), 3 losses x ``--seeds`` seeds, plus one run of the full loss with the
  transposed-convolution decoder (the checkerboard comparison). Each run's training curves hold
  *both* losses on the held-out crops (``val_ms_ssim``, ``val_frc``), whatever it was trained on;
  the final PSNR, MSE, MS-SSIM and area-FRC are measured on the whole held-out fields (affine
  intensity fit; :mod:`frcnet_lite.comparison`) and on their 512 px crops.
* **Target study** on simulations (:func:`frcnet_lite.pairs.build_pairs`, the notebooks' data
  path): anisotropic vs Gaussian KDE targets, the full loss, ``--seeds`` seeds, judged against
  the simulated ground truth on held-out fields (loss values against two different targets
  are not comparable; the truth is).

    python scripts/loss_study.py --full        # the stored study (~2 h on 2 CPU cores)
    python scripts/loss_study.py --quick       # a smoke test of the machinery (minutes)
    python scripts/loss_study.py --summarise   # tables + figures from the finished runs only

Results go to ``frcnet_lite/studies/`` (``--full``) or ``build/study-quick/`` (``--quick``):
``loss_study.csv``, ``target_study.csv``, ``study.json`` (everything, with the curves),
``loss_study.png``, ``target_study.png``. The notebooks show them without retraining.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]

#: Loss weights of the compared runs (each with the small L1 term of the method).
LOSSES = {"MS-SSIM + L1": {"ms_ssim": 1.0, "l1": 0.1},
          "area-FRC + L1": {"frc": 1.0, "l1": 0.1},
          "MS-SSIM + area-FRC + L1": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}}
FULL_LOSS = "MS-SSIM + area-FRC + L1"
TARGETS = ("anisotropic", "gaussian")
METRIC_KEYS = ("psnr_db", "mse", "ms_ssim", "area_frc_0.2")
#: Held-out simulated patches with fewer sparse localizations than this are not scored.
MIN_COUNTS = 20


def slug(text: str) -> str:
    """A folder name for a run."""
    out = "".join(c if c.isalnum() else "_" for c in text.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def _summary(values) -> list[float]:
    v = np.asarray(values, float)
    sem = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return [float(v.mean()), sem, int(v.size)]


# ----------------------------------------------------------------------------------- loss study
def loss_runs(seeds: int, epochs: int, quick: bool, work: Path):
    """(name, loss, seed, TrainConfig) of every loss-study run."""
    from frcnet_lite.training import read_config

    base = read_config(ROOT / "configs" / "cos7.yaml")
    change = dict(epochs=epochs, decay_epochs=epochs // 2)
    if quick:
        change.update(steps_per_epoch=2, patch_size=128, val_size=256)
    runs = []
    for loss, weights in LOSSES.items():
        for seed in range(seeds):
            name = f"{loss}, seed {seed}"
            cfg = base.replace(loss_weights=weights, seed=seed, out_dir=str(work / "loss" / slug(name)), **change)
            runs.append((name, loss, seed, cfg))
    name = f"{FULL_LOSS}, transposed decoder, seed 0"
    runs.append((name, FULL_LOSS + " (transposed decoder)", 0,
                 base.replace(loss_weights=LOSSES[FULL_LOSS], seed=0, decoder="transpose",
                              out_dir=str(work / "loss" / slug(name)), **change)))
    return runs


def evaluate_real(out_dir: Path, config, crop_px: int) -> dict:
    """Final metrics of one loss-study model on the held-out real fields (whole and per crop)."""
    from frcnet_lite import comparison
    from frcnet_lite.model import load_model
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled

    model = load_model(out_dir)
    fields, crops = {}, {k: [] for k in METRIC_KEYS}
    checker = {}
    fields = comparison.held_out_fields(config.image_pairs_dir, config.val_fields)
    for name, (sparse, dense) in fields.items():
        pred = predict_tiled(sparse, model_predict_fn(model), TilingConfig(), progress=False)  # one pass: relative
        fields[name] = comparison.score(pred, dense)
        checker[name] = comparison.nyquist_corner_power(pred) / comparison.nyquist_corner_power(dense)
        for y, x in comparison.crop_origins(sparse.shape, crop_px):
            win = np.s_[y:y + crop_px, x:x + crop_px]
            s = comparison.score(pred[win], dense[win])
            for k in METRIC_KEYS:
                crops[k].append(s[k])
    return {"fields": fields, "crops": {k: _summary(v) for k, v in crops.items()}, "checkerboard_ratio": checker}


def real_baselines(config, crop_px: int) -> dict:
    """The oracle blur, histogram and anisotropic KDE on the same held-out fields (for the table)."""
    from frcnet_lite import comparison

    out = {}
    fields = comparison.held_out_fields(config.image_pairs_dir, config.val_fields)
    for name, (sparse, dense) in fields.items():
        c = comparison.compare_field(sparse, dense, dense)
        out[name] = {m: r for m, r in c.rows.items() if m != "network"}
        out[name]["blur_sigma_px"] = c.blur_sigma_px
    return out


# --------------------------------------------------------------------------------- target study
def simulated_pairs(kind: str, split: str, quick: bool, work: Path):
    """Training / held-out pairs from simulated fields through ``build_pairs`` (cached)."""
    from frcnet_lite.pairs import build_pairs, load_pairs, save_pairs
    from frcnet_lite.simulate import SimulationConfig, simulate_microtubules
    from frcnet_lite.targets import TargetSpec

    path = work / "target" / "pairs" / f"{kind}_{split}.npz"
    if path.is_file():
        return load_pairs(path)
    n = {"train": 3 if quick else 24, "val": 2 if quick else 8}[split]
    first = {"train": 1000, "val": 2000}[split]
    fields = {f"{split}{i}": simulate_microtubules(SimulationConfig(field_size_nm=1920 if quick else 3840,
                                                                    seed=first + i))
              for i in range(n)}
    # every parameter of the target, from the one registry (frcnet_lite.targets), recorded in the pairs
    pairs = build_pairs(fields, fraction=0.1, target_kind=kind, target_params=TargetSpec(kind).params,
                        pixel_size_nm=5.0, patch_px=384 if split == "train" else 192, seed=first, progress=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_pairs(pairs, path)
    return pairs


def target_runs(seeds: int, epochs: int, quick: bool, work: Path):
    """(name, target, seed, TrainConfig) of every target-study run."""
    from frcnet_lite.training import TrainConfig

    runs = []
    for kind in TARGETS:
        for seed in range(seeds):
            name = f"{kind} KDE targets, seed {seed}"
            cfg = TrainConfig.lite(target_kind=kind, loss_weights=LOSSES[FULL_LOSS], seed=seed, epochs=epochs,
                                   decay_epochs=epochs // 2, steps_per_epoch=2 if quick else 100, patch_size=128,
                                   batch_size=8, val_size=128, out_dir=str(work / "target" / slug(name)))
            runs.append((name, kind, seed, cfg))
    return runs


def evaluate_simulated(out_dir: Path, val) -> dict:
    """Final metrics of one target-study model against the ground truth of the held-out patches."""
    from frcnet_lite import comparison
    from frcnet_lite.model import load_model, predict_image

    # patches with structure only: an empty truth has no PSNR (MSE 0 against an empty prediction)
    keep = np.flatnonzero((val.truths.max(axis=(1, 2)) > 0) & (val.inputs.sum(axis=(1, 2)) >= MIN_COUNTS))
    pred = predict_image(load_model(out_dir), val.inputs[keep])
    rows = [comparison.score(p, t, normalisation="lstsq") for p, t in zip(pred, val.truths[keep])]
    return {"patches": {k: _summary([r[k] for r in rows]) for k in METRIC_KEYS},
            "per_patch": {k: [r[k] for r in rows] for k in METRIC_KEYS}}


# ------------------------------------------------------------------------------------ running
def run_all(kind: str, runs, evaluate, work: Path, log) -> dict:
    """Train and evaluate each run not yet finished; return ``{name: result}``."""
    from frcnet_lite.training import load_history, train

    results = {}
    for name, group, seed, cfg in runs:
        out = Path(cfg.out_dir)
        done = out / "study_result.json"
        if done.is_file():
            results[name] = json.loads(done.read_text())
            continue
        log(f"[{kind}] training {name} -> {out}")
        t0 = time.time()
        res = train(cfg, progress=False) if kind == "loss" else train(cfg, *evaluate["pairs"](cfg), progress=False)
        if len(res.history) < cfg.epochs:
            raise SystemExit(f"{name} stopped early; rerun to resume")
        metrics = evaluate["final"](out, cfg)
        result = {"group": group, "seed": seed, "config": cfg.to_dict(), "train_seconds": time.time() - t0,
                  "history": load_history(out), **metrics}
        done.write_text(json.dumps(result, indent=2))
        log(f"[{kind}] {name}: done in {result['train_seconds'] / 60:.1f} min")
        results[name] = result
    return results


def group_summary(results: dict, per: str) -> dict:
    """Mean +/- SEM per group (loss or target) over seeds and fields / patches."""
    groups: dict = {}
    for r in results.values():
        g = groups.setdefault(r["group"], {k: [] for k in METRIC_KEYS})
        for k in METRIC_KEYS:
            if per == "fields":
                g[k] += [f[k] for f in r["fields"].values()]
            else:
                g[k] += r["per_patch"][k]
    return {g: {k: _summary(v) for k, v in vals.items()} for g, vals in groups.items()}


def write_csv(path: Path, summary: dict, label: str) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([label] + [f"{k}{s}" for k in METRIC_KEYS for s in ("_mean", "_sem")] + ["n"])
        for g, row in summary.items():
            w.writerow([g] + [f"{row[k][i]:.6g}" for k in METRIC_KEYS for i in (0, 1)] + [row[METRIC_KEYS[0]][2]])


def plot_study(results: dict, summary: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(summary)
    colours = {g: f"C{i}" for i, g in enumerate(groups)}
    fig, ax = plt.subplots(1, 4, figsize=(13, 3.2))
    for name, r in results.items():
        h = r["history"]
        ep = [e["epoch"] for e in h]
        ls = "-" if r["seed"] == 0 else "--"
        ax[0].plot(ep, [e["val_ms_ssim"] for e in h], ls, color=colours[r["group"]], lw=1)
        ax[1].plot(ep, [e["val_frc"] for e in h], ls, color=colours[r["group"]], lw=1,
                   label=r["group"] if r["seed"] == 0 else None)
    ax[0].set(title="held-out MS-SSIM loss", xlabel="epoch")
    ax[1].set(title="held-out area-FRC loss", xlabel="epoch")
    ax[1].legend(fontsize=7)
    for a, key, lab in ((ax[2], "ms_ssim", "MS-SSIM"), (ax[3], "psnr_db", "PSNR (dB)")):
        m = [summary[g][key][0] for g in groups]
        e = [summary[g][key][1] for g in groups]
        a.bar(range(len(groups)), m, yerr=e, color=[colours[g] for g in groups], capsize=3)
        a.set_xticks(range(len(groups)), [g.replace(" + ", "+\n").replace(" (", "\n(") for g in groups], fontsize=6)
        lo = min(mi - 3 * (ei if np.isfinite(ei) else 0) for mi, ei in zip(m, e))
        a.set_ylim(lo - 0.02 * abs(lo), None)
        a.set_title(f"final {lab} (mean ± SEM)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="the stored study (hours on a CPU)")
    mode.add_argument("--quick", action="store_true", help="a smoke test (minutes)")
    ap.add_argument("--summarise", action="store_true", help="only tables and figures from finished runs")
    ap.add_argument("--only", choices=("loss", "target"), default=None, help="run one part only")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--loss-epochs", type=int, default=15, help="epochs of 100 steps per loss-study run")
    ap.add_argument("--target-epochs", type=int, default=15, help="epochs of 100 steps per target-study run")
    ap.add_argument("--work", type=Path, default=None, help="training folders (default build/study[-quick])")
    ap.add_argument("--out", type=Path, default=None, help="results (default frcnet_lite/studies)")
    args = ap.parse_args(argv)
    quick = not args.full
    work = args.work or ROOT / ("build/study-quick" if quick else "build/study")
    out = args.out or (ROOT / "build" / "study-quick" / "results" if quick else ROOT / "frcnet_lite" / "studies")
    out.mkdir(parents=True, exist_ok=True)
    loss_epochs, target_epochs = (1, 1) if quick else (args.loss_epochs, args.target_epochs)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    study: dict = {"created": time.strftime("%Y-%m-%d %H:%M"), "quick": quick, "cpu_count": os.cpu_count()}
    previous = out / "study.json"
    if previous.is_file():
        study = {**json.loads(previous.read_text()), **study}
    if args.only in (None, "loss"):
        runs = loss_runs(args.seeds, loss_epochs, quick, work)
        cfg0 = runs[0][3]
        if args.summarise:
            runs = [r for r in runs if (Path(r[3].out_dir) / "study_result.json").is_file()]
        res = run_all("loss", runs, {"final": lambda o, c: evaluate_real(o, c, 256 if quick else 512)}, work, log)
        summary = group_summary(res, "fields")
        study["loss"] = {"runs": res, "summary": summary, "baselines": real_baselines(cfg0, 512),
                         "held_out_fields": list(cfg0.val_fields), "epochs": loss_epochs,
                         "steps": loss_epochs * cfg0.steps_per_epoch}
        write_csv(out / "loss_study.csv", summary, "loss")
        plot_study(res, summary, out / "loss_study.png",
                   f"Which loss: real COS-7 pairs, held-out fields {', '.join(cfg0.val_fields)}")
    if args.only in (None, "target"):
        val = {k: simulated_pairs(k, "val", quick, work) for k in TARGETS}
        runs = target_runs(args.seeds, target_epochs, quick, work)
        if args.summarise:
            runs = [r for r in runs if (Path(r[3].out_dir) / "study_result.json").is_file()]
        hooks = {"pairs": lambda c: (simulated_pairs(c.target_kind, "train", quick, work), val[c.target_kind]),
                 "final": lambda o, c: evaluate_simulated(o, val[c.target_kind])}
        res = run_all("target", runs, hooks, work, log)
        summary = group_summary(res, "patches")
        n_scored = next(iter(res.values()))["patches"]["ms_ssim"][2] if res else 0
        study["target"] = {"runs": res, "summary": summary, "n_patches": int(n_scored),
                           "epochs": target_epochs}
        write_csv(out / "target_study.csv", summary, "target")
        plot_study(res, summary, out / "target_study.png",
                   "Which target: simulations, judged against the ground truth")
    previous.write_text(json.dumps(study, indent=1))
    log(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
