"""ThunderSTORM CSV (ImageJ plugin): quoted names with units, ``"x [nm]"``, ``"frame"`` counted from 1.

Handled variants: names quoted, unquoted, or the whole header quoted once more (doubled quotes, as a
spreadsheet re-saves it); the localization precision as ``uncertainty`` (older versions) or
``uncertainty_xy`` (newer); units ``[nm]``, ``[um]``/``[µm]``, or ``[px]`` (needs the camera pixel size).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table, unit_to_nm
from ._head import Head
from ._text import open_text, read_columns

NAME = "thunderstorm"
_WITH_UNIT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\]]*)\]\s*$")


def _split(header_name: str) -> tuple[str, str | None]:
    m = _WITH_UNIT.match(header_name)
    return (m.group("name").strip(), m.group("unit").strip()) if m else (header_name.strip(), None)


def sniff(head: Head) -> bool:
    """A header with ``frame`` and ``x [unit]``, ``y [unit]``."""
    parts = dict(_split(n) for n in head.names)
    return "frame" in parts and parts.get("x") is not None and parts.get("y") is not None


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a ThunderSTORM CSV (see the module docstring)."""
    table = open_text(path)
    by_name = {_split(n)[0]: n for n in table.names}
    missing = [r for r in ("x", "y", "frame") if r not in by_name]
    if missing:
        raise LocalizationFileError(f"{path}: not a ThunderSTORM file: no column(s) {missing} "
                                    f"(the header has {table.names})")
    roles = {"x_nm": "x", "y_nm": "y", "z_nm": "z", "precision_nm": "uncertainty_xy", "photons": "intensity",
             "psf_sigma_nm": "sigma", "background_photons": "offset"}
    if "uncertainty_xy" not in by_name:
        roles["precision_nm"] = "uncertainty"
    wanted = {key: by_name[name] for key, name in roles.items() if name in by_name}
    data = read_columns(table, [*wanted.values(), by_name["frame"]])
    cols = {}
    for key, header in wanted.items():
        values = data[header]
        unit = _split(header)[1]
        if key.endswith("_nm"):
            if unit is None:
                raise LocalizationFileError(f"{path}: column {header!r} has no unit; expected e.g. '{header} [nm]'")
            values = values * unit_to_nm(unit, path, repr(header), options)
        cols[key] = values
    cols["frame"] = data[by_name["frame"]]
    return finish_table(path, cols, options, fmt=NAME, frame_convention=1, frame_column=by_name["frame"])
