"""Train (resumable), evaluate and package a shipped model trained on image pairs (e.g. ``cos7``).

    python scripts/package_model.py cos7                 # configs/cos7.yaml -> frcnet_lite/pretrained/cos7/

1. Trains with ``frcnet-lite train``'s code path (:func:`frcnet_lite.training.train`) from the
   config ``configs/<name>.yaml`` (``image_pairs_dir`` + ``val_fields``: split by field).
   Interrupted? Run the same command again: it resumes from the last epoch.
2. Evaluates on the held-out fields against the strongest baselines
   (``scripts/real_data_table.py``: oracle Gaussian blur per metric, histogram, anisotropic KDE).
3. Copies the model, its config, history, curves, validation table (JSON + README) into
   ``frcnet_lite/pretrained/<name>/`` (through a staging folder, swapped in at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))


def sqrt_note(info) -> str:
    """The README's words for the model's input transform (nothing for the linear one)."""
    if getattr(info, "input_transform", "linear") == "sqrt":
        return "; the network sees their square root (variance-stabilised, `input_transform: sqrt`)"
    return ""


def budget_section(budget: dict, pixel_size_nm: float) -> str:
    """The README's "Where the PSNR goes" table and its reading, computed from :func:`psnr_budget.run`."""
    from psnr_budget import REGIONAL_PX, markdown, regional_label

    def gain(row: str, field: str) -> float:
        return budget[field][row] - budget[field]["network"]

    from_blur, from_dense = regional_label("the blur"), regional_label("the dense image")
    share = [gain(from_blur, f) / gain(from_dense, f) for f in budget]
    lin = max(budget[f]["best linear filter (oracle)"] - budget[f]["oracle blur"] for f in budget)
    cal = max(gain("network, monotone recalibration (oracle)", f) for f in budget)
    dense = min(gain(from_dense, f) for f in budget)
    return f"""{markdown(budget)}

No isotropic linear filter of the sparse input (any combination of Gaussian blurs) beats the oracle blur by more
than {lin:.2f} dB here,
and no pointwise correction of the network's intensities adds more than {cal:.2f} dB. The brightness of
{REGIONAL_PX * pixel_size_nm / 1000:.2f} µm regions is worth at least {dense:.2f} dB (the last row), but taken from the blur
of the sparse input the same correction recovers only {min(share):.0%}-{max(share):.0%} of that: the sparse window
does not carry most of it."""


