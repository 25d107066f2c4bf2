"""Training pairs: sparse-subset histograms (inputs) and dense density estimates (targets).

The method learns the map *sparse image -> dense image*. For every field of view we render

- the **input**: the histogram (counts per pixel) of a sparse subset of the localizations, by
  default a random contiguous time window holding ``fraction`` of them
  (:func:`~frcnet_lite.subsets.time_window_subset`);
- the **target**: a density estimate of *all* localizations of the field (``target_kind``:
  ``"histogram"``, ``"gaussian"``, ``"adaptive"`` or ``"anisotropic"`` with ``target_params``,
  from the one registry of target kinds, :mod:`frcnet_lite.targets`);
- the **truth** (simulations only): the noise-free density from the simulator's dye positions
  (:func:`~frcnet_lite.simulate.render_truth`), for evaluation;

all on the same pixel grid (``pixel_size_nm``, 5 nm by default as in the method), and cut them
into matching square patches of ``patch_px`` pixels. Patches are larger than the network's crop so
that the training pipeline can rotate a patch and then crop its centre without empty corners
(the method: 750 px patches, 512 px crops; here by default 384 px patches for 256 px crops).
Whole fields are held out for validation, never patches of a training field.

Units: inputs are raw counts; targets and truths are in the same units as the *full* histogram
(localizations per pixel), so a target is about ``1 / fraction`` times brighter than its input.
Normalisation is the training pipeline's job.

On-disk format (``.npz``, one file per split, e.g. ``run/data/pairs/gaussian/train.npz``)
------------------------------------------------------------------------------------------
``inputs``, ``targets``
    float32 arrays of shape ``(N, H, W)``.
``truths``
    float32 ``(N, H, W)``; absent for real data.
``pixel_size_nm``
    float64 scalar.
``target_kind``
    str scalar.
``meta_json``
    JSON object: ``fraction``, ``seed``, ``subset``, ``patch_px``, ``field_ids`` (one per patch),
    ``origins_px`` (``[row, col]`` of each patch in its field), ``target_params`` and anything else.

Fields folder (``run/data/fields/``, written by :func:`save_fields`)
--------------------------------------------------------------------
``<field_id>.npz``
    one simulation each (:func:`~frcnet_lite.simulate.save_simulation`).
``fields.json``
    ``{"train": [ids...], "val": [ids...]}``.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_write, write_text
from .localizations import DEFAULT_PIXEL_SIZE_NM, LocalizationTable
from .rendering import data_fov_nm, render_histogram
from .simulate import Simulation, load_simulation, render_truth, save_simulation
from .subsets import random_subset, time_window_subset
from .targets import TARGET_KINDS, make_target  # noqa: F401  (the one registry; TARGET_KINDS importable from here)

__all__ = [
    "PairSet",
    "patch_origins",
    "build_pairs",
    "retarget_pairs",
    "rebuild_pairs",
    "save_pairs",
    "load_pairs",
    "save_fields",
    "load_fields",
    "load_image_pairs",
    "write_image_pairs",
    "field_name",
    "WINDOW_SEPARATOR",
]

Field = Simulation | LocalizationTable


@dataclass
class PairSet:
    """Matched patches: sparse inputs, dense targets and (simulations) ground truths.

    Attributes
    ----------
    inputs : numpy.ndarray
        float32 ``(N, H, W)`` sparse histograms (counts).
    targets : numpy.ndarray
        float32 ``(N, H, W)`` density estimates of the full data.
    truths : numpy.ndarray or None
        float32 ``(N, H, W)`` noise-free truth (simulations), None for real data.
    pixel_size_nm : float
        Pixel size of all images. Default 5.
    target_kind : str
        How the targets were made (``"gaussian"``, ``"anisotropic"``, ..., ``"images"``).
    meta : dict
        ``fraction``, ``seed``, ``patch_px``, ``field_ids``, ``origins_px``, ``target_params``, ...

    Examples
    --------
    >>> p = PairSet(np.zeros((2, 8, 8)), np.ones((2, 8, 8)))
    >>> len(p), p.shape, p.inputs.dtype.name
    (2, (8, 8), 'float32')
    """

    inputs: np.ndarray
    targets: np.ndarray
    truths: np.ndarray | None = None
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM
    target_kind: str = "gaussian"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.inputs = np.asarray(self.inputs, dtype=np.float32)
        self.targets = np.asarray(self.targets, dtype=np.float32)
        if self.inputs.ndim != 3:
            raise ValueError(f"inputs must have shape (N, H, W), got {self.inputs.shape}")
        if self.targets.shape != self.inputs.shape:
            raise ValueError(f"targets shape {self.targets.shape} differs from inputs shape {self.inputs.shape}")
        if self.truths is not None:
            self.truths = np.asarray(self.truths, dtype=np.float32)
            if self.truths.shape != self.inputs.shape:
                raise ValueError(f"truths shape {self.truths.shape} differs from inputs shape {self.inputs.shape}")
        if not (np.isfinite(self.pixel_size_nm) and self.pixel_size_nm > 0):
            raise ValueError(f"pixel_size_nm must be a positive number, got {self.pixel_size_nm!r}")
        self.pixel_size_nm = float(self.pixel_size_nm)
        self.meta = dict(self.meta)

    def __len__(self) -> int:
        return self.inputs.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of one patch."""
        return (int(self.inputs.shape[1]), int(self.inputs.shape[2]))

    def subset(self, index: Sequence[int] | np.ndarray) -> PairSet:
        """The pairs at ``index`` (per-pair lists in ``meta`` are subset alike)."""
        idx = np.asarray(index, dtype=int)
        meta = {k: ([v[i] for i in idx] if isinstance(v, list) and len(v) == len(self) else v)
                for k, v in self.meta.items()}
        truths = None if self.truths is None else self.truths[idx]
        return PairSet(self.inputs[idx], self.targets[idx], truths, self.pixel_size_nm, self.target_kind, meta)

    def split_by_field(self, val_fields: Sequence[str]) -> tuple[PairSet, PairSet]:
        """Split into (training, validation) by field name (``meta["names"]``).

        Every pair (or patch) of a field named in ``val_fields`` goes to validation, all others to
        training, so no pixel of a held-out field is trained on.

        Examples
        --------
        >>> p = PairSet(np.zeros((3, 4, 4)), np.ones((3, 4, 4)), meta={"names": ["a", "b", "a"]})
        >>> tr, va = p.split_by_field(["a"])
        >>> tr.meta["names"], va.meta["names"]
        (['b'], ['a', 'a'])
        """
        names = self.meta.get("names")
        if names is None:
            raise ValueError("these pairs have no field names (meta['names']): cannot split by field")
        val_fields = [str(v) for v in val_fields]
        unknown = sorted(set(val_fields) - set(names))
        if unknown:
            raise ValueError(f"val_fields {unknown} are not among the fields {sorted(set(names))}")
        is_val = np.array([n in val_fields for n in names])
        if is_val.all():
            raise ValueError(f"val_fields {val_fields} hold every field: nothing is left to train on")
        if not is_val.any():
            raise ValueError("val_fields is empty: name at least one field to hold out")
        return self.subset(np.flatnonzero(~is_val)), self.subset(np.flatnonzero(is_val))

    def __repr__(self) -> str:
        return (f"PairSet({len(self)} pairs of {self.shape[0]}x{self.shape[1]} px at {self.pixel_size_nm} nm, "
                f"target_kind={self.target_kind!r}, truths={'yes' if self.truths is not None else 'no'})")


