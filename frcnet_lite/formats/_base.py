"""What every reader shares: the options, the error type, units, and the final checks of a table."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..localizations import LocalizationMeta, LocalizationTable

__all__ = ["LocalizationFileError", "ReadOptions", "PYTHON_NAMES", "unit_to_nm", "finish_table"]


class LocalizationFileError(ValueError):
    """A localization file that cannot be read as asked: the message names the file and what was expected."""


#: How messages refer to each reading option when called from Python.
PYTHON_NAMES: Mapping[str, str] = {
    "pixel_size_nm": "pixel_size_nm=", "columns": "columns=", "unit": "unit=", "format": "format=",
    "first_frame": "first_frame=", "drop_invalid": "drop_invalid=True",
}

#: Units a length column may have, in nm per unit (``px`` is handled apart: it needs the camera pixel size).
_NM_PER_UNIT = {"nm": 1.0, "nanometer": 1.0, "nanometre": 1.0, "um": 1e3, "µm": 1e3, "μm": 1e3, "micron": 1e3,
                "micrometer": 1e3, "micrometre": 1e3, "m": 1e9, "meter": 1e9, "metre": 1e9}
_PIXEL_UNITS = ("px", "pixel", "pixels", "camera pixel", "camera pixels")

#: Largest frame number accepted (frames are stored as int64; larger values are a wrong column, not data).
MAX_FRAME = 2**53


@dataclass(frozen=True)
class ReadOptions:
    """What the caller knows about a file beyond its content.

    Attributes
    ----------
    pixel_size_nm : float or None
        Camera pixel size in nm, for coordinates in camera pixels; overrides the file's own.
    columns : mapping or None
        Generic CSV: table column (``x_nm``, ``y_nm``, ``frame``, ...) -> header name.
    unit : str or None
        Unit of the coordinates where the file does not say (``nm``, ``um`` or ``px``).
    first_frame : int or None
        Number of the file's first frame (0 or 1); default: the format's convention.
    drop_invalid : bool
        Drop rows with NaN/infinite coordinates or frames (the count is kept in ``meta.extra``) instead
        of refusing the file.
    names : mapping
        How error messages name each option (:data:`PYTHON_NAMES`, or the command line's flags).
    """

    pixel_size_nm: float | None = None
    columns: Mapping[str, str] | None = None
    unit: str | None = None
    first_frame: int | None = None
    drop_invalid: bool = False
    names: Mapping[str, str] = field(default_factory=lambda: dict(PYTHON_NAMES))

    def __post_init__(self) -> None:
        px = self.pixel_size_nm
        if px is not None and not (isinstance(px, (int, float, np.floating, np.integer)) and math.isfinite(px) and px > 0):
            raise ValueError(f"{self.name('pixel_size_nm')} must be a positive number of nm, got {px!r}")
        if self.first_frame is not None and (isinstance(self.first_frame, bool) or int(self.first_frame) != self.first_frame
                                             or not 0 <= self.first_frame <= MAX_FRAME):
            raise ValueError(f"{self.name('first_frame')} must be a whole number >= 0, got {self.first_frame!r}")

    def name(self, option: str) -> str:
        """How messages name ``option`` (e.g. ``--camera-pixel-nm`` under the command line)."""
        return self.names.get(option, PYTHON_NAMES.get(option, option))

    def frame_offset(self, convention: int) -> int:
        """What to subtract from the file's frame numbers: ``first_frame`` or the format's ``convention``."""
        return convention if self.first_frame is None else int(self.first_frame)


def unit_to_nm(unit: str, path: Path, what: str, options: ReadOptions, pixel_size_nm: float | None = None) -> float:
    """Factor from ``unit`` to nm; camera pixels need ``pixel_size_nm`` (the option's, else the file's)."""
    u = str(unit).strip().lower()
    if u in _NM_PER_UNIT:
        return _NM_PER_UNIT[u]
    if u in _PIXEL_UNITS:
        px = options.pixel_size_nm if options.pixel_size_nm is not None else pixel_size_nm
        if px is None:
            raise LocalizationFileError(f"{path}: {what} is in camera pixels and the file states no pixel size: "
                                        f"pass {options.name('pixel_size_nm')} (nm per camera pixel)")
        return float(px)
    raise LocalizationFileError(f"{path}: unknown unit {unit!r} for {what} (expected nm, um or px)")


def _whole_frames(path: Path, frame: np.ndarray, column: str) -> np.ndarray:
    if frame.dtype.kind in "iu":
        big = frame.max() if frame.size else 0
        if frame.dtype.kind == "u" and big > MAX_FRAME:
            raise LocalizationFileError(f"{path}: frame number {big} in column {column!r} is out of range")
        return frame.astype(np.int64)
    frac = frame != np.floor(frame)
    if frac.any():
        raise LocalizationFileError(f"{path}: column {column!r} holds non-integer frame numbers (e.g. "
                                    f"{frame[frac][0]!r}); expected whole frame numbers")
    if frame.size and np.abs(frame).max() > MAX_FRAME:
        raise LocalizationFileError(f"{path}: frame number {np.abs(frame).max():g} in column {column!r} is out of "
                                    "range; is it the right column?")
    return frame.astype(np.int64)


def finish_table(
    path: Path,
    columns: dict[str, np.ndarray],
    options: ReadOptions,
    *,
    fmt: str,
    frame_convention: int,
    frame_column: str = "frame",
    pixel_size_nm: float | None = None,
    n_frames: int | None = None,
    fov_nm: tuple[float, float, float, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> LocalizationTable:
    """Checks shared by every reader, then the table: 0-based integer frames, finite coordinates.

    ``columns`` holds ``x_nm``, ``y_nm`` in nm and ``frame`` as numbered in the file (the format counts
    from ``frame_convention`` unless ``options.first_frame`` says otherwise), plus optional columns.
    """
    cols = {k: np.asarray(v) for k, v in columns.items()}
    for key in ("x_nm", "y_nm", "frame"):
        cols[key] = cols[key].reshape(-1)
    n = len(cols["x_nm"])
    if n == 0:
        raise LocalizationFileError(f"{path} holds no localizations (the table is empty)")
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) != 1:
        raise LocalizationFileError(f"{path}: columns of different lengths {lengths}")
    frame = cols["frame"]
    finite_frame = np.isfinite(frame) if frame.dtype.kind == "f" else np.ones(n, bool)
    bad = ~(np.isfinite(cols["x_nm"]) & np.isfinite(cols["y_nm"]) & finite_frame)
    n_bad = int(bad.sum())
    info = {"format": fmt, **(extra or {})}
    if n_bad:
        if not options.drop_invalid:
            raise LocalizationFileError(
                f"{path}: {n_bad} of {n} localizations have NaN or infinite coordinates or frames; pass "
                f"{options.name('drop_invalid')} to drop them")
        if n_bad == n:
            raise LocalizationFileError(f"{path}: all {n} localizations have NaN or infinite coordinates or frames")
        cols = {k: v[~bad] for k, v in cols.items()}
        info["dropped_invalid"] = n_bad
    offset = options.frame_offset(frame_convention)
    frame = _whole_frames(path, cols["frame"], frame_column) - offset
    if frame.min() < 0:
        first = int(frame.min()) + offset
        hint = (f"; if it counts from {first}, pass {options.name('first_frame')} {first}" if first >= 0
                else "; frame numbers cannot be negative")
        raise LocalizationFileError(
            f"{path}: frame number {first} in column {frame_column!r}, but frames are counted from {offset}{hint}")
    cols["frame"] = frame
    cols["x_nm"] = cols["x_nm"].astype(np.float64)
    cols["y_nm"] = cols["y_nm"].astype(np.float64)
    px = options.pixel_size_nm if options.pixel_size_nm is not None else pixel_size_nm
    meta = LocalizationMeta(pixel_size_nm=px, n_frames=n_frames, fov_nm=fov_nm, source=str(path), extra=info)
    if meta.n_frames is None or meta.n_frames <= frame.max():
        meta = replace(meta, n_frames=int(frame.max()) + 1)
    return LocalizationTable(cols, meta)
