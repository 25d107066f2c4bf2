"""DECODE: the HDF5 emitter set (``/data/xyz``, ``/data/frame_ix`` counted from 0, ``/data/phot``,
``/data/xyz_sig``; ``/meta`` attributes ``xy_unit`` (``px`` or ``nm``) and ``px_size`` ``[x, y]`` in nm) and
its CSV (``#`` lines with the same metadata as JSON, then ``x``, ``y``, ``z``, ``phot``, ``frame_ix``,
``x_sig``, ``y_sig``, ...). z is in nm; pixels may be anisotropic (x and y scaled apart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table, unit_to_nm
from ._head import Head
from ._text import finite_or_none, open_text, read_columns

NAME = "decode"


def sniff(head: Head) -> bool:
    """HDF5 with ``/data/xyz`` and ``/data/frame_ix``, or a CSV with ``frame_ix`` or DECODE ``#`` metadata."""
    if head.is_hdf5:
        return "data/xyz" in head.hdf5 and "data/frame_ix" in head.hdf5
    if not head.comments:
        return False
    return "frame_ix" in head.names or any("xy_unit" in c or "DECODE" in c for c in head.comments)


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a DECODE HDF5 or CSV file."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == b"\x89HDF\r\n\x1a\n":
        cols, info = _read_h5(path)
    else:
        cols, info = _read_csv(path)
    scale_x, scale_y, px = _scales(path, info, options)
    out = {"x_nm": cols["x"] * scale_x, "y_nm": cols["y"] * scale_y, "frame": cols["frame_ix"]}
    if "z" in cols:
        out["z_nm"] = cols["z"]
    if "phot" in cols:
        out["photons"] = cols["phot"]
    if "x_sig" in cols and "y_sig" in cols:
        out["precision_nm"] = np.sqrt(((cols["x_sig"] * scale_x) ** 2 + (cols["y_sig"] * scale_y) ** 2) / 2)
    if "prob" in cols:
        out["probability"] = cols["prob"]
    extra = {k: v for k, v in info.items() if isinstance(v, (str, int, float, list))}
    return finish_table(path, out, options, fmt=NAME, frame_convention=0, frame_column="frame_ix",
                        pixel_size_nm=px, extra=extra)


def _scales(path: Path, info: dict[str, Any], options: ReadOptions) -> tuple[float, float, float | None]:
    unit = info.get("xy_unit")
    if unit is None:
        raise LocalizationFileError(f"{path}: the DECODE metadata has no 'xy_unit' (found {sorted(info)}); "
                                    "expected 'px' or 'nm'")
    size = np.atleast_1d(np.asarray(info.get("px_size", []), dtype=object)).tolist()
    sizes = [finite_or_none(s) for s in size]
    if options.pixel_size_nm is not None:
        px_x = px_y = float(options.pixel_size_nm)
    elif sizes and all(s is not None and s > 0 for s in sizes):
        px_x, px_y = float(sizes[0]), float(sizes[-1])  # type: ignore[arg-type]
    else:
        px_x = px_y = None
    if str(unit).strip().lower() in ("nm", "nanometer"):
        return 1.0, 1.0, px_x if px_x == px_y else None
    sx = unit_to_nm(str(unit), path, "x", options, px_x)
    sy = unit_to_nm(str(unit), path, "y", options, px_y)
    return sx, sy, (px_x if px_x == px_y else None)


def _read_h5(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as f:
            data, meta = f.get("data"), f.get("meta")
            if not isinstance(data, h5py.Group) or "xyz" not in data or "frame_ix" not in data:
                raise LocalizationFileError(f"{path}: not a DECODE file: no /data/xyz and /data/frame_ix")
            info = {k: _plain(v) for k, v in (meta.attrs.items() if meta is not None else [])}

            def array(name: str) -> np.ndarray | None:
                ds = data.get(name)
                if not isinstance(ds, h5py.Dataset) or ds.shape is None or ds.dtype.kind not in "fiu":
                    return None
                return np.asarray(ds[()], dtype=np.float64)

            xyz = array("xyz")
            if xyz is None or xyz.ndim != 2 or xyz.shape[1] < 2:
                raise LocalizationFileError(f"{path}: /data/xyz must be an (N, 2 or 3) array, got "
                                            f"{None if xyz is None else xyz.shape}")
            cols = {"x": xyz[:, 0], "y": xyz[:, 1], "frame_ix": array("frame_ix")}
            if xyz.shape[1] > 2:
                cols["z"] = xyz[:, 2]
            sig = array("xyz_sig")
            if sig is not None and sig.ndim == 2 and sig.shape[1] >= 2:
                cols["x_sig"], cols["y_sig"] = sig[:, 0], sig[:, 1]
            for name in ("phot", "prob"):
                v = array(name)
                if v is not None:
                    cols[name] = v
    except OSError as exc:
        raise LocalizationFileError(f"{path}: cannot read the HDF5 file: {exc}") from None
    if cols["frame_ix"] is None:
        raise LocalizationFileError(f"{path}: /data/frame_ix is not numeric")
    n = len(cols["x"])
    bad = {k: len(v) for k, v in cols.items() if len(v) != n}
    if bad:
        raise LocalizationFileError(f"{path}: DECODE arrays of different lengths: {n} positions, {bad}")
    return cols, info


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_csv(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    table = open_text(path)
    info: dict[str, Any] = {}
    for c in table.comments:
        try:
            obj = json.loads(c)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            info.update(obj)
    missing = [c for c in ("x", "y", "frame_ix") if c not in table.names]
    if missing:
        raise LocalizationFileError(f"{path}: not a DECODE CSV: no column(s) {missing} (header {table.names})")
    wanted = [c for c in ("x", "y", "z", "frame_ix", "phot", "x_sig", "y_sig", "prob") if c in table.names]
    return read_columns(table, wanted), info
