"""A reconstruction against the strongest non-learned baselines, field by field.

A network earns its place only if it beats what a user could do without it. The strongest
simple competitor of a sparse histogram is a Gaussian blur of it, so :func:`compare_field`
gives that blur every advantage: for *each* metric, the blur width is chosen on the very image
being scored (an **oracle** no real user has). The network has to beat that best blur, and it
is also shown next to the histogram itself and the anisotropic KDE of the sparse input.

Every image is put on the target's scale with an affine least-squares fit (``"affine"`` in
:func:`frcnet_lite.metrics.normalise_pair`: gain and offset) before the pixel metrics; the
area-FRC is scale-free. :func:`compare_crops` repeats the comparison over non-overlapping
crops of a field, for a mean and a standard error.

:func:`nyquist_corner_power` measures the pixel-scale checkerboard that transposed convolutions
leave in a U-Net's output.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import kde, metrics, report

__all__ = [
    "BLUR_SIGMAS_PX",
    "METRICS",
    "score",
    "best_blur",
    "FieldComparison",
    "compare_field",
    "crop_origins",
    "compare_crops",
    "nyquist_corner_power",
]

#: Gaussian blur widths (px) the oracle baseline chooses from.
BLUR_SIGMAS_PX = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)

#: The metrics compared, and whether higher is better.
METRICS = {"ms_ssim": True, "psnr_db": True, "area_frc_0.2": True, "mse": False}


def score(prediction: np.ndarray, target: np.ndarray, normalisation: str = "affine") -> dict[str, float]:
    """MS-SSIM, PSNR, MSE (after the intensity fit) and area-FRC (cut-off 0.2) of one image.

    Examples
    --------
    >>> t = np.random.default_rng(0).random((64, 64))
    >>> s = score(3 * t + 1, t)
    >>> round(s["ms_ssim"], 6), s["area_frc_0.2"] > 0.99
    (1.0, True)
    """
    return metrics.evaluate_pair(prediction, target, normalisation=normalisation, frc_cutoffs=(0.2,))


def _better(metric: str, a: float, b: float) -> bool:
    return a > b if METRICS[metric] else a < b


def best_blur(sparse: np.ndarray, target: np.ndarray, sigmas_px: Sequence[float] = BLUR_SIGMAS_PX,
              normalisation: str = "affine") -> dict[str, tuple[float, float]]:
    """The oracle Gaussian blur: for each metric, the best value over ``sigmas_px`` and its width.

    Returns
    -------
    dict
        ``{metric: (best value, sigma_px)}`` for each metric of :data:`METRICS`.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> from scipy import ndimage
    >>> truth = ndimage.gaussian_filter(rng.random((64, 64)), 3)
    >>> sparse = rng.poisson(20 * truth).astype(float)
    >>> best = best_blur(sparse, truth, sigmas_px=(0.5, 3.0))
    >>> best["ms_ssim"][1]
    3.0
    """
    if not sigmas_px:
        raise ValueError("sigmas_px must hold at least one blur width")
    best: dict[str, tuple[float, float]] = {}
    for sigma in sigmas_px:
        s = score(kde.gaussian_kde(np.asarray(sparse, np.float32), float(sigma)), target, normalisation)
        for m in METRICS:
            if m not in best or _better(m, s[m], best[m][0]):
                best[m] = (float(s[m]), float(sigma))
    return best


@dataclass(frozen=True)
class FieldComparison:
    """The scores of one field: ``rows[method][metric]`` and the oracle blur's widths.

    Attributes
    ----------
    rows : dict
        ``{"network", "best blur (oracle)", "histogram", "anisotropic KDE"} -> {metric: value}``.
    blur_sigma_px : dict
        ``{metric: sigma_px}`` chosen by the oracle.
    """

    rows: dict
    blur_sigma_px: dict

    def margin(self, metric: str, over: str = "best blur (oracle)") -> float:
        """Network minus ``over`` on ``metric`` (positive: the network is better, also for MSE)."""
        d = self.rows["network"][metric] - self.rows[over][metric]
        return d if METRICS[metric] else -d


def compare_field(sparse: np.ndarray, target: np.ndarray, prediction: np.ndarray,
                  sigmas_px: Sequence[float] = BLUR_SIGMAS_PX, anisotropic: bool = True) -> FieldComparison:
    """Score the network's ``prediction`` and the baselines of ``sparse`` against ``target``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> from scipy import ndimage
    >>> truth = ndimage.gaussian_filter(rng.random((64, 64)), 2)
    >>> sparse = rng.poisson(30 * truth).astype(float)
    >>> c = compare_field(sparse, truth, truth, sigmas_px=(1.0, 2.0), anisotropic=False)
    >>> c.margin("ms_ssim") > 0, sorted(c.rows)
    (True, ['best blur (oracle)', 'histogram', 'network'])
    """
    from .validation import Protocol, score_image  # noqa: PLC0415 (the one protocol)

    s = score_image(sparse, target, prediction, Protocol(blur_sigmas_px=tuple(sigmas_px)), anisotropic=anisotropic)
    return FieldComparison(rows=s["rows"], blur_sigma_px=s["blur_sigma_px"])


def crop_origins(shape: tuple[int, int], crop_px: int) -> list[tuple[int, int]]:
    """Top-left corners of the non-overlapping ``crop_px`` crops that fit in ``shape``, centred as a grid.

    Examples
    --------
    >>> crop_origins((1100, 1030), 512)
    [(38, 3), (38, 515), (550, 3), (550, 515)]
    """
    ny, nx = shape[0] // crop_px, shape[1] // crop_px
    oy, ox = (shape[0] - ny * crop_px) // 2, (shape[1] - nx * crop_px) // 2
    return [(oy + i * crop_px, ox + j * crop_px) for i in range(ny) for j in range(nx)]


def compare_crops(sparse: np.ndarray, target: np.ndarray, prediction: np.ndarray, crop_px: int = 512,
                  sigmas_px: Sequence[float] = BLUR_SIGMAS_PX, min_signal: float = 0.01,
                  anisotropic: bool = True) -> dict[str, dict[str, metrics.MetricSummary]]:
    """:func:`compare_field` on non-overlapping ``crop_px`` crops: mean +/- SEM per method and metric.

    Crops whose sparse input holds fewer than ``min_signal`` of the field's mean counts per
    crop (empty background) are skipped. The oracle picks its blur width per crop and metric.
    Also returned under ``"margin"``: the network minus the oracle blur, per crop.
    """
    sparse = np.asarray(sparse, np.float32)
    origins = crop_origins(sparse.shape, crop_px)
    if not origins:
        raise ValueError(f"a field of {sparse.shape[0]} x {sparse.shape[1]} px holds no {crop_px} px crop")
    mean_counts = float(sparse.sum()) / len(origins)
    per: dict[str, dict[str, list[float]]] = {}
    for y, x in origins:
        win = np.s_[y:y + crop_px, x:x + crop_px]
        if sparse[win].sum() < min_signal * mean_counts:
            continue
        c = compare_field(sparse[win], target[win], prediction[win], sigmas_px, anisotropic)
        for method, row in c.rows.items():
            for m, v in row.items():
                per.setdefault(method, {}).setdefault(m, []).append(v)
        for m in METRICS:
            per.setdefault("margin", {}).setdefault(m, []).append(c.margin(m))
    return {method: {m: metrics._summarise(v) for m, v in row.items()} for method, row in per.items()}


def nyquist_corner_power(image: np.ndarray, band: float = 0.1) -> float:
    """Fraction of an image's (mean-free) spectral power within ``band`` of the Nyquist frequency.

    Counts every frequency with ``|f_x| >= 0.5 - band`` or ``|f_y| >= 0.5 - band`` (cycles per
    pixel): the pixel-scale checkerboard of transposed convolutions lives at (0.5, 0.5),
    (0.5, 0) and (0, 0.5). Compare a prediction's value with its target's: a ratio well above
    1 is an artefact the target does not have.

    Examples
    --------
    >>> y, x = np.mgrid[:64, :64]
    >>> checker = ((x + y) % 2).astype(float)
    >>> smooth = np.sin(2 * np.pi * x / 32)
    >>> round(nyquist_corner_power(checker), 3), round(nyquist_corner_power(smooth), 3)
    (1.0, 0.0)
    """
    img = np.asarray(image, np.float64)
    if img.ndim != 2 or min(img.shape) < 4:
        raise ValueError(f"image must be 2D with at least 4 px per side, got shape {img.shape}")
    if not 0 < band <= 0.5:
        raise ValueError(f"band must be in (0, 0.5], got {band!r}")
    power = np.abs(np.fft.fft2(img - img.mean())) ** 2
    fy = np.abs(np.fft.fftfreq(img.shape[0]))[:, None]
    fx = np.abs(np.fft.fftfreq(img.shape[1]))[None, :]
    near = (fy >= 0.5 - band) | (fx >= 0.5 - band)
    total = float(power.sum())
    return float(power[near].sum()) / total if total > 0 else math.nan


def held_out_fields(folder: str | os.PathLike, names: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The ``(sparse, dense)`` image pairs ``<name>_sub.*`` / ``<name>_full.*`` of ``names`` in ``folder``, whole.

    For a model trained on image pairs: ``held_out_fields(config.image_pairs_dir, config.val_fields)``,
    the fields it never saw in training.
    """
    from .io import read_image  # noqa: PLC0415

    folder = Path(folder)
    out = {}
    for name in names:
        sub = next((p for p in sorted(folder.glob(f"{name}_sub.*"))), None)
        full = next((p for p in sorted(folder.glob(f"{name}_full.*"))), None)
        if sub is None or full is None:
            raise FileNotFoundError(f"field {name!r}: no {name}_sub.* / {name}_full.* pair in {str(folder)!r}")
        out[name] = (read_image(sub), read_image(full))
    return out


