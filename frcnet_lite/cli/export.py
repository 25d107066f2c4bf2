"""``frcnet-lite export MODEL --format bioimageio -o DIR``: a model as a BioImage Model Zoo package.

Writes a BioImage Model Zoo package, a folder that the zoo's tools open without frcnet-lite:
the description bioimageio.yaml (format 0.5, validated with bioimageio.spec), the weights as
Keras 3 (model.keras, the original),
TensorFlow SavedModel (tf_saved_model.zip) and ONNX (model.onnx, converted with tf2onnx and
checked with onnxruntime; skipped with a note when they are not installed or the converted model
does not agree), a 256 px test tile and what reconstruct --no-tta writes for it, a cover image,
the model card (the model folder's README.md), the licence, the citations (the paper and the
training data) and the pixel size as the scale of the space axes in nm. The input is raw counts
per pixel: the scaling (and the local-density normalisation of the simulated model) are layers
inside the saved graph, so consumers reproduce reconstruct --no-tta on a 256 px tile. What no
consumer does: the 8-fold rotation/flip average of reconstruct (its default) and its blending of
overlapping tiles of a large field (tile with overlap yourself, at least 256 px). The SavedModel
needs a TensorFlow 2 runtime and model.keras Keras 3; the ONNX weights need neither. Needs
pip install "frcnet-lite[bioimageio]" (bioimageio.core, tf2onnx, onnxruntime).
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``export`` subcommand."""
    p = subparsers.add_parser("export", help="write a model as a BioImage Model Zoo package (Fiji, napari, ...)",
                              description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("model", metavar="MODEL",
                   help="a shipped model's name (cos7, simulated: see frcnet-lite models) or a model folder")
    p.add_argument("--format", default="bioimageio",
                   help="package format: bioimageio (the BioImage Model Zoo's, the default and only one)")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="the package folder to create (new or empty; written complete or not at all)")
    p.add_argument("--no-onnx", action="store_true", help="do not convert the weights to ONNX")
    return p


def run(args: argparse.Namespace) -> int:
    """Export and print what was written; returns 0 (errors: :func:`frcnet_lite.cli.main` prints them, exit 2)."""
    from ..export import check_format, check_output_folder, export_model  # noqa: PLC0415
    from ..model import model_folder  # noqa: PLC0415

    check_format(args.format)
    check_output_folder(args.output)
    model_folder(args.model)
    try:
        result = export_model(args.model, args.output, format=args.format, onnx=not args.no_onnx)
    except ModuleNotFoundError as exc:
        raise ValueError(str(exc)) from exc
    print(f"wrote {result['folder']} (BioImage Model Zoo package, bioimageio.yaml validated)")
    print(f"    test tile: {result['tile']}")
    for fmt, check in result["weights"].items():
        print(f"    {fmt}: max |difference| from reconstruct --no-tta {check['max_abs_diff']:.3g} "
              f"({check['relative']:.2g} of the output's maximum {result['test_output_max']:.4g})")
    for note in result["notes"]:
        print(f"    {note}")
    return 0
