"""Metric tables and sentences computed from the numbers: the notebooks' "reading this result".

The book states its results in sentences that come from the executed values, so that they stay
true when a parameter changes:

* :func:`metric_table` shows ``method -> metric -> mean ± SEM`` as an HTML table (a pandas
  ``Styler``) with the best value of each column in bold;
* :func:`oracle` picks, per metric, the best of several candidates (e.g. Gaussian blurs of
  several widths: an oracle, since it peeks at the reference);
* :func:`compare` words how one method does against the strongest of the others, metric by
  metric: it wins, ties (difference within two standard errors) or loses;
* :func:`ranking` words an ordering of plain numbers.

Examples
--------
>>> from frcnet_lite.metrics import MetricSummary as M
>>> results = {"network": {"psnr_db": M(25.0, 0.2, 50)}, "histogram": {"psnr_db": M(20.0, 0.3, 50)},
...            "Gaussian KDE": {"psnr_db": M(24.0, 0.2, 50)}}
>>> print(compare(results, "network"))
The network beats the strongest baseline on PSNR (25.00 ± 0.20 dB vs 24.00 ± 0.20 dB, Gaussian KDE).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["METRICS", "metric_name", "Verdict", "value_of", "metric_table", "oracle", "verdicts", "compare", "ranking",
           "epoch_line", "print_epoch"]

#: metric key -> (display name, unit, +1 if higher is better else -1, format)
METRICS: dict[str, tuple[str, str, int, str]] = {
    "psnr_db": ("PSNR", "dB", +1, ".2f"),
    "mse": ("MSE", "", -1, ".2e"),
    "ms_ssim": ("MS-SSIM", "", +1, ".3f"),
    "area_frc_0.2": ("area-FRC (0.2)", "", +1, ".3f"),
    "area_frc_0.5": ("area-FRC (0.5)", "", +1, ".3f"),
}


def _metric(key: str) -> tuple[str, str, int, str]:
    if key in METRICS:
        return METRICS[key]
    if key.startswith("area_frc_"):
        return (f"area-FRC ({key[len('area_frc_'):]})", "", +1, ".3f")
    raise ValueError(f"unknown metric {key!r}: known are {sorted(METRICS)} and area_frc_<cutoff>")


def metric_name(key: str) -> str:
    """The display name of a metric key.

    Examples
    --------
    >>> metric_name("psnr_db"), metric_name("area_frc_0.3")
    ('PSNR', 'area-FRC (0.3)')
    """
    return _metric(key)[0]


def value_of(v: Any) -> tuple[float, float, int]:
    """``(mean, sem, n)`` of a ``MetricSummary``-like object (``.mean``, ``.sem``, ``.n``) or a number."""
    if hasattr(v, "mean") and not isinstance(v, (int, float)):
        return float(v.mean), float(getattr(v, "sem", math.nan)), int(getattr(v, "n", 1))
    return float(v), math.nan, 1


def _fmt(v: Any, key: str, unit: bool = False) -> str:
    mean, sem, _ = value_of(v)
    _, u, _, f = _metric(key)
    text = f"{mean:{f}}" if math.isnan(sem) else f"{mean:{f}} ± {sem:{f}}"
    return f"{text} {u}" if unit and u else text


def metric_table(results: Mapping[str, Mapping[str, Any]], keys: Sequence[str] | None = None,
                 caption: str | None = None) -> Any:
    """An HTML table of ``results`` (method -> metric key -> summary): ``mean ± SEM``, best in bold.

    Parameters
    ----------
    results : mapping
        Method name -> metric key (:data:`METRICS`, or ``area_frc_<cutoff>``) -> a
        ``MetricSummary`` (or a number).
    keys : sequence of str, optional
        Columns, in order (default: the first method's keys).
    caption : str, optional
        Table caption.

    Returns
    -------
    pandas.io.formats.style.Styler
        Shown as an HTML table by Jupyter and the book; ``.data`` is the DataFrame of texts.

    Examples
    --------
    >>> t = metric_table({"a": {"mse": 0.1, "ms_ssim": 0.5}, "b": {"mse": 0.2, "ms_ssim": 0.7}})
    >>> t.data.loc["b", "MS-SSIM"], "font-weight: bold" in t.to_html()
    ('0.700', True)
    """
    import pandas as pd  # noqa: PLC0415

    methods = list(results)
    if not methods:
        raise ValueError("metric_table needs at least one method, got an empty mapping")
    keys = list(results[methods[0]]) if keys is None else list(keys)
    names = [_metric(k)[0] + (f" ({_metric(k)[1]})" if _metric(k)[1] else "") for k in keys]
    frame = pd.DataFrame([[_fmt(results[m][k], k) for k in keys] for m in methods], index=methods, columns=names)
    bold = pd.DataFrame("", index=methods, columns=names)
    for key, name in zip(keys, names):
        best = max(methods, key=lambda m: _metric(key)[2] * value_of(results[m][key])[0])
        bold.loc[best, name] = "font-weight: bold"
    styler = frame.style.apply(lambda _: bold, axis=None)
    if caption:
        styler = styler.set_caption(caption)
    return styler


def oracle(results: Mapping[str, Mapping[str, Any]], candidates: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Per metric, the best of ``candidates`` (an oracle: it is chosen by looking at the reference).

    Returns
    -------
    row, chosen : dict
        Metric key -> the best candidate's summary, and metric key -> that candidate's name.

    Examples
    --------
    >>> row, chosen = oracle({"g5": {"mse": 0.3, "ms_ssim": 0.8}, "g10": {"mse": 0.2, "ms_ssim": 0.6}}, ["g5", "g10"])
    >>> chosen
    {'mse': 'g10', 'ms_ssim': 'g5'}
    """
    if not candidates:
        raise ValueError("oracle needs at least one candidate")
    row, chosen = {}, {}
    for key in results[candidates[0]]:
        best = max(candidates, key=lambda m: _metric(key)[2] * value_of(results[m][key])[0])
        row[key], chosen[key] = results[best][key], best
    return row, chosen


@dataclass(frozen=True)
class Verdict:
    """How a method does on one metric against the strongest other method.

    Attributes
    ----------
    metric : str
        Metric key.
    outcome : str
        ``"wins"``, ``"ties"`` (the difference is within two combined standard errors) or ``"loses"``.
    rival : str
        The strongest other method on this metric.
    value, rival_value : object
        Their summaries.
    """

    metric: str
    outcome: str
    rival: str
    value: Any
    rival_value: Any


def verdicts(results: Mapping[str, Mapping[str, Any]], method: str, rivals: Sequence[str] | None = None,
             keys: Sequence[str] | None = None) -> list[Verdict]:
    """One :class:`Verdict` per metric: ``method`` against the best of ``rivals`` (default: all others).

    Examples
    --------
    >>> from frcnet_lite.metrics import MetricSummary as M
    >>> r = {"net": {"ms_ssim": M(0.80, 0.01, 50)}, "kde": {"ms_ssim": M(0.79, 0.01, 50)}}
    >>> verdicts(r, "net")[0].outcome
    'ties'
    """
    if method not in results:
        raise ValueError(f"method {method!r} is not among the results {list(results)}")
    rivals = [m for m in results if m != method] if rivals is None else list(rivals)
    if not rivals:
        raise ValueError("verdicts needs at least one rival method")
    keys = list(results[method]) if keys is None else list(keys)
    out = []
    for key in keys:
        sign = _metric(key)[2]
        rival = max(rivals, key=lambda m: sign * value_of(results[m][key])[0])
        (a, sa, _), (b, sb, _) = value_of(results[method][key]), value_of(results[rival][key])
        noise = 2 * math.sqrt(sum(s * s for s in (sa, sb) if not math.isnan(s)))
        diff = sign * (a - b)
        outcome = "ties" if abs(diff) <= noise else ("wins" if diff > 0 else "loses")
        out.append(Verdict(key, outcome, rival, results[method][key], results[rival][key]))
    return out


def compare(results: Mapping[str, Mapping[str, Any]], method: str, rivals: Sequence[str] | None = None,
            keys: Sequence[str] | None = None, subject: str | None = None, rival_names: Mapping[str, str] | None = None
            ) -> str:
    """A sentence: on which metrics ``method`` beats, ties with or loses to the strongest rival.

    Parameters
    ----------
    results : mapping
        Method -> metric key -> summary.
    method : str
        The method the sentence is about.
    rivals : sequence of str, optional
        The baselines (default: all other methods).
    keys : sequence of str, optional
        Metrics (default: all of ``method``'s).
    subject : str, optional
        How to name ``method`` (default ``"The <method>"``).
    rival_names : mapping, optional
        Longer names of rivals in the sentence (e.g. ``{"best Gaussian": "the best Gaussian blur
        (10 nm)"}``).

    Returns
    -------
    str
        One sentence per outcome, with the numbers (``mean ± SEM``) and the rival's name.
    """
    rival_names = dict(rival_names or {})
    groups: dict[str, list[str]] = {"wins": [], "ties": [], "loses": []}
    for v in verdicts(results, method, rivals, keys):
        name = _metric(v.metric)[0]
        groups[v.outcome].append(f"{name} ({_fmt(v.value, v.metric, True)} vs {_fmt(v.rival_value, v.metric, True)}, "
                                 f"{rival_names.get(v.rival, v.rival)})")
    subject = subject or f"The {method}"
    clauses: list[str] = []
    for outcome, verb in (("wins", "beats {} on"), ("ties", "ties with {} (difference within two standard errors) on"),
                          ("loses", "loses to {} on")):
        if groups[outcome]:
            clauses.append(verb.format("it" if clauses else "the strongest baseline") + " " + _join(groups[outcome]))
    return f"{subject} {_join(clauses, sep='; ', last='; and ')}."


def _join(items: Sequence[str], sep: str = ", ", last: str = " and ") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + last + items[-1]


def ranking(values: Mapping[str, float], higher_is_better: bool, fmt: str = ".3f") -> str:
    """An ordering in words: best first, with the values.

    Examples
    --------
    >>> ranking({"a": 0.3, "b": 0.1, "c": 0.2}, higher_is_better=False)
    'b (0.100), then c (0.200), then a (0.300)'
    """
    if not values:
        raise ValueError("ranking needs at least one value")
    order = sorted(values, key=lambda k: values[k], reverse=higher_is_better)
    return ", then ".join(f"{k} ({values[k]:{fmt}})" for k in order)


def epoch_line(row: Mapping[str, float], epochs: int | None = None) -> str:
    """One line about a training epoch (a ``history.csv`` row): losses, validation metrics, seconds.

    ``epochs`` (the run's length) shows the epoch as ``3/10``.

    Examples
    --------
    >>> row = {"epoch": 3, "train_loss": 0.5, "val_loss": 0.6, "val_frc": 0.4, "val_ms_ssim_index": 0.7, "seconds": 12.0}
    >>> epoch_line(row)
    'epoch 3: train loss 0.5000, validation loss 0.6000, area-FRC 0.600, MS-SSIM 0.700 (12 s)'
    >>> epoch_line(row, 10)[:11]
    'epoch 3/10:'
    """
    of = f"/{epochs}" if epochs is not None else ""
    return (f"epoch {int(row['epoch'])}{of}: train loss {row['train_loss']:.4f}, validation loss {row['val_loss']:.4f}, "
            f"area-FRC {1 - row['val_frc']:.3f}, MS-SSIM {row['val_ms_ssim_index']:.3f} ({row['seconds']:.0f} s)")


def print_epoch(row: Mapping[str, float]) -> None:
    """Print :func:`epoch_line` (a ready-made ``on_epoch_end`` for :func:`frcnet_lite.training.train`)."""
    print(epoch_line(row))