# ---------------------------------------------------------------------------------------- patches
def patch_origins(shape: tuple[int, int], patch_px: int, stride_px: int | None = None) -> list[tuple[int, int]]:
    """Top-left corners ``(row, col)`` of square patches covering an image.

    With ``stride_px=None`` the fewest patches that cover the image are spread evenly (they
    overlap when the size is not a multiple of ``patch_px``); otherwise a regular grid with that
    stride (the last row/column of patches may leave a margin).

    Examples
    --------
    >>> patch_origins((800, 384), 384)
    [(0, 0), (208, 0), (416, 0)]
    >>> patch_origins((100, 100), 50, stride_px=25)[:3]
    [(0, 0), (0, 25), (0, 50)]
    """
    h, w = shape
    if patch_px < 1 or patch_px > min(h, w):
        raise ValueError(f"patch_px must be between 1 and the field's smaller side {min(h, w)} px, got {patch_px}")

    def starts(n: int) -> list[int]:
        if stride_px is not None:
            if stride_px < 1:
                raise ValueError(f"stride_px must be >= 1, got {stride_px}")
            return list(range(0, n - patch_px + 1, int(stride_px)))
        k = math.ceil(n / patch_px)
        return [int(round(v)) for v in np.linspace(0, n - patch_px, k)] if k > 1 else [0]

    return [(r, c) for r in starts(h) for c in starts(w)]