def evaluate_model_on_fields(model, fields: Mapping[str, tuple[np.ndarray, np.ndarray]], crop_px: int = 512,
                             progress: bool | None = False, tta: bool = True) -> dict:
    """Reconstruct each ``(sparse, dense)`` field with ``model`` and compare it with the baselines.

    The reconstruction is that of ``frcnet-lite reconstruct``: 256 px tiles overlapping by 64 px,
    averaged over the 8 rotations and flips unless ``tta`` is False
    (:func:`frcnet_lite.reconstruct.dihedral_average`).

    Returns
    -------
    dict
        ``{field: {"whole": FieldComparison, "crops": compare_crops(...), "checkerboard":
        {"network", "target", "ratio"}, "prediction": image}}``.
    """
    from .reconstruct import TilingConfig, model_predict_fn, predict_tiled  # noqa: PLC0415

    out = {}
    for name, (sparse, dense) in fields.items():
        pred = predict_tiled(np.asarray(sparse, np.float32), model_predict_fn(model, tta=tta), TilingConfig(),
                             progress=progress)
        cb_net, cb_tgt = nyquist_corner_power(pred), nyquist_corner_power(dense)
        out[name] = {"whole": compare_field(sparse, dense, pred),
                     "crops": compare_crops(sparse, dense, pred, crop_px=crop_px),
                     "checkerboard": {"network": cb_net, "target": cb_tgt, "ratio": cb_net / cb_tgt},
                     "prediction": pred}
    return out


