"""Localization file formats: one module per format, and the one registry that detects them by content.

Every reader returns a :class:`~frcnet_lite.localizations.LocalizationTable` with ``x_nm``, ``y_nm`` in
nanometres and 0-based integer ``frame`` s, plus the columns the file has (``precision_nm``, ``photons``,
``z_nm``, ``channel``, ...). The format is found from the file's *content* (its first bytes, header line or
HDF5 layout), never from the extension alone; :data:`FORMATS` lists them in the order they are tried.

=================  ===================================================================================
name               what it reads
=================  ===================================================================================
``picasso``        Picasso HDF5 ``/locs`` (camera pixels) + the ``.yaml`` beside it (``Pixelsize``)
``decode``         DECODE HDF5 emitter set and CSV (``xy_unit`` px or nm, ``px_size`` [x, y])
``smap``           SMAP ``.mat`` save file (MATLAB v7.3 = HDF5, or older MATLAB 5) and CSV
``smlm``           ShareLoc.xyz ``.smlm`` (zip: manifest.json + binary tables)
``rapidstorm``     rapidSTORM text (XML column line with units, then space-separated values)
``frcnet``         this package's CSV (:func:`frcnet_lite.io.write_localizations`)
``thunderstorm``   ThunderSTORM CSV (any quoting; ``uncertainty``/``uncertainty_xy``; nm, um or px)
``elyra``          Zeiss Elyra / ZEN export (tab-separated Latin-1, CR LF, metadata after a NUL line)
``nanoimager``     ONI Nanoimager CSV (``X (nm)``, ``Y (nm)``, ``Frame``)
``csv``            any delimited table, with a column mapping (``columns``) and ``unit``
=================  ===================================================================================

Errors are :class:`LocalizationFileError` (a :class:`ValueError`) naming the file and what was expected,
or :class:`FileNotFoundError`; nothing else escapes a reader for any content of the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..localizations import LocalizationTable
from . import decode, elyra, frcnet, generic, nanoimager, picasso, rapidstorm, smap, smlm, thunderstorm
from ._base import PYTHON_NAMES, LocalizationFileError, ReadOptions
from ._head import Head

__all__ = ["Format", "FORMATS", "LocalizationFileError", "ReadOptions", "PYTHON_NAMES", "detect_format",
           "read_file"]


@dataclass(frozen=True)
class Format:
    """A localization file format: its name, a one-line summary, a content test and a reader."""

    name: str
    summary: str
    sniff: Callable[[Head], bool]
    read: Callable[[Path, ReadOptions], LocalizationTable]


def _format(module: ModuleType) -> Format:
    return Format(module.NAME, (module.__doc__ or "").strip().split("\n")[0], module.sniff, module.read)


#: The formats, in the order detection tries them (the most specific content tests first).
FORMATS: dict[str, Format] = {
    f.name: f for f in map(_format, (picasso, decode, smap, smlm, rapidstorm, frcnet, thunderstorm, elyra,
                                     nanoimager, generic))
}


def _check_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no localization file at {path}")
    if path.is_dir():
        raise LocalizationFileError(f"{path} is a directory; expected a localization file")
    if not path.is_file():
        raise LocalizationFileError(f"{path} is not a regular file; expected a localization file")


def detect_format(path: str | os.PathLike, options: ReadOptions | None = None) -> str:
    """The name of the format of a localization file, from its content (a key of :data:`FORMATS`).

    ``options`` only changes how the error message names the options that would help.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    LocalizationFileError
        If it is a directory, unreadable, or in no recognised format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "locs.txt"
    ...     _ = p.write_text('"id","frame","x [nm]","y [nm]"\\n1,1,10.0,20.0\\n')
    ...     detect_format(p)
    'thunderstorm'
    """
    path = Path(path)
    _check_file(path)
    try:
        head = Head(path)
    except OSError as exc:
        raise LocalizationFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    for fmt in FORMATS.values():
        if fmt.sniff(head):
            return fmt.name
    if head.is_hdf5:
        raise LocalizationFileError(f"{path}: an HDF5 file, but neither Picasso (/locs), DECODE (/data/xyz) nor "
                                    f"SMAP (saveloc); it holds {sorted(head.hdf5)[:10]}")
    if head.text is None:
        raise LocalizationFileError(f"{path}: a binary file in no localization format frcnet-lite reads "
                                    f"({', '.join(FORMATS)})")
    opts = options or ReadOptions()
    raise LocalizationFileError(
        f"{path}: a text table in no recognised layout (header {head.names[:12]}); name its columns with "
        f"{opts.name('columns')} x_nm=...,y_nm=...,frame=... and their unit with {opts.name('unit')}, or give "
        f"{opts.name('format')}")


def read_file(path: str | os.PathLike, format: str | None = None, options: ReadOptions | None = None
              ) -> LocalizationTable:
    """Read a localization file in the named format (default: detected) with ``options``."""
    path = Path(path)
    options = options or ReadOptions()
    _check_file(path)
    if format is None:
        format = "csv" if options.columns else None
    if format is not None and format not in FORMATS:
        raise ValueError(f"{options.name('format')} must be one of {list(FORMATS)}, got {format!r}")
    chosen = format is not None and not options.columns  # named by the caller, not found from the content
    if format is None:
        format = detect_format(path, options)
    try:
        return FORMATS[format].read(path, options)
    except (IsADirectoryError, PermissionError) as exc:
        raise LocalizationFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except FileNotFoundError:
        raise
    except LocalizationFileError as exc:
        if not chosen:
            raise
        raise LocalizationFileError(f"{exc}{_other_format_hint(path, format, options)}") from None
    except (ValueError, OSError, UnicodeDecodeError, KeyError, IndexError, TypeError, OverflowError, MemoryError) as exc:
        # a damaged file can trip a library deep down: still one clear line naming the file
        hint = _other_format_hint(path, format, options) if chosen else ""
        raise LocalizationFileError(f"{path}: not a readable {format} file ({type(exc).__name__}: {exc}){hint}") from None


def _other_format_hint(path: Path, format: str, options: ReadOptions) -> str:
    """`` (its content is another format: ...)`` when the file was read as ``format`` but is another one."""
    try:
        found = detect_format(path, options)
    except (ValueError, OSError):
        return ""
    if found == format:
        return ""
    return (f" (read as {options.name('format')} {format}, but its content is {found}: drop {options.name('format')} "
            f"or pass {options.name('format')} {found})")
