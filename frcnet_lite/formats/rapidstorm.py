"""rapidSTORM text output: a first line ``# <localizations ...>`` whose XML ``field`` elements name the
columns (``identifier`` such as ``Position-0-0``, ``semantic``, ``unit``), then whitespace-separated values.
``ImageNumber`` counts frames from 0; positions are in ``nanometer`` (or ``micrometer``, ``pixel``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table, unit_to_nm
from ._head import Head
from ._text import TextTable, read_columns

NAME = "rapidstorm"
_ROLES = {"Position-0-0": "x_nm", "Position-1-0": "y_nm", "Position-2-0": "z_nm", "ImageNumber-0-0": "frame",
          "Amplitude-0-0": "amplitude", "LocalBackground-0-0": "background", "FitResidues-0-0": "chi_square"}


def sniff(head: Head) -> bool:
    """A first line ``# <localizations``."""
    return bool(head.lines) and head.lines[0].lstrip("\ufeff# ").startswith("<localizations")


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a rapidSTORM localization file."""
    data = path.read_bytes()
    nl = data.find(b"\n")
    first = (data if nl < 0 else data[:nl]).decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if not first.startswith("#"):
        raise LocalizationFileError(f"{path}: not a rapidSTORM file: the first line is not '# <localizations ...>'")
    try:
        root = ET.fromstring(first[1:].strip())
    except ET.ParseError as exc:
        raise LocalizationFileError(f"{path}: the rapidSTORM column description (line 1) is not valid XML: {exc}") \
            from None
    fields = [(f.get("identifier", ""), f.get("unit", "")) for f in root.iter("field")]
    names = [ident for ident, _ in fields]
    if root.tag != "localizations" or not {"Position-0-0", "Position-1-0", "ImageNumber-0-0"} <= set(names):
        raise LocalizationFileError(f"{path}: the rapidSTORM columns {names} lack Position-0-0, Position-1-0 or "
                                    "ImageNumber-0-0")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise LocalizationFileError(f"{path}: duplicate rapidSTORM column(s) {dup}")
    units = dict(fields)
    start = len(data) if nl < 0 else nl + 1
    table = TextTable(path, data, "utf-8", [first], names, " ", start, len(data), 2)
    wanted = {ident: key for ident, key in _ROLES.items() if ident in names}
    try:
        values = read_columns(table, list(wanted))
    except UnicodeDecodeError as exc:
        raise LocalizationFileError(f"{path}: not UTF-8 text: {exc}") from None
    cols = {}
    for ident, key in wanted.items():
        v = values[ident]
        if key.endswith("_nm"):
            v = v * unit_to_nm(units[ident], path, ident, options)
        cols[key] = v
    return finish_table(path, cols, options, fmt=NAME, frame_convention=0, frame_column="ImageNumber-0-0")
