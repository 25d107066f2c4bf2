"""Picasso (Localize / Render): HDF5 with a ``/locs`` table (``frame`` counted from 0, ``x``, ``y``, ``lpx``,
``lpy`` in camera pixels, ``photons``, ``bg``, ...) and a multi-document ``.yaml`` beside it holding the pixel
size (``Pixelsize``, nm; in any of its documents) and ``Frames``, ``Width``, ``Height``."""

from __future__ import annotations

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


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a Picasso HDF5 file."""
    import h5py  # noqa: PLC0415

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
        px = finite_or_none(info.get("Pixelsize"))
        if px is None or px <= 0:
            raise LocalizationFileError(
                f"{path}: Picasso coordinates are in camera pixels, but {path.with_suffix('.yaml').name} states no "
                f"positive 'Pixelsize': pass {options.name('pixel_size_nm')} (nm per camera pixel)")

    def col(name: str) -> np.ndarray:
        return np.asarray(locs[name], dtype=np.float64)

    cols = {"x_nm": col("x") * px, "y_nm": col("y") * px, "frame": locs["frame"]}
    if {"lpx", "lpy"} <= names:
        cols["precision_nm"] = np.sqrt((col("lpx") ** 2 + col("lpy") ** 2) / 2) * px
    if "photons" in names:
        cols["photons"] = col("photons")
    if "bg" in names:
        cols["background_photons"] = col("bg")
    if "z" in names:
        cols["z_nm"] = col("z")  # Picasso 3D keeps z in nm
    width, height, frames = (finite_or_none(info.get(k)) for k in ("Width", "Height", "Frames"))
    fov = (0.0, 0.0, width * px, height * px) if width and height and width > 0 and height > 0 else None
    n_frames = int(frames) if frames is not None and frames >= 0 else None
    return finish_table(path, cols, options, fmt=NAME, frame_convention=0, pixel_size_nm=px,
                        n_frames=n_frames, fov_nm=fov)
