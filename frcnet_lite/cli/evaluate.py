"""``frcnet-lite evaluate``: PSNR, MSE, MS-SSIM and area-FRC of a prediction against a target."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from ._common import CliError, check_input, finite_float

__all__ = ["add_parser", "run", "read_any_image"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``evaluate`` subcommand."""
    p = subparsers.add_parser(
        "evaluate",
        help="print image-quality metrics of a prediction against a target",
        description=(
            "PSNR, MSE, MS-SSIM (after intensity normalisation) and area-FRC at cutoffs 0.2 and 0.5 of a "
            "prediction against a target image (TIFF, PNG or .npy). With --input, the same metrics for the "
            "non-learned baselines of the sparse input (histogram, Gaussian KDE, anisotropic KDE). With --model, "
            "the first image is a sparse input that the model reconstructs first (its baselines, and the Gaussian "
            "blur of the best width per metric, an oracle, are added)."
        ),
    )
    p.add_argument("prediction", type=Path, help="predicted image (with --model: the sparse input)")
    p.add_argument("target", type=Path, help="target image of the same shape")
    p.add_argument("--input", type=Path, default=None, help="sparse input image: also evaluate its baselines")
    p.add_argument("--model", default=None, metavar="NAME|FOLDER",
                   help="reconstruct the first image with this model (a shipped name, see frcnet-lite models, "
                        "or a model folder) and compare it with the baselines of that sparse input")
    p.add_argument("--pixel-size-nm", type=finite_float, default=None,
                   help="pixel size of the images in nm (for the Gaussian KDE baseline; default: the model's, else 5)")
    p.add_argument("--normalisation", choices=("affine", "lstsq", "percentile", "none"), default="affine",
                   help="intensity fit before PSNR, MSE and MS-SSIM (default affine: the prediction fitted onto the "
                        "target with a gain and an offset by least squares, the fit of every table of the package; "
                        "lstsq: a gain only, target scaled to its percentile)")
    p.add_argument("--percentile", type=_percentile, default=99.9, help="percentile that maps to 1 (default 99.9)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def _percentile(text: str) -> float:
    value = finite_float(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentile in (0, 100], got {text!r}")
    return value


def read_any_image(path: Path) -> np.ndarray:
    """Read a 2D image from TIFF/PNG/JPEG/BMP or ``.npy`` as float32 (finite, within float32's safe range)."""
    if path.suffix.lower() == ".npy":
        from ..io import IMAGE_MAX_ABS  # noqa: PLC0415

        if path.is_dir():
            raise ValueError(f"{path} is a directory; expected an image file")
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ValueError(f"{path} is not a readable .npy array: {exc}") from None
        if not isinstance(arr, np.ndarray) or arr.ndim != 2 or arr.dtype.kind not in "biuf":
            raise ValueError(f"{path} holds {getattr(arr, 'shape', '?')} {getattr(arr, 'dtype', '')} values; "
                             "expected a 2D array of numbers")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{path} holds NaN or infinite values; expected finite values")
        if arr.size and float(np.abs(arr).max()) > IMAGE_MAX_ABS:
            raise ValueError(f"{path}: values up to {float(np.abs(arr).max()):.3g} overflow float32 arithmetic; "
                             "rescale the image")
        return arr.astype(np.float32)
    from ..io import read_image_with_pixel_size  # noqa: PLC0415

    return read_image_with_pixel_size(path)[0]


def _clean(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 6)


def run(args: argparse.Namespace) -> int:
    """Run ``evaluate``; returns 0 on success, 2 for bad input (message on stderr)."""
    from .. import metrics  # noqa: PLC0415

    for path, option in ((args.prediction, "PREDICTION"), (args.target, "TARGET"), (args.input, "--input")):
        if path is not None:
            check_input(path, option)
    if args.pixel_size_nm is not None and not args.pixel_size_nm > 0:
        raise CliError(f"--pixel-size-nm must be > 0, got {args.pixel_size_nm:g}")
    target = read_any_image(args.target)
    px = args.pixel_size_nm
    if args.model is not None:
        from ..model import load_model  # noqa: PLC0415
        from ..reconstruct import TilingConfig, model_predict_fn, predict_tiled  # noqa: PLC0415

        try:
            model = load_model(args.model)
        except FileNotFoundError as exc:
            raise CliError(f"--model: {exc}") from None
        sparse = read_any_image(args.prediction)
        px = px or model.frcnet_info.pixel_size_nm
        if sparse.shape != target.shape:
            raise CliError(f"the sparse input {args.prediction} ({sparse.shape}) and TARGET {args.target} "
                           f"({target.shape}) must have the same shape")
        images = {f"network ({args.model})": predict_tiled(sparse, model_predict_fn(model, tta=True), TilingConfig(),
                                                           progress=False)}
    else:
        images = {"prediction": read_any_image(args.prediction)}
        if images["prediction"].shape != target.shape:
            raise CliError(f"PREDICTION {args.prediction} ({images['prediction'].shape}) and TARGET {args.target} "
                           f"({target.shape}) must have the same shape")
    if float(target.max()) == float(target.min()):
        raise CliError(f"TARGET {args.target} is constant (every pixel {float(target.min()):g}): PSNR, MS-SSIM and "
                       "FRC are undefined against it; expected a target image with structure")
    if args.input is not None:
        images.update(metrics.baseline_images(read_any_image(args.input), pixel_size_nm=px or 5.0))
    if args.model is not None:
        images.update(metrics.baseline_images(sparse, pixel_size_nm=px))
    rows = {
        name: metrics.evaluate_pair(img, target, args.normalisation, args.percentile)
        for name, img in images.items()
    }
    if args.model is not None:
        from ..comparison import best_blur  # noqa: PLC0415

        best = best_blur(sparse, target, normalisation=args.normalisation)
        rows["best blur (oracle)"] = {k: best[k][0] if k in best else math.nan for k in next(iter(rows.values()))}
    if args.json:
        out = {name: {k: _clean(v) for k, v in row.items()} for name, row in rows.items()}
        print(json.dumps(out, indent=2))
    else:
        print(f"normalisation: {args.normalisation} (percentile {args.percentile:g})")
        print(metrics.format_table(rows))
    return 0