def _readme(name: str, config, info, table: str, met: bool, out: dict, train_s: float, wall_s: float | None,
            budget: dict | None = None) -> str:
    from real_data_table import REQUIRED

    data = info.data
    cb = "; ".join(f"{f}: {r['checkerboard']['ratio']:.2f}" for f, r in out.items())
    wall = f"{wall_s / 60:.1f} min wall time" if wall_s else "wall time not recorded (resumed run)"
    return f"""# `{name}`: frcnet-lite model trained on real COS-7 dSTORM image pairs

Lite pix2pix U-Net (depth {config.depth}, {config.base_filters}..{config.max_filters} filters, {config.decoder}
decoder) trained on {len(data.get('train_fields', []))} real fields ({', '.join(data.get('train_fields', []))}) of the
COS-7 microtubule data published with Berberich et al., Front. Bioinform. 2021 (CIA-CCTB/FRCnet, MIT licence);
fields {', '.join(config.val_fields)} were held out (split by field: no pixel of them was trained on).

- input: histogram of a sparse subset of the localizations (raw counts per {info.pixel_size_nm:g} nm pixel;
  median {data.get('input_counts_per_um2', float('nan')):.0f} localizations per um^2 in training{sqrt_note(info)});
  output: the dense image (the pairs' `_full` rendering of all localizations, in its 16-bit units);
- loss {config.loss_weights} (area-FRC cut-off {config.frc_cutoff}), {config.epochs} epochs x {config.steps_per_epoch}
  steps, batch {config.batch_size}, {config.patch_size} px patches (rotation + flips), seed {config.seed};
- training time: {train_s / 60:.1f} min of training steps, {wall}, on {os.cpu_count()} CPU cores
  ({platform.processor() or platform.machine()}).

Use: `frcnet-lite reconstruct SPARSE.png --pixel-size-nm 10 --model {name} -o out.tif`, or
`frcnet_lite.model.load_model("{name}")`. Reproduce: `python scripts/package_model.py {name}`
(config: `train_config.yaml`; curves: `history.csv`, `training_curves.png`).

## Validation on the held-out fields

Whole-field values against the dense image after an affine least-squares intensity fit; in parentheses the
mean ± SEM over the field's non-overlapping 512 px crops. "best blur (oracle)" is the Gaussian blur of the
sparse input whose width σ was chosen *per metric on that same field* — a baseline no user could pick without
the dense image. Margins required over it: {', '.join(f'{k} +{v:g}' for k, v in REQUIRED.items())}
({'met on every held-out field' if met else 'NOT met on every held-out field'}). Regenerate:
`python scripts/real_data_table.py --model {name}`.

{table}

Checkerboard (power within 0.1 cycles/px of Nyquist, network / dense image): {cb}.
The network's output is the mean over the 8 rotations and flips of each tile (test-time augmentation, the
default of `frcnet-lite reconstruct`; `--no-tta` for one pass).

## How the settings were chosen (measured once, 2026-12-01, on these held-out fields)

Margins over the oracle blur (MS-SSIM / PSNR dB / area-FRC, whole fields spot01; spot10), one pass per tile:

| run | spot01 | spot10 |
|---|---|---|
| pix2pix settings (dropout in 3 decoder blocks, Adam 2e-4 / 0.5), 3,000 steps | +0.006 / -0.12 / +0.011 | +0.009 / -0.10 / +0.022 |
| no dropout, Adam 1e-3 / 0.9, 1,000 steps | +0.002 / -0.10 / +0.013 | +0.007 / -0.09 / +0.024 |
| the same + MSE (weight 5), 1,000 steps | +0.006 / -0.10 / +0.008 | +0.010 / -0.08 / +0.023 |
| the same, with the 8-fold test-time average | +0.009 / -0.05 / +0.015 | +0.013 / -0.03 / +0.028 |

Measured 2026-12-02 with the 8-fold average (compare the 1,000-step rows with the last row above, the others with
the shipped model's table):

| run | spot01 | spot10 |
|---|---|---|
| MSE weight 50 instead of 5, 1,000 steps | +0.003 / -0.11 / +0.011 | +0.012 / -0.03 / +0.027 |
| MSE weight 200, no L1, 1,000 steps | -0.053 / -0.91 / -0.026 | -0.017 / -0.48 / -0.003 |
| `unet_fullres` generator (a full-resolution head that sees the input pixels), 1,000 steps | +0.007 / -0.10 / +0.009 | +0.009 / -0.10 / +0.021 |
| the shipped model fine-tuned 5,000 more steps (`init_from`, Adam 5e-4, seed 1) | +0.010 / -0.09 / +0.014 | +0.014 / -0.05 / +0.029 |
| that, with BatchNorm statistics re-estimated over 800 training patches | +0.008 / -0.11 / +0.012 | +0.013 / -0.07 / +0.027 |
| the shipped model's and the MSE-50 run's outputs averaged (an ensemble of two) | +0.013 / +0.00 / +0.020 | +0.017 / +0.01 / +0.032 |
| targets rescaled per field to one gain and offset against the σ = 3 px blur of their input (the `_full` images are each stretched to a similar 99.9th percentile, so their gain per sparse count differs 4.4-fold between fields), 1,000 steps | -0.001 / -0.06 / +0.018 | +0.009 / +0.00 / +0.033 |
| square-root input (`input_transform: sqrt`), 5,000 steps | +0.011 / -0.06 / +0.015 | +0.010 / -0.09 / +0.023 |

None is better than the shipped model by more than the run-to-run spread, so it stays as it is: the last row of
the first table trained for {config.epochs * config.steps_per_epoch:,} steps.

## Where the PSNR goes

Half of the oracle blur's squared error lies on the brightest 2.5 % of pixels (filament centres, dense > 0.5 of its
99.9th percentile), where both it and the network fall short by ~0.4 of that scale on average. How much whole-field
PSNR each kind of improvement could buy at most (`python scripts/psnr_budget.py --model {name}`; rows marked
"oracle" are fitted on the held-out field itself):

{budget_section(budget, info.pixel_size_nm) if budget else "(not measured)"}
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", help="model name: trains configs/<name>.yaml into frcnet_lite/pretrained/<name>/")
    ap.add_argument("--config", default=None, help="config file (default configs/<name>.yaml)")
    ap.add_argument("--package-dir", default=None, help="default frcnet_lite/pretrained/<name>")
    ap.add_argument("--no-package", action="store_true", help="train and evaluate, but do not copy")
    args = ap.parse_args(argv)

    from real_data_table import evaluate

    from frcnet_lite.model import read_model_info
    from frcnet_lite.plotting import plot_history
    from frcnet_lite.training import load_history, read_config, train

    cfg_path = Path(args.config or f"configs/{args.name}.yaml")
    config = read_config(cfg_path)
    work = Path(config.out_dir)
    print(config)
    t0 = time.time()
    resumed = (work / "checkpoint").is_dir()
    result = train(config)
    if len(result.history) < config.epochs:
        print("training stopped early; run the same command again to resume")
        return 1
    wall = None if resumed else time.time() - t0
    if wall is not None:
        (work / "wall_seconds.json").write_text(json.dumps({"wall_s": wall}))
    elif (work / "wall_seconds.json").is_file():
        wall = json.loads((work / "wall_seconds.json").read_text())["wall_s"]
    out, table, met, images = evaluate(str(work), str(cfg_path))
    print(table)
    (work / "validation.json").write_text(json.dumps(out, indent=2))
    fig = plot_history(load_history(work), title=f"{args.name} training")
    fig.savefig(work / "training_curves.png", dpi=100)
    info = read_model_info(work)
    train_s = sum(r["seconds"] for r in load_history(work))
    # what `frcnet-lite models` shows
    margins = {f: {k: round(v, 4) for k, v in r["margin"].items() if k != "mse"} for f, r in out.items()}
    data = dict(info.data, description=f"real COS-7 dSTORM pairs ({', '.join(info.data.get('train_fields', []))}); "
                                       f"held out: {', '.join(config.val_fields)}",
                input="sparse histogram of a subset of localizations (counts, 10 nm px)",
                validation="margin over the oracle Gaussian blur (MS-SSIM, PSNR dB, area-FRC 0.2): " +
                           "; ".join(f"{f} {m['ms_ssim']:+.3f} / {m['psnr_db']:+.2f} / {m['area_frc_0.2']:+.3f}"
                                     for f, m in margins.items()),
                training_minutes_2cpu=round(train_s / 60, 1))
    info_json = json.loads((work / "model.json").read_text())
    info_json["data"] = data
    (work / "model.json").write_text(json.dumps(info_json, indent=2, sort_keys=True))
    info = read_model_info(work)
    from psnr_budget import from_evaluation

    readme = _readme(args.name, config, info, table, met, out, train_s, wall, budget=from_evaluation(images))
    if args.no_package:
        print(readme)
        return 0
    pkg = Path(args.package_dir or f"frcnet_lite/pretrained/{args.name}")
    staging = pkg.with_name(f".{pkg.name}.new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for f in ("model.keras", "model.json", "config.json", "history.csv", "training_curves.png", "validation.json"):
        shutil.copy2(work / f, staging / f)
    shutil.copy2(cfg_path, staging / "train_config.yaml")
    (staging / "README.md").write_text(readme)
    old = pkg.with_name(f".{pkg.name}.old")
    if pkg.exists():
        os.replace(pkg, old)
    os.replace(staging, pkg)
    if old.exists():
        shutil.rmtree(old)
    print(f"packaged into {pkg} ({sum(f.stat().st_size for f in pkg.iterdir()) / 1e6:.1f} MB)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
