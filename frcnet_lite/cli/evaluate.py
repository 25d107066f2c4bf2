"""``frcnet-lite evaluate``: PSNR, MSE, MS-SSIM and area-FRC of a prediction against a target."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

__all__ = ["add_parser", "run", "read_any_image"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``evaluate`` subcommand."""
    p = subparsers.add_parser(
        "evaluate",
        help="print image-quality metrics of a prediction against a target",
        description=(
            "PSNR, MSE, MS-SSIM (after intensity normalisation) and area-FRC at cutoffs 0.2 and 0.5 of a "
            "prediction against a target image (TIFF, PNG or .npy). With --input, the same metrics for the "
            "non-learned baselines of the sparse input (histogram, Gaussian KDE, anisotropic KDE)."
        ),
    )
    p.add_argument("prediction", type=Path, help="predicted image")
    p.add_argument("target", type=Path, help="target image of the same shape")
    p.add_argument("--input", type=Path, default=None, help="sparse input image: also evaluate its baselines")
    p.add_argument("--normalisation", choices=("lstsq", "percentile", "none"), default="lstsq",
                   help="intensity normalisation (default lstsq: target to its percentile, prediction fitted)")
    p.add_argument("--percentile", type=float, default=99.9, help="percentile that maps to 1 (default 99.9)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def read_any_image(path: Path) -> np.ndarray:
    """Read a 2D image from TIFF/PNG/JPEG/BMP or ``.npy`` as float32."""
    if path.suffix.lower() == ".npy":
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        arr = np.load(path, allow_pickle=False)
        if arr.ndim != 2:
            raise ValueError(f"{path} holds an array of shape {arr.shape}; expected a 2D image")
        return arr.astype(np.float32)
    from ..io import read_image_with_pixel_size  # noqa: PLC0415

    return read_image_with_pixel_size(path)[0]


def _clean(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 6)


def run(args: argparse.Namespace) -> int:
    """Run ``evaluate``; returns 0 on success, 2 for bad input (message on stderr)."""
    from .. import metrics  # noqa: PLC0415

    try:
        images = {"prediction": read_any_image(args.prediction)}
        target = read_any_image(args.target)
        if args.input is not None:
            images.update(metrics.baseline_images(read_any_image(args.input)))
        rows = {
            name: metrics.evaluate_pair(img, target, args.normalisation, args.percentile)
            for name, img in images.items()
        }
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out = {name: {k: _clean(v) for k, v in row.items()} for name, row in rows.items()}
        print(json.dumps(out, indent=2))
    else:
        print(f"normalisation: {args.normalisation} (percentile {args.percentile:g})")
        print(metrics.format_table(rows))
    return 0
