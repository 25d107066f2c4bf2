"""Picasso (Localize / Render): HDF5 with a ``/locs`` table (``frame`` counted from 0, ``x``, ``y``, ``lpx``,
``lpy`` in camera pixels, ``photons``, ``bg``, ...) and a multi-document ``.yaml`` beside it holding the pixel
size (``Pixelsize``, nm; in any of its documents) and ``Frames``, ``Width``, ``Height``.

Cluster centres
---------------
Picasso's clustering (DBSCAN, HDBSCAN, SMLM clusterer) saves one row per cluster, in the same layout
(its own ``egfr_mols.hdf5`` sample): ``frame`` is the *mean* frame of the cluster's localizations (a
float), with ``std_frame``, ``std_x``, ``std_y``, ``n`` (localizations), ``n_events``, ``area``,
``convexhull`` and ``group`` columns. Such a file is read, with a :class:`UserWarning`:

* ``frame`` is the mean frame *rounded* to the nearest whole frame; the unrounded mean is kept as
  ``frame_mean`` (``meta.extra["picasso_clusters"]`` is True);
* the extra columns are kept: ``std_frame``, ``n``, ``n_events``, ``group``, ``group_input``,
  ``ellipticity`` as they are; ``std_x`` / ``std_y`` as ``std_x_nm`` / ``std_y_nm``, ``std_z`` as
  ``std_z_nm`` (Picasso keeps z in nm); ``area`` / ``convexhull`` (2D, camera pixels^2) as ``area_nm2`` /
  ``convexhull_nm2``; ``volume`` / ``convexhull`` (3D, camera pixels^3) as ``volume_nm3`` /
  ``convexhull_nm3``;
* a cluster centre is no blink: a time window of cluster centres is *not* a sparse acquisition (each
  centre already averages its whole binding history), and time-split FRC halves of it are not
  independent acquisitions. Render or reconstruct them, but make training pairs from the localizations.

The ``group`` column of picked (not clustered) localizations is kept too.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table
from ._head import Head
from ._text import finite_or_none

NAME = "picasso"


def sniff(head: Head) -> bool:
    """HDF5 whose ``/locs`` table has ``x``, ``y`` and ``frame``."""
    names = head.hdf5.get("locs")
    return isinstance(names, tuple) and {"x", "y", "frame"} <= set(names)


def yaml_info(path: Path) -> dict[str, Any]:
    """All documents of the Picasso ``.yaml`` beside ``path``, merged (the first occurrence of a key wins)."""
    import yaml  # noqa: PLC0415

    ypath = path.with_suffix(".yaml")
    if not ypath.is_file():
        return {}
    try:
        docs = list(yaml.safe_load_all(ypath.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LocalizationFileError(f"{ypath}: cannot parse the Picasso YAML: {exc}") from None
    merged: dict[str, Any] = {}
    for d in docs:
        if isinstance(d, dict):
            for k, v in d.items():
                merged.setdefault(k, v)
    return merged


#: Columns of cluster centres (and picked localizations) kept as they are.
_KEPT = ("std_frame", "n", "n_events", "group", "group_input", "ellipticity")


def _is_clusters(names: set[str], frame: np.ndarray) -> bool:
    """Cluster centres: float frames next to Picasso's cluster statistics."""
    return frame.dtype.kind == "f" and ("std_frame" in names or {"n", "group"} <= names)


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a Picasso HDF5 file (localizations, or cluster centres: see the module docstring)."""
    import h5py  # noqa: PLC0415

    if not h5py.is_hdf5(path):
        raise LocalizationFileError(f"{path}: not an HDF5 file (its first bytes are no HDF5 signature); a Picasso "
                                    "file is HDF5 (/locs) with a .yaml beside it")
    try:
        with h5py.File(path, "r") as f:
            ds = f.get("locs")
            if not isinstance(ds, h5py.Dataset) or ds.dtype.names is None:
                raise LocalizationFileError(f"{path}: not a Picasso file: no '/locs' table (found {list(f.keys())})")
            locs = ds[()]
    except OSError as exc:
        raise LocalizationFileError(f"{path}: cannot read the HDF5 file: {exc}") from None
    names = set(locs.dtype.names)
    missing = sorted({"x", "y", "frame"} - names)
    if missing:
        raise LocalizationFileError(f"{path}: the Picasso /locs table has no field(s) {missing} (found {sorted(names)})")
    info = yaml_info(path)
    px = options.pixel_size_nm
    if px is None:
        px = _pixel_size(path, info, options)

    def col(name: str) -> np.ndarray:
        return np.asarray(locs[name], dtype=np.float64)

    frame = np.asarray(locs["frame"])
    clusters = _is_clusters(names, frame)
    cols = {"x_nm": col("x") * px, "y_nm": col("y") * px, "frame": np.rint(frame) if clusters else frame}
    if {"lpx", "lpy"} <= names:
        cols["precision_nm"] = np.sqrt((col("lpx") ** 2 + col("lpy") ** 2) / 2) * px
    if "photons" in names:
        cols["photons"] = col("photons")
    if "bg" in names:
        cols["background_photons"] = col("bg")
    if "z" in names:
        cols["z_nm"] = col("z")  # Picasso 3D keeps z in nm
    cols.update({name: np.asarray(locs[name]) for name in _KEPT if name in names})
    if clusters:
        cols["frame_mean"] = col("frame")
        cols.update({f"{k}_nm": col(k) * px for k in ("std_x", "std_y") if k in names})
        if "std_z" in names:
            cols["std_z_nm"] = col("std_z")
        power, unit = (3, "nm3") if "z" in names else (2, "nm2")
        cols.update({f"{k}_{unit}": col(k) * px**power for k in ("area", "volume", "convexhull") if k in names})
    width, height, frames = (finite_or_none(info.get(k)) for k in ("Width", "Height", "Frames"))
    fov = (0.0, 0.0, width * px, height * px) if width and height and width > 0 and height > 0 else None
    n_frames = int(frames) if frames is not None and frames >= 0 else None
    table = finish_table(path, cols, options, fmt=NAME, frame_convention=0, pixel_size_nm=px,
                         n_frames=n_frames, fov_nm=fov, extra={"picasso_clusters": True} if clusters else None)
    if clusters:
        warnings.warn(
            f"{path} holds {len(table)} Picasso cluster centres (mean frames with 'std_frame', 'n'), not "
            "localizations: frames are rounded to the nearest whole frame (the mean is kept in 'frame_mean'); a "
            "time window of cluster centres is not a sparse acquisition (use the localizations for training pairs "
            "and time-split FRC)", UserWarning, stacklevel=2)
    return table


def _pixel_size(path: Path, info: dict[str, Any], options: ReadOptions) -> float:
    """The camera pixel size the ``.yaml`` beside ``path`` states (refused: missing, absent or not > 0)."""
    ypath = path.with_suffix(".yaml")
    fix = f"pass {options.name('pixel_size_nm')} (nm per camera pixel)"
    if not ypath.is_file():
        raise LocalizationFileError(f"{path}: Picasso coordinates are in camera pixels and the {ypath.name} beside it "
                                    f"that states the pixel size is missing: put it back, or {fix}")
    if "Pixelsize" not in info:
        raise LocalizationFileError(f"{path}: Picasso coordinates are in camera pixels, but {ypath.name} has no "
                                    f"'Pixelsize' entry: {fix}")
    px = finite_or_none(info["Pixelsize"])
    if px is None or px <= 0:
        raise LocalizationFileError(f"{path}: {ypath.name} states 'Pixelsize' {info['Pixelsize']!r}; expected a "
                                    f"positive number of nm per camera pixel: correct it, or {fix}")
    return px