def _cut(image: np.ndarray, origins: Sequence[Sequence[int]], patch_px: int) -> np.ndarray:
    return np.stack([image[r: r + patch_px, c: c + patch_px] for r, c in origins]).astype(np.float32)


def _field_parts(f: Field) -> tuple[LocalizationTable, Simulation | None]:
    if isinstance(f, Simulation):
        return f.localizations, f
    if isinstance(f, LocalizationTable):
        return f, None
    raise TypeError(f"a field must be a Simulation or a LocalizationTable, got {type(f).__name__}")


def build_pairs(
    fields: Sequence[Field] | Mapping[str, Field],
    fraction: float = 0.1,
    target_kind: str = "gaussian",
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM,
    patch_px: int = 384,
    stride_px: int | None = None,
    subset: str = "time",
    subsets_per_field: int = 1,
    seed: int = 0,
    target_params: Mapping[str, Any] | None = None,
    progress: bool | None = None,
) -> PairSet:
    """Cut matched (sparse input, dense target, truth) patches from fields of view.

    Parameters
    ----------
    fields : sequence or mapping of Simulation / LocalizationTable
        The fields (a mapping gives them ids; a sequence is numbered ``"0", "1", ...``).
        Tables need ``meta.fov_nm`` or use their bounding box.
    fraction : float
        Fraction of localizations in the sparse input (the method: 0.05-0.3). Default 0.1.
    target_kind : str
        See :func:`make_target`. Default ``"gaussian"``.
    pixel_size_nm : float
        Pixel size of all images, nm. Default 5.
    patch_px : int
        Side of the square patches, px. Default 384.
    stride_px : int, optional
        Patch stride (default: fewest evenly spread patches covering the field).
    subset : {"time", "random"}
        Time-window subset (realistic, default) or random localizations.
    subsets_per_field : int
        Independent sparse subsets per field (more pairs sharing a target). Default 1.
    seed : int
        Random seed of the subsets. Default 0.
    target_params : mapping, optional
        Passed to :func:`make_target`.
    progress : bool or None
        tqdm progress bar (None: only on a terminal / notebook).

    Returns
    -------
    PairSet

    Examples
    --------
    >>> from frcnet_lite.simulate import simulate_microtubules
    >>> sim = simulate_microtubules(field_size_nm=1000, n_frames=1000, seed=0)
    >>> pairs = build_pairs([sim], fraction=0.2, patch_px=64, pixel_size_nm=10.0)
    >>> pairs
    PairSet(4 pairs of 64x64 px at 10.0 nm, target_kind='gaussian', truths=yes)
    >>> pairs.meta["origins_px"][:2]
    [[0, 0], [0, 36]]
    """
    from tqdm.auto import tqdm

    items = list(fields.items()) if isinstance(fields, Mapping) else [(str(i), f) for i, f in enumerate(fields)]
    if not items:
        raise ValueError("build_pairs needs at least one field")
    if subset not in ("time", "random"):
        raise ValueError(f"subset must be 'time' or 'random', got {subset!r}")
    if int(subsets_per_field) < 1:
        raise ValueError(f"subsets_per_field must be >= 1, got {subsets_per_field!r}")
    take = time_window_subset if subset == "time" else random_subset
    params = dict(target_params or {})
    rngs = np.random.SeedSequence(seed).spawn(len(items))
    inputs, targets, truths, ids, origins = [], [], [], [], []
    with_truth = all(isinstance(f, Simulation) for _, f in items)
    for (fid, f), ss in tqdm(list(zip(items, rngs)), desc="fields", disable=None if progress is None else not progress):
        locs, sim = _field_parts(f)
        fov = sim.fov_nm if sim is not None else data_fov_nm(locs, pixel_size_nm)
        full = render_histogram(locs, pixel_size_nm, fov)
        target = make_target(full, target_kind, pixel_size_nm, **dict(params))
        org = patch_origins(full.shape, patch_px, stride_px)
        truth = render_truth(sim, pixel_size_nm, fov) if with_truth and sim is not None else None
        rng = np.random.default_rng(ss)
        for _ in range(int(subsets_per_field)):
            sparse = render_histogram(take(locs, fraction, rng), pixel_size_nm, fov)
            inputs.append(_cut(sparse, org, patch_px))
            targets.append(_cut(target, org, patch_px))
            if truth is not None:
                truths.append(_cut(truth, org, patch_px))
            ids += [fid] * len(org)
            origins += [[int(r), int(c)] for r, c in org]
    meta = {"fraction": float(fraction), "seed": int(seed), "subset": subset, "subsets_per_field": int(subsets_per_field),
            "patch_px": int(patch_px), "field_ids": ids, "origins_px": origins, "target_params": params}
    return PairSet(np.concatenate(inputs), np.concatenate(targets), np.concatenate(truths) if with_truth else None,
                   pixel_size_nm, target_kind, meta)


