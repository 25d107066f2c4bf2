"""``frcnet-lite reconstruct``: whole-field reconstruction of a localization file or sparse image."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from ._common import (
    READ_OPTION_NAMES, CliError, add_localization_options, check_input, check_output, nonnegative_int, positive_float,
    positive_int, rename_options, same_file,
)

__all__ = ["add_parser", "run"]

_TILING_OPTIONS = {"tile_size_px": "--tile-size", "overlap_px": "--overlap", "batch_size": "--batch-size"}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``reconstruct`` subcommand."""
    p = subparsers.add_parser(
        "reconstruct",
        help="reconstruct a whole field (localizations or sparse image) into a 32-bit TIFF",
        description=(
            "Render the input at the model's pixel size, run the U-Net over it in overlapping, smoothly "
            "blended tiles and write a 32-bit float TIFF whose pixel size Fiji/ImageJ reads. Inputs: any "
            "localization file frcnet_lite.io reads, or an image of localization counts (TIFF, PNG, ...)."
        ),
    )
    p.add_argument("input", type=Path, help="localization file or sparse count image")
    p.add_argument("-o", "--output", type=Path, required=True, help="output TIFF (written only when complete)")
    p.add_argument("--model", default=None, metavar="NAME|FOLDER",
                   help="a shipped model's name (see frcnet-lite models) or a model folder (default: the shipped "
                        "model trained at the pixel size nearest the input's; simulated for localization files)")
    p.add_argument("--pixel-size-nm", type=positive_float, default=None,
                   help="pixel size of an input image in nm (required unless the TIFF is calibrated)")
    p.add_argument("--tile-size", type=positive_int, default=256, help="tile side in pixels (default 256)")
    p.add_argument("--overlap", type=nonnegative_int, default=64, help="overlap between tiles in pixels (default 64)")
    p.add_argument("--batch-size", type=positive_int, default=8, help="tiles per network call (default 8)")
    p.add_argument("--trust-map", type=Path, default=None, metavar="PATH",
                   help="also write a data-support map to PATH (.tif/.tiff, or .npy for a numpy array): near 0 "
                        "where the output is bright but the input holds few localizations nearby (e.g. a bridged "
                        "gap), near 1 where they back it. It flags some inventions, not all (see "
                        "frcnet_lite.trust); it is not a proof that the rest is right")
    p.add_argument("--trust-method", choices=("support", "halves"), default="support",
                   help="the map --trust-map writes: support (default; no extra network pass) or halves (agreement "
                        "of two half-data reconstructions; two more passes, flags bridged gaps worse)")
    p.add_argument("--seed", type=int, default=0, help="seed of the half split for --trust-method halves (default 0)")
    p.add_argument("--no-tta", action="store_true",
                   help="one network pass per tile instead of the mean over its 8 rotations and flips "
                        "(8 times faster, slightly worse)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_localization_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``reconstruct``; returns 0 on success, 2 for bad input (message on stderr)."""
    from ..reconstruct import TilingConfig, reconstruct_file  # noqa: PLC0415

    # every path is checked before the model is loaded or anything computed (errors: cli.main prints them)
    check_output(args.output, "--output", (".tif", ".tiff"), inputs=[args.input])
    if args.trust_map is not None:
        if same_file(args.trust_map, args.output):
            raise CliError(f"--trust-map {args.trust_map} is the same file as --output {args.output}; expected two "
                           "different names (e.g. --trust-map trust.tif)")
        check_output(args.trust_map, "--trust-map", (".tif", ".tiff", ".npy"), inputs=[args.input])
    check_input(args.input, "INPUT")
    try:
        config = TilingConfig(tile_size_px=args.tile_size, overlap_px=args.overlap, batch_size=args.batch_size)
    except ValueError as exc:
        raise CliError(rename_options(str(exc), _TILING_OPTIONS)) from None
    read_options = {"format": args.format, "pixel_size_nm": args.camera_pixel_nm, "columns": args.columns,
                    "unit": args.unit, "drop_invalid": args.drop_invalid, "first_frame": args.first_frame,
                    "roi": args.roi, "option_names": {**READ_OPTION_NAMES, "max_pixels": "--max-pixels",
                                                      "roi": "--roi"}}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:  # printed below as one line each
        warnings.simplefilter("always", UserWarning)
        result = reconstruct_file(
            args.input, args.output, model=args.model, pixel_size_nm=args.pixel_size_nm, config=config,
            trust_map_path=args.trust_map, trust_method=args.trust_method, seed=args.seed,
            progress=False if args.quiet else None,
            read_options=read_options, max_pixels=args.max_pixels, tta=not args.no_tta,
        )
    if result.get("default_model"):
        print(f"model: {result['default_model']} (the shipped model nearest the input's pixel size; "
              "choose another with --model)")
    notes = [str(w.message) for w in caught] + list(result.get("warnings", ()))
    for note in dict.fromkeys(notes):  # the input warnings are both issued and returned: each once
        print(f"warning: {' '.join(note.split())}", file=sys.stderr)
    h, w = result["shape"]
    print(f"wrote {result['output']} ({h} x {w} px, {result['pixel_size_nm']:g} nm/px) "
          f"in {time.perf_counter() - start:.1f} s")
    if result["trust_map"]:
        print(f"wrote trust map ({args.trust_method}) {result['trust_map']}")
    return 0
