"""Zeiss Elyra (ZEN export): tab-separated Latin-1 text with CR LF line ends, ``First Frame`` (counted
from 1), ``Position X [nm]``, ``Position Y [nm]``, ``Precision [nm]``, ``Number Photons``, ...; the table
ends at a line starting with a NUL byte, after which ZEN appends its metadata (``VoxelSizeX : ...``)."""

from __future__ import annotations

import re
from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table, unit_to_nm
from ._head import Head
from ._text import open_text, read_columns

NAME = "elyra"
_ROLES = {"x_nm": "Position X", "y_nm": "Position Y", "z_nm": "Position Z", "precision_nm": "Precision",
          "photons": "Number Photons", "channel": "Channel"}
_WITH_UNIT = re.compile(r"^(?P<name>.+?)\s*\[(?P<unit>[^\]]*)\]$")


def _split(name: str) -> tuple[str, str | None]:
    m = _WITH_UNIT.match(name)
    return (m.group("name"), m.group("unit")) if m else (name, None)


def sniff(head: Head) -> bool:
    """A tab-separated header with ``First Frame`` and ``Position X [..]``."""
    parts = {_split(n)[0] for n in head.names}
    return head.delimiter == "\t" and {"First Frame", "Position X", "Position Y"} <= parts


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a Zeiss Elyra localization table."""
    table = open_text(path, encodings=("utf-8", "latin-1"), delimiter="\t", comment=None)
    by_name = {_split(n)[0]: n for n in table.names}
    missing = [c for c in ("First Frame", "Position X", "Position Y") if c not in by_name]
    if missing:
        raise LocalizationFileError(f"{path}: not a Zeiss Elyra table: no column(s) {missing} "
                                    f"(header {table.names})")
    for marker in (b"\n\x00", b"\r\x00"):
        cut = table.data.find(marker, table.start - 1)
        if cut >= 0:
            table.end = min(table.end, cut + 1)
    wanted = {k: by_name[v] for k, v in _ROLES.items() if v in by_name}
    data = read_columns(table, [*wanted.values(), by_name["First Frame"]])
    cols = {}
    for key, header in wanted.items():
        values = data[header]
        if key.endswith("_nm"):
            unit = _split(header)[1]
            values = values * unit_to_nm(unit or "nm", path, repr(header), options)
        cols[key] = values
    cols["frame"] = data[by_name["First Frame"]]
    return finish_table(path, cols, options, fmt=NAME, frame_convention=1, frame_column="First Frame")