def retarget_pairs(
    pairs: PairSet,
    fields: Mapping[str, Field] | str | os.PathLike,
    target_kind: str,
    **target_params: Any,
) -> PairSet:
    """The same pairs (same inputs, truths, patches) with targets of another kind.

    Each field's full histogram is re-rendered, the new target computed on the whole field (so
    the KDE sees the context around each patch) and cut at the recorded ``origins_px``.

    Parameters
    ----------
    pairs : PairSet
        Pairs made by :func:`build_pairs` (needs ``meta["field_ids"]`` and ``meta["origins_px"]``).
    fields : mapping of id -> field, or a fields folder (:func:`save_fields`)
        The fields the pairs came from.
    target_kind : str
        The new kind (see :func:`make_target`).
    **target_params
        Passed to :func:`make_target`.

    Returns
    -------
    PairSet
    """
    for key in ("field_ids", "origins_px", "patch_px"):
        if key not in pairs.meta:
            raise ValueError(f"pairs.meta has no {key!r}: only pairs made by build_pairs can be retargeted")
    if not isinstance(fields, Mapping):
        fields = load_fields(fields)
    ids = pairs.meta["field_ids"]
    origins = np.asarray(pairs.meta["origins_px"], dtype=int)
    patch = int(pairs.meta["patch_px"])
    missing = sorted(set(ids) - set(fields))
    if missing:
        raise ValueError(f"fields {missing} of these pairs are not among the given fields {sorted(fields)}")
    targets = np.empty_like(pairs.targets)
    for fid in dict.fromkeys(ids):
        locs, sim = _field_parts(fields[fid])
        fov = sim.fov_nm if sim is not None else data_fov_nm(locs, pairs.pixel_size_nm)
        full = render_histogram(locs, pairs.pixel_size_nm, fov)
        target = make_target(full, target_kind, pairs.pixel_size_nm, **dict(target_params))
        sel = np.flatnonzero(np.asarray(ids) == fid)
        targets[sel] = _cut(target, origins[sel], patch)
    meta = {**pairs.meta, "target_params": dict(target_params)}
    return PairSet(pairs.inputs, targets, pairs.truths, pairs.pixel_size_nm, target_kind, meta)


