"""Readers and writers: localization files and images.

Localization files
------------------
:func:`read_localizations` detects the format from the extension and the header and returns a
:class:`~frcnet_lite.localizations.LocalizationTable` in nanometres with 0-based frames:

=================  =========================================================================
format             layout (as written by the software)
=================  =========================================================================
``picasso``        HDF5 with a ``/locs`` compound dataset: ``frame`` (0-based), ``x``, ``y``,
                   ``lpx``, ``lpy`` in *camera pixels*, ``photons``, ...; the pixel size
                   (``Pixelsize``, nm) sits in the multi-document ``.yaml`` beside it, in any
                   of its documents (also ``Frames``, ``Width``, ``Height``).
``thunderstorm``   CSV with quoted headers with units, ``"x [nm]"``, ``"y [nm]"``,
                   ``"frame"`` (1-based), ``"uncertainty [nm]"`` (older versions) or
                   ``"uncertainty_xy [nm]"`` (newer), ``"intensity [photon]"``; ``[px]`` units
                   need ``pixel_size_nm``; ``[um]`` is converted.
``smap``           CSV with ``xnm``, ``ynm``, ``frame`` (1-based, MATLAB), ``locprecnm``,
                   ``phot``, ``znm``, ...
``decode``         CSV with ``#`` header lines holding JSON metadata (``xy_unit``: ``"px"``
                   or ``"nm"``, ``px_size``: ``[x, y]`` nm), then ``x``, ``y``, ``z``, ``phot``,
                   ``frame_ix`` (0-based), ``x_sig``, ``y_sig``, ...
``frcnet``         this package's CSV (:func:`write_localizations`): a ``# frcnet-lite {json}``
                   line with the metadata, then ``x_nm,y_nm,frame,...``.
``csv``            any CSV, with an explicit ``columns`` mapping (``{"x_nm": "X", ...}``) and
                   ``unit`` (``"nm"``, ``"um"`` or ``"px"`` with ``pixel_size_nm``).
=================  =========================================================================

Bad input raises :class:`ValueError` (or :class:`FileNotFoundError`) naming the file and the
problem: missing columns, unknown units, pixel coordinates without a pixel size, NaN/infinite
coordinates (how many; ``drop_invalid=True`` drops them), empty tables, unreadable files.
Writers (:func:`write_localizations`: ``.csv`` or Picasso ``.hdf5`` + ``.yaml``) write to a
temporary name and rename, so a failed write never leaves a truncated file.

CSV parsing uses :func:`pandas.read_csv` when pandas is installed (fast) and
:func:`numpy.loadtxt` otherwise (about 3x slower).

Images
------
:func:`read_image` reads PNG (8/16 bit) and TIFF as float32 arrays; :func:`write_tiff` writes a
float32 TIFF with its pixel size in the resolution tags (ImageJ-compatible, in micrometres), which
:func:`read_tiff_pixel_size_nm` reads back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_write
from .localizations import LocalizationMeta, LocalizationTable

__all__ = [
    "FORMATS",
    "detect_format",
    "read_localizations",
    "write_localizations",
    "read_image",
    "write_tiff",
    "read_tiff_pixel_size_nm",
    "read_image_with_pixel_size",
]


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read a 2D image (TIFF, PNG, JPEG, BMP) as float32 (see :func:`read_image_with_pixel_size`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_tiff(pathlib.Path(d) / "a.tif", np.eye(3), pixel_size_nm=5.0)
    ...     read_image(p).sum(), read_tiff_pixel_size_nm(p)
    (np.float32(3.0), 5.0)
    """
    return read_image_with_pixel_size(path)[0]


