"""This package's CSV (:func:`frcnet_lite.io.write_localizations`): a ``# frcnet-lite {json}`` line with the
metadata (``pixel_size_nm``, ``n_frames``, ``fov_nm``), then ``x_nm,y_nm,frame,...`` with frames from 0."""

from __future__ import annotations

import json
from pathlib import Path

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table
from ._head import Head
from ._text import finite_or_none, open_text, read_columns

NAME = "frcnet"
MARKER = "frcnet-lite"


def sniff(head: Head) -> bool:
    """A ``# frcnet-lite`` line, or a header with ``x_nm``, ``y_nm``, ``frame``."""
    return any(c.startswith(MARKER) for c in head.comments) or {"x_nm", "y_nm", "frame"} <= set(head.names)


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a frcnet-lite CSV."""
    table = open_text(path)
    info: dict = {}
    for c in table.comments:
        if c.startswith(MARKER):
            try:
                obj = json.loads(c[len(MARKER):])
            except json.JSONDecodeError as exc:
                raise LocalizationFileError(f"{path}: the '# {MARKER}' line is not valid JSON: {exc}") from None
            info = obj if isinstance(obj, dict) else {}
    missing = [c for c in ("x_nm", "y_nm", "frame") if c not in table.names]
    if missing:
        raise LocalizationFileError(f"{path}: not a frcnet-lite CSV: no column(s) {missing} (header {table.names})")
    cols = read_columns(table, table.names)
    px = finite_or_none(info.get("pixel_size_nm"))
    frames = finite_or_none(info.get("n_frames"))
    fov = info.get("fov_nm")
    fov_nm = None
    if isinstance(fov, list) and len(fov) == 4:
        v = [finite_or_none(x) for x in fov]
        if all(x is not None for x in v) and v[2] > v[0] and v[3] > v[1]:  # type: ignore[operator]
            fov_nm = tuple(v)
    return finish_table(path, cols, options, fmt=NAME, frame_convention=0,
                        pixel_size_nm=px if px and px > 0 else None,
                        n_frames=int(frames) if frames is not None and 0 <= frames < 2**53 else None, fov_nm=fov_nm)
