"""Readers and writers: localization files and images.

Localization files
------------------
:func:`read_localizations` finds the format from the file's content (:mod:`frcnet_lite.formats`:
Picasso, DECODE, SMAP, ShareLoc ``.smlm``, rapidSTORM, ThunderSTORM, Zeiss Elyra, ONI Nanoimager,
this package's CSV, or any table with a column mapping) and returns a
:class:`~frcnet_lite.localizations.LocalizationTable` in nanometres with 0-based frames.

Bad input raises :class:`ValueError` (:class:`frcnet_lite.formats.LocalizationFileError`) or
:class:`FileNotFoundError` naming the file and the problem. Writers (:func:`write_localizations`:
``.csv`` or Picasso ``.hdf5`` + ``.yaml``) write to a temporary name and rename, so a failed write never
leaves a truncated file.

Images
------
:func:`read_image` reads one plane of PNG (1/8/16 bit), TIFF, JPEG or BMP as a float32 array, refusing
colour images whose channels differ (a grey image saved as RGB or with a palette is read, with a warning),
stacks of planes, NaN/infinite values and values beyond +-1e18 (their squares and sums overflow float32); :func:`write_tiff` writes a float32
TIFF with its pixel size in the resolution tags (ImageJ-compatible, in micrometres), which
:func:`read_tiff_pixel_size_nm` reads back.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import formats as _formats
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


#: Largest absolute pixel value :func:`read_image` accepts (its square stays far below float32's maximum).
IMAGE_MAX_ABS = 1e18
_FLOAT32_MAX = float(np.finfo(np.float32).max)


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

    One plane of real numbers is read as it is (8, 16 or 32 bit, integer or float, bilevel as 0/1).
    A colour image (RGB, RGBA, grey + alpha, palette) is read only when its colour channels are equal
    (a grey image saved in colour; it then warns) and its alpha channel, if any, is constant: a true
    colour image holds display colours, not values, and is refused. A stack (several pages, planes,
    time points) is refused rather than a plane picked. Only calibrated TIFFs state a pixel size
    (:func:`read_tiff_pixel_size_nm`). Returns ``(image float32, pixel_size_nm or None)``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is a directory, not a readable image, a colour image whose channels differ, a stack, or
        holds NaN/infinite values or values beyond +-1e18 (whose squares and sums overflow float32).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected an image file")
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    px = None
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(path) as tif:
                series = tif.series[0]
                arr, axes = series.asarray(), str(series.axes)
                colour = "RGB" if "S" in axes and int(tif.pages[0].photometric) == 2 else "samples"
                px = _tiff_pixel_size_nm(tif)
        else:
            from PIL import Image

            with Image.open(path) as im:
                n_frames = int(getattr(im, "n_frames", 1) or 1)
                if n_frames > 1:
                    raise _ImageContentError(f"{path} holds {n_frames} frames (an animation or stack); expected "
                                             "one 2D image")
                colour = im.mode
                if im.mode in ("P", "PA"):  # palette indices are not values: read the colours they stand for
                    im = im.convert("RGBA")
                elif im.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "F") and not im.mode.startswith("I;16"):
                    raise _ImageContentError(f"{path} is a colour image ({im.mode}); expected a single-channel "
                                             "(greyscale) image")
                arr = np.asarray(im)
                axes = "YX" if arr.ndim == 2 else "YXS"
    except _ImageContentError as exc:
        raise ValueError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001  (any reader error means: not an image)
        raise ValueError(f"{path} is not a readable image file ({type(exc).__name__}: {exc})") from exc
    arr = _one_plane(path, np.asarray(arr), axes, colour)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{path} holds {arr.dtype} pixels; expected real numbers")
    finite = np.isfinite(arr)
    if not finite.all():
        raise ValueError(f"{path}: {int((~finite).sum())} of {arr.size} pixels are NaN or infinite; "
                         "expected finite values")
    big = float(np.abs(arr).max()) if arr.size else 0.0
    if big > IMAGE_MAX_ABS:
        raise ValueError(f"{path}: pixel values up to {big:.3g}, beyond +-{IMAGE_MAX_ABS:g}: their squares and sums "
                         "overflow float32; rescale the image")
    return arr.astype(np.float32), px


class _ImageContentError(Exception):
    """An image file that was read but holds no single plane of values (its message is final)."""


def _one_plane(path: Path, arr: np.ndarray, axes: str, colour: str) -> np.ndarray:
    """The one 2D plane of ``arr`` (axes as tifffile names them: Y, X, S = colour samples, others = planes)."""
    if len(axes) != arr.ndim:
        axes = "YX" if arr.ndim == 2 else "?" * (arr.ndim - 2) + "YX"
    keep = [i for i, a in enumerate(axes) if a in "YX" or arr.shape[i] > 1]
    arr = arr.reshape([arr.shape[i] for i in keep])
    axes = "".join(axes[i] for i in keep)
    stack = [f"{arr.shape[i]} along {a!r}" for i, a in enumerate(axes) if a not in "YXS"]
    if stack:
        raise ValueError(f"{path} is a stack of planes ({', '.join(stack)}; axes {axes}, shape {arr.shape}); "
                         "expected one 2D image: save a single plane (or the sum of the stack)")
    if "S" in axes:
        arr = np.moveaxis(arr, axes.index("S"), -1)
        arr = _grey_of_colour(path, arr, colour)
    if arr.ndim != 2:
        raise ValueError(f"{path} holds an image of shape {arr.shape}; expected a single 2D plane")
    return arr


def _grey_of_colour(path: Path, arr: np.ndarray, colour: str) -> np.ndarray:
    """The grey plane of a colour image whose colour channels are equal (else ValueError)."""
    n = arr.shape[-1]
    has_alpha = n in (2, 4) or colour in ("LA", "PA", "RGBA")
    colours = arr[..., : n - 1] if has_alpha and n > 1 else arr
    if has_alpha and n > 1:
        alpha = arr[..., -1]
        if alpha.size and alpha.min() != alpha.max():
            raise ValueError(f"{path}: its transparency (alpha) channel varies ({alpha.min()} to {alpha.max()}); "
                             "expected a greyscale image without transparency")
    name = {"P": "palette", "PA": "palette"}.get(colour, colour if colour != "samples" else f"{n}-channel")
    if colours.shape[-1] > 1 and np.any(colours != colours[..., :1]):
        raise ValueError(f"{path} is a colour image ({name}) whose channels differ; expected a single-channel "
                         "(greyscale) image of values: save it as greyscale (e.g. ImageJ: Image > Type > 32-bit)")
    if colours.shape[-1] > 1 or has_alpha:
        warnings.warn(f"{path} is a colour image ({name}) whose colour channels are equal: read as one grey channel",
                      UserWarning, stacklevel=4)
    return colours[..., 0]


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
#: Formats understood by :func:`read_localizations` (see :mod:`frcnet_lite.formats`), in detection order.
FORMATS: tuple[str, ...] = tuple(_formats.FORMATS)


def detect_format(path: str | os.PathLike) -> str:
    """The format of a localization file, from its content (one of :data:`FORMATS`).

    See :func:`frcnet_lite.formats.detect_format` (an example is there).
    """
    return _formats.detect_format(path)


def read_localizations(
    path: str | os.PathLike,
    format: str | None = None,
    pixel_size_nm: float | None = None,
    columns: Mapping[str, str] | None = None,
    unit: str | None = None,
    drop_invalid: bool = False,
    first_frame: int | None = None,
    option_names: Mapping[str, str] | None = None,
) -> LocalizationTable:
    """Read a localization file into a table in nm with 0-based frames.

    Parameters
    ----------
    path : path
        The file, in any format of :data:`FORMATS` (found from its content).
    format : str, optional
        One of :data:`FORMATS`; default: :func:`detect_format` (``"csv"`` when ``columns`` is given).
    pixel_size_nm : float, optional
        Camera pixel size in nm, for coordinates in camera pixels (overrides the file's own).
    columns : mapping, optional
        Generic table: table column -> header name, at least ``x_nm``, ``y_nm``, ``frame``
        (other ``*_nm`` columns are scaled by ``unit`` too).
    unit : str, optional
        Generic table: unit of the ``*_nm`` columns (``"nm"`` default, ``"um"``, ``"px"``).
    drop_invalid : bool
        Drop rows with NaN/infinite coordinates or frames instead of raising (the count is in
        ``meta.extra["dropped_invalid"]``). Default False.
    first_frame : int, optional
        Number of the first frame in the file (default: the format's convention: 1 for
        ThunderSTORM, SMAP and Elyra, 0 otherwise).
    option_names : mapping, optional
        How error messages name these options (e.g. ``{"pixel_size_nm": "--camera-pixel-nm"}``).

    Returns
    -------
    LocalizationTable

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        (:class:`frcnet_lite.formats.LocalizationFileError`) for anything else: a directory, an unknown
        format, missing or duplicate columns, unknown units, pixel coordinates without a pixel size,
        truncated rows, non-numeric values, NaN/infinite coordinates, an empty table.

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
    names = {**_formats.PYTHON_NAMES, **(option_names or {})}
    options = _formats.ReadOptions(pixel_size_nm=pixel_size_nm, columns=columns, unit=unit, first_frame=first_frame,
                                   drop_invalid=drop_invalid, names=names)
    return _formats.read_file(path, format, options)


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

    px = pixel_size_nm if pixel_size_nm is not None else table.meta.pixel_size_nm
    if px is None:
        raise ValueError(f"cannot write the Picasso file {path}: it stores camera pixels, pass pixel_size_nm=")
    if not (np.isfinite(px) and px > 0):
        raise ValueError(f"pixel_size_nm must be a positive number, got {px!r}")
    n = len(table)
    if n and max(np.abs(table.x_nm).max(), np.abs(table.y_nm).max()) / px > _FLOAT32_MAX:
        raise ValueError(f"cannot write the Picasso file {path}: coordinates beyond float32 camera pixels")
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
