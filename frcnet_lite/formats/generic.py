"""Any delimited table (comma, tab or semicolon), with a column mapping given by the caller: table column
(``x_nm``, ``y_nm``, ``frame``, optional ``z_nm``, ``precision_nm``, ``photons``, ...) -> header name, and the
unit of the ``*_nm`` columns (``nm`` default, ``um``, or ``px`` with the camera pixel size). Frames count
from 0 unless ``first_frame`` says otherwise."""

from __future__ import annotations

from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table, unit_to_nm
from ._head import Head
from ._text import open_text, read_columns

NAME = "csv"


def sniff(head: Head) -> bool:
    """Never detected: the caller names the columns."""
    return False


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a delimited table with ``options.columns``."""
    table = open_text(path, encodings=("utf-8", "latin-1"))
    columns = options.columns
    if not columns:
        raise LocalizationFileError(
            f"{path}: not a format frcnet-lite recognises (header {table.names[:12]}); name the columns with "
            f"{options.name('columns')} x_nm=...,y_nm=...,frame=... and their unit with {options.name('unit')}")
    missing_roles = [k for k in ("x_nm", "y_nm", "frame") if k not in columns]
    if missing_roles:
        raise LocalizationFileError(f"{options.name('columns')} must map {missing_roles} too (got {dict(columns)})")
    absent = [v for v in columns.values() if v not in table.names]
    if absent:
        raise LocalizationFileError(f"{path}: column(s) {absent} of {options.name('columns')} are not in the header "
                                    f"{table.names}")
    data = read_columns(table, list(dict.fromkeys(columns.values())))
    scale = unit_to_nm(options.unit or "nm", path, "the coordinates", options)
    cols = {k: data[v] * scale if k.endswith("_nm") else data[v].copy() for k, v in columns.items()}
    return finish_table(path, cols, options, fmt=NAME, frame_convention=0, frame_column=columns["frame"])
