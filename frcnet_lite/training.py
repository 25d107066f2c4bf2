"""Training loop: the same code on a laptop CPU, one GPU (mixed precision) or several GPUs.

:func:`train` reads the training pairs (``run/data/pairs/<target_kind>/{train,val}.npz``), fits the
normalisation, trains the generator with the weighted losses of :mod:`frcnet_lite.losses`, logs
train/validation losses and metrics per epoch to ``history.csv``, checkpoints after every epoch
(resume continues exactly where an interrupted run stopped: order and augmentation of epoch ``e``
depend only on ``(seed, e)``), and finally saves the counts-to-density model with
:func:`frcnet_lite.model.save_model`.

Files in ``out_dir``: ``model.keras`` + ``model.json`` (the model), ``config.json`` (the
:class:`TrainConfig`), ``history.csv`` (one row per epoch), ``checkpoint/`` (for resuming).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._tf import tf
from . import metrics
from ._files import atomic_write, write_text
from .losses import LOSSES, METHOD_WEIGHTS, loss_indices
from .targets import TARGETS, TargetSpec
from .pipeline import Normalisation, dataset_tensors, fit_normalisation, make_dataset, make_validation_arrays

__all__ = ["TrainConfig", "TrainResult", "train", "split_image_pairs", "describe_training_data", "input_density_range", "make_train_step", "learning_rate_at", "load_history", "read_config", "pick_strategy", "blend_widths", "normalisation_of", "recalibrate_batch_norm"]


_INT_FIELDS = ("patch_size", "depth", "base_filters", "max_filters", "dropout_blocks", "batch_size",
               "steps_per_epoch", "epochs", "decay_epochs", "seed", "val_size", "bn_recalibration_patches")
_FLOAT_FIELDS = ("learning_rate", "beta_1", "frc_cutoff", "pixel_size_nm", "target_percentile", "local_sigma_px")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (saved as ``config.json`` next to the model).

    The defaults are the method's (Berberich et al. 2021, pix2pix generator); :meth:`lite` gives
    the small CPU-friendly variant the shipped model uses.

    The shipped models depart from the paper's recipe in settings listed in each model's card and by
    ``frcnet-lite models`` (:func:`frcnet_lite.modelcard.departures_from_paper`): ``generator:
    unet_blend``, Gaussian KDE targets (``target_kind``), an ``mse`` term in ``loss_weights``, Adam
    1e-3 / 0.9 with ``decay_epochs``, ``dropout_blocks: 0``, ``local_sigma_px`` and
    ``bn_recalibration_patches``; what they buy on real data is measured by the reproduction study
    (notebook 4). Experimental, used by no shipped model (kept for the studies that tried them):
    ``input_transform``, ``target_percentile`` and the ``unet_fullres`` generator.

    Attributes
    ----------
    pairs_dir : str
        Folder with ``<target_kind>/{train,val}.npz`` (``run/data/pairs``).
    target_kind : str
        ``"anisotropic"`` (the method) or ``"gaussian"`` KDE targets.
    out_dir : str
        Where model, history and checkpoints go (``run/model``).
    patch_size : int
        Side of the training patches in px (512; rotated windows are 750 px).
    depth, base_filters, max_filters : int
        Generator size (8, 64, 512: the pix2pix U-Net).
    dropout_blocks : int
        Decoder blocks with dropout 0.5 (3).
    batch_size : int
        Patches per step (4).
    steps_per_epoch, epochs : int
        Training length (200 x 100).
    learning_rate, beta_1 : float
        Adam parameters (2e-4 and 0.5, as pix2pix).
    decay_epochs : int
        The learning rate falls linearly to 0 over the last ``decay_epochs`` epochs, as in
        pix2pix's second half (0: constant, the default).
    loss_weights : dict
        Weights of ``ms_ssim``, ``frc``, ``l1``, ``mse`` (MS-SSIM + FRC + 0.1 L1).
    frc_cutoff : float
        Highest spatial frequency (fraction of Nyquist... as in :func:`frcnet_lite.frc_tf.frc_loss`).
    rotate, flip : bool
        Augmentations.
    seed : int
        Seeds weights, dropout, data order and augmentation.
    mixed_precision : str
        ``"auto"`` (float16 compute on a GPU, float32 on a CPU), ``"on"`` or ``"off"``.
    val_size : int
        Side of the centre crop of each validation pair (0: ``patch_size``).
    generator : str
        Architecture, a key of :data:`frcnet_lite.model.GENERATORS` (``"unet"``: pix2pix).
    decoder : str
        Decoder blocks of the generator: ``"resize"`` (upsample + convolution, no checkerboard)
        or ``"transpose"`` (pix2pix's transposed convolutions); see
        :func:`frcnet_lite.model.build_generator`.
    image_pairs_dir : str
        A folder of pre-rendered image pairs ``<name>_sub.<png|tif>`` / ``<name>_full.<png|tif>``
        (e.g. the real COS-7 pairs). When set, training reads these instead of ``pairs_dir``
        and ``target_kind`` must be ``"images"``: the ``_full`` images are the targets.
    val_fields : tuple of str
        With ``image_pairs_dir``: the names of the fields held out for validation (never
        trained on; split by field, not by patch). At least one is needed.
    pixel_size_nm : float
        With ``image_pairs_dir``: the images' pixel size in nm (0: from the TIFF calibration,
        else 10 nm, the COS-7 pairs' pixel size).
    init_from : str
        Fine-tune: start from the weights of a saved model (a shipped model's name such as
        ``"cos7"``, or a model folder) instead of random ones ("": from scratch). Its
        architecture (generator, decoder, depth, filters) must match this configuration, and
        its intensity normalisation is kept, so the pretrained mapping stays valid on new data.
    local_sigma_px : float
        0 (default): one intensity scale for all images. ``> 0``: counts and targets are divided by
        the input's local density, a Gaussian blur of this width in pixels plus a floor (the
        training inputs' mean count per pixel), and the model multiplies its output by it
        (:func:`frcnet_lite.pipeline.local_density`): dense and sparse regions reach the network
        and the loss on one scale, none is clipped.
    bn_recalibration_patches : int
        0 (default): the saved model uses the batch-norm running averages of training. ``> 0``:
        after the last epoch, each batch-norm layer's statistics are re-estimated with the final
        weights over this many augmented training patches (:func:`recalibrate_batch_norm`). The
        running averages trail weights that still move; a model whose output depends steeply on
        them (a blend of blurs) can otherwise differ at inference from the one that was trained.
        It changes no weight, so it may be changed on a finished run.
    input_transform : str
        How raw counts enter the network: ``"linear"`` (``counts / input_scale * 2 - 1``) or
        ``"sqrt"`` (square-root compressed first, :func:`frcnet_lite.pipeline.sqrt_counts`: dense
        patches no longer reach the network as a much larger, noisier signal than sparse ones).
    target_percentile : float
        The target scale is 1.25 times this percentile of the training targets (99.9); targets
        above it are clipped in training (:func:`frcnet_lite.pipeline.fit_normalisation`).
    """

    pairs_dir: str = "run/data/pairs"
    target_kind: str = "anisotropic"
    out_dir: str = "run/model"
    patch_size: int = 512
    depth: int = 8
    base_filters: int = 64
    max_filters: int = 512
    dropout_blocks: int = 3
    batch_size: int = 4
    steps_per_epoch: int = 200
    epochs: int = 100
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    decay_epochs: int = 0
    loss_weights: dict = field(default_factory=lambda: dict(METHOD_WEIGHTS))
    frc_cutoff: float = 0.2
    rotate: bool = True
    flip: bool = True
    seed: int = 0
    mixed_precision: str = "auto"
    val_size: int = 0
    generator: str = "unet"
    decoder: str = "resize"
    image_pairs_dir: str = ""
    val_fields: tuple = ()
    pixel_size_nm: float = 0.0
    init_from: str = ""
    input_transform: str = "linear"
    target_percentile: float = 99.9
    local_sigma_px: float = 0.0
    bn_recalibration_patches: int = 0

    def __post_init__(self) -> None:
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        for name in ("rotate", "flip"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.loss_weights, Mapping) or not self.loss_weights:
            raise ValueError(f"loss_weights must be a mapping of loss names to weights, got {self.loss_weights!r}")
        for key, weight in self.loss_weights.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
                raise ValueError(f"loss weight {key!r} must be a number >= 0, got {weight!r}")
        if not 0 < self.frc_cutoff <= 1:
            raise ValueError(f"frc_cutoff must be in (0, 1], got {self.frc_cutoff!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if not 0 <= self.beta_1 < 1:
            raise ValueError(f"beta_1 must be in [0, 1), got {self.beta_1!r}")
        from .model import check_input_size  # noqa: PLC0415

        check_input_size(self.patch_size, self.depth)
        if self.val_size:
            check_input_size(self.val_size, self.depth)
        if int(self.bn_recalibration_patches) < 0:
            raise ValueError(f"bn_recalibration_patches must be >= 0, got {self.bn_recalibration_patches!r}")
        for name in ("batch_size", "steps_per_epoch", "epochs", "base_filters"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if not 0 <= int(self.decay_epochs) <= int(self.epochs):
            raise ValueError(f"decay_epochs must be in [0, epochs={self.epochs}], got {self.decay_epochs!r}")
        unknown = sorted(set(self.loss_weights) - set(LOSSES))
        if unknown:
            raise ValueError(f"unknown loss name(s) {unknown} in loss_weights: expected some of {sorted(LOSSES)}")
        if self.mixed_precision not in ("auto", "on", "off"):
            raise ValueError(f"mixed_precision must be 'auto', 'on' or 'off', got {self.mixed_precision!r}")
        from .model import DECODERS, GENERATORS  # noqa: PLC0415

        if self.generator not in GENERATORS:
            raise ValueError(f"generator must be one of {sorted(GENERATORS)}, got {self.generator!r}")
        if self.decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {self.decoder!r}")
        if isinstance(self.val_fields, str):
            object.__setattr__(self, "val_fields", (self.val_fields,))
        object.__setattr__(self, "val_fields", tuple(str(v) for v in self.val_fields))
        if self.image_pairs_dir:
            if self.target_kind != "images":
                raise ValueError(f"with image_pairs_dir the targets are the '_full' images: target_kind must be "
                                 f"'images', got {self.target_kind!r}")
            if not self.val_fields:
                raise ValueError("with image_pairs_dir, name the held-out field(s) in val_fields "
                                 "(e.g. val_fields: [spot12])")
        elif self.target_kind not in TARGETS or self.target_kind == "images":
            kinds = sorted(set(TARGETS) - {"images"})
            raise ValueError(f"target_kind must be one of {kinds} (or 'images' with image_pairs_dir), "
                             f"got {self.target_kind!r}")
        from .pipeline import check_input_transform, check_local, check_target_percentile  # noqa: PLC0415

        check_input_transform(self.input_transform)
        check_target_percentile(self.target_percentile)
        check_local(self.local_sigma_px, 1.0, self.input_transform)
        if not isinstance(self.init_from, str):
            raise ValueError(f"init_from must be a model name or folder (text), got {self.init_from!r}")
        if not (self.pixel_size_nm == 0 or (math.isfinite(self.pixel_size_nm) and self.pixel_size_nm > 0)):
            raise ValueError(f"pixel_size_nm must be > 0 (or 0: from the files), got {self.pixel_size_nm!r}")

    @classmethod
    def lite(cls, **changes: Any) -> TrainConfig:
        """The CPU-friendly "lite" configuration (the shipped model's architecture).

        Examples
        --------
        >>> TrainConfig.lite().depth, TrainConfig.lite(epochs=2).epochs
        (6, 2)
        """
        base = dict(patch_size=128, depth=6, base_filters=16, max_filters=128, batch_size=8,
                    steps_per_epoch=100, epochs=30)
        base.update(changes)
        return cls(**base)

    def replace(self, **changes: Any) -> TrainConfig:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """The configuration as a JSON-friendly dict."""
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        width = max(len(f.name) for f in dataclasses.fields(self))
        rows = [f"  {f.name:<{width}} = {getattr(self, f.name)!r}" for f in dataclasses.fields(self)]
        return "TrainConfig(\n" + "\n".join(rows) + "\n)"


def read_config(path: str | os.PathLike) -> TrainConfig:
    """Read a :class:`TrainConfig` from a YAML or JSON file (unknown keys are an error)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    text = path.read_text()
    if path.suffix in (".yml", ".yaml"):
        import yaml  # noqa: PLC0415

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise ValueError(f"{str(path)!r} is not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{str(path)!r} must hold a mapping of TrainConfig fields, got {type(data).__name__}")
    preset = data.pop("preset", "method")
    if preset not in ("method", "lite"):
        raise ValueError(f"preset in {str(path)!r} must be 'method' or 'lite', got {preset!r}")
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in {str(path)!r}: expected some of {sorted(known)}")
    try:
        return TrainConfig.lite(**data) if preset == "lite" else TrainConfig(**data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{str(path)!r}: {exc}") from None


@dataclass
class TrainResult:
    """What :func:`train` returns: the counts-to-density ``model``, the per-epoch ``history``
    (list of dicts, the rows of ``history.csv``), the ``out_dir`` and the ``normalisation``."""

    model: Any
    history: list
    out_dir: Path
    normalisation: Normalisation


def pick_strategy():
    """``MirroredStrategy`` on several GPUs, otherwise the default (one device) strategy."""
    t = tf()
    gpus = t.config.list_logical_devices("GPU")
    return t.distribute.MirroredStrategy() if len(gpus) > 1 else t.distribute.get_strategy()


def _use_mixed_precision(setting: str) -> bool:
    if setting == "auto":
        return bool(tf().config.list_logical_devices("GPU"))
    return setting == "on"


def _write_history(path: Path, rows: list) -> None:
    if not rows:
        return
    with atomic_write(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def load_history(path: str | os.PathLike) -> list:
    """Read ``history.csv`` (a file or the folder holding it) as a list of dicts of floats."""
    path = Path(path)
    if path.is_dir():
        path = path / "history.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no training history at {str(path)!r}")
    with path.open() as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def split_image_pairs(config: TrainConfig):
    """The training and validation :class:`~frcnet_lite.pairs.PairSet` of ``config.image_pairs_dir``.

    The split is by field: the fields named in ``config.val_fields`` are validation, all others
    training; no pixel of a validation field is ever trained on.
    """
    from .pairs import load_image_pairs  # noqa: PLC0415
    from .pipeline import rotate_size_for  # noqa: PLC0415

    need = max(rotate_size_for(config.patch_size) if config.rotate else config.patch_size,
               config.val_size or config.patch_size)
    why = (f"patch_size {config.patch_size}{', rotated' if config.rotate else ''}"
           f"{f', val_size {config.val_size}' if config.val_size else ''}: all pairs are cropped to the smallest")
    pairs = load_image_pairs(config.image_pairs_dir, pixel_size_nm=config.pixel_size_nm or None, min_size_px=need,
                             min_size_reason=why)
    return pairs.split_by_field(config.val_fields)


def _load_split(config: TrainConfig, split: str):
    from .pairs import load_pairs  # noqa: PLC0415

    path = Path(config.pairs_dir) / config.target_kind / f"{split}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"training pairs {str(path)!r} not found: run notebook 01 (gaussian) / 02 "
                                "(anisotropic) or frcnet-lite simulate first")
    return load_pairs(path)


def _save_checkpoint(folder: Path, model, optimizer, state: dict) -> None:
    """Commit weights, optimizer state and ``state`` (epoch, history) together: one ``state.npz``.

    The file is written under a temporary name, flushed to disk and renamed into place, so a crash at
    any moment leaves either the previous checkpoint or the new one, never a mix. ``state.json`` is a
    readable copy written afterwards; :func:`_restore_checkpoint` trusts only ``state.npz``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"m{i}": v.numpy() for i, v in enumerate(model.variables)}
    arrays.update({f"o{i}": v.numpy() for i, v in enumerate(optimizer.variables)})
    text = json.dumps(state, indent=2)
    arrays["__state__"] = np.array(text)
    with atomic_write(folder / "state.npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
    write_text(folder / "state.json", text)


def _restore_checkpoint(folder: Path, model, optimizer) -> dict | None:
    """Load a checkpoint written by :func:`_save_checkpoint` into ``model`` and ``optimizer``; its state.

    Returns None when there is none. Checkpoints from before the state moved into ``state.npz`` are
    read with their ``state.json``. A checkpoint of a different model (other variables) is refused.
    """
    path = folder / "state.npz"
    if not path.is_file():
        return None
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"the checkpoint {path} is damaged ({exc}): delete it or train with --restart") from None
    with data:
        if "__state__" in data.files:
            state = json.loads(str(data["__state__"]))
        elif (folder / "state.json").is_file():  # an older checkpoint: the state beside it
            state = json.loads((folder / "state.json").read_text())
        else:
            return None
        n_m = sum(1 for k in data.files if k.startswith("m"))
        n_o = sum(1 for k in data.files if k.startswith("o"))
        if n_m != len(model.variables) or n_o != len(optimizer.variables):
            raise ValueError(f"the checkpoint {path} holds {n_m} model and {n_o} optimizer variables, the model has "
                             f"{len(model.variables)} and {len(optimizer.variables)}: it is of another model; use "
                             "another out_dir or --restart")
        for i, v in enumerate(model.variables):
            v.assign(data[f"m{i}"])
        for i, v in enumerate(optimizer.variables):
            v.assign(data[f"o{i}"])
    return state


def learning_rate_at(config: TrainConfig, epoch: int) -> float:
    """Learning rate of (0-based) ``epoch``: constant, then linear decay over the last ``decay_epochs``.

    Examples
    --------
    >>> c = TrainConfig.lite(epochs=4, decay_epochs=2, learning_rate=1.0)
    >>> [learning_rate_at(c, e) for e in range(4)]
    [1.0, 1.0, 0.6666666666666667, 0.33333333333333337]
    """
    start = config.epochs - config.decay_epochs
    if config.decay_epochs == 0 or epoch < start:
        return float(config.learning_rate)
    return float(config.learning_rate) * (1.0 - (epoch - start + 1) / (config.decay_epochs + 1))


def make_train_step(generator, optimizer, loss_fn: Callable, strategy=None, mixed: bool = False) -> Callable:
    """Return the compiled training step ``(x, y) -> (total_loss, {name: loss})``.

    ``x`` is in the generator's input range, ``y`` in [0, 1]; the generator's ``tanh`` output is
    mapped to [0, 1] before ``loss_fn`` (see :func:`frcnet_lite.losses.combined_loss`). Runs under
    ``strategy`` (default: the current one), with loss scaling when ``mixed``. No XLA: on a CPU it
    makes the MS-SSIM step much slower.
    """
    t = tf()
    strategy = strategy or t.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync

    def step(x, y):
        with t.GradientTape() as tape:
            pred = (t.cast(generator(x, training=True), t.float32) + 1.0) / 2.0
            total, parts = loss_fn(y, pred)
            scaled = optimizer.scale_loss(total / replicas) if mixed else total / replicas
        grads = tape.gradient(scaled, generator.trainable_variables)
        optimizer.apply_gradients(zip(grads, generator.trainable_variables))
        return total, parts

    @t.function(jit_compile=False, autograph=False)
    def train_step(x, y):
        total, parts = strategy.run(step, args=(x, y))
        mean = t.distribute.ReduceOp.MEAN
        return strategy.reduce(mean, total, axis=None), {k: strategy.reduce(mean, v, axis=None)
                                                          for k, v in parts.items()}

    return train_step


def train(config: TrainConfig, train_pairs=None, val_pairs=None, out_dir: str | os.PathLike | None = None,
          resume: bool = True, on_epoch_end: Callable[[dict], None] | None = None,
          progress: bool | None = None, stop_after_epochs: int | None = None) -> TrainResult:
    """Train the generator; log, checkpoint and save the model (see the module docstring).

    Parameters
    ----------
    config : TrainConfig
        The run's configuration.
    train_pairs, val_pairs : PairSet-like, optional
        Objects with ``inputs`` and ``targets`` ``(N, H, W)`` arrays (and ``pixel_size_nm``);
        default: read from ``config.pairs_dir``.
    out_dir : path, optional
        Output folder (default ``config.out_dir``).
    resume : bool
        Continue from ``out_dir/checkpoint`` if it exists (with the same configuration).
    on_epoch_end : callable, optional
        Called with each epoch's history row (e.g. to update a live plot).
    progress : bool or None
        tqdm progress bar; ``None`` shows it only on a terminal / notebook.
    stop_after_epochs : int, optional
        Stop (after checkpointing) once this many epochs ran in *this* call: simulates an
        interruption (tests) or splits a long run into sessions.

    Returns
    -------
    TrainResult
    """
    from tqdm.auto import tqdm  # noqa: PLC0415

    from .losses import combined_loss  # noqa: PLC0415
    from .model import GENERATORS, ModelInfo, save_model, wrap_for_counts  # noqa: PLC0415

    t = tf()
    import keras  # noqa: PLC0415

    out = Path(out_dir if out_dir is not None else config.out_dir)
    _check_out_dir(out)  # the folder itself is made once the data and any checkpoint are found fit
    if config.image_pairs_dir and (train_pairs is None or val_pairs is None):
        train_pairs, val_pairs = split_image_pairs(config)
    train_pairs = train_pairs if train_pairs is not None else _load_split(config, "train")
    val_pairs = val_pairs if val_pairs is not None else _load_split(config, "val")
    pixel_size_nm = float(getattr(train_pairs, "pixel_size_nm", 5.0))
    init = _init_model(config)
    norm = (normalisation_of(init.frcnet_info)
            if init is not None else fit_normalisation(train_pairs.inputs, train_pairs.targets,
                                                       input_transform=config.input_transform,
                                                       target_percentile=config.target_percentile,
                                                       local_sigma_px=config.local_sigma_px))
    val_size = config.val_size or config.patch_size
    xv, yv = make_validation_arrays(val_pairs.inputs, val_pairs.targets, norm, val_size)

    ckpt_dir = out / "checkpoint"
    saved_cfg = out / "config.json"
    if resume and saved_cfg.is_file() and any((ckpt_dir / f).is_file() for f in ("state.npz", "state.json")):
        try:
            old = json.loads(saved_cfg.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{saved_cfg} is not valid JSON ({exc}): it records the configuration of the checkpoint "
                             "beside it; delete the folder's checkpoint or use resume=False to start over") from None
        if not isinstance(old, dict):
            raise ValueError(f"{saved_cfg} holds a JSON {type(old).__name__}; expected the configuration train "
                             "writes: use resume=False to start over")
        new = json.loads(json.dumps(config.to_dict()))
        for key in ("epochs", "bn_recalibration_patches"):  # a run may be extended or recalibrated
            old.pop(key, None), new.pop(key, None)
        # a checkpoint written before a field existed used that field's default
        defaults = json.loads(json.dumps(TrainConfig().to_dict()))
        old.update({k: defaults[k] for k in new if k not in old and k in defaults})
        if old != new:
            diff = [f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in sorted(set(old) | set(new))
                    if old.get(k) != new.get(k)]
            raise ValueError(f"{str(out)!r} holds a checkpoint of a different configuration ({'; '.join(diff[:4])}"
                             f"{'; ...' if len(diff) > 4 else ''}): use another out_dir or resume=False to start over")
    write_text(saved_cfg, json.dumps(config.to_dict(), indent=2))

    keras.utils.set_random_seed(config.seed)
    mixed = _use_mixed_precision(config.mixed_precision)
    old_policy = keras.mixed_precision.global_policy()
    strategy = pick_strategy()
    with strategy.scope():
        keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
        try:
            gen = GENERATORS[config.generator](None, config.depth, config.base_filters, config.max_filters,
                                  dropout_blocks=config.dropout_blocks, decoder=config.decoder)
        finally:
            keras.mixed_precision.set_global_policy(old_policy)
        optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
        if mixed:
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(gen.trainable_variables)
    loss_fn = combined_loss(config.loss_weights, frc_cutoff=config.frc_cutoff)
    replicas = strategy.num_replicas_in_sync
    train_step = make_train_step(gen, optimizer, loss_fn, strategy, mixed)

    eval_fn = combined_loss(dict.fromkeys(LOSSES, 1.0), frc_cutoff=config.frc_cutoff)

    @t.function(jit_compile=False, autograph=False)
    def eval_step(x, y):
        pred = (t.cast(gen(x, training=False), t.float32) + 1.0) / 2.0
        return pred, eval_fn(y, pred)[1]

    history: list = []
    start_epoch = 0
    state = _restore_checkpoint(ckpt_dir, gen, optimizer) if resume else None
    if state is None and init is not None:
        gen.set_weights(_generator_of(init).get_weights())
    if state is not None:
        start_epoch, history = int(state["epoch"]), list(state["history"])
        if progress is not False:
            print(f"resumed from epoch {start_epoch} of {config.epochs} (checkpoint in {ckpt_dir})", flush=True)

    ran = 0
    tensors = dataset_tensors(train_pairs.inputs, train_pairs.targets, norm) if start_epoch < config.epochs else None
    for epoch in range(start_epoch, config.epochs):
        if stop_after_epochs is not None and ran >= stop_after_epochs:
            break
        t0 = time.perf_counter()
        optimizer.learning_rate.assign(learning_rate_at(config, epoch))
        ds = make_dataset(train_pairs.inputs, train_pairs.targets, norm, config.patch_size, config.batch_size,
                          config.steps_per_epoch, seed=config.seed, epoch=epoch, rotate=config.rotate,
                          flip=config.flip, tensors=tensors)
        ds = strategy.experimental_distribute_dataset(ds) if replicas > 1 else ds
        sums: dict = {}
        bar = tqdm(ds, total=config.steps_per_epoch, desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=None if progress is None else not progress, leave=False)
        for x, y in bar:
            total, parts = train_step(x, y)
            for k, v in {"loss": total, **parts}.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            bar.set_postfix(loss=f"{float(total):.4f}")
        bar.close()
        train_time = time.perf_counter() - t0
        row = {"epoch": epoch + 1}
        row.update({f"train_{k}": v / config.steps_per_epoch for k, v in sums.items()})
        row.update(_validate(eval_step, xv, yv, loss_fn.weights, config.batch_size))
        row["seconds"] = train_time
        history.append(row)
        _write_history(out / "history.csv", history)
        _save_checkpoint(ckpt_dir, gen, optimizer, {"epoch": epoch + 1, "history": history})
        ran += 1
        if on_epoch_end is not None:
            on_epoch_end(row)

    if len(history) == config.epochs and config.bn_recalibration_patches:
        n = config.bn_recalibration_patches
        steps = max(1, n // config.batch_size)
        ds = make_dataset(train_pairs.inputs, train_pairs.targets, norm, config.patch_size, config.batch_size,
                          steps, seed=config.seed, epoch=config.epochs, rotate=config.rotate, flip=config.flip)
        recalibrate_batch_norm(gen, (x for x, _ in ds))
    model = wrap_for_counts(gen, norm)
    if len(history) == config.epochs:
        info = ModelInfo(norm, pixel_size_nm=pixel_size_nm,
                         depth=config.depth, target_kind=config.target_kind, train_config=config.to_dict(),
                         metrics={k: v for k, v in history[-1].items() if k.startswith("val_")},
                         data=describe_training_data(train_pairs, val_pairs, config))
        save_model(model, out, info)
        model.frcnet_info = info
    return TrainResult(model=model, history=history, out_dir=out, normalisation=norm)


def _check_out_dir(out: Path) -> None:
    """Refuse an output folder that is a file, or lies under one (before anything is made)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir {str(out)!r} is a file; expected a folder (new, or a run's to resume)")
    from ._files import existing_ancestor  # noqa: PLC0415

    parent = existing_ancestor(out)
    if not parent.is_dir():
        raise ValueError(f"out_dir {str(out)!r} lies under {str(parent)!r}, which is a file; expected a folder")


def recalibrate_batch_norm(generator, batches) -> int:
    """Set every batch-norm layer's running statistics to their average over ``batches`` (precise BN).

    Each batch goes through the generator in training mode (every layer normalised by the batch's
    own statistics, as in training); the inputs of each batch-norm layer give per-channel batch
    means and (unbiased) variances, averaged with equal weight over the batches, which is what the
    running averages estimate, here without their lag behind the weights.

    Parameters
    ----------
    generator : keras.Model
        The generator (not the counts wrapper); changed in place.
    batches : iterable
        Input batches ``(B, H, W, 1)`` in the generator's input range.

    Returns
    -------
    int
        The number of batches used.
    """
    import keras  # noqa: PLC0415

    bns = [layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not bns:
        return 0
    probe = keras.Model(generator.input, [bn.input for bn in bns])
    sums = [None] * len(bns)
    n = 0
    for x in batches:
        outs = probe(x, training=True)
        for i, a in enumerate(outs):
            a = np.asarray(a, np.float64).reshape(-1, a.shape[-1])
            stats = np.stack([a.mean(axis=0), a.var(axis=0, ddof=1)])
            sums[i] = stats if sums[i] is None else sums[i] + stats
        n += 1
    if n == 0:
        raise ValueError("recalibrate_batch_norm needs at least one batch")
    for bn, total in zip(bns, sums):
        bn.moving_mean.assign((total[0] / n).astype("float32"))
        bn.moving_variance.assign((total[1] / n).astype("float32"))
    return n


def normalisation_of(info) -> Normalisation:
    """The :class:`~frcnet_lite.pipeline.Normalisation` a saved model was trained with (its ``ModelInfo``)."""
    return info.normalisation


def _generator_of(model):
    """The generator inside a counts-to-density model (:func:`frcnet_lite.model.wrap_for_counts`)."""
    import keras  # noqa: PLC0415

    inner = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if len(inner) != 1:
        raise ValueError(f"{getattr(model, 'frcnet_folder', 'the model')} does not hold one generator: "
                         "expected a model saved by frcnet-lite")
    return inner[0]


def blend_widths(model, counts: np.ndarray) -> np.ndarray:
    """The blur width (px) a ``unet_blend`` model chose for each pixel: its softmax weights' mean width.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`frcnet_lite.model.load_model` whose generator is ``"unet_blend"``.
    counts : numpy.ndarray
        A sparse histogram ``(H, W)`` (sides multiples of ``2**depth``).

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` float32: ``sum_k w_k sigma_k`` with the weights of the blurs
        :data:`frcnet_lite.model.BLEND_SIGMAS_PX` the network gives that pixel (the correction it
        adds is not included).
    """
    import keras  # noqa: PLC0415

    from .model import BLEND_SIGMAS_PX, _info_of  # noqa: PLC0415

    gen = _generator_of(model)
    names = {layer.name for layer in gen.layers}
    if "blend_weights" not in names:
        raise ValueError(f"{getattr(model, 'frcnet_folder', 'the model')} has no blend of blurs: its generator is "
                         "not 'unet_blend'")
    arr = np.asarray(counts, np.float32)
    if arr.ndim != 2:
        raise ValueError(f"counts must be one image (H, W), got shape {arr.shape}")
    x = normalisation_of(_info_of(model)).inputs(arr)[None, ..., None]
    weights = keras.Model(gen.input, gen.get_layer("blend_weights").output)(x, training=False).numpy()[0]
    return (weights @ np.asarray(BLEND_SIGMAS_PX, np.float32)).astype(np.float32)


def _init_model(config: TrainConfig):
    """The model named by ``config.init_from`` (None when training from scratch), checked to fit."""
    if not config.init_from:
        return None
    from .model import load_model  # noqa: PLC0415

    init = load_model(config.init_from)
    saved = init.frcnet_info.train_config or {}
    defaults = TrainConfig().to_dict()
    diff = [f"{k}: {saved.get(k, defaults[k])!r} there, {getattr(config, k)!r} here"
            for k in ("generator", "decoder", "depth", "base_filters", "max_filters", "input_transform",
                      "local_sigma_px")
            if saved.get(k, defaults[k]) != getattr(config, k)]
    if diff:
        raise ValueError(f"init_from {config.init_from!r} has another architecture ({'; '.join(diff)}): "
                         "set these to the model's values")
    return init


def input_density_range(inputs: np.ndarray, pixel_size_nm: float) -> tuple[float, float, float]:
    """Median, 5th and 95th percentile of the training images' sparse counts per square micrometre.

    Examples
    --------
    >>> counts = np.stack([np.full((10, 10), c, np.float32) for c in range(1, 101)])  # 1..100 per 10 nm pixel
    >>> [round(v) for v in input_density_range(counts, 10.0)]
    [505000, 59500, 950500]
    """
    inputs = np.asarray(inputs, np.float64)
    if inputs.ndim != 3 or not len(inputs):
        raise ValueError(f"inputs must be a non-empty stack of images (N, H, W), got shape {inputs.shape}")
    area_um2 = inputs.shape[1] * inputs.shape[2] * (pixel_size_nm / 1000.0) ** 2
    per_image = inputs.sum(axis=(1, 2)) / area_um2
    return (float(np.median(per_image)), float(np.percentile(per_image, 5)), float(np.percentile(per_image, 95)))


def describe_training_data(train_pairs, val_pairs, config: TrainConfig) -> dict:
    """What a model was trained on, for its ``model.json`` (source, fields, target, input density).

    ``input_counts_per_um2`` (median over training images of the sparse counts per square
    micrometre) and ``input_counts_per_um2_range`` (their 5th and 95th percentiles,
    :func:`input_density_range`) let :mod:`frcnet_lite.reconstruct` warn when an input is far
    denser or sparser than the training inputs.
    """
    meta = dict(getattr(train_pairs, "meta", {}) or {})
    px = float(getattr(train_pairs, "pixel_size_nm", 5.0))
    density, low, high = input_density_range(train_pairs.inputs, px)
    out = {
        "source": config.image_pairs_dir or str(Path(config.pairs_dir) / config.target_kind),
        "kind": "image pairs" if config.image_pairs_dir else "simulated pairs",
        "pixel_size_nm": px,
        "n_train": int(len(train_pairs.inputs)),
        "n_val": int(len(val_pairs.inputs)),
        "input_counts_per_um2": density,
        "input_counts_per_um2_range": [low, high],
    }
    kind = getattr(train_pairs, "target_kind", config.target_kind)
    params = meta.get("target_params", {}) if kind in TARGETS else {}
    out["target"] = TargetSpec(kind, params).to_dict() if kind in TARGETS else {"kind": kind, "params": params}
    if "names" in meta:
        out["train_fields"] = sorted(set(meta["names"]))
    elif "field_ids" in meta:
        out["train_fields"] = sorted(set(meta["field_ids"]))
    for key in ("fraction", "subset", "simulation"):
        if key in meta:
            out[key] = meta[key]
    vmeta = dict(getattr(val_pairs, "meta", {}) or {})
    if "names" in vmeta:
        out["val_fields"] = sorted(set(vmeta["names"]))
    return out


def _validate(eval_step, xv: np.ndarray, yv: np.ndarray, weights: Mapping[str, float], batch_size: int) -> dict:
    sums: dict = {}
    psnr, n = 0.0, 0
    for i in range(0, len(xv), batch_size):
        pred, parts = eval_step(xv[i:i + batch_size], yv[i:i + batch_size])
        k = len(xv[i:i + batch_size])
        for name, v in parts.items():
            sums[name] = sums.get(name, 0.0) + float(v) * k
        pred = np.asarray(pred)
        psnr += sum(metrics.psnr(pred[j, ..., 0], yv[i + j, ..., 0]) for j in range(k))
        n += k
    parts = {name: v / n for name, v in sums.items()}
    row = {"val_loss": sum(w * parts[name] for name, w in weights.items())}
    row.update({f"val_{name}": v for name, v in parts.items()})
    row.update({f"val_{k}": v for k, v in loss_indices(parts).items()})
    row["val_psnr_db"] = psnr / n
    return row
