"""``frcnet-lite pairs``: training image pairs from your own localization files (``pairs LOCS -o DIR``).

Each localization file is one field: its dense target (any registered target kind) and one or
more sparse inputs (histograms of random time windows holding a fraction of the localizations)
are written as calibrated TIFFs that ``frcnet-lite train`` reads with ``image_pairs_dir: DIR``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ._common import add_localization_options, check_raster, field_extent_note, positive_float, read_localization_file

__all__ = ["add_parser", "run", "parse_fraction"]


def parse_fraction(text: str) -> float | tuple[float, float]:
    """``"0.1"`` -> 0.1, ``"0.05:0.3"`` -> (0.05, 0.3) (a range, drawn from per window).

    Examples
    --------
    >>> parse_fraction("0.1"), parse_fraction("0.05:0.3")
    (0.1, (0.05, 0.3))
    """
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.1 or a range such as 0.05:0.3, "
                                         f"got {text!r}") from None
    if len(parts) > 2 or not all(0 < p <= 1 for p in parts) or parts != sorted(parts):
        raise argparse.ArgumentTypeError(f"fractions must lie in (0, 1] (a range as lo:hi with lo <= hi), got {text!r}")
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``pairs`` subcommand."""
    from ..pairs import TARGET_KINDS  # noqa: PLC0415

    p = subparsers.add_parser("pairs", help="render training image pairs from localization files",
                              description=__doc__.split("\n\n")[0].split(": ", 1)[1].replace("\n", " "))
    p.add_argument("locs", nargs="+", type=Path, metavar="LOCS", help="localization files, one field each")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the pairs")
    p.add_argument("--pixel-size-nm", type=positive_float, default=10.0,
                   help="pixel size of the images in nm (default 10)")
    p.add_argument("--fraction", type=parse_fraction, default=(0.05, 0.3), metavar="F|LO:HI",
                   help="fraction of localizations in each sparse window, or a range to draw from (default 0.05:0.3)")
    p.add_argument("--windows", type=int, default=1, help="sparse windows per field (default 1)")
    p.add_argument("--target", default="anisotropic", choices=TARGET_KINDS,
                   help="dense target kind (default anisotropic)")
    p.add_argument("--seed", type=int, default=0, help="seed of the windows (default 0)")
    add_localization_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Write the pairs; returns 0, or 2 for bad input (one line on stderr)."""
    from ..pairs import write_image_pairs  # noqa: PLC0415
    from ..rendering import data_fov_nm  # noqa: PLC0415

    if args.output.exists() and not args.output.is_dir():
        print(f"error: --output {str(args.output)!r} exists and is not a folder", file=sys.stderr)
        return 2
    if args.windows < 1:
        print(f"error: --windows must be >= 1, got {args.windows}", file=sys.stderr)
        return 2
    if not args.pixel_size_nm > 0:
        print(f"error: --pixel-size-nm must be > 0, got {args.pixel_size_nm}", file=sys.stderr)
        return 2
    stems = [p.stem for p in args.locs]
    if len(set(stems)) != len(stems):
        print(f"error: the localization files' names must differ (they name the fields), got {stems}", file=sys.stderr)
        return 2
    fields = {}
    for p in args.locs:  # errors (one line, naming the file and option) are printed by cli.main
        fields[p.stem.replace("@", "_")] = locs = read_localization_file(args, p)
        check_raster(data_fov_nm(locs, args.pixel_size_nm), args.pixel_size_nm, args.max_pixels, str(p))
        note = field_extent_note(locs, args.pixel_size_nm, p)
        if note:
            warnings.warn(f"{note} (too small a field to train on)", UserWarning, stacklevel=2)
    try:
        files = write_image_pairs(fields, args.output, fraction=args.fraction, windows=args.windows,
                                  target_kind=args.target, pixel_size_nm=args.pixel_size_nm, seed=args.seed)
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(files) // 2} pairs of {len(fields)} field(s) to {args.output} "
          f"(train with image_pairs_dir: {args.output} and val_fields: [<a field name>])")
    return 0
