"""Readers and writers: localization files and images.

Images
------
:func:`read_image` reads PNG (8/16 bit) and TIFF as float32 arrays; :func:`write_tiff` writes a
float32 TIFF with its pixel size in the resolution tags (ImageJ-compatible, in micrometres), which
:func:`read_tiff_pixel_size_nm` reads back.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["read_image", "write_tiff", "read_tiff_pixel_size_nm"]


def _atomic_path(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    return tmp


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read a 2D image (PNG or TIFF) as float32.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_tiff(pathlib.Path(d) / "a.tif", np.eye(3), pixel_size_nm=5.0)
    ...     read_image(p).sum(), read_tiff_pixel_size_nm(p)
    (np.float32(3.0), 5.0)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no image file at {path}")
    ext = path.suffix.lower()
    try:
        if ext in (".tif", ".tiff"):
            import tifffile

            arr = tifffile.imread(path)
        elif ext in (".png", ".jpg", ".jpeg", ".bmp"):
            from PIL import Image

            with Image.open(path) as im:
                arr = np.asarray(im)
        else:
            raise ValueError(f"cannot read {path}: unknown image extension {ext!r} (expected .png or .tif)")
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"cannot read the image {path}: {exc}") from exc
    arr = np.squeeze(arr)
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # colour PNG: use the luminance-free mean of RGB
        arr = arr[..., :3].mean(axis=-1)
    if arr.ndim != 2:
        raise ValueError(f"{path} is not a 2D image: shape {arr.shape}")
    return arr.astype(np.float32)


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
        kwargs = {"resolution": (per_um, per_um), "metadata": {"unit": "um"}}
    tmp = _atomic_path(path)
    try:
        tifffile.imwrite(tmp, img, imagej=True, **kwargs)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_tiff_pixel_size_nm(path: str | os.PathLike) -> float | None:
    """Pixel size (nm) from a TIFF's resolution tags (assumed per micrometre, as ImageJ writes), or None."""
    import tifffile

    with tifffile.TiffFile(path) as tf:
        tags = tf.pages[0].tags
        if "XResolution" not in tags:
            return None
        num, den = tags["XResolution"].value
        if num == 0 or (num, den) == (1, 1):
            return None
        unit = (tf.imagej_metadata or {}).get("unit", "um")
        per_unit = num / den
        scale = {"um": 1000.0, "micron": 1000.0, "\\u00B5m": 1000.0, "µm": 1000.0, "nm": 1.0}.get(unit, 1000.0)
        return round(scale / per_unit, 6)
