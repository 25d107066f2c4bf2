"""SMAP (MATLAB): the ``.mat`` save file (``saveloc.loc``; v7.3 files are HDF5, older ones MATLAB 5) and
its CSV export. Columns ``xnm``, ``ynm``, ``frame`` (counted from 1), ``locprecnm``, ``phot``, ``znm``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..localizations import LocalizationTable
from ._base import LocalizationFileError, ReadOptions, finish_table
from ._head import Head
from ._text import open_text, read_columns

NAME = "smap"
_ROLES = {"x_nm": "xnm", "y_nm": "ynm", "frame": "frame", "precision_nm": "locprecnm", "photons": "phot",
          "z_nm": "znm", "channel": "channel"}
MAT5_SIGNATURE = b"MATLAB 5.0 MAT-file"


def sniff(head: Head) -> bool:
    """A MATLAB file holding ``saveloc``, or a CSV header with ``xnm``, ``ynm``, ``frame``."""
    if head.raw.startswith(MAT5_SIGNATURE):
        return True
    if head.is_hdf5:
        return "saveloc" in head.hdf5
    return {"xnm", "ynm", "frame"} <= set(head.names)


def read(path: Path, options: ReadOptions) -> LocalizationTable:
    """Read a SMAP ``.mat`` file or CSV (see the module docstring)."""
    with open(path, "rb") as fh:
        start = fh.read(1024)
    if start.startswith(MAT5_SIGNATURE):
        loc = _mat5_loc(path)
    elif start[512:520] == b"\x89HDF\r\n\x1a\n" or start[:8] == b"\x89HDF\r\n\x1a\n":
        loc = _mat73_loc(path)
    else:
        table = open_text(path)
        missing = [c for c in ("xnm", "ynm", "frame") if c not in table.names]
        if missing:
            raise LocalizationFileError(f"{path}: not a SMAP file: no column(s) {missing} (header {table.names})")
        loc = read_columns(table, [c for c in _ROLES.values() if c in table.names])
    missing = [c for c in ("xnm", "ynm", "frame") if c not in loc]
    if missing:
        raise LocalizationFileError(f"{path}: SMAP localizations without the field(s) {missing} "
                                    f"(found {sorted(loc)})")
    cols = {key: np.asarray(loc[name], dtype=np.float64).reshape(-1) for key, name in _ROLES.items() if name in loc}
    return finish_table(path, cols, options, fmt=NAME, frame_convention=1)


def _mat73_loc(path: Path) -> dict[str, np.ndarray]:
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as f:
            loc = f.get("saveloc/loc")
            if not isinstance(loc, h5py.Group):
                raise LocalizationFileError(f"{path}: not a SMAP save file: no 'saveloc.loc' structure")
            return {k: np.asarray(loc[k][()]) for k in _ROLES.values()
                    if isinstance(loc.get(k), h5py.Dataset) and loc[k].dtype.kind in "fiu"}
    except OSError as exc:
        raise LocalizationFileError(f"{path}: cannot read the MATLAB 7.3 (HDF5) file: {exc}") from None


def _mat5_fields(path: str) -> dict[str, np.ndarray]:
    """The numeric fields of ``saveloc.loc`` in a MATLAB 5 file (runs in a child process)."""
    import scipy.io  # noqa: PLC0415

    try:
        mat = scipy.io.loadmat(path, variable_names=["saveloc"], squeeze_me=True, struct_as_record=False)
    except Exception as exc:  # noqa: BLE001 - scipy raises many kinds for damaged files
        raise LocalizationFileError(f"{path}: cannot read the MATLAB file: {exc}") from None
    loc = getattr(mat.get("saveloc"), "loc", None)
    if loc is None:
        raise LocalizationFileError(f"{path}: not a SMAP save file: no 'saveloc.loc' structure")
    out = {}
    for k in _ROLES.values():
        v = getattr(loc, k, None)
        if v is not None and np.asarray(v).dtype.kind in "fiu":
            out[k] = np.atleast_1d(np.asarray(v))
    return out


def _child(path: str, conn) -> None:  # pragma: no cover - runs in the forked child
    import faulthandler  # noqa: PLC0415

    faulthandler.disable()  # a crash here is reported by the parent in one line, not as a stack dump
    try:
        conn.send(("ok", _mat5_fields(path)))
    except LocalizationFileError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{path}: cannot read the MATLAB file: {exc}"))
    finally:
        conn.close()


def _mat5_loc(path: Path) -> dict[str, np.ndarray]:
    """Parse a MATLAB 5 file in a forked child process.

    scipy's MATLAB 5 parser can crash the whole interpreter (a segmentation fault) on some damaged
    files, as fuzzing found; in a child, such a crash becomes one clear error instead. Where ``fork``
    is not available the file is parsed in this process.
    """
    import multiprocessing as mp  # noqa: PLC0415

    if "fork" not in mp.get_all_start_methods():
        return _mat5_fields(str(path))
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(str(path), child), daemon=True)
    proc.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = "crash", None
    finally:
        parent.close()
        proc.join()
    if status == "ok":
        return value
    if status == "error":
        raise LocalizationFileError(value)
    raise LocalizationFileError(f"{path}: not a readable MATLAB 5 file: its parser crashed on it (exit code "
                                f"{proc.exitcode}); expected an intact SMAP save file")
