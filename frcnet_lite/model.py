"""The pix2pix U-Net generator, its files on disk, and prediction in physical units.

The generator follows pix2pix (Isola et al. 2017) as Berberich et al. (2021) use it: ``depth``
stride-2 4x4 convolutions (batch norm + LeakyReLU 0.2, none on the first block), the mirrored
stride-2 transposed convolutions (batch norm + ReLU, dropout on the first decoder blocks), skip
concatenations between mirrored levels, and a ``tanh`` output in [-1, 1]. ``depth=8`` with
64..512 filters at 512 x 512 px is the method's network; a smaller depth / base filter count
gives the "lite" models that train on a laptop CPU.

A *saved* model is the generator wrapped between two built-in ``Rescaling`` layers, so that it
takes raw sparse-histogram counts and returns the density in target units. The normalisation
(``input_scale``, ``target_scale``), the pixel size it was trained at and its training
configuration are written to a JSON file next to the ``.keras`` file (``model.keras`` +
``model.json``). Only built-in Keras layers are used: ``keras.models.load_model`` works without
any ``custom_objects``.

TensorFlow is imported when a function here is first called.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .localizations import DEFAULT_PIXEL_SIZE_NM
from ._files import atomic_write, write_text
from ._tf import tf
from .pipeline import Normalisation

__all__ = [
    "ModelInfo",
    "build_generator",
    "check_input_size",
    "wrap_for_counts",
    "save_model",
    "load_model",
    "predict_image",
    "PRETRAINED_DIR",
    "DEFAULT_MODEL",
    "DECODERS",
    "GENERATORS",
    "BLEND_SIGMAS_PX",
    "BLEND_GAIN",
    "blur_bank",
    "shipped_models",
    "model_folder",
    "default_model_name",
    "read_model_info",
]

#: Decoder up-sampling blocks :func:`build_generator` offers.
DECODERS = ("resize", "transpose")

#: Folder of the shipped models inside the package: one sub-folder per model, named for it.
#:
#: :meta hide-value:
PRETRAINED_DIR = Path(__file__).parent / "pretrained"

#: The shipped model :func:`load_model` gives when asked for none and no pixel size is known.
DEFAULT_MODEL = "simulated"
_MODEL_FILE = "model.keras"
_INFO_FILE = "model.json"


@dataclass(frozen=True)
class ModelInfo:
    """What a saved model needs besides its weights (stored as ``model.json`` next to it).

    Attributes
    ----------
    normalisation : frcnet_lite.pipeline.Normalisation
        How raw counts reach the generator and its output returns to target units (the one value
        object of every scale: ``input_scale``, ``target_scale``, ``input_transform``,
        ``local_sigma_px``, ``local_floor``); stored as ``"normalisation"`` in ``model.json``.
    pixel_size_nm : float
        Pixel size of the histograms the model was trained on (default 5 nm).
    depth : int
        Number of stride-2 levels; input sides must be multiples of ``2**depth``.
    target_kind : str
        ``"gaussian"`` or ``"anisotropic"`` KDE targets.
    train_config : dict
        The training configuration (``TrainConfig`` as a dict), for the record.
    metrics : dict
        Validation metrics recorded at save time (may be empty).
    data : dict
        What it was trained on (:func:`frcnet_lite.training.describe_training_data`): source,
        fields, pixel size, target, the inputs' counts per um^2 (may be empty for old models).
    """

    normalisation: Normalisation
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM
    depth: int = 6
    target_kind: str = "gaussian"
    train_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the info as an indented JSON string."""
        out = {**self.__dict__, "normalisation": dataclasses.asdict(self.normalisation)}
        return json.dumps(out, indent=2, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def check_input_size(input_size: int, depth: int) -> None:
    """Raise ``ValueError`` unless a U-Net of ``depth`` levels can take ``input_size`` px.

    Each level halves the image, so the side must be a positive multiple of ``2**depth``.

    Examples
    --------
    >>> check_input_size(256, 6)
    >>> check_input_size(100, 6)
    Traceback (most recent call last):
    ...
    ValueError: input size 100 px does not fit a U-Net of depth 6: it must be a positive multiple of 2**6 = 64 (e.g. 64 or 128)
    """
    if depth < 1 or int(depth) != depth:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    step = 2**depth
    if int(input_size) != input_size or input_size < step or input_size % step:
        lo = max(step, (int(input_size) // step) * step)
        hi = lo if lo > input_size else lo + step
        hint = f"{lo}" if lo == hi else f"{lo} or {hi}"
        raise ValueError(
            f"input size {input_size} px does not fit a U-Net of depth {depth}: it must be a positive "
            f"multiple of 2**{depth} = {step} (e.g. {hint})"
        )


def build_generator(
    input_size: int | None = 512,
    depth: int = 8,
    base_filters: int = 64,
    max_filters: int = 512,
    dropout_blocks: int = 3,
    dropout_rate: float = 0.5,
    name: str = "generator",
    decoder: str = "resize",
    full_res_head: bool = False,
    blend_sigmas_px: tuple[float, ...] = (),
):
    """Build the pix2pix U-Net generator (one channel in, one ``tanh`` channel out).

    Parameters
    ----------
    input_size : int or None
        Side of the square input in px (a multiple of ``2**depth``); ``None`` builds a fully
        convolutional model that accepts any such side (used for training and prediction).
    depth : int
        Number of stride-2 encoder blocks (8 in the method).
    base_filters, max_filters : int
        Filters of encoder block ``i`` are ``min(base_filters * 2**i, max_filters)``
        (64..512 in the method).
    dropout_blocks : int
        How many of the first (deepest) decoder blocks use dropout (3 in pix2pix).
    dropout_rate : float
        Dropout rate of those blocks (0.5).
    name : str
        Keras model name.
    decoder : {"resize", "transpose"}
        How each decoder block doubles the resolution. ``"transpose"``: a stride-2 4x4 transposed
        convolution, as pix2pix; its kernel overlaps unevenly between output pixels, which
        leaves a pixel-scale checkerboard in the output (Odena, Dumoulin & Olah, Distill 2016).
        ``"resize"`` (default): nearest-neighbour 2x upsampling followed by a 3x3 convolution,
        which cannot produce that pattern (see ``benchmarks/bench_checkerboard.py``).
    full_res_head : bool
        pix2pix never computes at the input's own resolution: its first layer is a stride-2
        convolution and its last one goes straight from half resolution to the output, so
        pixel-scale detail of the input reaches the output only through that bottleneck.
        ``True`` (the ``"unet_fullres"`` generator) ends instead with ``base_filters`` features
        at full resolution, concatenates the input to them and applies two 3x3 convolutions
        (the last one with ``tanh``).
    blend_sigmas_px : tuple of float
        Non-empty (the ``"unet_blend"`` generator): the output is a
        per-pixel blend of fixed Gaussian blurs of the input, one per width, plus a learned
        correction. A convolution of the last decoder features (up-sampled to full resolution, as
        the output's own block; with ``full_res_head``, the head's features) gives, for every pixel,
        softmax weights over the blurs; the weighted sum of the blurred input (the generator's input
        mapped back to [0, 1]) times one learned gain (``exp`` of a trainable number, starting at
        :data:`BLEND_GAIN`: on a log scale, so a gain far from its start is reached in few steps)
        is added to the head's output before the ``tanh``. The softmax keeps the blend's amplitude
        independent of the batch-norm statistics: unnormalised weights (``exp`` of the logits) let
        the small shift between training-batch and running statistics multiply the output at
        inference (measured: validation MSE 16 times the training-mode one after 400 steps).
        The network thus chooses a blur width pixel by pixel (narrow where counts are many, wide
        where they are few, as an adaptive KDE does) and only has to learn what no blur gives;
        where it meets inputs unlike its training data it falls back towards a blur of them
        rather than drawing what it has learned. The blurs are built-in, non-trainable
        ``DepthwiseConv2D`` layers (:func:`blur_bank`), so a saved model still loads in safe mode.

    Returns
    -------
    keras.Model
        Input ``(batch, input_size, input_size, 1)``, output the same shape in [-1, 1].

    Examples
    --------
    >>> g = build_generator(input_size=64, depth=3, base_filters=4, max_filters=8)
    >>> g.output_shape
    (None, 64, 64, 1)
    """
    if input_size is not None:
        check_input_size(input_size, depth)
    else:
        check_input_size(2**depth, depth)  # validates depth
    if base_filters < 1 or max_filters < base_filters:
        raise ValueError(f"need 1 <= base_filters <= max_filters, got {base_filters} and {max_filters}")
    if not 0 <= dropout_rate < 1:
        raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate!r}")
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
    tf()
    import keras  # noqa: PLC0415

    init = keras.initializers.RandomNormal(0.0, 0.02)
    filters = [min(base_filters * 2**i, max_filters) for i in range(depth)]
    inputs = keras.Input(shape=(input_size, input_size, 1), name="sparse")
    x, skips = inputs, []
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 4, strides=2, padding="same", kernel_initializer=init, use_bias=i == 0,
                                name=f"down{i}_conv")(x)
        if i > 0:
            x = keras.layers.BatchNormalization(name=f"down{i}_bn")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        skips.append(x)

    def up(x, f: int, label: str, use_bias: bool):
        if decoder == "transpose":
            return keras.layers.Conv2DTranspose(f, 4, strides=2, padding="same", kernel_initializer=init,
                                                use_bias=use_bias, name=f"{label}_conv")(x)
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{label}_upsample")(x)
        return keras.layers.Conv2D(f, 3, padding="same", kernel_initializer=init, use_bias=use_bias,
                                   name=f"{label}_conv")(x)

    for j, i in enumerate(range(depth - 2, -1, -1)):
        x = up(x, filters[i], f"up{i}", use_bias=False)
        x = keras.layers.BatchNormalization(name=f"up{i}_bn")(x)
        if j < dropout_blocks and dropout_rate > 0:
            x = keras.layers.Dropout(dropout_rate, name=f"up{i}_dropout")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
        x = keras.layers.Concatenate(name=f"up{i}_skip")([x, skips[i]])
    features = x  # the last decoder level (half resolution) with its skip
    if full_res_head:
        x = up(x, filters[0], "full", use_bias=False)
        x = keras.layers.BatchNormalization(name="full_bn")(x)
        x = keras.layers.ReLU(name="full_relu")(x)
        x = keras.layers.Concatenate(name="full_skip")([x, inputs])
        features = x
        x = keras.layers.Conv2D(filters[0], 3, padding="same", kernel_initializer=init, name="full_head_conv")(x)
        x = keras.layers.ReLU(name="full_head_relu")(x)
        x = keras.layers.Conv2D(1, 3, padding="same", kernel_initializer=init, name="out_conv")(x)
    else:
        x = up(x, 1, "out", use_bias=True)
    if blend_sigmas_px:
        k = len(blend_sigmas_px)
        blurs = blur_bank(keras.layers.Rescaling(0.5, offset=0.5, name="blend_unit")(inputs), blend_sigmas_px, "blend")
        if full_res_head:
            logits = keras.layers.Conv2D(k, 3, padding="same", kernel_initializer=init, name="blend_logits")(features)
        else:
            logits = up(features, k, "blend_logits", use_bias=True)
        weights = keras.layers.Softmax(axis=-1, name="blend_weights")(logits)
        mixed = keras.layers.Multiply(name="blend_weighted")([weights, blurs])
        total = keras.layers.Conv2D(1, 1, use_bias=False, trainable=False, name="blend_sum")
        mixed = total(mixed)
        total.set_weights([np.ones((1, 1, k, 1), "float32")])
        # one gain for the whole blend, exp of a learned number (a 1x1 convolution of an all-ones image)
        ones = keras.layers.Rescaling(0.0, offset=1.0, name="blend_ones")(inputs)
        log_gain = keras.layers.Conv2D(1, 1, kernel_initializer="zeros",
                                       bias_initializer=keras.initializers.Constant(math.log(BLEND_GAIN)),
                                       name="blend_log_gain")(ones)
        gain = keras.layers.Activation("exponential", name="blend_gain")(log_gain)
        mixed = keras.layers.Multiply(name="blend_times_gain")([mixed, gain])
        x = keras.layers.Add(name="blend_plus_correction")([mixed, x])
    outputs = keras.layers.Activation("tanh", dtype="float32", name="out_tanh")(x)
    return keras.Model(inputs, outputs, name=name)


def blur_bank(image, sigmas_px, name: str):
    """Fixed Gaussian blurs of a one-channel Keras tensor, one output channel per width (built-in layers).

    Two non-trainable ``DepthwiseConv2D`` layers (along y with one output per width, then along
    x), zero-padded: outside the image counts as empty (no division by the blur of an all-ones
    image, which would double the cost of a training step on a CPU). The taps are
    :func:`frcnet_lite.pipeline.gaussian_taps`, zero-padded to the widest kernel.
    """
    import keras  # noqa: PLC0415

    from .pipeline import gaussian_taps  # noqa: PLC0415

    sigmas = [float(s) for s in sigmas_px]
    if not sigmas or min(sigmas) <= 0 or not all(math.isfinite(s) for s in sigmas):
        raise ValueError(f"blend_sigmas_px must be finite widths > 0 px, got {sigmas_px!r}")
    taps = [gaussian_taps(s) for s in sigmas]
    size = max(t.size for t in taps)
    bank = np.zeros((size, len(taps)), "float32")
    for k, t in enumerate(taps):
        pad = (size - t.size) // 2
        bank[pad:pad + t.size, k] = t
    along_y = keras.layers.DepthwiseConv2D((size, 1), depth_multiplier=len(taps), padding="same", use_bias=False,
                                           trainable=False, name=f"{name}_blur_y")
    along_x = keras.layers.DepthwiseConv2D((1, size), padding="same", use_bias=False, trainable=False,
                                           name=f"{name}_blur_x")
    blurred = along_x(along_y(image))
    along_y.set_weights([bank.reshape(size, 1, 1, len(taps))])
    along_x.set_weights([bank.reshape(1, size, len(taps), 1)])
    return blurred


#: Widths (px) of the blurs the ``"unet_blend"`` generator mixes pixel by pixel.
BLEND_SIGMAS_PX = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)