def read_image_with_pixel_size(path: str | os.PathLike) -> tuple[np.ndarray, float | None]:
    """Read a 2D image (TIFF, PNG, JPEG, BMP) and its pixel size in nm if the file states one.

    Colour images become the mean of R, G and B. Only calibrated TIFFs state a pixel size
    (:func:`read_tiff_pixel_size_nm`). Returns ``(image float32, pixel_size_nm or None)``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable 2D image.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    px = None
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(path) as tif:
                arr = tif.asarray()
                px = _tiff_pixel_size_nm(tif)
        else:
            from PIL import Image

            with Image.open(path) as im:
                arr = np.asarray(im)
    except Exception as exc:  # noqa: BLE001  (any reader error means: not an image)
        raise ValueError(f"{path} is not a readable image file ({type(exc).__name__}: {exc})") from exc
    arr = np.squeeze(np.asarray(arr))
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # colour image: the mean of R, G and B
        arr = arr[..., :3].mean(axis=-1)
    if arr.ndim != 2:
        raise ValueError(f"{path} holds an image of shape {arr.shape}; expected a single 2D plane")
    return arr.astype(np.float32), px


def write_tiff(path: str | os.PathLike, image: np.ndarray, pixel_size_nm: float | None = None) -> Path:
    """Write a 2D image as a float32 TIFF (atomically), with the pixel size in the resolution tags.

    Parameters
    ----------
    path : path
        Output file (``.tif`` / ``.tiff``).
    image : numpy.ndarray
        2D image.
    pixel_size_nm : float, optional
        Pixel size, stored as pixels per micrometre (ImageJ reads it).

    Returns
    -------
    pathlib.Path
    """
    import tifffile

    path = Path(path)
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2:
        raise ValueError(f"write_tiff expects a 2D image, got shape {img.shape}")
    if pixel_size_nm is not None and not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number, got {pixel_size_nm!r}")
    kwargs = {}
    if pixel_size_nm is not None:
        per_um = 1000.0 / float(pixel_size_nm)
        kwargs = {"resolution": (per_um, per_um), "metadata": {"unit": "um", "axes": "YX"}}
    with atomic_write(path) as tmp:
        tifffile.imwrite(tmp, img, imagej=True, **kwargs)
    return path


def read_tiff_pixel_size_nm(path: str | os.PathLike) -> float | None:
    """Pixel size (nm) stated by a TIFF's calibration, or None when it states none."""
    import tifffile

    with tifffile.TiffFile(path) as tif:
        return _tiff_pixel_size_nm(tif)


def _tiff_pixel_size_nm(tif) -> float | None:
    """Pixel size (nm) of an open TIFF: ImageJ's unit (um / nm) or a centimetre ResolutionUnit; else None."""
    page = tif.pages[0]
    tag = page.tags.get("XResolution")
    if tag is None:
        return None
    num, den = tag.value
    if num == 0 or den == 0 or (num, den) == (1, 1):
        return None
    per_pixel = den / num  # units per pixel
    unit = str((tif.imagej_metadata or {}).get("unit", "")).lower()
    if unit in ("um", "micron", "microns", "µm", "\\u00b5m"):
        return round(per_pixel * 1000.0, 6)
    if unit == "nm":
        return round(per_pixel, 6)
    res_unit = page.tags.get("ResolutionUnit")
    if res_unit is not None and int(res_unit.value) == 3:  # centimetre
        return round(per_pixel * 1e7, 6)
    return None  # inch or no unit: no physical calibration


# ============================================================================ localizations
#: Formats understood by :func:`read_localizations`.
FORMATS = ("picasso", "thunderstorm", "smap", "decode", "frcnet", "csv")

_UNIT_NM = {"nm": 1.0, "um": 1000.0, "µm": 1000.0, "μm": 1000.0, "micron": 1000.0}
_HEADER_UNIT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\]]*)\]\s*$")


def _scale_nm(unit: str, pixel_size_nm: float | None, path: Path, what: str) -> float:
    """Factor from ``unit`` to nm; ``px`` needs a pixel size."""
    u = unit.strip().lower()
    if u in _UNIT_NM:
        return _UNIT_NM[u]
    if u in ("px", "pixel", "pixels", "camera pixels"):
        if pixel_size_nm is None:
            raise ValueError(f"{path}: {what} is in camera pixels but no pixel size is known: pass pixel_size_nm=")
        return float(pixel_size_nm)
    raise ValueError(f"{path}: unknown unit {unit!r} for {what} (expected nm, um or px)")


def _check_pixel_size(pixel_size_nm: float | None) -> float | None:
    if pixel_size_nm is not None and not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number, got {pixel_size_nm!r}")
    return None if pixel_size_nm is None else float(pixel_size_nm)


