"""How a model is validated: one protocol, and margins counted over independent units.

**The protocol.** A reconstruction is scored against a reference (the dense image of real data,
the ground truth of a simulation) next to the non-learned baselines of the same sparse input: the
histogram itself, its anisotropic KDE, and the **oracle blur** — the Gaussian blur of the sparse
input whose width is chosen, per metric and per image, from :data:`PROTOCOL`'s grid of widths on
the reference itself (:func:`frcnet_lite.comparison.best_blur`; no user could choose it so well,
which is what makes it the strongest simple baseline). Every image is put on the reference's
scale by one intensity fit, :data:`FIT` (gain and offset, least squares), before MS-SSIM, PSNR and
MSE; the area-FRC is scale-free. :func:`score_image` scores one image, :func:`evaluate_real`
a model on whole held-out fields, :func:`evaluate_patches` a model on patches of simulated fields.

**Independent units.** Tiles of one field share that field's structure, labelling, blinking and
background: they are not independent samples, and an error bar over tiles says how well that one
field is known, not how the model does on the next field. So every margin here is *paired* (the
network and the baseline scored on the same images) and *counted over independent units*: the
per-image differences are averaged within each unit (a field; a training seed x field in a study),
and the mean, its standard error and a t interval are taken over the units
(:func:`paired_margin`). The verdict follows from the interval (:data:`VERDICTS`); with fewer than
:data:`MIN_UNITS` units no verdict is given, only the numbers.

Examples
--------
>>> m = paired_margin([1.2, 1.1, 1.3, 1.25], [1.0, 1.0, 1.0, 1.0], units=["a", "a", "b", "c"])
>>> m.n, m.unit, m.verdict
(3, 'field', 'better')
>>> m.text(2)
'+0.23 ± 0.04 (3 fields)'
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .comparison import BLUR_SIGMAS_PX

__all__ = [
    "FIT",
    "ORACLE",
    "METHODS",
    "METRIC_LABELS",
    "MIN_UNITS",
    "VERDICTS",
    "Protocol",
    "PROTOCOL",
    "Margin",
    "paired_margin",
    "unit_margins",
    "score_image",
    "evaluate_patches",
    "margin_phrase",
    "field_margins",
    "protocol_dict",
    "evaluate_real",
    "psnr_budget",
    "regional_label",
    "LINEAR_SIGMAS_PX",
    "REGIONAL_PX",
    "target_kernel_cost",
    "blend_width_at_structure",
]

#: The one intensity fit of every table: gain and offset, least squares onto the reference.
FIT = "affine"
#: The name of the oracle blur everywhere.
ORACLE = "best blur (oracle)"
#: The methods of a scored image, in table order.
METHODS = ("network", ORACLE, "histogram", "anisotropic KDE")
#: How each metric is named for people (units in the name).
METRIC_LABELS = {"ms_ssim": "MS-SSIM", "psnr_db": "PSNR (dB)", "area_frc_0.2": "area-FRC (0.2)", "mse": "MSE"}
#: Fewer independent units than this: no verdict, only the numbers.
MIN_UNITS = 3
#: The verdict words: the 95 % t interval of the mean margin over units lies above 0, below 0, or spans it.
VERDICTS = ("better", "worse", "no clear difference", "too few units")


@dataclass(frozen=True)
class Protocol:
    """What "scored" means: the fit, the oracle blur's widths, the metrics, the smallest patch scored.

    Attributes
    ----------
    fit : str
        Intensity fit (:func:`frcnet_lite.metrics.normalise_pair`), :data:`FIT`.
    blur_sigmas_px : tuple of float
        The widths the oracle blur chooses from (:data:`frcnet_lite.comparison.BLUR_SIGMAS_PX`).
    metrics : tuple of str
        The metrics of the tables and the verdicts.
    min_counts : float
        Patches of simulated fields with fewer sparse counts are not scored (too empty to mean anything).
    """

    fit: str = FIT
    blur_sigmas_px: tuple = BLUR_SIGMAS_PX
    metrics: tuple = ("ms_ssim", "psnr_db", "area_frc_0.2")
    min_counts: float = 10.0

    def describe(self) -> str:
        """One sentence for the reader, beside every table."""
        return (f"Intensity fit: gain and offset, least squares onto the reference ({self.fit!r}); area-FRC is "
                f"scale-free. Oracle blur: the Gaussian blur of the sparse input whose width "
                f"({self.blur_sigmas_px[0]:g}-{self.blur_sigmas_px[-1]:g} px) is chosen per metric and per image on "
                "the reference itself.")


#: The protocol of every shipped model's evaluation, the studies and ``frcnet-lite evaluate``.
PROTOCOL = Protocol()


@dataclass(frozen=True)
class Margin:
    """A paired margin (method A - method B, oriented so that positive means A is better) over units.

    Attributes
    ----------
    mean, sem : float
        Mean of the per-unit margins and its standard error (``nan`` for one unit).
    n : int
        Number of independent units.
    unit : str
        What a unit is ("field", "seed x field").
    low, high : float
        The 95 % t interval of the mean (``nan`` for fewer than two units).
    verdict : str
        One of :data:`VERDICTS`.
    per_unit : dict
        ``{unit: margin}``.
    items : int
        Number of scored images behind the units.
    """

    mean: float
    sem: float
    n: int
    unit: str
    low: float
    high: float
    verdict: str
    per_unit: dict = field(default_factory=dict)
    items: int = 0

    @property
    def n_text(self) -> str:
        """``"16 fields"``, ``"6 seed x field pairs"``."""
        plural = {"field": "fields", "seed x field": "seed x field pairs", "seed": "seeds"}.get(self.unit,
                                                                                                 self.unit + "s")
        return f"{self.n} {self.unit if self.n == 1 else plural}"

    def text(self, digits: int = 3, n: bool = True) -> str:
        """``"+0.22 ± 0.12 (16 fields)"`` (no ± for one unit)."""
        sem = f" ± {self.sem:.{digits}f}" if math.isfinite(self.sem) else ""
        return f"{self.mean:+.{digits}f}{sem}" + (f" ({self.n_text})" if n else "")

    @property
    def negative_units(self) -> int:
        """How many units the margin is below zero in."""
        return int(sum(v < 0 for v in self.per_unit.values()))

    def to_dict(self) -> dict:
        return {"mean": self.mean, "sem": self.sem, "n": self.n, "unit": self.unit, "low": self.low,
                "high": self.high, "verdict": self.verdict, "per_unit": dict(self.per_unit), "items": self.items}


def _t_quantile(level: float, df: int) -> float:
    from scipy import stats  # noqa: PLC0415

    return float(stats.t.ppf(0.5 + level / 2, df))


def unit_margins(a: Sequence[float], b: Sequence[float], units: Sequence, higher_is_better: bool = True) -> dict:
    """``{unit: mean over its items of (a - b)}`` (sign flipped when lower is better); non-finite items dropped."""
    sums: dict = {}
    for x, y, u in zip(a, b, units, strict=True):
        if x is None or y is None:  # a missing value (JSON null) pairs with nothing
            continue
        d = (float(x) - float(y)) * (1.0 if higher_is_better else -1.0)
        if math.isfinite(d):
            s = sums.setdefault(u, [0.0, 0])
            s[0] += d
            s[1] += 1
    return {u: s / k for u, (s, k) in sums.items()}


def paired_margin(a: Sequence[float], b: Sequence[float], units: Sequence, higher_is_better: bool = True,
                  unit: str = "field", level: float = 0.95, min_units: int = MIN_UNITS) -> Margin:
    """The margin of ``a`` over ``b``, paired item by item, averaged within units, counted over units.

    Parameters
    ----------
    a, b : sequence of float
        Scores of the two methods on the same items (images), in the same order.
    units : sequence
        The independent unit each item belongs to (a field name; a ``(seed, field)`` tuple).
    higher_is_better : bool
        False for error metrics (MSE): the margin is then ``b - a``.
    unit : str
        What a unit is, for the text ("field", "seed x field").
    level : float
        Coverage of the t interval that decides the verdict.
    min_units : int
        Fewer units than this: verdict ``"too few units"``.

    Examples
    --------
    Two fields, one won by a lot and one lost by a little, are two units whatever the number of tiles:

    >>> m = paired_margin([2, 2, 2, 0.9], [1, 1, 1, 1], units=["a", "a", "a", "b"])
    >>> m.n, round(m.mean, 2), m.verdict
    (2, 0.45, 'too few units')
    """
    per_unit = unit_margins(a, b, units, higher_is_better)
    v = np.asarray(list(per_unit.values()), float)
    n = int(v.size)
    if n == 0:
        return Margin(math.nan, math.nan, 0, unit, math.nan, math.nan, "too few units", {}, 0)
    mean = float(v.mean())
    sem = float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    if n > 1:
        half = _t_quantile(level, n - 1) * sem
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    if n < min_units:
        verdict = "too few units"
    elif low > 0:
        verdict = "better"
    elif high < 0:
        verdict = "worse"
    else:
        verdict = "no clear difference"
    return Margin(mean, sem, n, unit, low, high, verdict, {str(k): float(x) for k, x in per_unit.items()}, len(a))


def margin_phrase(margins: Mapping[str, Margin], over: str = "the oracle blur") -> str:
    """In words, which metrics a set of margins wins and loses (from their verdicts).

    Examples
    --------
    >>> ms = {"ms_ssim": Margin(0.01, 0.001, 16, "field", 0.008, 0.012, "better"),
    ...       "psnr_db": Margin(0.2, 0.12, 16, "field", -0.05, 0.45, "no clear difference")}
    >>> margin_phrase(ms)
    'beats the oracle blur on MS-SSIM; shows no clear difference from the oracle blur on PSNR (dB) (95 % interval over 16 fields)'
    """
    groups: dict = {}
    for k, m in margins.items():
        groups.setdefault(m.verdict, []).append(METRIC_LABELS.get(k, k))
    parts = []
    if "better" in groups:
        parts.append(f"beats {over} on {', '.join(groups['better'])}")
    if "worse" in groups:
        parts.append(f"loses to {over} on {', '.join(groups['worse'])}")
    if "no clear difference" in groups:
        parts.append(f"shows no clear difference from {over} on {', '.join(groups['no clear difference'])}")
    if "too few units" in groups:
        parts.append(f"cannot be ranked against {over} on {', '.join(groups['too few units'])} "
                     "(too few independent units)")
    n = next(iter(margins.values())).n_text if margins else "0 units"
    return "; ".join(parts) + f" (95 % interval over {n})"


# ------------------------------------------------------------------------------------ scoring
def score_image(sparse: np.ndarray, reference: np.ndarray, prediction: np.ndarray | None = None,
                protocol: Protocol = PROTOCOL, extra: Mapping[str, np.ndarray] | None = None,
                anisotropic: bool = True) -> dict:
    """Every method of :data:`METHODS` (and ``extra`` images) on one image: ``{"rows", "blur_sigma_px"}``.

    ``rows`` is ``{method: {metric: value}}`` (the network's row only when ``prediction`` is given).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> from scipy import ndimage
    >>> truth = ndimage.gaussian_filter(rng.random((64, 64)), 2)
    >>> sparse = rng.poisson(30 * truth).astype(float)
    >>> s = score_image(sparse, truth, truth, Protocol(blur_sigmas_px=(1.0, 2.0)))
    >>> s["rows"]["network"]["ms_ssim"] > s["rows"][ORACLE]["ms_ssim"]
    True
    """
    from . import comparison, kde  # noqa: PLC0415

    sparse = np.asarray(sparse, np.float32)
    best = comparison.best_blur(sparse, reference, protocol.blur_sigmas_px, protocol.fit)
    rows = {}
    if prediction is not None:
        rows["network"] = comparison.score(prediction, reference, protocol.fit)
    rows[ORACLE] = {m: v for m, (v, _) in best.items()}
    rows["histogram"] = comparison.score(sparse, reference, protocol.fit)
    if anisotropic:
        rows["anisotropic KDE"] = comparison.score(kde.anisotropic_kde(sparse), reference, protocol.fit)
    for name, image in (extra or {}).items():
        rows[name] = comparison.score(image, reference, protocol.fit)
    rows = {m: {k: float(v) for k, v in r.items()} for m, r in rows.items()}
    return {"rows": rows, "blur_sigma_px": {m: s for m, (_, s) in best.items()}}


def protocol_dict(protocol: Protocol = PROTOCOL) -> dict:
    return {"fit": protocol.fit, "blur_sigmas_px": list(protocol.blur_sigmas_px), "metrics": list(protocol.metrics)}


def evaluate_patches(model, pairs, protocol: Protocol = PROTOCOL, tta: bool = True,
                     extra: Callable[[int], Mapping[str, np.ndarray]] | None = None) -> list[dict]:
    """A model on the patches of simulated fields (a :class:`frcnet_lite.pairs.PairSet` with truths).

    Every patch with at least ``protocol.min_counts`` sparse counts is scored against its truth;
    each record holds its ``field`` (the unit), ``origin_px``, ``input_counts``, ``blur_sigma_px``
    and one row per method (plus ``"dense target"``: the pair's target, what training aims at).
    """
    from .model import predict_image  # noqa: PLC0415
    from .reconstruct import dihedral_average  # noqa: PLC0415

    keep = np.flatnonzero(pairs.inputs.sum(axis=(1, 2)) >= protocol.min_counts)
    predict = (lambda b: predict_image(model, b, batch_size=8))
    preds = (dihedral_average(predict) if tta else predict)(pairs.inputs[keep])
    out = []
    for j, i in enumerate(keep):
        more = {"dense target": pairs.targets[i], **(extra(i) if extra else {})}
        s = score_image(pairs.inputs[i], pairs.truths[i], preds[j], protocol, more)
        out.append({"field": str(pairs.meta["field_ids"][i]), "origin_px": list(pairs.meta["origins_px"][i]),
                    "input_counts": float(pairs.inputs[i].sum()), "blur_sigma_px": s["blur_sigma_px"], **s["rows"]})
    return out


def field_margins(records: Sequence[Mapping], a: str = "network", b: str = ORACLE,
                  metrics: Sequence[str] = PROTOCOL.metrics, unit_key: str = "field", unit: str = "field") -> dict:
    """``{metric: Margin}`` of method ``a`` over ``b`` from per-image records (``{unit_key, a: {...}, b: {...}}``)."""
    from .comparison import METRICS  # noqa: PLC0415

    units = [r[unit_key] if not isinstance(r[unit_key], list) else tuple(r[unit_key]) for r in records]
    return {k: paired_margin([r[a][k] for r in records], [r[b][k] for r in records], units,
                             METRICS.get(k, True), unit=unit) for k in metrics}


# ------------------------------------------------------------------------------ real fields
def evaluate_real(model, folder: str | os.PathLike, names: Sequence[str], tta: bool = True) -> tuple[dict, dict]:
    """A model on whole held-out real fields (``<name>_sub.*`` / ``<name>_full.*`` in ``folder``).

    Returns ``(record, images)``: ``record[field]`` = ``{"rows", "blur_sigma_px", "checkerboard"}`` (the protocol
    of :func:`score_image`, reconstructed as ``frcnet-lite reconstruct`` does), ``images[field]`` = ``{"sparse",
    "dense", "prediction"}`` for analyses that need the images (:func:`psnr_budget`).
    """
    from . import comparison  # noqa: PLC0415

    fields = comparison.held_out_fields(folder, names)
    res = comparison.evaluate_model_on_fields(model, fields, tta=tta)
    record = {name: {"rows": {m: {k: float(v) for k, v in row.items()} for m, row in r["whole"].rows.items()},
                     "blur_sigma_px": r["whole"].blur_sigma_px, "checkerboard": r["checkerboard"]}
              for name, r in res.items()}
    images = {name: {"sparse": fields[name][0], "dense": fields[name][1], "prediction": r["prediction"]}
              for name, r in res.items()}
    return record, images


#: Gaussian widths (px) whose least-squares combination is :func:`psnr_budget`'s best linear filter.
LINEAR_SIGMAS_PX = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
#: Scale (px) of :func:`psnr_budget`'s regional-brightness rows.
REGIONAL_PX = 32.0


def regional_label(source: str, regional_px: float = REGIONAL_PX) -> str:
    """The row of :func:`psnr_budget` whose regional brightness comes from ``source``."""
    oracle = " (oracle)" if source == "the dense image" else ""
    return f"network, regional brightness ({regional_px:g} px) from {source}{oracle}"


def psnr_budget(pred: np.ndarray, sparse: np.ndarray, dense: np.ndarray, sigma_px: float,
                regional_px: float = REGIONAL_PX) -> dict[str, float]:
    """Where a field's PSNR goes: ``{row: whole-field PSNR in dB}`` (affine fit onto ``dense``).

    Rows: the network; the oracle blur (width ``sigma_px``); the best linear filter (a least-squares
    combination of Gaussian blurs of the input fitted on the field itself: an oracle); the network
    after a monotone recalibration of its intensities fitted on the field (an oracle); and the network
    with its brightness at ``regional_px`` taken from the blur (no oracle) or from the dense image (an
    oracle). Each row bounds what one kind of improvement could buy.
    """
    from scipy import ndimage  # noqa: PLC0415

    from . import comparison, kde, metrics  # noqa: PLC0415

    pred, sparse, dense = (np.asarray(a, np.float64) for a in (pred, sparse, dense))

    def psnr(img):
        return float(comparison.score(img, dense)["psnr_db"])

    blur = kde.gaussian_kde(sparse.astype(np.float32), sigma_px)
    rows = {"network": psnr(pred), "oracle blur": psnr(blur)}
    feats = np.stack([ndimage.gaussian_filter(sparse, s) for s in LINEAR_SIGMAS_PX] + [np.ones_like(sparse)], -1)
    flat = feats.reshape(-1, feats.shape[-1])
    w, *_ = np.linalg.lstsq(flat[::3], dense.ravel()[::3], rcond=None)
    rows["best linear filter (oracle)"] = psnr((flat @ w).reshape(sparse.shape))
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, 201)))
    idx = np.clip(np.digitize(pred.ravel(), edges[1:-1]), 0, len(edges) - 2)
    means = np.bincount(idx, dense.ravel(), len(edges) - 1) / np.maximum(np.bincount(idx, None, len(edges) - 1), 1)
    rows["network, monotone recalibration (oracle)"] = psnr(means[idx].reshape(pred.shape))
    (p_fit, d_unit), (b_fit, _) = metrics.normalise_pair(pred, dense, FIT), metrics.normalise_pair(blur, dense, FIT)

    def local(img):
        return ndimage.gaussian_filter(img, regional_px) + 1e-9

    rows[regional_label("the blur", regional_px)] = psnr(p_fit * local(b_fit) / local(p_fit))
    rows[regional_label("the dense image", regional_px)] = psnr(p_fit * local(d_unit) / local(p_fit))
    return rows


def target_kernel_cost(pairs, per_patch: Sequence[Mapping], widths_px: Sequence[float] = (1.0, 1.5, 2.0),
                       groups: int = 4) -> list[dict]:
    """What a Gaussian target's own kernel costs against the truth, by quarter of the patches' sparse counts.

    A network trained towards a KDE of width ``w`` learns the expected target: the truth as seen
    through the sparse data, blurred *once more* by ``w``. This widens the oracle blur of each patch
    (its PSNR width, from ``per_patch``) by ``w`` in quadrature and scores it against the truth:
    the PSNR that blur alone costs where the best estimate is narrow.

    Returns
    -------
    list of dict
        One per quarter: ``counts`` (lowest, highest), ``patches``, ``oracle_db`` (mean PSNR of the
        oracle blur) and ``cost_db`` ``{width: {mean, sem, n}}`` (oracle minus widened, paired).
    """
    from .comparison import score  # noqa: PLC0415
    from .kde import gaussian_kde  # noqa: PLC0415

    keep = np.flatnonzero((pairs.inputs.sum(axis=(1, 2)) >= PROTOCOL.min_counts)
                        & (pairs.truths.max(axis=(1, 2)) > 0))
    if len(keep) != len(per_patch):
        raise ValueError(f"{len(per_patch)} evaluated patches, but {len(keep)} patches in the pairs to score")
    rows = []
    for j, i in enumerate(keep):
        sigma = per_patch[j]["blur_sigma_px"]["psnr_db"]
        x = pairs.inputs[i].astype(np.float32)
        oracle = score(gaussian_kde(x, sigma), pairs.truths[i])["psnr_db"]
        rows.append((float(x.sum()), oracle, {w: score(gaussian_kde(x, float(np.hypot(sigma, w))),
                                                       pairs.truths[i])["psnr_db"] for w in widths_px},
                     per_patch[j]["field"]))
    order = np.argsort([r[0] for r in rows], kind="stable")
    out = []
    for part in np.array_split(order, min(groups, len(order))):
        fields = [rows[i][3] for i in part]
        oracle = [rows[i][1] for i in part]
        out.append({"counts": [min(rows[i][0] for i in part), max(rows[i][0] for i in part)], "patches": len(part),
                    "oracle_db": float(np.mean(oracle)), "field": True,
                    "cost_db": {str(w): paired_margin(oracle, [rows[i][2][w] for i in part], fields).to_dict()
                                for w in widths_px}})
    return out


def blend_width_at_structure(model, pairs, keep: np.ndarray) -> list[float] | None:
    """The blur width a ``unet_blend`` network chose where the structure is: per patch, the mean of
    :func:`frcnet_lite.training.blend_widths` weighted by the truth (None for other generators)."""
    from .training import blend_widths  # noqa: PLC0415

    if (model.frcnet_info.train_config or {}).get("generator") != "unet_blend":
        return None
    out = []
    for i in keep:
        w, t = blend_widths(model, pairs.inputs[i]), np.asarray(pairs.truths[i], np.float64)
        out.append(float((w * t).sum() / t.sum()))
    return out
