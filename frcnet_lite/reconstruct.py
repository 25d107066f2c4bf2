"""Whole-field reconstruction: overlapping tiles, smooth blending, 32-bit TIFF with the pixel size.

A network trained on 256 x 256 crops can reconstruct a field of any size by sliding over it in
overlapping tiles. Where two tiles overlap, each one's prediction near its own edge is unreliable
(the network saw zero padding there), so the blending weight of a tile is

* exactly 0 in the outer quarter of each overlap band (the part next to the tile's edge),
* a raised-cosine ramp from 0 to 1 across the middle half of the band,
* 1 elsewhere, and also up to the field's own border (no neighbour there to blend with).

The output is the weighted mean of all tiles covering a pixel, so a network whose field of view
is smaller than a quarter of the overlap gives *exactly* the single-pass result, and any larger
disagreement between neighbouring tiles fades smoothly instead of showing a seam.

Everything works with any ``predict_fn(batch) -> batch`` on ``(N, h, w)`` float32 arrays, so
it is tested without TensorFlow; :func:`model_predict_fn` wraps a trained Keras model.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from .io import read_image_with_pixel_size, read_tiff_pixel_size_nm, write_tiff

__all__ = [
    "TilingConfig",
    "tile_starts",
    "blend_weights_1d",
    "predict_tiled",
    "rescale_counts",
    "write_float_tiff",
    "read_image_with_pixel_size",
    "IMAGE_SUFFIXES",
    "read_counts",
    "load_sparse_input",
    "dihedral_average",
    "model_predict_fn",
    "model_pixel_size_nm",
    "input_pixel_size_nm",
    "input_warnings",
    "reconstruct_file",
    "DEFAULT_MAX_PIXELS",
]

PredictFn = Callable[[np.ndarray], np.ndarray]

#: File name endings read as images (everything else is read as a localization table).
IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp")


@dataclass(frozen=True)
class TilingConfig:
    """How a large image is cut into tiles for the network.

    Attributes
    ----------
    tile_size_px : int
        Side of the square tiles fed to the network (default 256, the training crop size).
        Fully convolutional U-Nets need a multiple of ``2**depth``; 256 and 512 both work.
    overlap_px : int
        Overlap between neighbouring tiles (default 64): a quarter of it (16 px) next to
        each tile edge is discarded, the middle half is cross-faded.
    batch_size : int
        Tiles per network call (default 8).
    min_size_px : int
        Smallest image side accepted (default 32): smaller images hold too little context for
        the network and raise ``ValueError``. Images between this and ``tile_size_px`` are
        zero-padded (zero = no localizations).
    """

    tile_size_px: int = 256
    overlap_px: int = 64
    batch_size: int = 8
    min_size_px: int = 32

    def __post_init__(self) -> None:
        if self.tile_size_px < 8:
            raise ValueError(f"tile_size_px must be >= 8, got {self.tile_size_px}")
        if not 0 <= self.overlap_px <= self.tile_size_px // 2:
            raise ValueError(
                f"overlap_px must be between 0 and tile_size_px / 2 = {self.tile_size_px // 2}, got {self.overlap_px}"
            )
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if not 1 <= self.min_size_px <= self.tile_size_px:
            raise ValueError(f"min_size_px must be between 1 and tile_size_px, got {self.min_size_px}")


def tile_starts(length_px: int, tile_px: int, overlap_px: int) -> list[int]:
    """Start positions of tiles covering ``length_px`` pixels with at least ``overlap_px`` overlap.

    The last tile is aligned with the end, so it may overlap its neighbour by more.

    Examples
    --------
    >>> tile_starts(10, 4, 2)
    [0, 2, 4, 6]
    >>> tile_starts(11, 4, 2)
    [0, 2, 4, 6, 7]
    >>> tile_starts(3, 4, 2)
    [0]
    """
    if length_px <= tile_px:
        return [0]
    step = tile_px - overlap_px
    starts = list(range(0, length_px - tile_px + 1, step))
    if starts[-1] + tile_px < length_px:
        starts.append(length_px - tile_px)
    return starts


def blend_weights_1d(tile_px: int, overlap_px: int, ramp_start: bool, ramp_end: bool) -> np.ndarray:
    """Blending weights along one tile axis (see the module docstring).

    Parameters
    ----------
    tile_px, overlap_px : int
        Tile side and overlap band width.
    ramp_start, ramp_end : bool
        Whether there is a neighbouring tile before / after (otherwise the weight stays 1 up to the edge).

    Examples
    --------
    >>> blend_weights_1d(8, 4, True, False).round(3).tolist()
    [0.0, 0.146, 0.854, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    w = np.ones(tile_px, dtype=np.float64)
    if overlap_px == 0:
        return w
    cut = overlap_px // 4
    ramp_len = overlap_px - 2 * cut
    x = (np.arange(ramp_len) + 0.5) / ramp_len
    ramp = np.sin(0.5 * np.pi * x) ** 2
    rise = np.concatenate([np.zeros(cut), ramp])
    if ramp_start:
        w[: len(rise)] = rise
    if ramp_end:
        w[tile_px - len(rise) :] = np.minimum(w[tile_px - len(rise) :], rise[::-1])
    return w


def _check_image(image: np.ndarray, config: TilingConfig) -> np.ndarray:
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2:
        raise ValueError(f"expected a 2D image, got an array of shape {img.shape}")
    if min(img.shape) < config.min_size_px:
        raise ValueError(
            f"image of {img.shape[0]} x {img.shape[1]} px is smaller than the {config.min_size_px} px per side "
            "the model needs; render it at a smaller pixel size or use a larger field"
        )
    if not np.all(np.isfinite(img)):
        raise ValueError("image contains NaN or infinite values")
    return img


def predict_tiled(
    image: np.ndarray,
    predict_fn: PredictFn,
    config: TilingConfig = TilingConfig(),
    progress: bool | None = None,
) -> np.ndarray:
    """Apply ``predict_fn`` to a 2D image of any size in overlapping, smoothly blended tiles.

    Parameters
    ----------
    image : numpy.ndarray
        2D input (e.g. a sparse histogram), at least ``config.min_size_px`` per side.
    predict_fn : callable
        Maps a float32 batch ``(N, t, t)`` to an output batch of the same shape.
    config : TilingConfig
        Tile size, overlap, batch size.
    progress : bool or None
        Show a tqdm progress bar (None: only on a terminal / notebook, as tqdm decides).

    Returns
    -------
    numpy.ndarray
        float32 image of the input's shape.

    Examples
    --------
    >>> img = np.random.default_rng(0).random((100, 70)).astype(np.float32)
    >>> out = predict_tiled(img, lambda b: 2 * b, TilingConfig(tile_size_px=32, overlap_px=8), progress=False)
    >>> bool(np.allclose(out, 2 * img))
    True
    """
    from tqdm.auto import tqdm  # noqa: PLC0415

    img = _check_image(image, config)
    t = config.tile_size_px
    h, w = img.shape
    padded = np.zeros((max(h, t), max(w, t)), dtype=np.float32)
    padded[:h, :w] = img
    ys = tile_starts(padded.shape[0], t, config.overlap_px)
    xs = tile_starts(padded.shape[1], t, config.overlap_px)
    out = np.zeros(padded.shape, dtype=np.float32)
    weight_sum = np.zeros(padded.shape, dtype=np.float32)
    positions = [(y, x) for y in ys for x in xs]
    bar = tqdm(total=len(positions), desc="tiles", unit="tile", disable=None if progress is None else not progress)
    for i in range(0, len(positions), config.batch_size):
        chunk = positions[i : i + config.batch_size]
        batch = np.stack([padded[y : y + t, x : x + t] for y, x in chunk])
        pred = np.asarray(predict_fn(batch), dtype=np.float32)
        if pred.shape != batch.shape:
            raise ValueError(f"predict_fn returned shape {pred.shape} for a batch of shape {batch.shape}")
        for (y, x), tile in zip(chunk, pred):
            wy = blend_weights_1d(t, config.overlap_px, y > 0, y + t < padded.shape[0])
            wx = blend_weights_1d(t, config.overlap_px, x > 0, x + t < padded.shape[1])
            wt = np.outer(wy, wx).astype(np.float32)
            out[y : y + t, x : x + t] += wt * tile
            weight_sum[y : y + t, x : x + t] += wt
        bar.update(len(chunk))
    bar.close()
    np.divide(out, weight_sum, out=out, where=weight_sum > 0)
    return out[:h, :w]


def rescale_counts(image: np.ndarray, from_pixel_size_nm: float, to_pixel_size_nm: float) -> np.ndarray:
    """Resample a count image to another pixel size, conserving the total count.

    Linear interpolation of the density, then multiplied by the pixel-area ratio, then rescaled
    so that the sum is exactly conserved.

    Examples
    --------
    >>> img = np.ones((10, 10), np.float32)
    >>> out = rescale_counts(img, 10.0, 5.0)
    >>> out.shape, round(float(out.sum()), 3)
    ((20, 20), 100.0)
    """
    for name, v in (("from_pixel_size_nm", from_pixel_size_nm), ("to_pixel_size_nm", to_pixel_size_nm)):
        if not (v > 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a positive number of nanometres, got {v!r}")
    img = np.asarray(image, dtype=np.float32)
    if math.isclose(from_pixel_size_nm, to_pixel_size_nm, rel_tol=1e-6):
        return img.copy()
    factor = from_pixel_size_nm / to_pixel_size_nm
    shape = tuple(max(1, round(s * factor)) for s in img.shape)
    zoom = [n / s for n, s in zip(shape, img.shape)]
    out = ndimage.zoom(img, zoom, order=1, mode="nearest", grid_mode=True).astype(np.float32)
    out = np.clip(out, 0, None)
    total, new_total = float(img.sum()), float(out.sum())
    if new_total > 0:
        out *= total / new_total
    return out


def write_float_tiff(path: str | os.PathLike, image: np.ndarray, pixel_size_nm: float) -> Path:
    """Write a 2D image as a 32-bit float ImageJ TIFF whose calibration Fiji reads (in micrometres).

    :func:`frcnet_lite.io.write_tiff` with the pixel size required. The file is written under a
    temporary name in the same folder and renamed when complete, so a failure never leaves a
    partial file (nor destroys an existing one).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.tif"
    >>> _ = write_float_tiff(p, np.eye(3), 5.0)
    >>> img, px = read_image_with_pixel_size(p)
    >>> img.dtype.name, round(px, 6)
    ('float32', 5.0)
    """
    if pixel_size_nm is None or not (pixel_size_nm > 0 and math.isfinite(pixel_size_nm)):
        raise ValueError(f"pixel_size_nm must be a positive number, got {pixel_size_nm!r}")
    return write_tiff(path, image, pixel_size_nm=pixel_size_nm)


#: Largest image (pixels) :func:`read_counts` and :func:`reconstruct_file` render or resample to by default.
DEFAULT_MAX_PIXELS = 2**27


def _check_pixels(shape: tuple[float, float], what: str, max_pixels: int, names: dict) -> None:
    h, w = shape
    if not (math.isfinite(h) and math.isfinite(w)) or h * w > max_pixels:
        raise ValueError(f"{what} would be {w:.3g} x {h:.3g} px, more than {names.get('max_pixels', 'max_pixels=')} "
                         f"{max_pixels}: choose a region with {names.get('roi', 'roi=')}, a coarser model, or raise "
                         f"{names.get('max_pixels', 'max_pixels=')}")


def read_counts(
    path: str | os.PathLike,
    model_pixel_size_nm: float,
    pixel_size_nm: float | None = None,
    read_options: dict | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[np.ndarray, float]:
    """Read localization counts from a file, at the file's own pixel size.

    Localization files are rendered directly at ``model_pixel_size_nm``; images keep their pixels.
    ``read_options`` are passed to :func:`frcnet_lite.io.read_localizations` (its ``roi`` key, a
    ``(x0, y0, x1, y1)`` in nm, crops the localizations first; its ``option_names`` also name
    ``max_pixels`` and ``roi`` in messages); a rendering of more than ``max_pixels`` pixels is refused.

    Returns
    -------
    tuple
        ``(counts float32, pixel_size_nm of those counts)``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For an image without a known pixel size, negative pixel values, or a file that is neither.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input file not found: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        img, file_px = read_image_with_pixel_size(path)
        px = pixel_size_nm if pixel_size_nm is not None else file_px
        if px is None:
            raise ValueError(
                f"{path.name} is an image without a calibrated pixel size: pass its pixel size in nm "
                "(--pixel-size-nm in the command line)"
            )
        if not (px > 0 and math.isfinite(px)):
            raise ValueError(f"pixel size must be a positive number of nm, got {px!r}")
        if np.any(img < 0):
            raise ValueError(f"{path.name} has negative pixel values; expected localization counts (>= 0)")
        return img, float(px)
    from . import io, rendering  # noqa: PLC0415

    options = dict(read_options or {})
    roi = options.pop("roi", None)
    names = dict(options.get("option_names") or {})
    locs = io.read_localizations(path, **options)  # its errors name the file and what was expected
    if roi is not None:
        locs = locs.crop(roi)
        if len(locs) == 0:
            raise ValueError(f"{path}: no localizations inside {names.get('roi', 'roi=')} {tuple(roi)}")
    x0, y0, x1, y1 = locs.bounds_nm()
    _check_pixels(((y1 - y0) / model_pixel_size_nm, (x1 - x0) / model_pixel_size_nm),
                  f"{path} ({x1 - x0:.4g} x {y1 - y0:.4g} nm) rendered at {model_pixel_size_nm:g} nm",
                  max_pixels, names)
    hist = rendering.render_histogram(locs, pixel_size_nm=model_pixel_size_nm)
    return np.asarray(hist, dtype=np.float32), float(model_pixel_size_nm)


def load_sparse_input(
    path: str | os.PathLike,
    model_pixel_size_nm: float,
    pixel_size_nm: float | None = None,
) -> np.ndarray:
    """Read a localization file or a sparse image and return a count image at the model's pixel size.

    Parameters
    ----------
    path : path-like
        Localizations (any format :func:`frcnet_lite.io.read_localizations` reads) or an image
        (suffix in :data:`IMAGE_SUFFIXES`) of localization counts.
    model_pixel_size_nm : float
        Pixel size the network was trained at.
    pixel_size_nm : float, optional
        Pixel size of an input *image*; required unless the TIFF states a calibrated pixel size.
        For localization files it is ignored (they are rendered at the model's pixel size).
        Images at another pixel size are resampled with :func:`rescale_counts`.

    Raises
    ------
    ValueError
        For an image without a known pixel size, or a file that is neither.
    """
    counts, px = read_counts(path, model_pixel_size_nm, pixel_size_nm)
    return rescale_counts(counts, px, model_pixel_size_nm)


#: How far (as a ratio either way) an input's pixel size or density may be from the model's
#: training data before :func:`input_warnings` speaks up.
WARN_PIXEL_RATIO = 1.25
WARN_DENSITY_RATIO = 3.0


def input_pixel_size_nm(path: str | os.PathLike, pixel_size_nm: float | None = None) -> float | None:
    """The pixel size of an input image (given, or from its calibration); None for localization files."""
    if pixel_size_nm is not None:
        return float(pixel_size_nm)
    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff") or not path.is_file():
        return None  # localization files; PNG and other images state no pixel size
    return read_tiff_pixel_size_nm(path)  # the tags only: the image is read once, later


def input_warnings(info, counts: np.ndarray, counts_pixel_size_nm: float) -> list[str]:
    """Say when an input is far from what the model was trained on (empty list: nothing to say).

    Two checks against the model's ``model.json``: the input's pixel size against the training
    pixel size (the input is resampled, but a network sees structures at the scale it learned),
    and the input's localization density (counts per um^2) against the training inputs' range
    (5th-95th percentile; the median where no range is recorded): a whole acquisition given to
    a model trained on 10 % time windows looks nothing like its training data. Thresholds: :data:`WARN_PIXEL_RATIO`, :data:`WARN_DENSITY_RATIO`.

    Examples
    --------
    >>> from frcnet_lite.model import ModelInfo
    >>> from frcnet_lite.pipeline import Normalisation
    >>> info = ModelInfo(Normalisation(1.0, 1.0), pixel_size_nm=10.0, data={"input_counts_per_um2": 400.0})
    >>> input_warnings(info, np.full((100, 100), 0.04, np.float32), 10.0)
    []
    >>> print(input_warnings(info, np.full((100, 100), 1.0, np.float32), 10.0)[0])
    the input holds 1e+04 localizations per um^2, 25x the 400 per um^2 of the model's training inputs: the model expects sparse inputs like those (e.g. a 10% time window), not a whole acquisition
    """
    notes = []
    model_px = float(getattr(info, "pixel_size_nm", 0) or 0)
    if model_px > 0 and max(counts_pixel_size_nm / model_px, model_px / counts_pixel_size_nm) > WARN_PIXEL_RATIO:
        notes.append(f"the input has {counts_pixel_size_nm:g} nm pixels but the model was trained at {model_px:g} nm: "
                     f"it is resampled to {model_px:g} nm, but a model trained at the input's pixel size would do better "
                     "(frcnet-lite models lists them)")
    data = getattr(info, "data", None) or {}
    trained = float(data.get("input_counts_per_um2", 0) or 0)
    if trained > 0 and counts.size:
        area_um2 = counts.size * (counts_pixel_size_nm / 1000.0) ** 2
        density = float(np.sum(counts, dtype=np.float64)) / area_um2
        # a model trained on a range of densities (its 5th-95th percentile recorded) is compared with its ends
        low, high = data.get("input_counts_per_um2_range") or (trained, trained)
        ranged = "input_counts_per_um2_range" in data

        def of(end: float, which: str, percentile: int) -> str:
            return (f"the {end:.3g} per um^2 of its {which} training inputs ({percentile}th percentile; median "
                    f"{trained:.3g})" if ranged else f"the {trained:.3g} per um^2 of the model's training inputs")

        if density / high > WARN_DENSITY_RATIO:
            notes.append(f"the input holds {density:.3g} localizations per um^2, {density / high:.0f}x "
                         f"{of(high, 'densest', 95)}: the model expects sparse inputs like those (e.g. a 10% time "
                         "window), not a whole acquisition")
        elif low > 0 and 0 < density / low < 1 / WARN_DENSITY_RATIO:
            notes.append(f"the input holds {density:.3g} localizations per um^2, only {density / low:.2f}x "
                         f"{of(low, 'sparsest', 5)}: expect a poorer reconstruction")
    return notes


def dihedral_average(predict_fn: PredictFn) -> PredictFn:
    """Test-time augmentation: the mean of ``predict_fn`` over the 8 rotations and flips of a batch.

    Each of the 8 symmetries of the square is applied to the batch, the prediction is mapped back,
    and the 8 are averaged. Microtubules have no preferred orientation and the network was trained
    on rotated and flipped patches, so the 8 predictions differ only in the network's errors:
    averaging them lowers the error (measured on the held-out COS-7 fields: +0.003-0.004 MS-SSIM,
    +0.05 dB PSNR, +0.006 area-FRC) at 8 times the cost.

    Examples
    --------
    >>> b = np.random.default_rng(0).random((2, 8, 8)).astype(np.float32)
    >>> bool(np.allclose(dihedral_average(lambda x: 2 * x)(b), 2 * b))
    True
    """
    def predict(batch: np.ndarray) -> np.ndarray:
        batch = np.asarray(batch, dtype=np.float32)
        out = np.zeros(batch.shape, dtype=np.float64)
        for k in range(4):
            for flip in (False, True):
                view = np.rot90(batch, k, axes=(1, 2))
                view = view[:, :, ::-1] if flip else view
                pred = np.asarray(predict_fn(np.ascontiguousarray(view)), dtype=np.float64)
                pred = pred[:, :, ::-1] if flip else pred
                out += np.rot90(pred, -k, axes=(1, 2))
        return (out / 8).astype(np.float32)

    return predict


def model_predict_fn(model, tta: bool = False) -> PredictFn:
    """Wrap a model from :func:`frcnet_lite.model.load_model` as a ``predict_fn`` for :func:`predict_tiled`.

    Raw counts in, density in target units out; the model's own fixed normalisation
    (``model.frcnet_info``) is used, the same for every tile, so tiles never disagree in scale.
    ``tta``: average over the 8 rotations and flips (:func:`dihedral_average`).
    """
    from . import model as model_mod  # noqa: PLC0415

    def predict(batch: np.ndarray) -> np.ndarray:
        return np.asarray(model_mod.predict_image(model, batch, batch_size=len(batch)), dtype=np.float32)

    return dihedral_average(predict) if tta else predict


def model_pixel_size_nm(model, default: float = 5.0) -> float:
    """The pixel size a model was trained at (``model.frcnet_info.pixel_size_nm``; ``default`` if it states none).

    A stated pixel size that is not a positive number is refused (ValueError), not replaced by ``default``.
    """
    info = getattr(model, "frcnet_info", None)
    value = getattr(info, "pixel_size_nm", None)
    if value is None:
        return float(default)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(value) and value > 0):
        where = getattr(model, "frcnet_folder", None)
        raise ValueError(f"{'the model' if where is None else where} states pixel_size_nm {value!r}; expected a "
                         "positive number of nm (the pixel size it was trained at)")
    return float(value)


def reconstruct_file(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    model=None,
    pixel_size_nm: float | None = None,
    config: TilingConfig = TilingConfig(),
    trust_map_path: str | os.PathLike | None = None,
    seed: int = 0,
    progress: bool | None = None,
    read_options: dict | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    tta: bool = True,
    trust_method: str = "support",
) -> dict:
    """Reconstruct a whole field from a file and write a 32-bit TIFF (and optionally a trust map).

    Nothing is written onto an input: an output that is the input (or the trust map that is the
    output) is refused before any computation. A reconstruction holding NaN or infinite values is
    refused instead of written. The trust map is a TIFF, or a ``.npy`` array when its name ends so.

    Parameters
    ----------
    input_path : path-like
        Localizations or sparse image (see :func:`load_sparse_input`).
    output_path : path-like
        Output TIFF; written only when complete.
    model : keras.Model, str, path-like or None
        A loaded model, a shipped model's name or a model folder (:func:`frcnet_lite.model.load_model`),
        or None: the shipped model trained at the pixel size nearest the input's
        (:func:`frcnet_lite.model.default_model_name`; ``"simulated"`` when the input's pixel size
        is unknown, e.g. a localization file).
    pixel_size_nm : float, optional
        Pixel size of an input image (required for images without calibration).
    config : TilingConfig
        Tiling parameters.
    trust_map_path : path-like, optional
        Also write a map there of where the output is backed by the input (see ``trust_method``
        and :mod:`frcnet_lite.trust` for what it flags and what it misses; it is no guarantee).
    trust_method : {"support", "halves"}
        ``"support"`` (default): :func:`frcnet_lite.trust.data_support` (are there as many
        localizations near a bright output pixel as its brightness calls for?), which costs no
        extra network pass; ``"halves"``: the agreement of two half-data reconstructions
        (:func:`frcnet_lite.trust.trust_map`, two more reconstructions), which flags filled gaps worse.
    seed : int
        Seed of the half split for ``trust_method="halves"``.
    tta : bool
        Average the network over the 8 rotations and flips of each tile (:func:`dihedral_average`;
        default True: better, 8 times slower).
    progress : bool or None
        Progress bars.
    read_options : dict, optional
        Options for reading a localization file (see :func:`read_counts`).
    max_pixels : int
        Largest image to render or resample to (default :data:`DEFAULT_MAX_PIXELS`).

    Returns
    -------
    dict
        ``{"output", "shape", "pixel_size_nm", "trust_map", "model", "default_model", "warnings"}``
        (``default_model``: the name chosen when ``model`` was None; ``warnings``: see
        :func:`input_warnings`, also issued as ``UserWarning``).
    """
    from . import model as model_mod  # noqa: PLC0415

    input_path = Path(input_path)
    if not input_path.exists():
        raise FileNotFoundError(f"input file not found: {input_path}")
    if input_path.is_dir():
        raise ValueError(f"{input_path} is a directory; expected a localization file or an image")
    _refuse_overwrite(input_path, output_path, trust_map_path)
    if trust_method not in ("support", "halves"):
        raise ValueError(f"trust_method must be 'support' or 'halves', got {trust_method!r}")
    model_name = None
    if model is None:
        model_name = model_mod.default_model_name(input_pixel_size_nm(input_path, pixel_size_nm))
        model = model_name
    if isinstance(model, (str, os.PathLike)):
        model = model_mod.load_model(model)
    px = model_pixel_size_nm(model)
    counts, counts_px = read_counts(input_path, px, pixel_size_nm, read_options, max_pixels)
    factor = counts_px / px
    _check_pixels((counts.shape[0] * factor, counts.shape[1] * factor),
                  f"{input_path} resampled from {counts_px:g} to the model's {px:g} nm", max_pixels,
                  dict((read_options or {}).get("option_names") or {}))
    notes = input_warnings(model.frcnet_info, counts, counts_px)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    sparse = rescale_counts(counts, counts_px, px)
    try:
        _check_image(sparse, config)
    except ValueError as exc:
        raise ValueError(f"{input_path}: {exc}") from None
    predict = model_predict_fn(model, tta=tta)
    recon = predict_tiled(sparse, predict, config, progress=progress)
    result = {"output": str(output_path), "shape": recon.shape, "pixel_size_nm": px, "trust_map": None,
              "model": str(getattr(model, "frcnet_folder", "")), "default_model": model_name, "warnings": notes}
    trust_img = None
    if trust_map_path is not None:
        from . import trust  # noqa: PLC0415

        def reconstruct_half(half: np.ndarray) -> np.ndarray:
            # split at the file's own pixels (whole counts), then resample like the full input
            return predict_tiled(rescale_counts(half, counts_px, px), predict, config, progress=progress)

        if trust_method == "support":
            trust_img = trust.data_support(sparse, recon)
        else:
            trust_img = trust.trust_map(counts, reconstruct_half, rng=np.random.default_rng(seed)).trust
    if not np.all(np.isfinite(recon)):
        raise ValueError(f"the reconstruction of {input_path} holds NaN or infinite values (input values too large "
                         "for float32?); nothing was written")
    write_float_tiff(output_path, recon, px)
    if trust_img is not None:
        trust_img = np.nan_to_num(trust_img, nan=0.0)
        if Path(trust_map_path).suffix.lower() == ".npy":
            from ._files import atomic_write  # noqa: PLC0415

            with atomic_write(trust_map_path) as tmp:
                np.save(tmp, trust_img.astype(np.float32))
        else:
            write_float_tiff(trust_map_path, trust_img, px)
        result["trust_map"] = str(trust_map_path)
    return result


def _refuse_overwrite(input_path: Path, output_path, trust_map_path) -> None:
    """Refuse outputs that would overwrite the input, or each other."""
    def same(a, b) -> bool:
        a, b = Path(a), Path(b)
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()

    if same(output_path, input_path):
        raise ValueError(f"the output {output_path} is the input; refusing to overwrite it: choose another name")
    if trust_map_path is not None:
        if same(trust_map_path, input_path):
            raise ValueError(f"the trust map {trust_map_path} is the input; refusing to overwrite it")
        if same(trust_map_path, output_path):
            raise ValueError(f"the trust map {trust_map_path} and the output are the same file; choose two names")