def _read_head(path: Path, n: int = 8) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="strict", newline="") as f:
            return [f.readline() for _ in range(n)]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a text (CSV) file: {exc}") from None


def detect_format(path: str | os.PathLike) -> str:
    """The format of a localization file, from its extension and header (one of :data:`FORMATS`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "locs.csv"
    ...     _ = p.write_text('"id","frame","x [nm]","y [nm]"\\n1,1,10.0,20.0\\n')
    ...     detect_format(p)
    'thunderstorm'
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no localization file at {path}")
    ext = path.suffix.lower()
    if ext in (".hdf5", ".h5", ".hdf"):
        return "picasso"
    if ext not in (".csv", ".txt"):
        raise ValueError(f"{path}: unknown localization file extension {ext!r} (expected .csv or .hdf5)")
    lines = _read_head(path)
    comments = [ln for ln in lines if ln.startswith("#")]
    header = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    if any("frcnet-lite" in c for c in comments):
        return "frcnet"
    if comments and ("frame_ix" in header or any("xy_unit" in c or "DECODE" in c for c in comments)):
        return "decode"
    names = [n.strip().strip('"') for n in header.strip().split(",")]
    if any(_HEADER_UNIT.match(n) for n in names) and "frame" in names:
        return "thunderstorm"
    if "xnm" in names and "ynm" in names:
        return "smap"
    if {"x_nm", "y_nm", "frame"} <= set(names):
        return "frcnet"
    return "csv"


def _read_csv_columns(path: Path, skip_comment_lines: int, names: list[str], wanted: list[str]) -> dict[str, np.ndarray]:
    """Numeric columns ``wanted`` (header names) of a CSV whose header is ``names``."""
    idx = [names.index(w) for w in wanted]
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is usually present
        pd = None
    try:
        if pd is not None:
            df = pd.read_csv(path, skiprows=skip_comment_lines + 1, header=None, usecols=idx,
                             dtype=np.float64, engine="c")
            return {w: df[i].to_numpy() for w, i in zip(wanted, idx)}
        data = np.loadtxt(path, delimiter=",", skiprows=skip_comment_lines + 1, usecols=idx, ndmin=2,
                          dtype=np.float64)
        return {w: data[:, k] for k, w in enumerate(wanted)}
    except Exception as exc:  # noqa: BLE001 - pandas/numpy parse errors of many kinds
        if type(exc).__name__ == "EmptyDataError":  # header only: an empty table
            return {w: np.zeros(0) for w in wanted}
        raise ValueError(f"{path}: cannot parse the numeric columns {wanted}: {exc}") from None


def _csv_header(path: Path) -> tuple[list[str], list[str]]:
    """Leading ``#`` comment lines and the column names of a CSV."""
    comments: list[str] = []
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            if line.startswith("#"):
                comments.append(line[1:].strip())
                continue
            names = next(csv.reader(io.StringIO(line)), [])
            return comments, [n.strip() for n in names]
    raise ValueError(f"{path} is empty: no header line")


def _require(path: Path, names: list[str], needed: Mapping[str, tuple[str, ...]], fmt: str) -> dict[str, str]:
    """For each role, the first spelling found in ``names``; a clear error for missing roles."""
    found, missing = {}, []
    for role, spellings in needed.items():
        hit = next((s for s in spellings if s in names), None)
        if hit is None:
            missing.append(f"{role} (one of {list(spellings)})")
        else:
            found[role] = hit
    if missing:
        raise ValueError(f"{path}: not a valid {fmt} file: missing columns {missing}; the header has {names}")
    return found


def _optional(names: list[str], spellings: tuple[str, ...]) -> str | None:
    return next((s for s in spellings if s in names), None)


