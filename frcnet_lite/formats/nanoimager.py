"""ONI Nanoimager CSV: ``Channel``, ``Frame`` (counted from 0), ``X (nm)``, ``Y (nm)``, ``Z (nm)``, ``Photons``,
``Background``."""

from __future__ import annotations

from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table
from ._head import Head
from ._text import open_text, read_columns

NAME = "nanoimager"
_ROLES = {"x_nm": "X (nm)", "y_nm": "Y (nm)", "frame": "Frame", "z_nm": "Z (nm)", "photons": "Photons",
          "background_photons": "Background", "channel": "Channel"}


def sniff(head: Head) -> bool:
    """A header with ``X (nm)``, ``Y (nm)`` and ``Frame``."""
    return {"X (nm)", "Y (nm)", "Frame"} <= set(head.names)


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a Nanoimager CSV."""
    table = open_text(path)
    missing = [c for c in ("X (nm)", "Y (nm)", "Frame") if c not in table.names]
    if missing:
        raise LocalizationFileError(f"{path}: not a Nanoimager file: no column(s) {missing} (header {table.names})")
    wanted = {k: v for k, v in _ROLES.items() if v in table.names}
    data = read_columns(table, list(wanted.values()))
    cols = {k: data[v] for k, v in wanted.items()}
    return finish_table(path, cols, options, fmt=NAME, frame_convention=0, frame_column="Frame")
