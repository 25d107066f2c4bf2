"""What the tutorial notebooks need around the lessons: the run folder, alone or on Colab.

The notebooks hand their results to each other through a *run folder* (``run_dir``, see
``DEVELOPING.md``). Each notebook can also run alone, in an empty folder (a fresh Colab
runtime): :func:`ensure_quick_run` makes what an earlier notebook would have written, at quick
scale (:class:`QuickScale`), and says so; what is already there is reused. :func:`run_folder`
creates the run folder, on Colab optionally on Google Drive so that it survives the runtime.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     missing(tmp, ("fields", "gaussian"))
['fields', 'gaussian']
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .localizations import DEFAULT_PIXEL_SIZE_NM
from pathlib import Path
from typing import Any

__all__ = ["QuickScale", "ARTIFACTS", "missing", "simulate_fields", "ensure_quick_run", "on_colab", "run_folder",
           "PAPER_FIGURES_ENV", "find_paper_figures", "field_mosaics", "tiles", "TwoFilaments"]


@dataclass(frozen=True)
class QuickScale:
    """The quick-mode scale of notebook 1's data and notebook 2's targets.

    Notebook 1 uses these values when ``quick=True`` (and its parameters are left at None);
    :func:`ensure_quick_run` uses them for a notebook that runs alone.

    Attributes
    ----------
    field_size_nm : float
        Side of each simulated field (4000 nm).
    n_fields, n_val_fields : int
        Fields simulated (7), of them held out whole for validation (2).
    fraction : float
        Fraction of the localizations in the sparse inputs (0.1).
    pixel_size_nm : float
        Rendering pixel size (5 nm).
    patch_px : int
        Side of the training patches (384 px).
    sigma_nm : float
        Width of the Gaussian KDE targets (10 nm).
    window : int
        Window of the anisotropic KDE targets (11 px).
    scale : float
        Scale of the anisotropic KDE targets (2).
    """

    field_size_nm: float = 4000.0
    n_fields: int = 7
    n_val_fields: int = 2
    fraction: float = 0.1
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM
    patch_px: int = 384
    sigma_nm: float = 10.0
    window: int = 11
    scale: float = 2.0


#: What the notebooks write, by name: (path in the run folder, the notebook that writes it).
ARTIFACTS: dict[str, tuple[str, str]] = {
    "fields": ("data/fields/fields.json", "notebook 1"),
    "gaussian": ("data/pairs/gaussian/val.npz", "notebook 1"),
    "anisotropic": ("data/pairs/anisotropic/val.npz", "notebook 2"),
}


def _check_need(need: Sequence[str]) -> list[str]:
    unknown = [n for n in need if n not in ARTIFACTS]
    if unknown:
        raise ValueError(f"unknown run-folder artifacts {unknown}: choose from {sorted(ARTIFACTS)}")
    return list(need)


def missing(run_dir: str | os.PathLike, need: Sequence[str]) -> list[str]:
    """The artifacts of ``need`` (names of :data:`ARTIFACTS`) that the run folder lacks."""
    run = Path(run_dir)
    return [n for n in _check_need(need) if not (run / ARTIFACTS[n][0]).is_file()]


def simulate_fields(n_fields: int, field_size_nm: float, seed: int = 0) -> dict[str, Any]:
    """``n_fields`` simulated fields ``field_000, field_001, ...`` (field ``i`` has seed ``seed * 1000 + i``).

    Examples
    --------
    >>> fields = simulate_fields(2, 1000.0)
    >>> list(fields), fields["field_001"].fov_nm
    (['field_000', 'field_001'], (0.0, 0.0, 1000.0, 1000.0))
    """
    from .simulate import SimulationConfig, simulate_microtubules  # noqa: PLC0415

    if n_fields < 1:
        raise ValueError(f"n_fields must be >= 1, got {n_fields}")
    config = SimulationConfig(field_size_nm=field_size_nm, seed=seed)
    return {f"field_{i:03d}": simulate_microtubules(config, seed=seed * 1000 + i) for i in range(n_fields)}


def _make_fields(run: Path, scale: QuickScale, seed: int) -> str:
    from .pairs import save_fields  # noqa: PLC0415

    fields = simulate_fields(scale.n_fields, scale.field_size_nm, seed)
    val_ids = list(fields)[-scale.n_val_fields:] if scale.n_val_fields > 0 else []
    save_fields(fields, run / "data" / "fields", val_ids=val_ids)
    return f"{scale.n_fields} simulated fields of {scale.field_size_nm / 1000:g} µm ({len(val_ids)} held out)"


def _make_gaussian(run: Path, scale: QuickScale, seed: int) -> str:
    from .pairs import build_pairs, load_fields, save_pairs  # noqa: PLC0415

    counts = []
    for split in ("train", "val"):
        fields = load_fields(run / "data" / "fields", split)
        pairs = build_pairs(fields, fraction=scale.fraction, target_kind="gaussian",
                            pixel_size_nm=scale.pixel_size_nm, patch_px=scale.patch_px, seed=seed,
                            target_params={"sigma_nm": scale.sigma_nm}, progress=False)
        save_pairs(pairs, run / "data" / "pairs" / "gaussian" / f"{split}.npz")
        counts.append(f"{len(pairs)} {split}")
    return f"pairs with Gaussian KDE targets ({', '.join(counts)})"


def _make_anisotropic(run: Path, scale: QuickScale, seed: int) -> str:
    from .pairs import rebuild_pairs  # noqa: PLC0415

    rebuild_pairs(run / "data", "anisotropic", window=scale.window, scale=scale.scale)
    return f"pairs with anisotropic KDE targets (window {scale.window}, scale {scale.scale:g})"


_MAKERS = {"fields": _make_fields, "gaussian": _make_gaussian, "anisotropic": _make_anisotropic}
#: what each artifact is made from
_REQUIRES = {"fields": (), "gaussian": ("fields",), "anisotropic": ("fields", "gaussian")}


def ensure_quick_run(run_dir: str | os.PathLike, need: Sequence[str] = ("fields", "gaussian"), seed: int = 0,
                     scale: QuickScale | None = None, verbose: bool = True) -> list[str]:
    """Make what the run folder lacks of ``need``, at quick scale, so that a notebook can run alone.

    What is there is reused as it is (whatever its scale); what is missing, and what it is made
    from, is made as notebooks 1 and 2 make it in quick mode (:class:`QuickScale`), and a line
    says what was made and how long it took.

    Parameters
    ----------
    run_dir : path
        The run folder.
    need : sequence of str
        Names of :data:`ARTIFACTS`: ``"fields"`` (simulated fields, train/val split),
        ``"gaussian"`` and ``"anisotropic"`` (training pairs with those targets).
    seed : int
        Seed of the simulation and the sparse subsets.
    scale : QuickScale, optional
        Scale of what is made (default :class:`QuickScale`).
    verbose : bool
        Print one line per artifact made (and one saying all was there).

    Returns
    -------
    list of str
        The names of the artifacts made (empty: everything was there).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     made = ensure_quick_run(tmp, ["fields"], scale=QuickScale(field_size_nm=1000.0, n_fields=2,
    ...                                                              n_val_fields=1), verbose=False)
    ...     made, ensure_quick_run(tmp, ["fields"], verbose=False)
    (['fields'], [])
    """
    run = Path(run_dir)
    scale = QuickScale() if scale is None else scale
    todo: list[str] = []
    for name in _check_need(need):
        for dep in (*_REQUIRES[name], name):
            if dep not in todo and missing(run, [dep]):
                todo.append(dep)
    if not todo:
        if verbose:
            print(f"run folder {run}: reusing {', '.join(need)} (written by the earlier notebooks)")
        return []
    for name in todo:
        path, writer = ARTIFACTS[name]
        start = time.perf_counter()
        what = _MAKERS[name](run, scale, seed)
        if verbose:
            print(f"{run / path} was missing ({writer} writes it): made {what} at quick scale "
                  f"in {time.perf_counter() - start:.0f} s")
    return todo


def on_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


#: where :func:`run_folder` keeps run folders on a mounted Google Drive
DRIVE_FOLDER = Path("/content/drive/MyDrive/frcnet-lite")


def run_folder(run_dir: str | os.PathLike, keep_on_drive: bool = False) -> Path:
    """Create and return the run folder; on Colab, optionally on Google Drive.

    On Colab a run folder on the runtime's disk is lost when the runtime stops. With
    ``keep_on_drive=True`` Google Drive is mounted (Colab asks for permission) and the run folder
    is ``MyDrive/frcnet-lite/<run_dir>``: results and training checkpoints survive, and a rerun
    resumes. Without it, a line says how to keep it. Elsewhere ``keep_on_drive`` is ignored.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     run_folder(Path(tmp) / "run").is_dir()
    True
    """
    run = Path(run_dir)
    if on_colab():
        if keep_on_drive:
            from google.colab import drive  # noqa: PLC0415  (only on Colab)

            drive.mount("/content/drive")
            run = DRIVE_FOLDER / run
            print(f"run folder on Google Drive: MyDrive/frcnet-lite/{run_dir}")
        else:
            print("On Colab the run folder is lost when the runtime stops. To keep it on Google Drive "
                  "(and resume an interrupted training), set keep_on_drive = True in the parameters cell "
                  "and run the notebook again.")
    run.mkdir(parents=True, exist_ok=True)
    return run


#: environment variable naming the folder of the paper's published figure data
PAPER_FIGURES_ENV = "FRCNET_PAPER_FIGURES"


def find_paper_figures(path: str | os.PathLike = "", start: str | os.PathLike = ".") -> Path | None:
    """The folder of Berberich et al.'s published figure data (``fig2_*.npy``), or None.

    The data are the paper's, not part of this project: they are looked for in ``path`` if given,
    else in ``$FRCNET_PAPER_FIGURES``, else in ``shared/data/frcnet-paper-figures`` next to
    ``start`` or any folder above it. Notebooks that compare with them skip that comparison when
    they are not found.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     (Path(tmp) / "shared/data/frcnet-paper-figures").mkdir(parents=True)
    ...     _ = (Path(tmp) / "shared/data/frcnet-paper-figures/fig2_fc.npy").write_bytes(b"")
    ...     (Path(tmp) / "a/b").mkdir(parents=True)
    ...     find_paper_figures(start=Path(tmp) / "a/b").name
    'frcnet-paper-figures'
    """
    def ok(folder: Path) -> bool:
        return (folder / "fig2_fc.npy").is_file()

    if str(path):
        return Path(path) if ok(Path(path)) else None
    if os.environ.get(PAPER_FIGURES_ENV) and ok(Path(os.environ[PAPER_FIGURES_ENV])):
        return Path(os.environ[PAPER_FIGURES_ENV])
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / "shared" / "data" / "frcnet-paper-figures",):
            if ok(candidate):
                return candidate
    return None


def field_mosaics(pairs: Any) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Reassemble whole fields from a ``PairSet``'s patches: ``{field_id: (input, target, truth)}``.

    :func:`frcnet_lite.pairs.build_pairs` cuts every field's sparse input, target and truth at
    ``pairs.meta["origins_px"]``; pasting the patches back gives each field's images (the
    part the patches cover; overlapping patches hold the same pixels). Evaluating on tiles of
    these whole fields avoids counting the overlap of neighbouring patches twice.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> img = np.arange(36.0).reshape(6, 6)
    >>> cut = np.stack([img[0:4, 0:4], img[2:6, 2:6]])
    >>> p = SimpleNamespace(inputs=cut, targets=cut, truths=cut,
    ...                     meta={"field_ids": ["f", "f"], "origins_px": [(0, 0), (2, 2)]})
    >>> mosaic = field_mosaics(p)["f"][0]
    >>> bool((mosaic[:4, :4] == img[:4, :4]).all()), bool((mosaic[2:, 2:] == img[2:, 2:]).all())
    (True, True)
    """
    ids = [str(f) for f in pairs.meta["field_ids"]]
    origins = np.asarray(pairs.meta["origins_px"], dtype=int).reshape(len(ids), 2)
    patch = pairs.inputs.shape[1]
    out = {}
    for fid in dict.fromkeys(ids):
        sel = [i for i, f in enumerate(ids) if f == fid]
        h = int(origins[sel, 0].max()) + patch
        w = int(origins[sel, 1].max()) + patch
        images = [np.zeros((h, w), np.float32) for _ in range(3)]
        for i in sel:
            r, c = origins[i]
            for image, stack in zip(images, (pairs.inputs, pairs.targets, pairs.truths)):
                image[r:r + patch, c:c + patch] = stack[i]
        out[fid] = (images[0], images[1], images[2])
    return out