def _finish(
    path: Path, cols: dict[str, np.ndarray], meta: LocalizationMeta, drop_invalid: bool
) -> LocalizationTable:
    n = len(cols["x_nm"])
    if n == 0:
        raise ValueError(f"{path} holds no localizations (empty table)")
    bad = ~(np.isfinite(cols["x_nm"]) & np.isfinite(cols["y_nm"]) & np.isfinite(cols["frame"]))
    n_bad = int(bad.sum())
    if n_bad:
        if not drop_invalid:
            raise ValueError(f"{path}: {n_bad} of {n} localizations have NaN or infinite coordinates or frames; "
                             "pass drop_invalid=True to drop them")
        cols = {k: v[~bad] for k, v in cols.items()}
        if n_bad == n:
            raise ValueError(f"{path}: all {n} localizations have NaN or infinite coordinates")
    cols["frame"] = np.rint(cols["frame"]).astype(np.int64)
    if cols["frame"].min() < 0:
        raise ValueError(f"{path}: negative frame numbers (min {cols['frame'].min()}) after conversion to 0-based")
    if meta.n_frames is None:
        from dataclasses import replace

        meta = replace(meta, n_frames=int(cols["frame"].max()) + 1)
    return LocalizationTable(cols, meta)


# ---------------------------------------------------------------------------- format readers
def _read_thunderstorm(path: Path, pixel_size_nm: float | None, first_frame: int | None, drop: bool):
    _, names = _csv_header(path)
    role = _require(path, names, {"x": tuple(n for n in names if _unit_name(n) == "x"),
                                  "y": tuple(n for n in names if _unit_name(n) == "y"),
                                  "frame": ("frame",)}, "ThunderSTORM")
    unc = _optional(names, ("uncertainty_xy [nm]", "uncertainty [nm]", "uncertainty_xy [px]", "uncertainty [px]"))
    phot = _optional(names, ("intensity [photon]",))
    z = _optional(names, tuple(n for n in names if _unit_name(n) == "z"))
    wanted = [role["x"], role["y"], role["frame"]] + [c for c in (unc, phot, z) if c]
    data = _read_csv_columns(path, 0, names, wanted)
    sx = _scale_nm(_HEADER_UNIT.match(role["x"]).group("unit"), pixel_size_nm, path, role["x"])
    sy = _scale_nm(_HEADER_UNIT.match(role["y"]).group("unit"), pixel_size_nm, path, role["y"])
    cols = {"x_nm": data[role["x"]] * sx, "y_nm": data[role["y"]] * sy,
            "frame": data["frame"] - (1 if first_frame is None else first_frame)}
    if unc:
        cols["precision_nm"] = data[unc] * _scale_nm(_HEADER_UNIT.match(unc).group("unit"), pixel_size_nm, path, unc)
    if phot:
        cols["photons"] = data[phot]
    if z:
        cols["z_nm"] = data[z] * _scale_nm(_HEADER_UNIT.match(z).group("unit"), pixel_size_nm, path, z)
    meta = LocalizationMeta(pixel_size_nm=pixel_size_nm, source=str(path), extra={"format": "thunderstorm"})
    return _finish(path, cols, meta, drop)


def _unit_name(header: str) -> str | None:
    m = _HEADER_UNIT.match(header)
    return m.group("name").strip() if m else None


def _read_smap(path: Path, pixel_size_nm: float | None, first_frame: int | None, drop: bool):
    _, names = _csv_header(path)
    _require(path, names, {"x": ("xnm",), "y": ("ynm",), "frame": ("frame",)}, "SMAP")
    prec = _optional(names, ("locprecnm",))
    phot = _optional(names, ("phot",))
    z = _optional(names, ("znm",))
    data = _read_csv_columns(path, 0, names, ["xnm", "ynm", "frame"] + [c for c in (prec, phot, z) if c])
    cols = {"x_nm": data["xnm"], "y_nm": data["ynm"], "frame": data["frame"] - (1 if first_frame is None else first_frame)}
    if prec:
        cols["precision_nm"] = data[prec]
    if phot:
        cols["photons"] = data[phot]
    if z:
        cols["z_nm"] = data[z]
    meta = LocalizationMeta(pixel_size_nm=pixel_size_nm, source=str(path), extra={"format": "smap"})
    return _finish(path, cols, meta, drop)


