"""Where a model's whole-field PSNR on the held-out real fields goes, next to the oracle blur's.

    python scripts/psnr_budget.py --model cos7 [--json OUT.json]

Issue 12 asks the real-data model for +0.3 dB PSNR over the oracle Gaussian blur on whole held-out
fields. This script measures how much PSNR each kind of improvement could buy at most, so that a
margin that is not reached can be told apart from a margin that cannot be reached this way. Per
held-out field, every row is the whole-field PSNR after the affine least-squares fit of
:func:`frcnet_lite.comparison.score`:

- ``network`` and ``oracle blur`` (the blur width chosen for PSNR on the field itself);
- ``best linear filter (oracle)``: the least-squares combination of Gaussian blurs
  (sigma 1-32 px, plus a constant) fitted *on the field itself*: no isotropic linear filter of the
  sparse input built from them does better, whatever its width or profile;
- ``network, monotone recalibration (oracle)``: the network's output mapped through the mean dense
  value of each of its 200 quantile bins, fitted on the field itself: what any pointwise intensity
  correction of the output could add;
- ``network, regional brightness from the blur``: the output multiplied by the ratio of the
  blur's and the output's local means (Gaussian, ``--regional-px``): brightness at that scale taken
  from the input instead of the network (no oracle);
- ``network, regional brightness from the dense image (oracle)``: the same ratio from the dense
  image: how much the brightness at that scale is worth, information the sparse window may not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

#: Gaussian widths (px) whose least-squares combination is the best linear filter.
LINEAR_SIGMAS_PX = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)


#: Default scale of the "regional brightness" rows (px).
REGIONAL_PX = 32.0


def regional_label(source: str, regional_px: float = REGIONAL_PX) -> str:
    """The row name of the regional-brightness correction taken from ``source`` ("the blur", "the dense image")."""
    oracle = " (oracle)" if source == "the dense image" else ""
    return f"network, regional brightness ({regional_px:g} px) from {source}{oracle}"


def budget(pred: np.ndarray, sparse: np.ndarray, dense: np.ndarray, regional_px: float = REGIONAL_PX,
           sigma_px: float | None = None) -> dict[str, float]:
    """The rows of the module docstring for one field: ``{row: whole-field PSNR in dB}``.

    ``sigma_px``: the oracle blur's width for PSNR when already known (e.g. from
    ``real_data_table.evaluate``); otherwise searched over ``comparison.BLUR_SIGMAS_PX``.
    """
    from scipy import ndimage

    from frcnet_lite import comparison
    from frcnet_lite.kde import gaussian_kde
    from frcnet_lite.metrics import normalise_pair

    pred, sparse, dense = (np.asarray(a, np.float64) for a in (pred, sparse, dense))
    psnr = lambda img: float(comparison.score(img, dense)["psnr_db"])  # noqa: E731
    if sigma_px is None:
        sigma_px = comparison.best_blur(sparse, dense)["psnr_db"][1]
    blur = gaussian_kde(sparse, sigma_px)
    rows = {"network": psnr(pred), "oracle blur": psnr(blur)}

    feats = np.stack([ndimage.gaussian_filter(sparse, s) for s in LINEAR_SIGMAS_PX] + [np.ones_like(sparse)], -1)
    flat = feats.reshape(-1, feats.shape[-1])
    w, *_ = np.linalg.lstsq(flat[::3], dense.ravel()[::3], rcond=None)
    rows["best linear filter (oracle)"] = psnr((flat @ w).reshape(sparse.shape))

    edges = np.unique(np.quantile(pred, np.linspace(0, 1, 201)))
    idx = np.clip(np.digitize(pred.ravel(), edges[1:-1]), 0, len(edges) - 2)
    means = np.bincount(idx, dense.ravel(), len(edges) - 1) / np.maximum(np.bincount(idx, None, len(edges) - 1), 1)
    rows["network, monotone recalibration (oracle)"] = psnr(means[idx].reshape(pred.shape))

    # on the dense image's scale (affine fits); PSNR below is scale-free, so the dense image's own scale is kept
    (p_fit, d_unit), (b_fit, _) = normalise_pair(pred, dense, "affine"), normalise_pair(blur, dense, "affine")
    local = lambda img: ndimage.gaussian_filter(img, regional_px) + 1e-9  # noqa: E731
    rows[regional_label("the blur", regional_px)] = psnr(p_fit * local(b_fit) / local(p_fit))
    rows[regional_label("the dense image", regional_px)] = psnr(p_fit * local(d_unit) / local(p_fit))
    return rows


def run(model_name: str, regional_px: float = REGIONAL_PX) -> dict[str, dict[str, float]]:
    """:func:`budget` of every field the model's training config held out: ``{field: {row: dB}}``.

    The fields are reconstructed once, by ``real_data_table.evaluate`` (the tiling and test-time
    average of ``frcnet-lite reconstruct``); its oracle blur width for PSNR is reused.
    """
    from real_data_table import evaluate

    return from_evaluation(evaluate(model_name)[3], regional_px)


def from_evaluation(fields: dict, regional_px: float = REGIONAL_PX) -> dict[str, dict[str, float]]:
    """:func:`budget` of each field of ``real_data_table.evaluate``'s fourth result (images and predictions)."""
    return {name: budget(f["prediction"], f["sparse"], f["dense"], regional_px, f["blur_sigma_px"]["psnr_db"])
            for name, f in fields.items()}


def markdown(out: dict[str, dict[str, float]]) -> str:
    """A Markdown table: one row per :func:`budget` row, one column per field."""
    lines = ["| whole-field PSNR (dB) | " + " | ".join(out) + " |", "|---|" + "---|" * len(out)]
    for label in next(iter(out.values())):
        lines.append(f"| {label} | " + " | ".join(f"{r[label]:.2f}" for r in out.values()) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="cos7", help="shipped model name or folder (default %(default)s)")
    ap.add_argument("--regional-px", type=float, default=REGIONAL_PX, help="scale of 'regional brightness' (px)")
    ap.add_argument("--json", default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    if not args.regional_px > 0:
        print(f"error: --regional-px must be > 0, got {args.regional_px}", file=sys.stderr)
        return 2
    try:
        out = run(args.model, args.regional_px)
    except SystemExit as exc:  # real_data_table's one-line error: a model not trained on image pairs found here
        print(exc, file=sys.stderr)
        return 2
    print(markdown(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