def margin_table(results: Mapping[str, Mapping], keys: Sequence[str] = ("ms_ssim", "psnr_db", "area_frc_0.2"),
                 required: Mapping[str, float] | None = None) -> str:
    """A Markdown table of :func:`evaluate_model_on_fields` results: every method on every field.

    One row per field and method (whole-field values, then the crops' mean +/- SEM in
    parentheses), the oracle blur's chosen widths, and the network's margin over the oracle
    blur, marked against ``required`` margins when given.
    """
    head = ["field", "method", *keys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, res in results.items():
        whole, crops = res["whole"], res["crops"]
        for method, row in whole.rows.items():
            cells = []
            for k in keys:
                c = crops.get(method, {}).get(k)
                extra = f" ({c.mean:.4g} ± {c.sem:.2g})" if c is not None and c.n > 1 else ""
                sigma = f" [σ={whole.blur_sigma_px[k]:g} px]" if method.startswith("best blur") else ""
                cells.append(f"{row[k]:.4g}{sigma}{extra}")
            label = f"**{method}**" if method == "network" else method
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
        cells = []
        for k in keys:
            m, c = whole.margin(k), crops["margin"][k]
            ok = "" if required is None else (" ✓" if m >= required[k] else f" ✗ (needs +{required[k]:g})")
            cells.append(f"{m:+.4g} ({c.mean:+.3g} ± {c.sem:.2g}){ok}")
        lines.append(f"| {name} | margin over best blur | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_margins(crops: Mapping[str, Mapping[str, metrics.MetricSummary]],
                     keys: Sequence[str] = ("ms_ssim", "psnr_db", "area_frc_0.2"),
                     rival: str = "the oracle blur") -> str:
    """Words for the paired per-crop margins of :func:`compare_crops` (``crops["margin"]``).

    The network and the blur are scored on the same crops, so their difference is judged by the
    standard error of the per-crop *differences* (paired), which is much smaller than that of
    either score alone: a margin is "better" or "worse" beyond two of those standard errors.

    Examples
    --------
    >>> from frcnet_lite.metrics import MetricSummary as M
    >>> print(describe_margins({"margin": {"ms_ssim": M(0.02, 0.004, 8), "psnr_db": M(-0.05, 0.05, 8)}},
    ...                        keys=("ms_ssim", "psnr_db")))
    Paired over 8 crops, the network is better than the oracle blur on MS-SSIM (+0.020 ± 0.004) and within two standard errors of it on PSNR (-0.05 ± 0.05 dB).
    """
    groups: dict[str, list[str]] = {"better than": [], "within two standard errors of it on": [],
                                    "worse than": []}
    n = 0
    for k in keys:
        m = crops["margin"][k]
        n = m.n
        label, unit, _, fmt = report.METRICS.get(k, (k, "", +1, ".4g"))
        text = f"{label} ({m.mean:+{fmt}} ± {m.sem:{fmt}}{' ' + unit if unit else ''})"
        if math.isfinite(m.sem) and m.mean > 2 * m.sem:
            groups["better than"].append(text)
        elif math.isfinite(m.sem) and m.mean < -2 * m.sem:
            groups["worse than"].append(text)
        else:
            groups["within two standard errors of it on"].append(text)
    parts = []
    for verdict, items in groups.items():
        if items:
            joined = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
            if verdict.startswith("within"):
                whom = "it" if parts else rival
                parts.append(f"within two standard errors of {whom} on {joined}")
            else:
                parts.append(f"{verdict} {rival} on {joined}")
    return f"Paired over {n} crops, the network is " + " and ".join(parts) + "."