def _read_decode(path: Path, pixel_size_nm: float | None, first_frame: int | None, drop: bool):
    comments, names = _csv_header(path)
    info: dict[str, Any] = {}
    for c in comments:
        try:
            obj = json.loads(c)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            info.update(obj)
    _require(path, names, {"x": ("x",), "y": ("y",), "frame": ("frame_ix",)}, "DECODE")
    unit = info.get("xy_unit")
    if unit is None:
        raise ValueError(f"{path}: the DECODE header has no 'xy_unit' (found metadata {sorted(info)})")
    px = pixel_size_nm
    if px is None and info.get("px_size") is not None:
        size = np.atleast_1d(np.asarray(info["px_size"], dtype=float))
        if size.size > 1 and not np.isclose(size[0], size[-1]):
            raise ValueError(f"{path}: anisotropic pixels px_size={info['px_size']} are not supported")
        px = float(size[0])
    scale = _scale_nm(str(unit), px, path, "x/y")
    sig = [c for c in ("x_sig", "y_sig") if c in names]
    extra = [c for c in ("phot", "z") if c in names] + sig
    data = _read_csv_columns(path, len(comments), names, ["x", "y", "frame_ix"] + extra)
    cols = {"x_nm": data["x"] * scale, "y_nm": data["y"] * scale,
            "frame": data["frame_ix"] - (0 if first_frame is None else first_frame)}
    if len(sig) == 2:
        cols["precision_nm"] = np.sqrt((data["x_sig"] ** 2 + data["y_sig"] ** 2) / 2) * scale
    if "phot" in data:
        cols["photons"] = data["phot"]
    if "z" in data:
        cols["z_nm"] = data["z"]  # DECODE keeps z in nm
    meta = LocalizationMeta(pixel_size_nm=px, source=str(path), extra={"format": "decode", **info})
    return _finish(path, cols, meta, drop)


def _read_frcnet(path: Path, pixel_size_nm: float | None, first_frame: int | None, drop: bool):
    comments, names = _csv_header(path)
    info: dict[str, Any] = {}
    for c in comments:
        if c.startswith("frcnet-lite"):
            info = json.loads(c[len("frcnet-lite"):])
    _require(path, names, {"x": ("x_nm",), "y": ("y_nm",), "frame": ("frame",)}, "frcnet-lite CSV")
    data = _read_csv_columns(path, len(comments), names, names)
    data["frame"] = data["frame"] - (0 if first_frame is None else first_frame)
    fov = info.get("fov_nm")
    meta = LocalizationMeta(pixel_size_nm=pixel_size_nm if pixel_size_nm is not None else info.get("pixel_size_nm"),
                            n_frames=info.get("n_frames"), fov_nm=tuple(fov) if fov else None, source=str(path),
                            extra={"format": "frcnet"})
    return _finish(path, data, meta, drop)


def _read_generic(path: Path, columns: Mapping[str, str] | None, unit: str | None, pixel_size_nm: float | None,
                  first_frame: int | None, drop: bool):
    comments, names = _csv_header(path)
    if not columns:
        raise ValueError(f"{path}: unknown CSV layout (header {names}); pass columns={{'x_nm': ..., 'y_nm': ..., "
                         f"'frame': ...}} and unit=")
    need = {"x_nm", "y_nm", "frame"}
    if not need <= set(columns):
        raise ValueError(f"columns must map at least {sorted(need)} to header names, got {dict(columns)}")
    missing = [v for v in columns.values() if v not in names]
    if missing:
        raise ValueError(f"{path}: columns {missing} are not in the header {names}")
    data = _read_csv_columns(path, len(comments), names, list(dict.fromkeys(columns.values())))
    scale = _scale_nm(unit or "nm", pixel_size_nm, path, "x/y")
    cols = {k: data[v].copy() for k, v in columns.items()}
    for k in cols:
        if k.endswith("_nm"):
            cols[k] = cols[k] * scale
    cols["frame"] = cols["frame"] - (0 if first_frame is None else first_frame)
    meta = LocalizationMeta(pixel_size_nm=pixel_size_nm, source=str(path), extra={"format": "csv"})
    return _finish(path, cols, meta, drop)


