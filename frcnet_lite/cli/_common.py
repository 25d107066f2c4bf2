"""What the subcommands share: argument types that refuse nonsense, the options of commands that read
localizations, and checks of input and output paths made *before* any computation.

Errors are :class:`CliError` (a :class:`ValueError`) whose message names the command-line option, so
that :func:`frcnet_lite.cli.main` prints them as one ``error: ...`` line with exit code 2.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "CliError", "finite_float", "positive_float", "positive_int", "nonnegative_int", "fraction",
    "add_localization_options", "read_localization_file", "check_raster", "check_input", "check_output",
    "rename_options", "field_extent_note", "same_file", "READ_OPTION_NAMES", "DEFAULT_MAX_PIXELS", "PLOT_SUFFIXES",
    "MIN_FIELD_PX",
]

#: Default of ``--max-pixels``: 2**27 pixels, 512 MiB per float32 image.
DEFAULT_MAX_PIXELS = 2**27

#: How reader errors name their options under the command line.
READ_OPTION_NAMES = {"pixel_size_nm": "--camera-pixel-nm", "columns": "--columns", "unit": "--unit",
                     "format": "--format", "first_frame": "--first-frame", "drop_invalid": "--drop-invalid"}

#: File name endings ``--plot`` writes (matplotlib chooses the format by it).
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".eps", ".jpg", ".jpeg", ".tif", ".tiff")


class CliError(ValueError):
    """A user error under the command line; its message names the option or file."""


# ----------------------------------------------------------------------------- argument types
def finite_float(text: str) -> float:
    """A finite number (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (argparse type)."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number in (0, 1] (argparse type)."""
    value = finite_float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1], got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number >= 1 (argparse type)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """A whole number >= 0 (argparse type)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _columns(text: str) -> dict[str, str]:
    short = {"x": "x_nm", "y": "y_nm", "z": "z_nm", "precision": "precision_nm"}
    out: dict[str, str] = {}
    for item in text.split(","):
        key, sep, name = item.partition("=")
        key, name = key.strip(), name.strip()
        if not sep or not key or not name:
            raise argparse.ArgumentTypeError(f"expected KEY=HEADER pairs separated by commas "
                                             f"(x=X,y=Y,frame=T), got {item!r}")
        key = short.get(key, key)
        if key in out:
            raise argparse.ArgumentTypeError(f"{key} is mapped twice")
        out[key] = name
    missing = [k for k in ("x_nm", "y_nm", "frame") if k not in out]
    if missing:
        raise argparse.ArgumentTypeError(f"must map x, y and frame; missing {missing}")
    return out


def _roi(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"expected X0,Y0,X1,Y1 in nm, got {text!r}")
    x0, y0, x1, y1 = (finite_float(p) for p in parts)
    if not (x1 > x0 and y1 > y0):
        raise argparse.ArgumentTypeError(f"expected X1 > X0 and Y1 > Y0, got {text!r}")
    return x0, y0, x1, y1


# ----------------------------------------------------------------------------- localization options
def add_localization_options(parser: argparse.ArgumentParser, max_pixels: bool = True) -> None:
    """Add the options that say what a localization file lacks (and ``--roi``, ``--max-pixels``)."""
    from ..formats import FORMATS  # noqa: PLC0415

    g = parser.add_argument_group("reading localizations")
    g.add_argument("--format", choices=list(FORMATS), help="the file's format (default: found from its content)")
    g.add_argument("--camera-pixel-nm", type=positive_float, metavar="NM",
                   help="camera pixel size in nm, for coordinates in camera pixels (overrides the file's)")
    g.add_argument("--columns", type=_columns, metavar="x=X,y=Y,frame=T",
                   help="a table of another layout: which header names hold x, y, frame (and z, precision, ...)")
    g.add_argument("--unit", choices=("nm", "um", "px"), help="unit of the --columns coordinates (default nm)")
    g.add_argument("--first-frame", type=nonnegative_int, metavar="N",
                   help="number of the file's first frame (default: the format's convention)")
    g.add_argument("--drop-invalid", action="store_true",
                   help="drop localizations with NaN/infinite values (and say how many) instead of refusing the file")
    g.add_argument("--roi", type=_roi, metavar="X0,Y0,X1,Y1", help="use only this region, in nm")
    if max_pixels:
        g.add_argument("--max-pixels", type=positive_int, default=DEFAULT_MAX_PIXELS, metavar="N",
                       help=f"refuse to render images of more pixels (default {DEFAULT_MAX_PIXELS})")


def read_localization_file(args: argparse.Namespace, path: Path, option: str = "LOCALIZATIONS"):
    """Read ``path`` with the localization options of ``args`` (then crop to ``--roi``)."""
    from ..io import read_localizations  # noqa: PLC0415

    check_input(path, option)
    table = read_localizations(path, format=args.format, pixel_size_nm=args.camera_pixel_nm, columns=args.columns,
                               unit=args.unit, drop_invalid=args.drop_invalid, first_frame=args.first_frame,
                               option_names=READ_OPTION_NAMES)
    dropped = table.meta.extra.get("dropped_invalid")
    if dropped:
        print(f"{path}: dropped {dropped} localizations with NaN or infinite values (--drop-invalid)")
    if args.roi is not None:
        table = table.crop(args.roi)
        if len(table) == 0:
            raise CliError(f"--roi {','.join(f'{v:g}' for v in args.roi)} holds none of the localizations of {path}")
    return table


def check_raster(fov_nm: Sequence[float], pixel_size_nm: float, max_pixels: int, what: str = "the image") -> None:
    """Refuse an image of ``fov_nm`` at ``pixel_size_nm`` with more than ``max_pixels`` pixels."""
    x0, y0, x1, y1 = (float(v) for v in fov_nm)
    w, h = (x1 - x0) / pixel_size_nm, (y1 - y0) / pixel_size_nm
    if not (math.isfinite(w) and math.isfinite(h)) or (w + 1) * (h + 1) > max_pixels:
        raise CliError(
            f"{what} spans {x1 - x0:.4g} x {y1 - y0:.4g} nm (x {x0:.4g}..{x1:.4g}, y {y0:.4g}..{y1:.4g}): at "
            f"{pixel_size_nm:g} nm per pixel that is {w:.3g} x {h:.3g} px, more than --max-pixels {max_pixels}; "
            "choose a region with --roi X0,Y0,X1,Y1, a larger pixel size, or raise --max-pixels")


#: Fewest pixels each way a field of localizations spans without a word (``render``, ``pairs`` warn; ``frc`` refuses).
MIN_FIELD_PX = 8


def field_extent_note(locs, pixel_size_nm: float, path: Path) -> str | None:
    """Say (one line) when the localizations span fewer than :data:`MIN_FIELD_PX` pixels either way, else None.

    Examples
    --------
    >>> from frcnet_lite.localizations import LocalizationTable
    >>> t = LocalizationTable({"x_nm": [0.0, 500.0], "y_nm": [3.0, 3.0], "frame": [0, 1]})
    >>> print(field_extent_note(t, 10.0, Path("a.csv")))
    a.csv: its 2 localization(s) span 500 x 0 nm, 51 x 1 px at 10 nm: all on one line
    """
    x0, y0, x1, y1 = locs.bounds_nm()
    w, h = (x1 - x0) / pixel_size_nm, (y1 - y0) / pixel_size_nm
    if min(w, h) >= MIN_FIELD_PX:
        return None
    what = "all at one point" if max(w, h) < 1 else ("all on one line" if min(w, h) < 1 else "a narrow field")
    return (f"{path}: its {len(locs)} localization(s) span {round(x1 - x0, 6):.4g} x {round(y1 - y0, 6):.4g} nm, "
            f"{math.floor(round(w, 6)) + 1} x {math.floor(round(h, 6)) + 1} px at {pixel_size_nm:g} nm: {what}")


def check_input(path: Path, option: str) -> None:
    """An input file must exist and not be a directory."""
    if not path.exists():
        raise CliError(f"{option}: no such file: {path}")
    if path.is_dir():
        raise CliError(f"{option}: {path} is a directory; expected a file")


def check_output(path: Path, option: str, suffixes: Iterable[str], inputs: Iterable[Path | None] = ()) -> None:
    """Check an output path before any computation: its ending, not a directory, not an input, writable."""
    suffixes = tuple(suffixes)
    if path.is_dir():
        raise CliError(f"{option} {path} is a directory; expected a file name ending in {' or '.join(suffixes)}")
    if path.suffix.lower() not in suffixes:
        raise CliError(f"{option} {path}: expected a file name ending in {' or '.join(suffixes)}")
    for other in inputs:
        if other is not None and same_file(path, Path(other)):
            raise CliError(f"{option} {path} is also an input; refusing to overwrite it: choose another name")
    from .._files import existing_ancestor  # noqa: PLC0415

    parent = existing_ancestor(path)
    if not parent.is_dir():
        raise CliError(f"{option} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliError(f"{option} {path}: not writable (permission denied)")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (an existing one, or the same resolved path)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def rename_options(message: str, names: Mapping[str, str]) -> str:
    """Replace the Python argument names (keys of ``names``) in ``message`` by their options (values).

    Examples
    --------
    >>> rename_options("tile_size_px must be >= 8", {"tile_size_px": "--tile-size"})
    '--tile-size must be >= 8'
    """
    for name in sorted(names, key=len, reverse=True):
        message = re.sub(rf"(?<![\w-]){re.escape(name)}\b", names[name], message)
    return message
