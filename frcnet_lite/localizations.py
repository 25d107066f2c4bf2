"""The in-memory localization table.

An SMLM experiment produces a *localization table*: one row per detected blinking event, with
the estimated position (``x_nm``, ``y_nm``, in nanometres), the camera ``frame`` it came from
(0-based), and optionally its localization precision (``precision_nm``), photon count
(``photons``), axial position (``z_nm``) or the simulator's ``fluorophore_id``.

:class:`LocalizationTable` is a thin, column-oriented container (a dict of equally long numpy
arrays) plus :class:`LocalizationMeta` (the source camera's pixel size, the number of frames and
the field of view). It is deliberately small: readers (:mod:`frcnet_lite.io`) fill it, rendering,
subsets and pairs read it.

Conventions
-----------
- Coordinates are nanometres, ``x`` along image columns and ``y`` along image rows.
- Frames are 0-based integers (ThunderSTORM's 1-based frames are shifted by the reader).
- ``fov_nm = (x0, y0, x1, y1)`` is the rectangle the data lives in (half-open).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["LocalizationMeta", "LocalizationTable", "REQUIRED_COLUMNS", "DEFAULT_PIXEL_SIZE_NM"]

#: The pixel size the method renders at, and every function's default (nm).
DEFAULT_PIXEL_SIZE_NM = 5.0

#: Columns every table has.
REQUIRED_COLUMNS: tuple[str, ...] = ("x_nm", "y_nm", "frame")


@dataclass(frozen=True)
class LocalizationMeta:
    """Metadata of a localization table.

    Attributes
    ----------
    pixel_size_nm : float or None
        Pixel size of the *source camera* in nm (back-projected), where known. Default None.
        (Not the rendering pixel size, which every rendering function takes explicitly.)
    n_frames : int or None
        Number of camera frames of the acquisition, where known. Default None.
    fov_nm : tuple of 4 floats or None
        Field of view ``(x0, y0, x1, y1)`` in nm. Default None (use the data's bounding box).
    source : str
        Where the table came from (file name, ``"simulation"``, ...). Default ``""``.
    extra : dict
        Anything else a reader found (format-specific metadata). Default empty.
    """

    pixel_size_nm: float | None = None
    n_frames: int | None = None
    fov_nm: tuple[float, float, float, float] | None = None
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pixel_size_nm is not None and not (np.isfinite(self.pixel_size_nm) and self.pixel_size_nm > 0):
            raise ValueError(f"pixel_size_nm must be a positive number or None, got {self.pixel_size_nm!r}")
        if self.n_frames is not None and int(self.n_frames) < 0:
            raise ValueError(f"n_frames must be >= 0 or None, got {self.n_frames!r}")
        if self.fov_nm is not None:
            fov = tuple(float(v) for v in self.fov_nm)
            if len(fov) != 4 or not (fov[2] > fov[0] and fov[3] > fov[1]):
                raise ValueError(f"fov_nm must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {self.fov_nm!r}")
            object.__setattr__(self, "fov_nm", fov)


class LocalizationTable:
    """Column-oriented table of localizations with metadata.

    Parameters
    ----------
    columns : mapping of str to array-like
        At least ``x_nm``, ``y_nm`` (float, nm) and ``frame`` (integer, 0-based); all of one length.
    meta : LocalizationMeta, optional
        Metadata; default: empty.

    Examples
    --------
    >>> t = LocalizationTable({"x_nm": [10.0, 20.0, 30.0], "y_nm": [5.0, 5.0, 6.0], "frame": [0, 0, 3]})
    >>> len(t), t.columns
    (3, ('x_nm', 'y_nm', 'frame'))
    >>> t.select(t["frame"] > 0).x_nm
    array([30.])
    >>> t.xy.shape
    (3, 2)
    """

    __slots__ = ("_cols", "meta")

    def __init__(self, columns: Mapping[str, Any], meta: LocalizationMeta | None = None) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ValueError(
                f"a localization table needs the columns {list(REQUIRED_COLUMNS)}; missing {missing} "
                f"(got {sorted(columns)})"
            )
        cols: dict[str, np.ndarray] = {}
        for name, values in columns.items():
            arr = np.asarray(values)
            if arr.ndim != 1:
                raise ValueError(f"column {name!r} must be one-dimensional, got shape {arr.shape}")
            cols[name] = arr
        cols["x_nm"] = cols["x_nm"].astype(np.float64, copy=False)
        cols["y_nm"] = cols["y_nm"].astype(np.float64, copy=False)
        frame = cols["frame"]
        if frame.size and frame.dtype.kind == "f":
            if not np.all(np.isfinite(frame)) or np.any(frame != np.round(frame)):
                raise ValueError("column 'frame' must hold whole numbers (0-based frame indices)")
        cols["frame"] = frame.astype(np.int64, copy=False)
        lengths = {k: len(v) for k, v in cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"all columns must have the same length, got {lengths}")
        self._cols = cols
        self.meta = meta if meta is not None else LocalizationMeta()

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._cols["x_nm"])

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._cols[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; the table has {list(self._cols)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._cols

    def __repr__(self) -> str:
        return (
            f"LocalizationTable({len(self)} rows, columns={list(self._cols)}, "
            f"pixel_size_nm={self.meta.pixel_size_nm}, n_frames={self.meta.n_frames}, fov_nm={self.meta.fov_nm})"
        )

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(self._cols)

    @property
    def x_nm(self) -> np.ndarray:
        """x coordinates (nm, along image columns)."""
        return self._cols["x_nm"]

    @property
    def y_nm(self) -> np.ndarray:
        """y coordinates (nm, along image rows)."""
        return self._cols["y_nm"]

    @property
    def frame(self) -> np.ndarray:
        """0-based frame indices."""
        return self._cols["frame"]

    @property
    def xy(self) -> np.ndarray:
        """Coordinates as an ``(n, 2)`` array ``[x_nm, y_nm]``."""
        return np.column_stack([self.x_nm, self.y_nm])

    def to_dict(self) -> dict[str, np.ndarray]:
        """A shallow copy of the columns as a dict."""
        return dict(self._cols)

    # ------------------------------------------------------------- derivation
    def select(self, index: Any) -> LocalizationTable:
        """Rows selected by a boolean mask or an index array, with the same metadata."""
        idx = np.asarray(index)
        if idx.dtype == bool and idx.shape != (len(self),):
            raise ValueError(f"a boolean mask must have shape ({len(self)},), got {idx.shape}")
        return LocalizationTable({k: v[idx] for k, v in self._cols.items()}, self.meta)

    def with_columns(self, **columns: Any) -> LocalizationTable:
        """A new table with columns added or replaced."""
        cols = dict(self._cols)
        cols.update(columns)
        return LocalizationTable(cols, self.meta)

    def with_meta(self, **changes: Any) -> LocalizationTable:
        """A new table sharing the columns, with metadata fields changed."""
        return LocalizationTable(self._cols, replace(self.meta, **changes))

    def sorted_by_frame(self) -> LocalizationTable:
        """Rows sorted by frame (stable)."""
        return self.select(np.argsort(self.frame, kind="stable"))

    def bounds_nm(self) -> tuple[float, float, float, float]:
        """The field of view: ``meta.fov_nm`` if set, else the data's bounding box ``(x0, y0, x1, y1)``."""
        if self.meta.fov_nm is not None:
            return self.meta.fov_nm
        if len(self) == 0:
            raise ValueError("an empty table without meta.fov_nm has no bounds")
        return (float(self.x_nm.min()), float(self.y_nm.min()),
                float(np.nextafter(self.x_nm.max(), np.inf)), float(np.nextafter(self.y_nm.max(), np.inf)))

    def crop(self, fov_nm: tuple[float, float, float, float], shift_origin: bool = False) -> LocalizationTable:
        """Rows inside ``fov_nm = (x0, y0, x1, y1)`` (half-open); the result's ``meta.fov_nm`` is the crop.

        With ``shift_origin=True`` the coordinates are shifted so that the crop starts at (0, 0).
        """
        x0, y0, x1, y1 = (float(v) for v in fov_nm)
        keep = (self.x_nm >= x0) & (self.x_nm < x1) & (self.y_nm >= y0) & (self.y_nm < y1)
        out = self.select(keep)
        if shift_origin:
            out = out.with_columns(x_nm=out.x_nm - x0, y_nm=out.y_nm - y0)
            return out.with_meta(fov_nm=(0.0, 0.0, x1 - x0, y1 - y0))
        return out.with_meta(fov_nm=(x0, y0, x1, y1))

    @staticmethod
    def concatenate(tables: Iterable[LocalizationTable]) -> LocalizationTable:
        """Stack tables with the same columns; the metadata of the first is kept."""
        tables = list(tables)
        if not tables:
            raise ValueError("concatenate needs at least one table")
        names = tables[0].columns
        for t in tables[1:]:
            if set(t.columns) != set(names):
                raise ValueError(f"tables have different columns: {names} vs {t.columns}")
        return LocalizationTable({n: np.concatenate([t[n] for t in tables]) for n in names}, tables[0].meta)
