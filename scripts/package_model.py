"""Train (resumable), evaluate and package a shipped model trained on image pairs (e.g. ``cos7``).

    python scripts/package_model.py cos7            # configs/cos7.yaml -> frcnet_lite/pretrained/cos7/
    python scripts/package_model.py cos7 --recard   # no training: evaluate the shipped model, render its card

1. Trains with ``frcnet-lite train``'s code path (:func:`frcnet_lite.training.train`) from the
   config ``configs/<name>.yaml`` (``image_pairs_dir`` + ``val_fields``: split by field).
   Interrupted? Run the same command again: it resumes from the last epoch.
2. Evaluates on the held-out fields, whole, by the package's protocol
   (:func:`frcnet_lite.validation.evaluate_real`, :func:`frcnet_lite.validation.psnr_budget`).
3. Copies the model, its config, history, curves and ``results.json`` into
   ``frcnet_lite/pretrained/<name>/`` (through a staging folder, swapped in at the end) with the card
   rendered from the results (:func:`frcnet_lite.modelcard.real_readme`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def evaluate(model, config) -> dict:
    """The ``results.json`` of a model: per held-out field, every method, and where the PSNR goes."""
    from frcnet_lite import validation

    t0 = time.time()
    record, images = validation.evaluate_real(model, config.image_pairs_dir, config.val_fields)
    budget = {f: validation.psnr_budget(im["prediction"], im["sparse"], im["dense"],
                                        record[f]["blur_sigma_px"]["psnr_db"]) for f, im in images.items()}
    return {"fields": record, "budget": budget, "protocol": validation.protocol_dict(),
            "pixel_size_nm": model.frcnet_info.pixel_size_nm, "train_config": model.frcnet_info.train_config,
            "evaluation_minutes": (time.time() - t0) / 60}


def finish(name: str, folder: Path, results: dict) -> str:
    """Write ``results.json``, update ``model.json`` and return the card."""
    from frcnet_lite import modelcard
    from frcnet_lite.model import read_model_info

    (folder / "results.json").write_text(json.dumps(results, indent=1))
    recs = [{"field": f, **r["rows"]} for f, r in results["fields"].items()]
    mg = modelcard.set_margins(modelcard.summarise_set(recs, methods=("network", "best blur (oracle)")))
    info = read_model_info(folder)
    modelcard.update_model_json(folder, {
        "description": f"real COS-7 dSTORM pairs ({', '.join(info.data.get('train_fields', []))}); held out: "
                       f"{', '.join(results['train_config']['val_fields'])}",
        "input": "sparse histogram of a subset of localizations (counts, 10 nm px)",
        "validation": "paired margin over the oracle Gaussian blur on the whole held-out fields (MS-SSIM / PSNR dB / "
                      "area-FRC 0.2): " + "; ".join(
                          f"{f} " + " / ".join(f"{mg[k].per_unit[f]:+.{d}f}" for k, d in
                                               zip(modelcard.KEYS, (3, 2, 3))) for f in results["fields"])
                      + f" ({mg['ms_ssim'].n_text}: too few for an interval)",
        "departures_from_paper": modelcard.departures_from_paper(results["train_config"])})
    return modelcard.real_readme(name, results, read_model_info(folder).data)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", help="model name: trains configs/<name>.yaml into frcnet_lite/pretrained/<name>/")
    ap.add_argument("--config", default=None, help="config file (default configs/<name>.yaml)")
    ap.add_argument("--package-dir", default=None, help="default frcnet_lite/pretrained/<name>")
    ap.add_argument("--no-package", action="store_true", help="train and evaluate, but do not copy")
    ap.add_argument("--recard", action="store_true", help="no training: evaluate the shipped model and render its card")
    args = ap.parse_args(argv)

    from frcnet_lite.model import load_model
    from frcnet_lite.modelcard import install, machine
    from frcnet_lite.plotting import plot_history
    from frcnet_lite.training import load_history, read_config, train

    cfg_path = Path(args.config or f"configs/{args.name}.yaml")
    config = read_config(cfg_path)
    pkg = Path(args.package_dir or f"frcnet_lite/pretrained/{args.name}")
    if not Path(config.image_pairs_dir).is_dir():
        raise SystemExit(f"error: the held-out fields are in {config.image_pairs_dir!r}, which is not here")
    if args.recard:
        old = json.loads((pkg / "results.json").read_text()) if (pkg / "results.json").is_file() else {}
        results = evaluate(load_model(pkg), config)
        results["timing"] = old.get("timing") or {
            "train_minutes": sum(r["seconds"] for r in load_history(pkg)) / 60,
            "machine": {"cpu_count": 2, "processor": "x86_64"}}  # where the shipped model was trained
        (pkg / "README.md").write_text(finish(args.name, pkg, results))
        (pkg / "validation.json").unlink(missing_ok=True)
        print(f"card rendered in {pkg}")
        return 0
    work = Path(config.out_dir)
    print(config)
    result = train(config)
    if len(result.history) < config.epochs:
        print("training stopped early; run the same command again to resume")
        return 1
    results = evaluate(load_model(work), config)
    results["timing"] = {"train_minutes": sum(r["seconds"] for r in load_history(work)) / 60, "machine": machine()}
    fig = plot_history(load_history(work), title=f"{args.name} training")
    fig.savefig(work / "training_curves.png", dpi=100)
    readme = finish(args.name, work, results)
    if args.no_package:
        print(readme)
        return 0
    files = [work / f for f in ("model.keras", "model.json", "config.json", "history.csv", "training_curves.png",
                                "results.json")]
    install(pkg, files, {"train_config.yaml": cfg_path.read_text(), "README.md": readme})
    print(f"packaged into {pkg} ({sum(f.stat().st_size for f in pkg.iterdir()) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