#: The blend's starting gain (``"unet_blend"``): about what maps a 10 % window's normalised counts onto the
#: ``tanh`` range of dense targets in this package's normalisation (measured on the simulated training pairs).
BLEND_GAIN = 20.0

#: Generator architectures by the name a training config uses (``TrainConfig.generator``). Each
#: takes ``(input_size, depth, base_filters, max_filters, dropout_blocks=..., decoder=...)`` and
#: returns a Keras model with one input and one ``tanh`` output channel. To add an architecture,
#: write its builder here and register it.
GENERATORS = {"unet": build_generator,
              "unet_fullres": functools.partial(build_generator, full_res_head=True),
              "unet_blend": functools.partial(build_generator, blend_sigmas_px=BLEND_SIGMAS_PX)}


def wrap_for_counts(generator, normalisation: Normalisation):
    """Wrap a generator so that it maps raw counts to density in target units.

    ``counts -> counts / input_scale * 2 - 1 -> generator -> (y + 1) / 2 * target_scale``,
    with built-in ``Rescaling`` layers (no custom objects needed to load it). With
    ``input_transform="sqrt"`` the counts are first compressed by
    :func:`frcnet_lite.pipeline.sqrt_counts` (a fixed sum of ReLU hinges: a 1x1 convolution,
    ReLU and a 1x1 convolution, not trainable) and mapped as ``2 * s / sqrt_counts(input_scale) - 1``.
    With ``local_sigma_px > 0`` the counts are divided by their local density ``d``
    (:func:`frcnet_lite.pipeline.local_density`: two fixed 1-D Gaussian convolutions of the counts
    and of an all-ones image, their ratio plus ``local_floor``) and the output is multiplied by it:
    ``counts -> counts / d -> ... -> (y + 1) / 2 * target_scale * d``.

    Examples
    --------
    >>> from frcnet_lite.pipeline import Normalisation
    >>> g = build_generator(None, depth=2, base_filters=2, max_filters=2)
    >>> m = wrap_for_counts(g, Normalisation(input_scale=4.0, target_scale=2.0))
    >>> float(m(np.zeros((1, 8, 8, 1), "float32")).numpy().max()) <= 2.0
    True
    """
    n = normalisation
    input_scale, target_scale, input_transform = n.input_scale, n.target_scale, n.input_transform
    local_sigma_px, local_floor = n.local_sigma_px, n.local_floor
    for label, value in (("input_scale", input_scale), ("target_scale", target_scale)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{label} must be a finite number > 0, got {value!r}")
    tf()
    import keras  # noqa: PLC0415

    from .pipeline import (SQRT_KNOTS, check_input_transform, check_local, gaussian_taps,  # noqa: PLC0415
                           sqrt_counts, sqrt_hinges)

    check_input_transform(input_transform)
    check_local(local_sigma_px, local_floor, input_transform)
    inputs = keras.Input(shape=(None, None, 1), name="counts")
    x, unit, density = inputs, float(input_scale), None
    if local_sigma_px > 0:
        taps = gaussian_taps(local_sigma_px).astype("float32")
        along_y = keras.layers.DepthwiseConv2D((taps.size, 1), padding="same", use_bias=False, trainable=False,
                                               name="local_blur_y")
        along_x = keras.layers.DepthwiseConv2D((1, taps.size), padding="same", use_bias=False, trainable=False,
                                               name="local_blur_x")
        ones = keras.layers.Rescaling(0.0, offset=1.0, name="local_ones")(inputs)
        blurred, coverage = along_x(along_y(inputs)), along_x(along_y(ones))
        along_y.set_weights([taps.reshape(-1, 1, 1, 1)])
        along_x.set_weights([taps.reshape(1, -1, 1, 1)])
        density = keras.layers.Rescaling(1.0, offset=float(local_floor), name="local_density")(
            keras.ops.divide(blurred, coverage))
        x = keras.ops.divide(inputs, density)
    if input_transform == "sqrt":
        offsets, gains = sqrt_hinges()
        hinges = keras.layers.Conv2D(SQRT_KNOTS, 1, trainable=False, name="counts_sqrt_hinges")
        x = keras.layers.ReLU(name="counts_sqrt_relu")(hinges(x))
        hinges.set_weights([np.ones((1, 1, 1, SQRT_KNOTS), "float32"), -offsets.astype("float32")])
        total = keras.layers.Conv2D(1, 1, use_bias=False, trainable=False, name="counts_sqrt")
        x = total(x)
        total.set_weights([gains.reshape(1, 1, SQRT_KNOTS, 1).astype("float32")])
        unit = float(sqrt_counts(input_scale))
    x = keras.layers.Rescaling(2.0 / unit, offset=-1.0, name="counts_to_unit")(x)
    y = generator(x)
    out = keras.layers.Rescaling(float(target_scale) / 2.0, offset=float(target_scale) / 2.0,
                                 dtype="float32", name="unit_to_density")(y)
    if density is not None:
        out = keras.layers.Multiply(name="times_local_density")([out, density])
    return keras.Model(inputs, out, name="frcnet_lite")


def save_model(model, path: str | os.PathLike, info: ModelInfo) -> Path:
    """Save a counts-to-density model (see :func:`wrap_for_counts`) and its info to a folder.

    Writes ``path/model.keras`` and ``path/model.json`` via temporary names then renames them, so an
    interrupted save never leaves a half-written model behind.

    Parameters
    ----------
    model : keras.Model
        The wrapped model (counts in, density out).
    path : str or os.PathLike
        Output folder (created if needed).
    info : ModelInfo
        Normalisation, pixel size, configuration and metrics.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    if not isinstance(info, ModelInfo):
        raise TypeError(f"info must be a ModelInfo, got {type(info).__name__}")
    folder = Path(path)
    if folder.suffix == ".keras":
        raise ValueError(f"path must be a folder (model.keras and model.json go inside it), got {str(folder)!r}")
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder / _MODEL_FILE) as tmp:  # the temporary name keeps the .keras suffix
        model.save(tmp)
    write_text(folder / _INFO_FILE, info.to_json())
    return folder


def shipped_models() -> dict[str, Path]:
    """The models shipped with the package: ``{name: folder}``, sorted by name.

    Examples
    --------
    >>> sorted(shipped_models())[:2]
    ['cos7', 'simulated']
    """
    if not PRETRAINED_DIR.is_dir():
        return {}
    return {p.name: p for p in sorted(PRETRAINED_DIR.iterdir()) if (p / _INFO_FILE).is_file()}


def model_folder(model: str | os.PathLike | None = None) -> Path:
    """The folder of a model given by shipped name, by folder (or its ``.keras`` file), or ``None``.

    ``None`` is :data:`DEFAULT_MODEL`. A name that is both a shipped model and an existing folder
    in the working directory means the folder only when written as a path (``./cos7``).

    Examples
    --------
    >>> model_folder("simulated").name
    'simulated'
    >>> model_folder("no-such-model")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no shipped model named 'no-such-model' and no model folder at that path: shipped models are cos7, simulated (list them with frcnet-lite models)
    """
    if model is None:
        model = DEFAULT_MODEL
    text = os.fspath(model)
    shipped = shipped_models()
    if text in shipped and os.sep not in text and "/" not in text:
        return shipped[text]
    folder = Path(text)
    if folder.suffix == ".keras":
        folder = folder.parent
    if folder.is_dir():
        return folder
    raise FileNotFoundError(f"no shipped model named {text!r} and no model folder at that path: shipped models are "
                            f"{', '.join(shipped) or 'none'} (list them with frcnet-lite models)")


def read_model_info(model: str | os.PathLike | None = None) -> ModelInfo:
    """The :class:`ModelInfo` (``model.json``) of a model, without loading TensorFlow."""
    info_file = model_folder(model) / _INFO_FILE
    if not info_file.is_file():
        raise FileNotFoundError(f"no {_INFO_FILE} in {str(info_file.parent)!r}: expected a folder written by save_model")
    try:
        data = json.loads(info_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{info_file} is not valid JSON ({exc}); expected the {_INFO_FILE} save_model writes: "
                         "restore it from a copy of the model") from None
    if isinstance(data, dict) and isinstance(data.get("normalisation"), dict):  # the nested form save_model writes
        data = {**{k: v for k, v in data.items() if k != "normalisation"}, **data["normalisation"]}
    _check_info(info_file, data)
    norm_keys = ("input_scale", "target_scale", "input_transform", "local_sigma_px", "local_floor")
    try:
        norm = Normalisation(**{k: data[k] for k in norm_keys if k in data})
    except ValueError as exc:
        raise ValueError(f"{info_file}: {exc}") from None
    known = {f for f in ModelInfo.__dataclass_fields__}
    return ModelInfo(norm, **{k: v for k, v in data.items() if k in known and k != "normalisation"})


def _check_info(info_file: Path, data: Any) -> None:
    """Refuse a ``model.json`` whose values the model cannot be run with (naming the file, key and value)."""
    if not isinstance(data, dict):
        raise ValueError(f"{info_file} holds a JSON {type(data).__name__}; expected the object save_model writes")
    missing = [k for k in ("input_scale", "target_scale") if k not in data]
    if missing:
        raise ValueError(f"{info_file} has no {' or '.join(repr(k) for k in missing)}; expected the {_INFO_FILE} "
                         "save_model writes")

    def number(key: str, low: float, what: str, strict: bool = True) -> None:
        value = data.get(key)
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
              and (value > low if strict else value >= low))
        if key in data and not ok:
            raise ValueError(f"{info_file}: {key} is {value!r}; expected {what}")

    number("pixel_size_nm", 0, "a positive number of nm (the pixel size the model was trained at)")
    number("input_scale", 0, "a positive number")
    number("target_scale", 0, "a positive number")
    number("local_sigma_px", 0, "a number >= 0", strict=False)
    number("local_floor", 0, "a number >= 0", strict=False)
    depth = data.get("depth", 6)
    if not (isinstance(depth, int) and not isinstance(depth, bool) and 1 <= depth <= 16):
        raise ValueError(f"{info_file}: depth is {depth!r}; expected a whole number from 1 to 16")
    if data.get("input_transform", "linear") not in ("linear", "sqrt"):
        raise ValueError(f"{info_file}: input_transform is {data['input_transform']!r}; expected 'linear' or 'sqrt'")
    for key in ("train_config", "metrics", "data"):
        if not isinstance(data.get(key, {}), dict):
            raise ValueError(f"{info_file}: {key} is {data[key]!r}; expected a JSON object")
    counts = data.get("data", {}).get("input_counts_per_um2", 0)
    if not (isinstance(counts, (int, float)) and not isinstance(counts, bool) and math.isfinite(counts) and counts >= 0):
        raise ValueError(f"{info_file}: data.input_counts_per_um2 is {counts!r}; expected a number >= 0")
    span = data["data"].get("input_counts_per_um2_range") if "data" in data else None
    if span is not None and not (isinstance(span, list) and len(span) == 2
                                 and all(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in span)):
        raise ValueError(f"{info_file}: data.input_counts_per_um2_range is {span!r}; expected [low, high] counts "
                         "per um^2")


def default_model_name(pixel_size_nm: float | None = None) -> str:
    """The shipped model used when none is named: the one trained at the pixel size nearest the input's.

    Nearest on a log scale (5 nm is as far from 10 nm as 10 nm from 20 nm); ties and an
    unknown pixel size give :data:`DEFAULT_MODEL`.

    Examples
    --------
    >>> default_model_name(10.0), default_model_name(5.0), default_model_name(None)
    ('cos7', 'simulated', 'simulated')
    """
    shipped = shipped_models()
    if pixel_size_nm is None or not shipped:
        return DEFAULT_MODEL
    if not (math.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number, got {pixel_size_nm!r}")
    def distance(name: str) -> tuple[float, bool]:
        px = read_model_info(name).pixel_size_nm
        return (round(abs(math.log(px / pixel_size_nm)), 9), name != DEFAULT_MODEL)
    return min(shipped, key=distance)


def load_model(model: str | os.PathLike | None = None):
    """Load a model saved by :func:`save_model`: a shipped one by name, or any model folder.

    Parameters
    ----------
    model : str, os.PathLike or None
        A shipped model's name (``"simulated"``, ``"cos7"``: see :func:`shipped_models`), a
        folder holding ``model.keras`` and ``model.json`` (or the ``.keras`` file inside it), or
        ``None`` for :data:`DEFAULT_MODEL`. Loaded in Keras safe mode (no code is executed).

    Returns
    -------
    keras.Model
        Counts in, density out; its :class:`ModelInfo` is attached as ``model.frcnet_info``.
    """
    folder = model_folder(model)
    model_file = folder / _MODEL_FILE
    if not model_file.is_file():
        raise FileNotFoundError(f"no {_MODEL_FILE} in {str(folder)!r}: expected a folder written by save_model")
    info = read_model_info(folder)
    _check_archive(model_file)
    tf()
    import keras  # noqa: PLC0415

    try:
        loaded = keras.models.load_model(model_file, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001  (keras reports a damaged file in many ways)
        text = " ".join(str(exc).split())
        raise ValueError(f"{model_file} is not a readable Keras model ({type(exc).__name__}: {text[:200]}); "
                         f"expected the {_MODEL_FILE} save_model writes") from None
    loaded.frcnet_info = info
    loaded.frcnet_folder = folder
    return loaded


def _check_archive(model_file: Path) -> None:
    """Refuse a ``.keras`` file that is no complete zip archive (keras itself says "File not found")."""
    import zipfile  # noqa: PLC0415

    try:
        with zipfile.ZipFile(model_file) as archive:
            broken = archive.testzip()
        why = f"its member {broken} is damaged" if broken else ""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        why = str(exc)
    if why:
        raise ValueError(f"{model_file} ({model_file.stat().st_size} bytes) is not a complete .keras (zip) archive "
                         f"({why}); expected the {_MODEL_FILE} save_model writes: truncated or damaged? copy it "
                         "again")


def copy_model(src: str | os.PathLike | None, dst: str | os.PathLike) -> Path:
    """Copy a saved model folder (a shipped name, a folder, or ``None``: the default) to ``dst``."""
    folder = model_folder(src)
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        if f.is_file():
            with atomic_write(dst / f.name) as tmp:
                shutil.copy2(f, tmp)
    return dst


def _info_of(model) -> ModelInfo:
    info = getattr(model, "frcnet_info", None)
    if info is None:
        raise ValueError("model has no frcnet_info: load it with frcnet_lite.model.load_model(path)")
    return info


def predict_image(model, sparse_histogram: np.ndarray, batch_size: int = 4) -> np.ndarray:
    """Predict the dense image from raw sparse-histogram counts.

    Images whose sides are not multiples of ``2**depth`` are reflect-padded and cropped back.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`load_model` (counts in, density out).
    sparse_histogram : numpy.ndarray
        Counts per pixel, ``(H, W)`` or ``(N, H, W)``, at the model's ``pixel_size_nm``.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    numpy.ndarray
        float32 density in target units, the same shape as the input.
    """
    arr = np.asarray(sparse_histogram, dtype=np.float32)
    if arr.ndim not in (2, 3):
        raise ValueError(f"sparse_histogram must be (H, W) or (N, H, W), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr.size and arr.min() < 0):
        raise ValueError("sparse_histogram must hold finite, non-negative counts")
    info = _info_of(model)
    batch = arr[None] if arr.ndim == 2 else arr
    n, h, w = batch.shape
    step = 2**info.depth
    ph, pw = (-h) % step, (-w) % step
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "constant"
        batch = np.pad(batch, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)), mode=mode)
    outs = [model(batch[i:i + batch_size, ..., None], training=False).numpy()[..., 0]
            for i in range(0, n, batch_size)]
    out = np.concatenate(outs, axis=0)[:, ph // 2:ph // 2 + h, pw // 2:pw // 2 + w]
    return out[0] if arr.ndim == 2 else out
