"""Where the example data is: the real COS-7 image pairs (outside the project) and the shipped demo crop.

The real COS-7 dSTORM pairs of Berberich et al. (2021) are not part of the package (only a model
trained on them and one 512 px demo crop may be, see ``frcnet_lite/data/cos7_demo/README.md``).
:func:`cos7_pairs_dir` finds the pairs when they are present: a folder given explicitly, the
environment variable ``FRCNET_COS7_DIR``, or ``../shared/data/frcnet-cos7-microtubules`` next to
the project (where CI has them). :func:`real_fields` gives the held-out fields of a model trained
on them, or the demo crop when the pairs are absent, so a page can show real data on any machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["COS7_ENV", "DEMO_DIR", "cos7_pairs_dir", "demo_pair", "central_crop", "real_fields"]

#: Environment variable naming the folder of the COS-7 pairs.
COS7_ENV = "FRCNET_COS7_DIR"

#: The shipped demo crop (a 512 px crop of the held-out field spot10), with its source and licence.
#:
#: :meta hide-value:
DEMO_DIR = Path(__file__).parent / "data" / "cos7_demo"

_SHARED = Path("shared") / "data" / "frcnet-cos7-microtubules"


def _is_pairs_dir(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*_sub.*"))


def cos7_pairs_dir(folder: str | os.PathLike | None = None) -> Path | None:
    """The folder of the real COS-7 pairs, or None when they are not on this machine.

    Looks at ``folder`` (an error if given but missing), then ``$FRCNET_COS7_DIR``, then
    ``../shared/data/frcnet-cos7-microtubules`` beside the project (and beside the current folder
    and its parents, for notebooks run in a build folder).
    """
    if folder:
        path = Path(folder)
        if not _is_pairs_dir(path):
            raise FileNotFoundError(f"no image pairs (<name>_sub.* / <name>_full.*) in {str(path)!r}")
        return path
    if os.environ.get(COS7_ENV):
        return cos7_pairs_dir(os.environ[COS7_ENV])
    starts = [Path(__file__).resolve().parent, Path.cwd().resolve()]
    for start in starts:
        for parent in start.parents:
            if _is_pairs_dir(parent / _SHARED):
                return parent / _SHARED
    return None


def demo_pair() -> tuple[np.ndarray, np.ndarray]:
    """The shipped demo crop: ``(sparse counts, dense image)``, 512 x 512 px at ~10 nm, float32.

    Examples
    --------
    >>> sparse, dense = demo_pair()
    >>> sparse.shape, dense.shape, float(sparse.max()) <= 255
    ((512, 512), (512, 512), True)
    """
    from .io import read_image  # noqa: PLC0415

    return read_image(DEMO_DIR / "spot10_crop_sub.png"), read_image(DEMO_DIR / "spot10_crop_full.png")


def central_crop(image: np.ndarray, max_px: int | None) -> np.ndarray:
    """The central ``max_px`` x ``max_px`` part of an image (the whole image if smaller or None).

    Examples
    --------
    >>> central_crop(np.arange(36).reshape(6, 6), 2)
    array([[14, 15],
           [20, 21]])
    """
    if max_px is None:
        return image
    r, c = (max((n - int(max_px)) // 2, 0) for n in image.shape[:2])
    return image[r:r + int(max_px), c:c + int(max_px)]


def real_fields(model: str = "cos7", folder: str | os.PathLike | None = None, max_px: int | None = None,
                verbose: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The real fields a model never saw: its held-out fields when the pairs are here, else the demo crop.

    Parameters
    ----------
    model : str or path
        A model trained on image pairs (its ``train_config`` names ``val_fields``).
    folder : path, optional
        Folder of the pairs (default: :func:`cos7_pairs_dir`'s search).
    max_px : int, optional
        Keep only the central ``max_px`` x ``max_px`` of each field (:func:`central_crop`).
    verbose : bool
        Print which data is used.

    Returns
    -------
    dict
        ``{field name: (sparse counts, dense image)}``.
    """
    from .comparison import held_out_fields  # noqa: PLC0415
    from .model import read_model_info  # noqa: PLC0415

    pairs = cos7_pairs_dir(folder)
    val = list(read_model_info(model).train_config.get("val_fields", []))
    if pairs is not None and val:
        if verbose:
            print(f"real data: the held-out fields {', '.join(val)} of the COS-7 pairs in {pairs.name}/")
        fields = held_out_fields(pairs, val)
    else:
        if verbose:
            print("real data: the COS-7 pairs are not on this machine; using the shipped 512 px demo crop of "
                  "the held-out field spot10 (frcnet_lite/data/cos7_demo)")
        fields = {"spot10 (demo crop)": demo_pair()}
    return {name: (central_crop(a, max_px), central_crop(b, max_px)) for name, (a, b) in fields.items()}
