"""``frcnet-lite models``: list the shipped models (name, pixel size, training data, validation)."""

from __future__ import annotations

import argparse
import json

__all__ = ["add_parser", "run", "model_rows"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``models`` subcommand."""
    p = subparsers.add_parser(
        "models", help="list the shipped models",
        description=("List the models shipped with frcnet-lite: their name (for --model NAME and load_model(NAME)), "
                     "pixel size, training data, input, target and validation figures. Without --model, "
                     "reconstruct uses the one trained at the pixel size nearest the input's."),
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def model_rows() -> list[dict]:
    """One dict per shipped model: what ``frcnet-lite models`` prints."""
    from ..model import DEFAULT_MODEL, read_model_info, shipped_models  # noqa: PLC0415
    from ..modelcard import departures_from_paper  # noqa: PLC0415

    rows = []
    for name, folder in shipped_models().items():
        info = read_model_info(folder)
        data, cfg = dict(info.data or {}), dict(info.train_config or {})
        rows.append({
            "name": name + (" (default)" if name == DEFAULT_MODEL else ""),
            "pixel_size_nm": info.pixel_size_nm,
            "training_data": data.get("description") or data.get("kind", "simulated pairs"),
            "input": data.get("input", "sparse histogram (counts)"),
            "target": info.target_kind,
            "decoder": cfg.get("decoder", "transpose"),
            "validation": data.get("validation", ""),
            "departures_from_paper": "; ".join(departures_from_paper(cfg, data.get("target"))) or "none",
            "folder": str(folder),
        })
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON); returns 0."""
    rows = model_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"{r['name']}: {r['pixel_size_nm']:g} nm pixels, {r['decoder']} decoder")
        for key in ("training_data", "input", "target", "validation", "departures_from_paper", "folder"):
            if r[key]:
                print(f"    {key.replace('_', ' ')}: {r[key]}")
    return 0
