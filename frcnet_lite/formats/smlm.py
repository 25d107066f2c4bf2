"""The ``.smlm`` format of ShareLoc.xyz: a zip holding ``manifest.json`` and binary tables (``table-0.bin``:
little-endian records of the manifest's ``headers`` and ``dtype``). Coordinates (``x``/``position_x``, ...)
are in nm; ``frame`` counts from 0. Several tables (channels) are stacked, with a ``channel`` column."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table
from ._head import Head

NAME = "smlm"
_MAX_MANIFEST_BYTES = 10_000_000
_ROLES = {"x_nm": ("x", "position_x"), "y_nm": ("y", "position_y"), "z_nm": ("z", "position_z"),
          "frame": ("frame",), "photons": ("intensity", "photons"), "precision_nm": ("uncertainty", "precision")}
_DTYPES = {"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"}


def sniff(head: Head) -> bool:
    """A zip archive whose first member is, or which names, ``manifest.json``."""
    return head.is_zip and b"manifest.json" in head.raw


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a ``.smlm`` file."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _manifest(path, zf)
            tables = [_table(path, zf, manifest, f) for f in manifest.get("files", []) if _is_table(f)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise LocalizationFileError(f"{path}: not a readable .smlm (zip) file: {exc}") from None
    if not tables:
        raise LocalizationFileError(f"{path}: the .smlm manifest lists no localization table")
    cols: dict[str, Any] = {}
    for channel, t in enumerate(tables):
        picked = {}
        for key, spellings in _ROLES.items():
            name = next((s for s in spellings if s in t.dtype.names), None)
            if name is not None:
                picked[key] = np.asarray(t[name], dtype=np.float64)
        missing = [k for k in ("x_nm", "y_nm", "frame") if k not in picked]
        if missing:
            raise LocalizationFileError(f"{path}: a .smlm table without {missing} (its columns: {t.dtype.names})")
        if len(tables) > 1:
            picked["channel"] = np.full(len(t), channel)
        if cols and set(cols) != set(picked):
            raise LocalizationFileError(f"{path}: the .smlm tables have different columns")
        for k, v in picked.items():
            cols.setdefault(k, []).append(v)
    merged = {k: np.concatenate(v) for k, v in cols.items()}
    return finish_table(path, merged, options, fmt=NAME, frame_convention=0)


def _is_table(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("type") == "table"


def _manifest(path: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = zf.getinfo("manifest.json")
    except KeyError:
        raise LocalizationFileError(f"{path}: a zip without manifest.json is not a .smlm file") from None
    if info.file_size > _MAX_MANIFEST_BYTES:
        raise LocalizationFileError(f"{path}: manifest.json of {info.file_size} bytes is too large")
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LocalizationFileError(f"{path}: manifest.json is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("formats"), dict):
        raise LocalizationFileError(f"{path}: manifest.json has no 'formats' mapping")
    return manifest


def _table(path: Path, zf: zipfile.ZipFile, manifest: dict[str, Any], entry: dict[str, Any]) -> np.ndarray:
    fmt = manifest["formats"].get(entry.get("format"))
    name = entry.get("name")
    if not isinstance(fmt, dict) or fmt.get("mode") != "binary":
        raise LocalizationFileError(f"{path}: table {name!r} is not in a binary .smlm table format "
                                    "(only binary tables are supported)")
    headers, dtypes = fmt.get("headers"), fmt.get("dtype")
    if (not isinstance(headers, list) or not isinstance(dtypes, list) or len(headers) != len(dtypes)
            or not all(isinstance(h, str) for h in headers) or not all(d in _DTYPES for d in dtypes)
            or len(set(headers)) != len(headers)):
        raise LocalizationFileError(f"{path}: table format {entry.get('format')!r} needs equally long 'headers' "
                                    f"(distinct names) and 'dtype' lists of {sorted(_DTYPES)}")
    if any(str(s) != "1" for s in fmt.get("shape", ["1"] * len(headers))):
        raise LocalizationFileError(f"{path}: table {name!r} has multi-valued columns (shape != 1): not supported")
    dtype = np.dtype([(h, "<" + np.dtype(d).str[1:]) for h, d in zip(headers, dtypes)])
    try:
        rows = int(entry.get("rows"))
        info = zf.getinfo(str(name))
    except (TypeError, ValueError, KeyError):
        raise LocalizationFileError(f"{path}: table {name!r} has no valid 'rows' count or is not in the archive") \
            from None
    if rows < 0 or info.file_size != rows * dtype.itemsize:
        raise LocalizationFileError(f"{path}: {name} holds {info.file_size} bytes; {rows} rows of "
                                    f"{dtype.itemsize} bytes were declared (truncated or damaged)")
    table = np.frombuffer(zf.read(info), dtype=dtype)
    offsets = entry.get("offset") or {}
    if isinstance(offsets, dict) and any(offsets.get(h, 0) for h in headers):
        table = table.astype([(h, "<f8") for h in headers])
        for h in headers:
            off = offsets.get(h, 0)
            if isinstance(off, (int, float)):
                table[h] += off
    return table