def rebuild_pairs(
    data_dir: str | os.PathLike,
    target_kind: str,
    source_kind: str = "gaussian",
    splits: Sequence[str] = ("train", "val"),
    **target_params: Any,
) -> dict[str, Path]:
    """Write ``data_dir/pairs/<target_kind>/<split>.npz`` from the ``source_kind`` pairs and the saved fields.

    This is how notebook 02 makes the anisotropic-KDE pairs from notebook 01's output
    (``rebuild_pairs(run / "data", "anisotropic", window=11, scale=1.0)``).

    Returns
    -------
    dict
        split -> path written.
    """
    data_dir = Path(data_dir)
    fields = load_fields(data_dir / "fields")
    out = {}
    for split in splits:
        src = load_pairs(data_dir / "pairs" / source_kind / f"{split}.npz")
        new = retarget_pairs(src, fields, target_kind, **target_params)
        out[split] = save_pairs(new, data_dir / "pairs" / target_kind / f"{split}.npz")
    return out


# ---------------------------------------------------------------------------- storage
def _atomic_savez(path: Path, arrays: Mapping[str, Any]) -> Path:
    with atomic_write(path) as tmp:
        np.savez_compressed(tmp, **arrays)
    return path


def save_pairs(pairs: PairSet, path: str | os.PathLike) -> Path:
    """Write a :class:`PairSet` to an ``.npz`` file (format: see the module docstring), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = PairSet(np.zeros((1, 4, 4)), np.ones((1, 4, 4)), meta={"fraction": 0.1})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     q = load_pairs(save_pairs(p, pathlib.Path(d) / "train.npz"))
    >>> q.meta["fraction"], q.truths is None, float(q.targets.sum())
    (0.1, True, 16.0)
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"pairs are saved as .npz, got the path {path}")
    arrays: dict[str, Any] = {"inputs": pairs.inputs, "targets": pairs.targets,
                              "pixel_size_nm": np.float64(pairs.pixel_size_nm),
                              "target_kind": np.asarray(pairs.target_kind),
                              "meta_json": np.asarray(json.dumps(pairs.meta))}
    if pairs.truths is not None:
        arrays["truths"] = pairs.truths
    return _atomic_savez(path, arrays)


def load_pairs(path: str | os.PathLike) -> PairSet:
    """Read a :class:`PairSet` written by :func:`save_pairs`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no pairs file at {path} (run notebook 01, or build_pairs + save_pairs, first)")
    if path.is_dir():
        raise ValueError(f"{path} is a directory; expected a pairs file (.npz)")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = {"inputs", "targets", "pixel_size_nm", "target_kind", "meta_json"} - set(z.files)
            if missing:
                raise ValueError(f"{path} is not a pairs file: missing {sorted(missing)}")
            pairs = PairSet(z["inputs"], z["targets"], z["truths"] if "truths" in z.files else None,
                            float(z["pixel_size_nm"]), str(z["target_kind"]), json.loads(str(z["meta_json"])))
    except Exception as exc:  # noqa: BLE001  (numpy, zipfile and json report a damaged file in many ways)
        if isinstance(exc, ValueError) and str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path} is not a readable pairs file ({type(exc).__name__}: {exc}); expected the .npz "
                         "save_pairs writes") from None
    _check_values(path, "inputs", pairs.inputs, counts=True)
    _check_values(path, "targets", pairs.targets, counts=False)
    return pairs


