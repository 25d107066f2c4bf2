"""``frcnet-lite render LOCS -o OUT.tif``: a localization file as a calibrated 32-bit TIFF.

The histogram (localizations per pixel) at ``--pixel-size-nm``, or a density estimate of it
(``--target gaussian``, ``adaptive`` or ``anisotropic``: :func:`frcnet_lite.targets.make_target`
with the defaults of :data:`frcnet_lite.targets.TARGETS`), written with the pixel size in the TIFF
tags (Fiji/ImageJ read it).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import (
    add_localization_options, check_output, check_raster, field_extent_note, positive_float, read_localization_file,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``render`` subcommand."""
    p = subparsers.add_parser("render", help="render a localization file as a calibrated TIFF (histogram or KDE)",
                              description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("localizations", metavar="LOCS", type=Path, help="localization file (any format frcnet-lite reads)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output TIFF (.tif/.tiff, written when complete)")
    p.add_argument("--pixel-size-nm", type=positive_float, default=10.0, help="pixel size in nm (default 10)")
    from ..targets import TARGET_KINDS  # noqa: PLC0415

    p.add_argument("--target", choices=TARGET_KINDS, default="histogram",
                   help="histogram (counts, default) or a density estimate of it")
    add_localization_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Render and write the TIFF; returns 0 (errors: :func:`frcnet_lite.cli.main` prints them, exit 2)."""
    from ..io import write_tiff  # noqa: PLC0415
    from ..rendering import render_histogram  # noqa: PLC0415

    check_output(args.output, "--output", (".tif", ".tiff"), inputs=[args.localizations])
    locs = read_localization_file(args, args.localizations, "LOCS")
    check_raster(locs.bounds_nm(), args.pixel_size_nm, args.max_pixels, str(args.localizations))
    note = field_extent_note(locs, args.pixel_size_nm, args.localizations)
    if note:
        warnings.warn(f"{note} (the image is that small)", UserWarning, stacklevel=2)
    image = render_histogram(locs, pixel_size_nm=args.pixel_size_nm)
    if args.target != "histogram":
        from ..targets import make_target  # noqa: PLC0415

        image = make_target(image, args.target, pixel_size_nm=args.pixel_size_nm)
    write_tiff(args.output, image, pixel_size_nm=args.pixel_size_nm)
    h, w = image.shape
    print(f"wrote {args.output} ({w} x {h} px at {args.pixel_size_nm:g} nm, {args.target}, "
          f"{len(locs):,} localizations)")
    return 0
