"""``frcnet-lite frc``: FRC resolution of a localization file.

Splits the localizations in two halves (random or time blocks, repeated), renders both at a pixel
size, and prints the resolution at the 1/7 (or half-bit) threshold with its spread, the crossing
frequency, and optionally saves the curve plot. ``--json`` prints one JSON object instead.
No number is printed where none was measured: a field narrower than 8 px either way, a time split of
one frame, or a crossing fewer than 4 periods across the field (:data:`MIN_PERIODS`: the halves share
no structure, e.g. too few localizations) is an error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import (
    MIN_FIELD_PX, PLOT_SUFFIXES, CliError, add_localization_options, check_output, check_raster, field_extent_note,
    nonnegative_int, positive_float, positive_int, read_localization_file,
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``frc`` subcommand."""
    p = subparsers.add_parser(
        "frc",
        help="FRC resolution of a localization file",
        description=(
            "Fourier ring correlation resolution of SMLM localizations (Nieuwenhuizen et al. 2013): "
            "split in two halves, render both, find where the FRC falls below the threshold."
        ),
    )
    p.add_argument("localizations", metavar="LOCALIZATIONS",
                   help="localization file (any format frcnet_lite.io.read_localizations reads)")
    p.add_argument("--pixel-size-nm", type=positive_float, default=5.0, help="rendering pixel size in nm (default 5)")
    p.add_argument("--threshold", default="1/7", choices=["1/7", "half-bit"], help="FRC threshold (default 1/7)")
    p.add_argument("--split", default="random", choices=["random", "time"], help="how to make the two halves")
    p.add_argument("--repeats", type=positive_int, default=5, help="random splits to average (default 5)")
    p.add_argument("--smooth-rings", type=nonnegative_int, default=1, help="moving-average half-width of the curve (default 1)")
    p.add_argument("--window", default="none", choices=["none", "tukey", "hamming"], help="Fourier window")
    p.add_argument("--seed", type=int, default=0, help="random seed of the splits (default 0)")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    p.add_argument("--plot", metavar="FILE", type=Path,
                   help=f"save the FRC curve plot to this file (its ending picks the format: {', '.join(PLOT_SUFFIXES)})")
    add_localization_options(p)
    return p


def _save_plot(result, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..resolution import plot_frc

    from .._files import atomic_write

    ax = plot_frc(result, label=f"{result.split} halves, {len(result.curves)} repeat(s)")
    try:
        with atomic_write(path) as tmp:
            ax.figure.savefig(tmp, dpi=120, bbox_inches="tight", format=path.suffix.lower().lstrip("."))
    finally:
        plt.close(ax.figure)


#: A resolution is reported only when at least this many of its periods fit across the rendered field.
MIN_PERIODS = 4


def _check_measured(result, path: Path, n: int, threshold_name: str) -> None:
    """Refuse a "resolution" of the order of the field itself: the halves share no structure to measure."""
    import numpy as np  # noqa: PLC0415

    res = result.resolution_nm
    field_nm = 1.0 / float(result.curves[0].frequency_per_nm[1])  # ring 1 is one period across the field
    if np.isfinite(res) and res * MIN_PERIODS > field_nm:
        raise CliError(
            f"{path}: no FRC resolution can be measured: the FRC of its {n} localizations falls below the "
            f"{threshold_name} threshold at {res:.4g} nm, {field_nm / res:.1f} periods across the {field_nm:.4g} nm "
            f"field (expected at least {MIN_PERIODS}): the two halves share no finer structure; FRC needs many "
            "localizations per structure (e.g. thousands, with repeated blinks of each fluorophore)")


def run(args: argparse.Namespace) -> int:
    """Run ``frcnet-lite frc``; returns 0 on success, 2 on bad input."""
    import numpy as np

    from .. import frc, resolution

    path = Path(args.localizations)
    if args.plot:
        check_output(args.plot, "--plot", PLOT_SUFFIXES, inputs=[path])
    threshold = frc.FRC_THRESHOLD_1_7 if args.threshold == "1/7" else "half-bit"
    locs = read_localization_file(args, path)
    check_raster(locs.bounds_nm(), args.pixel_size_nm, args.max_pixels, str(path))
    note = field_extent_note(locs, args.pixel_size_nm, path)
    if note:
        raise CliError(f"{note}; FRC needs a 2D field of at least {MIN_FIELD_PX} x {MIN_FIELD_PX} px (are the x and y "
                       "columns right?)")
    n_frames = len(np.unique(locs.frame))
    if args.split == "time" and n_frames < 2:
        raise CliError(f"--split time: all {len(locs)} localizations of {path} are in frame {int(locs.frame[0])}; "
                       "expected localizations in many frames to cut into time blocks (use --split random)")
    result = resolution.frc_resolution(
        locs, pixel_size_nm=args.pixel_size_nm, threshold=threshold, split=args.split,
        n_repeats=args.repeats, rng=args.seed, window=args.window, smooth_rings=args.smooth_rings,
    )
    _check_measured(result, path, len(locs), args.threshold)
    if args.plot:
        _save_plot(result, Path(args.plot))
    summary = {"file": str(path), "n_localizations": len(locs), **result.as_dict()}
    if args.plot:
        summary["plot"] = str(args.plot)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(_text(summary, args.threshold))
    return 0


def _text(summary: dict, threshold_name: str) -> str:
    res, std = summary["resolution_nm"], summary["std_nm"]
    crossings = [c for c in summary["crossing_per_nm"] if c is not None]
    lines = [f"{summary['file']}: {summary['n_localizations']} localizations, "
             f"pixel size {summary['pixel_size_nm']:g} nm, {summary['split']} halves x {summary['n_repeats']}"]
    if res is None:
        nyquist = 2 * summary["pixel_size_nm"]
        lines.append(f"FRC stays above the {threshold_name} threshold up to Nyquist: resolution better than "
                     f"{nyquist:g} nm, use a smaller --pixel-size-nm")
    else:
        mean_crossing = sum(crossings) / len(crossings)
        lines.append(f"FRC resolution ({threshold_name} threshold): {res:.1f} +/- {std:.1f} nm")
        lines.append(f"threshold crossing: {mean_crossing:.5f} 1/nm")
    if "plot" in summary:
        lines.append(f"curve plot: {summary['plot']}")
    return "\n".join(lines)