def _picasso_yaml(path: Path) -> dict[str, Any]:
    """All documents of the Picasso ``.yaml`` beside ``path``, merged (first occurrence wins)."""
    import yaml

    ypath = path.with_suffix(".yaml")
    if not ypath.exists():
        return {}
    try:
        docs = list(yaml.safe_load_all(ypath.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise ValueError(f"{ypath}: cannot parse the Picasso YAML: {exc}") from None
    merged: dict[str, Any] = {}
    for d in docs:
        if isinstance(d, dict):
            for k, v in d.items():
                merged.setdefault(k, v)
    return merged


def _read_picasso(path: Path, pixel_size_nm: float | None, first_frame: int | None, drop: bool):
    import h5py

    try:
        with h5py.File(path, "r") as f:
            if "locs" not in f:
                raise ValueError(f"{path}: not a Picasso file: no '/locs' dataset (found {list(f.keys())})")
            locs = f["locs"][...]
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the HDF5 file: {exc}") from None
    names = list(locs.dtype.names or ())
    _require(path, names, {"x": ("x",), "y": ("y",), "frame": ("frame",)}, "Picasso")
    info = _picasso_yaml(path)
    px = pixel_size_nm if pixel_size_nm is not None else info.get("Pixelsize")
    if px is None:
        raise ValueError(f"{path}: Picasso coordinates are in camera pixels, but no 'Pixelsize' was found in "
                         f"{path.with_suffix('.yaml').name}: pass pixel_size_nm=")
    px = float(px)
    cols = {"x_nm": locs["x"].astype(np.float64) * px, "y_nm": locs["y"].astype(np.float64) * px,
            "frame": locs["frame"].astype(np.float64) - (0 if first_frame is None else first_frame)}
    if "lpx" in names and "lpy" in names:
        cols["precision_nm"] = np.sqrt((locs["lpx"].astype(np.float64) ** 2 + locs["lpy"].astype(np.float64) ** 2) / 2) * px
    if "photons" in names:
        cols["photons"] = locs["photons"].astype(np.float64)
    if "z" in names:
        cols["z_nm"] = locs["z"].astype(np.float64)  # Picasso 3D: z in nm
    fov = None
    if "Width" in info and "Height" in info:
        fov = (0.0, 0.0, float(info["Width"]) * px, float(info["Height"]) * px)
    n_frames = int(info["Frames"]) if "Frames" in info else None
    meta = LocalizationMeta(pixel_size_nm=px, n_frames=n_frames, fov_nm=fov, source=str(path),
                            extra={"format": "picasso"})
    return _finish(path, cols, meta, drop)


# ---------------------------------------------------------------------------- public
def read_localizations(
    path: str | os.PathLike,
    format: str | None = None,
    pixel_size_nm: float | None = None,
    columns: Mapping[str, str] | None = None,
    unit: str | None = None,
    drop_invalid: bool = False,
    first_frame: int | None = None,
) -> LocalizationTable:
    """Read a localization file into a table in nm with 0-based frames.

    Parameters
    ----------
    path : path
        The file (``.csv`` or Picasso ``.hdf5``).
    format : str, optional
        One of :data:`FORMATS`; default: :func:`detect_format`.
    pixel_size_nm : float, optional
        Camera pixel size in nm, for coordinates in pixels (overrides the file's own).
    columns : mapping, optional
        Generic CSV: table column -> header name, at least ``x_nm``, ``y_nm``, ``frame``
        (other ``*_nm`` columns are scaled by ``unit`` too).
    unit : str, optional
        Generic CSV: unit of the ``*_nm`` columns (``"nm"`` default, ``"um"``, ``"px"``).
    drop_invalid : bool
        Drop rows with NaN/infinite coordinates instead of raising. Default False.
    first_frame : int, optional
        Number of the first frame in the file (default: the format's convention: 1 for
        ThunderSTORM and SMAP, 0 otherwise).

    Returns
    -------
    LocalizationTable

    Examples
    --------
    >>> import tempfile, pathlib
    >>> t = LocalizationTable({"x_nm": [1.5, 2.5], "y_nm": [3.0, 4.0], "frame": [0, 7]},
    ...                       LocalizationMeta(pixel_size_nm=100.0))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = read_localizations(write_localizations(t, pathlib.Path(d) / "t.csv"))
    >>> back.x_nm, back.frame, back.meta.pixel_size_nm
    (array([1.5, 2.5]), array([0, 7]), 100.0)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no localization file at {path}")
    px = _check_pixel_size(pixel_size_nm)
    fmt = format or (("csv" if columns else detect_format(path)))
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if fmt == "picasso":
        return _read_picasso(path, px, first_frame, drop_invalid)
    readers = {"thunderstorm": _read_thunderstorm, "smap": _read_smap, "decode": _read_decode,
               "frcnet": _read_frcnet}
    if fmt == "csv":
        return _read_generic(path, columns, unit, px, first_frame, drop_invalid)
    return readers[fmt](path, px, first_frame, drop_invalid)


def write_localizations(table: LocalizationTable, path: str | os.PathLike, pixel_size_nm: float | None = None) -> Path:
    """Write a table as this package's CSV (``.csv``) or as Picasso HDF5 + YAML (``.hdf5``), atomically.

    Parameters
    ----------
    table : LocalizationTable
        The localizations.
    path : path
        ``.csv`` (all columns, nm, 0-based frames, metadata in a ``# frcnet-lite {json}`` line)
        or ``.hdf5`` (Picasso: ``/locs`` in camera pixels + a ``.yaml`` with ``Pixelsize``).
    pixel_size_nm : float, optional
        Camera pixel size for Picasso files (default: ``table.meta.pixel_size_nm``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        return _write_csv(table, path)
    if ext in (".hdf5", ".h5"):
        return _write_picasso(table, path, pixel_size_nm)
    raise ValueError(f"cannot write {path}: expected a .csv or .hdf5 file name")


def _write_csv(table: LocalizationTable, path: Path) -> Path:
    m = table.meta
    info = {"pixel_size_nm": m.pixel_size_nm, "n_frames": m.n_frames, "fov_nm": list(m.fov_nm) if m.fov_nm else None}
    names = list(table.columns)
    data = np.column_stack([table[c].astype(np.float64) for c in names]) if len(table) else np.zeros((0, len(names)))
    fmt = ["%d" if table[c].dtype.kind in "iub" else "%.10g" for c in names]
    with atomic_write(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(f"# frcnet-lite {json.dumps(info)}\n")
        f.write(",".join(names) + "\n")
        np.savetxt(f, data, delimiter=",", fmt=fmt)
    return path


def _write_picasso(table: LocalizationTable, path: Path, pixel_size_nm: float | None) -> Path:
    import h5py
    import yaml

    px = _check_pixel_size(pixel_size_nm if pixel_size_nm is not None else table.meta.pixel_size_nm)
    if px is None:
        raise ValueError(f"cannot write the Picasso file {path}: it stores camera pixels, pass pixel_size_nm=")
    n = len(table)
    dtype = [("frame", "u4"), ("x", "f4"), ("y", "f4"), ("photons", "f4"), ("sx", "f4"), ("sy", "f4"),
             ("bg", "f4"), ("lpx", "f4"), ("lpy", "f4")]
    locs = np.zeros(n, dtype=dtype)
    locs["frame"] = table.frame
    locs["x"] = table.x_nm / px
    locs["y"] = table.y_nm / px
    locs["photons"] = table["photons"] if "photons" in table else 0
    locs["sx"] = locs["sy"] = 1.0
    prec = table["precision_nm"] / px if "precision_nm" in table else 0.1
    locs["lpx"] = locs["lpy"] = prec
    x1 = table.meta.fov_nm[2] if table.meta.fov_nm else (float(table.x_nm.max()) if n else px)
    y1 = table.meta.fov_nm[3] if table.meta.fov_nm else (float(table.y_nm.max()) if n else px)
    info = {"Generated by": "frcnet-lite", "Pixelsize": float(px),
            "Width": int(np.ceil(x1 / px)), "Height": int(np.ceil(y1 / px)),
            "Frames": int(table.meta.n_frames if table.meta.n_frames is not None else (table.frame.max() + 1 if n else 0))}
    # both files are complete before either replaces an existing one
    with atomic_write(path.with_suffix(".yaml")) as ytmp, atomic_write(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("locs", data=locs)
        with open(ytmp, "w", encoding="utf-8") as f:
            yaml.safe_dump_all([{"Byte Order": "<", "Data Type": "uint16"}, info], f, sort_keys=False)
    return path