def tiles(image: np.ndarray, tile_px: int) -> np.ndarray:
    """Non-overlapping ``tile_px`` squares of a 2D image, row by row, as an ``(n, tile_px, tile_px)`` array.

    Examples
    --------
    >>> tiles(np.zeros((300, 260)), 128).shape
    (4, 128, 128)
    """
    image = np.asarray(image)
    if image.ndim != 2 or min(image.shape) < tile_px or tile_px < 1:
        raise ValueError(f"tiles needs a 2D image of at least {tile_px} px per side, got shape {image.shape}")
    rows, cols = image.shape[0] // tile_px, image.shape[1] // tile_px
    return np.stack([image[r * tile_px:(r + 1) * tile_px, c * tile_px:(c + 1) * tile_px]
                     for r in range(rows) for c in range(cols)])


@dataclass(frozen=True)
class TwoFilaments:
    """The sparse input of notebook 5's two-filament test, as the callables the experiment takes.

    ``TwoFilaments(fraction, pixel_size_nm)(distance_nm, rng)`` simulates two parallel filaments
    ``distance_nm`` apart (:func:`frcnet_lite.simulate.simulate_two_filaments`, ``length_nm``
    long, ``margin_nm`` from the field's edge), keeps a random time window with ``fraction`` of
    the localizations and renders it as a histogram; :meth:`centres_px` gives the filaments'
    positions in the profile's pixels. Both go to
    :func:`frcnet_lite.resolution.two_filament_experiment`.

    Examples
    --------
    >>> two = TwoFilaments(fraction=0.5, pixel_size_nm=10.0, length_nm=500.0)
    >>> two(100.0, np.random.default_rng(0)).shape[1] == int((2 * 300 + 100) / 10)
    True
    >>> two.centres_px(100.0)
    (29.5, 39.5)
    """

    fraction: float
    pixel_size_nm: float
    length_nm: float = 1500.0
    margin_nm: float = 300.0

    def __call__(self, distance_nm: float, rng: np.random.Generator) -> np.ndarray:
        from .rendering import render_histogram  # noqa: PLC0415
        from .simulate import simulate_two_filaments  # noqa: PLC0415
        from .subsets import time_window_subset  # noqa: PLC0415

        sim = simulate_two_filaments(distance_nm, length_nm=self.length_nm, seed=int(rng.integers(2**31)),
                                     margin_nm=self.margin_nm)
        sub = time_window_subset(sim.localizations, self.fraction, rng)
        return render_histogram(sub, self.pixel_size_nm, sim.fov_nm)

    def centres_px(self, distance_nm: float) -> tuple[float, float]:
        """Filament positions across the profile, in pixel-centre units (pixel i covers [i, i + 1) px)."""
        px = self.pixel_size_nm
        return (self.margin_nm / px - 0.5, (self.margin_nm + distance_nm) / px - 0.5)