def _check_values(where: Path | str, what: str, values: np.ndarray, counts: bool) -> None:
    """Refuse NaN/infinite values, and negative ones in ``counts``; warn about negative targets."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"{where}: {int(bad.sum())} of {values.size} {what} values are NaN or infinite; expected "
                         "finite values")
    low = float(values.min()) if values.size else 0.0
    if low < 0:
        n = int((values < 0).sum())
        text = f"{where}: {n} of {values.size} {what} values are negative (down to {low:.3g})"
        if counts:
            raise ValueError(f"{text}; expected localization counts >= 0")
        warnings.warn(f"{text}; a density target is expected to be >= 0", UserWarning, stacklevel=3)


def save_fields(
    fields: Mapping[str, Simulation], folder: str | os.PathLike, val_ids: Sequence[str] = ()
) -> Path:
    """Save simulated fields to ``folder/<id>.npz`` and the train/val split to ``folder/fields.json``.

    Parameters
    ----------
    fields : mapping of id -> Simulation
        The fields (ids become file names: letters, digits, ``_`` and ``-`` only).
    folder : path
        Target folder (created).
    val_ids : sequence of str
        Ids of the validation fields; all others are training fields.
    """
    folder = Path(folder)
    bad = [k for k in fields if not k.replace("_", "").replace("-", "").isalnum()]
    if bad:
        raise ValueError(f"field ids must be letters, digits, '_' or '-', got {bad}")
    unknown = sorted(set(val_ids) - set(fields))
    if unknown:
        raise ValueError(f"val_ids {unknown} are not among the field ids {sorted(fields)}")
    folder.mkdir(parents=True, exist_ok=True)
    for fid, sim in fields.items():
        save_simulation(sim, folder / f"{fid}.npz")
    split = {"train": [k for k in fields if k not in set(val_ids)], "val": [k for k in fields if k in set(val_ids)]}
    write_text(folder / "fields.json", json.dumps(split, indent=1))
    return folder


def load_fields(folder: str | os.PathLike, split: str | None = None) -> dict[str, Simulation]:
    """Read the fields saved by :func:`save_fields` (all, or one ``split``: ``"train"`` / ``"val"``)."""
    folder = Path(folder)
    index = folder / "fields.json"
    if not index.exists():
        raise FileNotFoundError(f"no fields index {index} (write it with save_fields, e.g. by notebook 01)")
    splits = json.loads(index.read_text())
    if split is None:
        ids = list(splits.get("train", [])) + list(splits.get("val", []))
    elif split in splits:
        ids = list(splits[split])
    else:
        raise ValueError(f"split must be one of {sorted(splits)} or None, got {split!r}")
    return {fid: load_simulation(folder / f"{fid}.npz") for fid in ids}


#: Separates a field's name from the number of one of its sparse windows in image-pair file
#: names (``cell3@2_sub.tif``): pairs of one field share a name before it and are split together.
WINDOW_SEPARATOR = "@"


def field_name(pair_name: str) -> str:
    """The field a pair belongs to: its name up to :data:`WINDOW_SEPARATOR`.

    Examples
    --------
    >>> field_name("cell3@2"), field_name("spot01")
    ('cell3', 'spot01')
    """
    return pair_name.split(WINDOW_SEPARATOR, 1)[0]


def _fractions(fraction: float | tuple[float, float], n: int, rng: np.random.Generator) -> list[float]:
    lo, hi = (fraction, fraction) if np.isscalar(fraction) else tuple(fraction)
    lo, hi = float(lo), float(hi)
    if not (0 < lo <= hi <= 1):
        raise ValueError(f"fraction must be in (0, 1] (or a range lo <= hi within it), got {fraction!r}")
    return [lo if lo == hi else float(rng.uniform(lo, hi)) for _ in range(n)]


def write_image_pairs(
    fields: Mapping[str, LocalizationTable],
    out_dir: str | os.PathLike,
    fraction: float | tuple[float, float] = (0.05, 0.3),
    windows: int = 1,
    target_kind: str = "anisotropic",
    pixel_size_nm: float = 10.0,
    seed: int = 0,
    target_params: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Render image pairs from a user's own localizations, ready for ``image_pairs_dir`` training.

    For each field: the dense target (``target_kind``, see :func:`make_target`) of all its
    localizations, and ``windows`` sparse inputs, each the histogram of a random time window
    holding a fraction of the localizations (drawn uniformly from the ``fraction`` range, as
    the method trains on 5-30 %). Written as calibrated float32 TIFFs
    ``<field>_sub.tif`` / ``<field>_full.tif`` (one window) or ``<field>@<k>_sub.tif`` /
    ``<field>@<k>_full.tif``; :func:`load_image_pairs` keeps the windows of one field together
    when splitting by field.

    Returns
    -------
    list of pathlib.Path
        The files written, in order.

    Examples
    --------
    >>> import tempfile
    >>> from frcnet_lite.simulate import simulate_microtubules
    >>> sim = simulate_microtubules(field_size_nm=1000, n_frames=500, seed=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     files = write_image_pairs({"cell": sim.localizations}, d, fraction=0.1, windows=2,
    ...                               target_kind="gaussian")
    ...     [f.name for f in files], len(load_image_pairs(d))
    (['cell@1_sub.tif', 'cell@1_full.tif', 'cell@2_sub.tif', 'cell@2_full.tif'], 2)
    """
    from .io import write_tiff  # noqa: PLC0415

    if int(windows) != windows or windows < 1:
        raise ValueError(f"windows must be an integer >= 1, got {windows!r}")
    if not (math.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number, got {pixel_size_nm!r}")
    bad = [name for name in fields if not name or WINDOW_SEPARATOR in name or "/" in name]
    if bad:
        raise ValueError(f"field names must be non-empty and hold no {WINDOW_SEPARATOR!r} or '/': got {bad}")
    # every window is drawn (and checked) before anything is written
    windows_of: dict[str, list[tuple[str, LocalizationTable]]] = {}
    for (name, locs), ss in zip(fields.items(), np.random.SeedSequence(seed).spawn(len(fields))):
        rng = np.random.default_rng(ss)
        windows_of[name] = []
        for k, frac in enumerate(_fractions(fraction, int(windows), rng), start=1):
            stem = name if windows == 1 else f"{name}{WINDOW_SEPARATOR}{k}"
            sub = time_window_subset(locs, frac, rng)
            _check_window(name, locs, sub, frac)
            windows_of[name].append((stem, sub))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, locs in fields.items():
        fov = data_fov_nm(locs, pixel_size_nm)
        target = make_target(render_histogram(locs, pixel_size_nm, fov), target_kind, pixel_size_nm,
                             **dict(target_params or {}))
        for stem, sub in windows_of[name]:
            sparse = render_histogram(sub, pixel_size_nm, fov)
            written.append(write_tiff(out / f"{stem}_sub.tif", sparse, pixel_size_nm))
            written.append(write_tiff(out / f"{stem}_full.tif", target, pixel_size_nm))
    return written


def _check_window(name: str, locs: LocalizationTable, sub: LocalizationTable, fraction: float) -> None:
    """Refuse a "sparse" window that holds every localization; warn when it holds far more than asked."""
    n, k = len(locs), len(sub)
    frames = len(np.unique(locs.frame))
    if k >= n and fraction < 1:
        raise ValueError(f"field {name!r}: a time window of {fraction:.0%} of its {n} localizations holds all of them, "
                         f"since they lie in only {frames} frame(s); expected localizations spread over many frames "
                         "(a whole acquisition, not a single-frame export or cluster centres)")
    if k > 2 * fraction * n and k - fraction * n > 1:
        warnings.warn(f"field {name!r}: its {n} localizations lie in {frames} frame(s), so the time window for "
                      f"{fraction:.0%} of them holds {k / n:.0%} (whole frames): the input is less sparse than asked",
                      UserWarning, stacklevel=3)


def load_image_pairs(
    folder: str | os.PathLike,
    pixel_size_nm: float | None = None,
    patch_px: int | None = None,
    min_size_px: int = 1,
    min_size_reason: str = "",
) -> PairSet:
    """Read pre-rendered image pairs ``<name>_sub.<ext>`` / ``<name>_full.<ext>`` (PNG or TIFF).

    Parameters
    ----------
    folder : path
        Folder with the pairs (e.g. the published COS-7 pairs).
    pixel_size_nm : float, optional
        Pixel size of the images; default: from the TIFF resolution tags, else 10 nm
        (the published COS-7 pairs render ~21 um on ~2060 px).
    patch_px : int, optional
        Cut each pair into patches of this size (:func:`patch_origins`). Default: keep whole
        images, centre-cropped to the smallest common shape when their sizes differ.
    min_size_px : int
        Refuse an image with a side shorter than this, naming it (and ``min_size_reason``, what needs
        the size). Default 1.
    min_size_reason : str
        What needs ``min_size_px`` (for the error message).

    Returns
    -------
    PairSet
        ``target_kind="images"``, ``truths=None``; ``meta["names"]`` is the field of each
        pair/patch (:func:`field_name`), ``meta["pairs"]`` the pair's own name.

    Notes
    -----
    The ``_sub`` inputs are localization counts: negative values are refused (a ``_full`` target with
    negative values is read with a warning). Colour images and stacks are refused by
    :func:`frcnet_lite.io.read_image`.
    """
    from .io import read_image, read_tiff_pixel_size_nm

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    subs = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".tif", ".tiff") and p.stem.endswith("_sub"))
    if not subs:
        raise ValueError(f"no '*_sub.png' / '*_sub.tif' images in {folder}")
    sub_imgs, full_imgs, names = [], [], []
    px_found = None
    for s in subs:
        base = s.stem[: -len("_sub")]
        cands = [folder / f"{base}_full{ext}" for ext in (s.suffix, ".png", ".tif", ".tiff")]
        full = next((c for c in cands if c.exists()), None)
        if full is None:
            raise FileNotFoundError(f"{s.name} has no partner {base}_full.png / .tif in {folder}")
        a, b = read_image(s), read_image(full)
        if a.shape != b.shape:
            raise ValueError(f"{s.name} has shape {a.shape} but {full.name} has {b.shape}")
        if min(a.shape) < min_size_px:
            raise ValueError(f"{s} is {a.shape[0]} x {a.shape[1]} px; expected at least {min_size_px} x {min_size_px} "
                             f"px{f' ({min_size_reason})' if min_size_reason else ''}")
        _check_values(s, "pixel", a, counts=True)
        _check_values(full, "pixel", b, counts=False)
        if px_found is None and s.suffix.lower() in (".tif", ".tiff"):
            px_found = read_tiff_pixel_size_nm(s)
        sub_imgs.append(a)
        full_imgs.append(b)
        names.append(base)
    pair_names, names = names, [field_name(n) for n in names]
    px = float(pixel_size_nm if pixel_size_nm is not None else (px_found or 10.0))
    if patch_px is None:
        h = min(a.shape[0] for a in sub_imgs)
        w = min(a.shape[1] for a in sub_imgs)

        def centre(img: np.ndarray) -> np.ndarray:
            r, c = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
            return img[r: r + h, c: c + w]

        inputs = np.stack([centre(a) for a in sub_imgs])
        targets = np.stack([centre(b) for b in full_imgs])
        meta: dict[str, Any] = {"names": names, "pairs": pair_names, "source": str(folder), "cropped_to": [h, w]}
    else:
        ins, tgs, nm, org = [], [], [], []
        pn: list[str] = []
        for a, b, n, pair in zip(sub_imgs, full_imgs, names, pair_names):
            o = patch_origins(a.shape, patch_px)
            ins.append(_cut(a, o, patch_px))
            tgs.append(_cut(b, o, patch_px))
            nm += [n] * len(o)
            pn += [pair] * len(o)
            org += [[int(r), int(c)] for r, c in o]
        inputs, targets = np.concatenate(ins), np.concatenate(tgs)
        meta = {"names": nm, "pairs": pn, "origins_px": org, "patch_px": int(patch_px), "source": str(folder)}
    return PairSet(inputs, targets, None, px, "images", meta)
