"""What is stored beside a shipped model, and the card (README) rendered from it.

A shipped model's folder holds ``model.keras`` and ``model.json`` (the model), its training
configuration and curves, and ``results.json``: everything its evaluation measured, per image
(patch or field) and per set. This module owns that record: :func:`summarise_set` turns per-image
scores into the tables' means and the paired margins over independent units
(:mod:`frcnet_lite.validation`), :func:`readme` renders the card from ``results.json`` alone (so a
test can check that the shipped card is exactly what its results make), :func:`write_csvs` the
tables beside it, and :func:`update_model_json` is the one writer of ``model.json`` after training
(atomic: a temporary file renamed over the old one).

Every number in a card is computed here from the stored results; no number is typed.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .two_filaments import PAPER_NETWORK_NM as PAPER_TWO_FILAMENT_NM
from .two_filaments import SPARSE_BASELINES, TRUTH
from .metrics import _summarise
from .losses import LOSS_LABELS, METHOD_WEIGHTS, describe_weights
from .validation import METRIC_LABELS, ORACLE, PROTOCOL, Margin, field_margins, margin_phrase

__all__ = [
    "METHODS",
    "KEYS",
    "summarise_set",
    "set_margins",
    "load_results",
    "update_model_json",
    "evaluation_table",
    "bars",
    "bars_table",
    "validation_line",
    "readme",
    "write_csvs",
    "departures_from_paper",
    "real_readme",
    "install",
    "machine",
    "budget_section",
]


def _summary(values: Sequence[float]) -> dict:
    return _summarise(values).to_dict()


def machine() -> dict:
    """The machine a model or a study run is trained on (recorded in its results, shown on its card)."""
    import platform  # noqa: PLC0415

    return {"cpu_count": os.cpu_count(), "processor": platform.machine(), "system": platform.system()}


def summarise_set(per_patch: Sequence[Mapping], methods: Sequence[str] | None = None,
                  keys: Sequence[str] = PROTOCOL.metrics) -> dict:
    """The tables' numbers of one evaluated set, counted over its fields (the independent units).

    ``summary[method][metric]``: the mean over fields of each field's mean, its SEM over fields and
    ``n`` fields; ``margin[metric]``: the network's paired margin over the oracle blur
    (:func:`frcnet_lite.validation.field_margins`, a :class:`~frcnet_lite.validation.Margin` as a dict).

    Examples
    --------
    >>> recs = [{"field": f, "network": {"psnr_db": 20 + d}, ORACLE: {"psnr_db": 20.0}}
    ...         for f, d in (("a", 1.0), ("a", 3.0), ("b", 1.0), ("c", 0.5))]
    >>> s = summarise_set(recs, methods=("network", ORACLE), keys=("psnr_db",))
    >>> s["summary"]["network"]["psnr_db"]["n"], s["margin"]["psnr_db"]["n"], s["margin"]["psnr_db"]["unit"]
    (3, 3, 'field')
    >>> round(s["margin"]["psnr_db"]["mean"], 3)
    1.167
    """
    methods = methods or [m for m in METHODS if m in per_patch[0]]
    fields = sorted({r["field"] for r in per_patch})
    summary = {}
    for m in methods:
        summary[m] = {}
        for k in keys:
            per_field = [float(np.mean([r[m][k] for r in per_patch if r["field"] == f])) for f in fields]
            summary[m][k] = {**_summary(per_field), "unit": "field"}
    margin = {k: v.to_dict() for k, v in field_margins(per_patch, metrics=keys).items()}
    return {"summary": summary, "margin": margin, "patches": len(per_patch), "fields": len(fields)}


def set_margins(ev: Mapping) -> dict[str, Margin]:
    """``{metric: Margin}`` of a summarised set."""
    return {k: Margin(**m) for k, m in ev["margin"].items()}


def load_results(folder: str | os.PathLike) -> dict:
    """A model folder's ``results.json``."""
    path = Path(folder) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"no results.json in {str(folder)!r}: this model has no stored evaluation")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})") from None


def update_model_json(folder: str | os.PathLike, data: Mapping | None = None, **fields) -> dict:
    """Update a saved model's ``model.json`` in place (``data`` merged into its ``data``; ``fields`` set), atomically.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "model.json").write_text('{"data": {"source": "x"}, "pixel_size_nm": 5.0}')
    >>> update_model_json(d, {"validation": "v"})["data"]
    {'source': 'x', 'validation': 'v'}
    """
    path = Path(folder) / "model.json"
    info = json.loads(path.read_text())
    if data:
        info["data"] = {**info.get("data", {}), **data}
    info.update(fields)
    tmp = path.with_name(".model.json.tmp")
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True))
    os.replace(tmp, path)
    return info


def install(pkg: str | os.PathLike, files: Sequence[str | os.PathLike], texts: Mapping[str, str] | None = None) -> Path:
    """Make ``pkg`` a model folder holding ``files`` (copied) and ``texts`` (``{name: content}``), all at once.

    Everything is written to a staging folder beside it, which then replaces ``pkg``: an interruption leaves the
    old folder or the new one, never a mix.
    """
    import shutil  # noqa: PLC0415

    pkg = Path(pkg)
    staging, old = pkg.with_name(f".{pkg.name}.new"), pkg.with_name(f".{pkg.name}.old")
    for d in (staging, old):
        if d.exists():
            shutil.rmtree(d)
    staging.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, staging / Path(f).name)
    for name, text in (texts or {}).items():
        (staging / name).write_text(text)
    if pkg.exists():
        os.replace(pkg, old)
    os.replace(staging, pkg)
    if old.exists():
        shutil.rmtree(old)
    return pkg


def departures_from_paper(train_config: Mapping, target: Mapping | None = None) -> list[str]:
    """How a model's recipe departs from the paper's (Berberich et al. 2021), one phrase each.

    The paper's recipe: the pix2pix U-Net (dropout 0.5 in the first three decoder blocks), anisotropic KDE
    targets, MS-SSIM + area-FRC + 0.1 L1, Adam 2e-4 / beta_1 0.5. The lite networks of this package are
    smaller (depth 6, 16-128 filters) and decode by resize + convolution; those are not listed.

    Examples
    --------
    >>> departures_from_paper({"generator": "unet", "dropout_blocks": 3, "learning_rate": 2e-4, "beta_1": 0.5,
    ...                        "loss_weights": {"ms_ssim": 1, "frc": 1, "l1": 0.1}, "target_kind": "anisotropic"})
    []
    """
    c = train_config
    out = []
    if c.get("generator", "unet") != "unet":
        out.append(f"generator `{c['generator']}`" + (": the output is a per-pixel blend of fixed Gaussian blurs of "
                                                      "the input plus a learned correction"
                                                      if c["generator"] == "unet_blend" else ""))
    kind = (target or {}).get("kind", c.get("target_kind"))
    if kind not in ("anisotropic", "images"):
        sigma = (target or {}).get("params", {}).get("sigma_nm")
        out.append(f"{'Gaussian' if kind == 'gaussian' else kind} KDE targets"
                   + (f" ({sigma:g} nm kernel)" if sigma else "") + " instead of anisotropic")
    order = {k: i for i, k in enumerate(LOSS_LABELS)}  # the terms in the order people read them
    w = dict(sorted(c.get("loss_weights", {}).items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    if w != METHOD_WEIGHTS:
        changed = [LOSS_LABELS.get(k, k) for k in w if k not in METHOD_WEIGHTS or w[k] != METHOD_WEIGHTS[k]]
        dropped = [LOSS_LABELS.get(k, k) for k in METHOD_WEIGHTS if k not in w]
        out.append(f"loss {describe_weights(w)}" + "".join(
            f" ({what} {', '.join(terms)})" for what, terms in (("adds or reweights", changed), ("drops", dropped))
            if terms))
    if c.get("local_sigma_px"):
        out.append(f"counts and targets divided by the input's local density ({c['local_sigma_px']:g} px)")
    if c.get("bn_recalibration_patches"):
        out.append(f"batch-norm statistics re-estimated after training ({c['bn_recalibration_patches']} patches)")
    if (c.get("learning_rate"), c.get("beta_1")) != (2e-4, 0.5):
        out.append(f"Adam learning rate {c.get('learning_rate'):g} with beta_1 {c.get('beta_1'):g} (paper: 2e-4, 0.5)"
                   + (f", decayed linearly over the last {c['decay_epochs']} epochs" if c.get("decay_epochs") else ""))
    if c.get("dropout_blocks", 3) != 3:
        n = c.get("dropout_blocks")
        out.append((f"dropout in {n} decoder blocks" if n else "no dropout") + " (paper: the first 3 decoder blocks)")
    if c.get("input_transform", "linear") != "linear":
        out.append(f"{c['input_transform']} input transform")
    return out




METHODS = ("network", ORACLE, "histogram", "anisotropic KDE", "dense target")


KEYS = PROTOCOL.metrics




def sweep_table(sweep: Mapping) -> str:
    """Markdown: per parameter set, the network's margin over the oracle blur (paired, mean ± SEM)."""
    lines = ["| independent simulator's parameters | fields | network − oracle blur: MS-SSIM | PSNR (dB) | "
             "area-FRC (0.2) |", "|---|---|---:|---:|---:|"]
    for name, row in sweep.items():
        mg = set_margins(row)
        lines.append(f"| {name} | {mg['ms_ssim'].n} | " + " | ".join(
            _margin_cell(mg[k], d) for k, d in zip(KEYS, (4, 2, 3))) + " |")
    return "\n".join(lines)


def sweep_reading(sweep: Mapping) -> str:
    """Where the network wins and loses across the sweep, computed from each margin's verdict."""
    everywhere = [n for n, r in sweep.items() if len(_won_lost(r["margin"])[0]) == len(KEYS)]
    rest = [f"{n}: it {_margin_verdict(r['margin'])}" for n, r in sweep.items() if n not in everywhere]
    n = next(iter(sweep.values()))["margin"]["ms_ssim"]["n"]
    return (f"The network beats the oracle blur on every metric (95 % interval over the {n} fields of each set) in "
            f"{len(everywhere)} of {len(sweep)} parameter sets" + (f" ({'; '.join(rest)})." if rest else "."))


#: What each generator is, for the README (:data:`frcnet_lite.model.GENERATORS`).
GENERATOR_TEXT = {
    "unet": "the pix2pix U-Net",
    "unet_fullres": "the pix2pix U-Net with a full-resolution head",
    "unet_blend": "the U-Net's output is a per-pixel blend of fixed Gaussian blurs of the input (0.5-6 px), "
                  "weighted by the network, plus its learned correction",
}


def LOCAL_TEXT(config) -> str:  # noqa: N802 (reads as a constant in the template)
    """The local density normalisation, if any, as README text."""
    if not config.local_sigma_px:
        return ""
    return f"; counts and targets in units of the input's local density ({config.local_sigma_px:g} px Gaussian)"


def _target_sigma_nm(results: Mapping) -> float | None:
    """The Gaussian targets' kernel (nm) recorded in ``results``, None for other targets or none recorded."""
    return results.get("target", {}).get("params", {}).get("sigma_nm")


def kernel_reading(results: Mapping) -> str:
    """This model's kernel, and how its dense target does against the oracle blur in the shifted regime (computed)."""
    sigma = _target_sigma_nm(results)
    if sigma is None:
        return ""
    sh = results["evaluation"]["shifted"]["summary"]
    dense, oracle = sh["dense target"]["psnr_db"]["mean"], sh["best blur (oracle)"]["psnr_db"]["mean"]
    text = f"This model's targets use a {sigma:g} nm kernel. In the shifted regime its dense target (the KDE of all " \
           f"localizations) scores {dense:.2f} dB against the truth, "
    if dense < oracle:
        return text + (f"below the oracle blur of the sparse input ({oracle:.2f} dB): few blinks per dye and poor "
                       "precision leave a narrow KDE of all localizations spiky where the truth is wide, so a network "
                       "that learns this target well cannot win there.")
    return text + f"above the oracle blur of the sparse input ({oracle:.2f} dB)."


def KERNEL_TEXT(results: Mapping, study) -> str:  # noqa: N802 (reads as a constant in the template)
    """The target-kernel section of the README (:func:`target_kernel_cost`), if measured (starts with a blank line)."""
    if not results.get("kernel_cost"):
        return ""
    sigma = _target_sigma_nm(results)
    return ("\n### What the target's kernel costs\n\n"
            "A network trained towards a Gaussian KDE learns the expected target: the truth as the sparse data show "
            "it, blurred once more by the kernel. Widening each patch's oracle blur (its PSNR width) by a kernel, in "
            "quadrature, measures what that blur alone costs against the truth (oracle minus widened, paired, "
            "mean ± SEM over the fields present in each quarter):\n\n" + kernel_table(results["kernel_cost"], study.pixel_size_nm, sigma) + "\n")


def BN_TEXT(config) -> str:  # noqa: N802 (reads as a constant in the template)
    """The batch-norm re-estimation, if any, as a README paragraph (ends with a blank line)."""
    if not config.bn_recalibration_patches:
        return ""
    return (f"After the last epoch the batch-norm statistics were re-estimated with the final weights over "
            f"{config.bn_recalibration_patches} augmented training patches (`bn_recalibration_patches`); the "
            "validation columns of `history.csv` were computed each epoch with the running averages instead, "
            "which trail the weights: their swings from epoch to epoch are that lag, not the model.\n\n")


def _won_lost(mg: Mapping) -> tuple[list[str], list[str]]:
    """The metrics (:data:`KEYS`) a paired margin wins and loses (its verdict over independent units)."""
    return ([k for k in KEYS if mg[k]["verdict"] == "better"], [k for k in KEYS if mg[k]["verdict"] == "worse"])


def _margin_cell(m: Margin, digits: int) -> str:
    """A table cell: the margin ± SEM over units, in bold when its verdict is a win or a loss."""
    text = m.text(digits, n=False)
    return f"**{text}**" if m.verdict in ("better", "worse") else text


def kernel_table(cost: Sequence[Mapping], pixel_size_nm: float, sigma_nm: float | None) -> str:
    """Markdown: the kernel cost per density quarter (:func:`target_kernel_cost`), with a reading."""
    widths = list(cost[0]["cost_db"])
    lines = ["| sparse localizations per patch | oracle blur PSNR (dB) | " + " | ".join(
        f"cost of a {float(w) * pixel_size_nm:g} nm kernel (dB)" for w in widths) + " |",
        "|---|---|" + "---|" * len(widths)]
    for q in cost:
        lines.append(f"| {q['counts'][0]:,.0f}-{q['counts'][1]:,.0f} | {q['oracle_db']:.2f} | " + " | ".join(
            f"{q['cost_db'][w]['mean']:.2f} ± {q['cost_db'][w]['sem']:.2f}" for w in widths) + " |")
    widest_first = sorted(widths, key=float, reverse=True)
    dense = cost[-1]["cost_db"]
    text = (f"In the densest quarter a {float(widest_first[0]) * pixel_size_nm:g} nm kernel costs "
            f"{dense[widest_first[0]]['mean']:.2f} dB, " + ", ".join(
                f"a {float(w) * pixel_size_nm:g} nm one {dense[w]['mean']:.2f} dB" for w in widest_first[1:])
            + "; in the sparsest quarter " + ", ".join(f"{cost[0]['cost_db'][w]['mean']:.2f}" for w in widest_first)
            + " dB.")
    if sigma_nm is not None:
        text += f" This model's targets use a {sigma_nm:g} nm kernel."
    return "\n".join(lines) + "\n\n" + text




def _fmt(s: Mapping[str, float], digits: int = 3) -> str:
    """``mean ± SEM`` with fixed decimals."""
    if s["n"] == 0:
        return "n/a"
    sem = "" if not math.isfinite(s["sem"]) else f" ± {s['sem']:.{digits}f}"
    return f"{s['mean']:.{digits}f}{sem}"


def evaluation_table(ev: Mapping) -> str:
    """Markdown: methods x metrics (mean ± SEM over fields), then the paired margin over the oracle blur."""
    lines = ["| method | MS-SSIM | PSNR (dB) | area-FRC (0.2) |", "|---|---:|---:|---:|"]
    for m in METHODS:
        if m not in ev["summary"]:
            continue
        label = {"network": "**network**", "dense target": "dense target (all localizations)"}.get(m, m)
        lines.append(f"| {label} | " + " | ".join(_fmt(ev["summary"][m][k], d) for k, d in zip(KEYS, (3, 2, 3)))
                     + " |")
    mg = set_margins(ev)
    lines.append(f"| network − oracle blur (paired, {mg['ms_ssim'].n_text}) | " + " | ".join(
        _margin_cell(mg[k], d) for k, d in zip(KEYS, (4, 2, 3))) + " |")
    return "\n".join(lines) + "\n\n" + "The margin: " + margin_phrase(mg) + "."


def two_filament_table(tf: Mapping) -> str:
    """Markdown: smallest resolved distance per method, for each criterion."""
    crits = list(tf["criteria"])
    lines = ["| method | " + " | ".join(f"{c} (nm)" for c in crits) + " |", "|---" * (len(crits) + 1) + "|"]
    labels = {"dense target": f"dense target ({tf.get('target_kind', 'anisotropic')} KDE, all localizations)",
              "dense histogram": "dense histogram (all localizations)",
              TRUTH: "truth (noise-free expected histogram: the ceiling)"}
    for name in ("network", "histogram", "anisotropic KDE", "best Gaussian blur", *labels):
        if name not in tf["criteria"][crits[0]]["rows"]:
            continue
        cells = []
        for c in crits:
            r = tf["criteria"][c]["rows"][name]
            extra = f" [{r['width'].removeprefix('Gaussian blur ')}]" if "width" in r else ""
            cells.append(f"{_fmt(r, 1)}{extra} ({r['n']}/{r['runs']} runs)")
        lines.append(f"| {labels.get(name, name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _paired_nm(a: Mapping, b: Mapping) -> dict:
    """Run-by-run difference of two two-filament rows (the same simulations): mean, SEM, runs where both resolved."""
    pairs = [x - y for x, y in zip(a["per_run_nm"], b["per_run_nm"]) if math.isfinite(x) and math.isfinite(y)]
    return _summary(pairs)


def two_filament_reading(tf: Mapping) -> str:
    """What the two-filament table shows, computed from it (empty when the truth was not measured)."""
    parts = []
    for crit, block in tf["criteria"].items():
        rows = block["rows"]
        if TRUTH not in rows:
            return ""
        truth, net = rows[TRUTH], rows["network"]
        best = min(SPARSE_BASELINES, key=lambda n: rows[n]["mean"])
        gaps = {n: _paired_nm(rows[n], truth) for n in SPARSE_BASELINES}
        below = [n for n in SPARSE_BASELINES if gaps[n]["n"] > 1 and gaps[n]["mean"] + 2 * gaps[n]["sem"] < 0]
        text = (f"With `{crit}` the noise-free truth resolves from {truth['mean']:.1f} ± {truth['sem']:.1f} nm; the "
                f"network from {net['mean']:.1f} ± {net['sem']:.1f} nm ({net['mean'] - truth['mean']:+.1f} nm), its "
                f"dense target from {rows['dense target']['mean']:.1f}, the best sparse baseline ({best}) from "
                f"{rows[best]['mean']:.1f}.")
        if below:
            named = [f"the {n}" for n in below]
            listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
            text += (f" {listed[0].upper()}{listed[1:]} 'resolve{'s' if len(below) == 1 else ''}' below the truth "
                     "itself (run by run, by more than 2 SEM): no image of these data can show more than the truth "
                     "does, so those dips are noise. "
                     "Noise raises the peaks and lowers the minimum between them, so a noisy profile's dip is deeper "
                     "than the truth's, and the smoother an estimate the less it profits.")
        parts.append(text)
    return "\n\n".join(parts)


def write_csvs(results: Mapping, folder: Path) -> None:
    """``evaluation.csv`` (set, method, metric, mean, sem, n) and ``two_filaments.csv`` (criterion, method, ...)."""
    with (folder / "evaluation.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["set", "method", "metric", "mean", "sem", "n"])
        for name, ev in results["evaluation"].items():
            for m in METHODS:
                for k in KEYS:
                    s = ev["summary"][m][k]
                    w.writerow([name, m, k, f"{s['mean']:.6g}", f"{s['sem']:.3g}", s["n"]])
            for k in KEYS:
                s = ev["margin"][k]
                w.writerow([name, "network - oracle blur", k, f"{s['mean']:.6g}", f"{s['sem']:.3g}", s["n"]])
    tf = results["two_filaments"]
    with (folder / "two_filaments.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["criterion", "method", "mean_nm", "sem_nm", "runs_resolved", "runs",
                    *[f"resolved_at_{d:g}nm" for d in tf["distances_nm"]]])
        for crit, block in tf["criteria"].items():
            for name, r in block["rows"].items():
                w.writerow([crit, name if "width" not in r else f"{name} ({r['width']})", f"{r['mean']:.4g}",
                            f"{r['sem']:.3g}", r["n"], r["runs"], *[f"{v:.2f}" for v in r["fraction_resolved"]]])


def validation_line(results: Mapping) -> str:
    """The one line ``frcnet-lite models`` shows."""
    mg = set_margins(results["evaluation"]["test"])
    tf = results["two_filaments"]
    rows = tf["criteria"][tf["criterion"]]["rows"]
    return (f"held-out simulations, paired margin over the oracle Gaussian blur (MS-SSIM / PSNR dB / area-FRC 0.2, "
            f"mean ± SEM over {mg['ms_ssim'].n_text}): {mg['ms_ssim'].text(3, n=False)} / "
            f"{mg['psnr_db'].text(2, n=False)} / {mg['area_frc_0.2'].text(3, n=False)} "
            f"({' / '.join(mg[k].verdict for k in KEYS)})" + "".join(
                f"; {label} {set_margins(results['evaluation'][s])['psnr_db'].text(2, n=False)} dB PSNR"
                for s, label in (("other", "an independent simulator"), ("shifted", "outside all training ranges"))
                if s in results["evaluation"]) +
            f"; two filaments ({tf['criterion']}) resolved from {rows['network']['mean']:.0f} nm "
            f"(best sparse baseline {min(rows[n]['mean'] for n in SPARSE_BASELINES):.0f} nm)")


def bars(results: Mapping) -> list[dict]:
    """The issue's bars, checked on the results: ``[{"claim", "value", "met"}]``.

    On the held-out test fields the network beats every baseline on every metric (for the oracle
    blur: the 95 % t interval of the paired margin over fields lies above zero,
    :func:`frcnet_lite.validation.paired_margin`); on the confirmation set, the independent
    simulator's fields and the shifted regime (a stress test) it beats the oracle blur by the same
    rule; in the two-filament test (headline criterion) it resolves no worse than the best sparse
    baseline.
    """
    ev = results["evaluation"]["test"]
    out = []
    for k in KEYS:
        mg = Margin(**ev["margin"][k])
        out.append({"claim": f"test: network better than the oracle blur on {METRIC_LABELS[k]}",
                    "value": mg.text(4), "met": mg.verdict == "better"})
        for base in ("histogram", "anisotropic KDE"):
            net, other = ev["summary"]["network"][k]["mean"], ev["summary"][base][k]["mean"]
            out.append({"claim": f"test: network > {base} on {METRIC_LABELS[k]}", "value": f"{net:.4g} vs {other:.4g}",
                        "met": bool(net > other)})
    for split, label in (("confirm", "confirmation set"), ("other", "independent simulator"),
                         ("shifted", "shifted regime (stress test)")):
        if split not in results["evaluation"]:
            continue
        for k in KEYS:  # the choices' unbiased check, and the stand-in for another simulator's fields: the same bar
            mg = Margin(**results["evaluation"][split]["margin"][k])
            out.append({"claim": f"{label}: network better than the oracle blur on {METRIC_LABELS[k]}",
                        "value": mg.text(4), "met": mg.verdict == "better"})
    tf = results["two_filaments"]
    rows = tf["criteria"][tf["criterion"]]["rows"]
    net = rows["network"]["mean"]
    best = min(rows[n]["mean"] for n in SPARSE_BASELINES)
    out.append({"claim": f"two filaments ({tf['criterion']}): network <= best sparse baseline",
                "value": f"{net:.1f} vs {best:.1f} nm", "met": bool(net <= best)})
    return out


def width_reading(ev: Mapping) -> str:
    """How wide the blurs are that the network blends where the structure is, against the oracle's (computed)."""
    if not all("network_blend_px" in p for split in ("test", "shifted") for p in ev[split]["per_patch"]):
        return ""
    med = {split: (float(np.median([p["network_blend_px"] for p in ev[split]["per_patch"]])),
                   float(np.median([p["blur_sigma_px"]["psnr_db"] for p in ev[split]["per_patch"]])))
           for split in ("test", "shifted")}
    return (f"Where the shifted regime is lost: there the oracle blur's width is a median of {med['shifted'][1]:g} px "
            f"({med['test'][1]:g} px on the test fields), but the blurs the network blends where the structure is "
            f"(truth-weighted) have a median width of {med['shifted'][0]:.1f} px ({med['test'][0]:.1f} px on the test "
            "fields): the network hardly widens them. A likely reason (not measured on its own): with few blinks per "
            "dye the sparse localizations are independent samples of a wide structure and need a wide blur, while "
            "in training, inputs that dense came from well-sampled filaments.")


def _margin_verdict(mg: Mapping) -> str:
    """Which metrics a paired margin wins and loses on, in words (from the verdicts over units)."""
    return margin_phrase({k: Margin(**mg[k]) for k in KEYS})


def other_section(results: Mapping) -> str:
    """The README's section on the independent simulator's fields (empty for results without them)."""
    ev = results["evaluation"]
    if "other" not in ev:
        return ""
    n_fields = ev["other"]["fields"]
    seeds = results["seeds"]
    return f"""
## Another simulator ({n_fields} fields, {ev['other']['patches']} patches)

`scripts/independent_simulator.py` is a second simulator written for this check: it shares no code with
`frcnet_lite.simulate` and makes its own model choices (worm-like chains grown in 5 nm steps, epitopes on a hollow
cylinder, antibodies in a random 3D direction, Poisson dyes per antibody, dark dyes, geometric blinking with
exponential bleaching, exponential photon counts with a detection threshold, Mortensen et al. 2010 localization
error). Its default parameters (typical of Alexa 647 dSTORM of microtubules, set before any model was scored on
it) are used for {n_fields} fields with seeds {seeds['other']}+i; 10 % time window at 5 nm, scored
against its own truth:

{evaluation_table(ev['other'])}
""" + ("" if "other_sweep" not in results else f"""
The same simulator with one departure at a time from those defaults, and (last row, added after the others had
been scored) the shifted regime's departures all at once ({next(iter(results['other_sweep'].values()))
['fields']} fields each, seeds {seeds['sweep']}+i, the same seeds for every set):

{sweep_table(results['other_sweep'])}

{sweep_reading(results['other_sweep'])}
""")


def confirm_section(ev: Mapping, seeds: Mapping) -> str:
    """The README's confirmation-set section (empty for results without one)."""
    if "confirm" not in ev:
        return ""
    return f"""
## A second test set, drawn after the choices ({ev['confirm']['fields']} fields, {ev['confirm']['patches']} patches)

The training data, target kernel and architecture were chosen by comparing candidates on the test fields above, so
their margins may be flattered by that choice. These fields are drawn as the test fields, with seeds
{seeds['confirm']}+i, used by nothing else and first evaluated after the choice was made:

{evaluation_table(ev['confirm'])}
"""


def bars_table(checks: Sequence[Mapping]) -> str:
    """Markdown table of :func:`bars`."""
    lines = ["| claim | value | met |", "|---|---|---|"]
    lines += [f"| {c['claim']} | {c['value']} | {'yes' if c['met'] else '**no**'} |" for c in checks]
    return "\n".join(lines)


def density_table(per_patch: Sequence[Mapping], groups: int = 4) -> str:
    """Network − oracle blur per quarter of the patches by sparse counts (paired, mean ± SEM over the fields
    present in the quarter), with a reading."""
    if not per_patch or "input_counts" not in per_patch[0]:
        return "(input counts not recorded: re-run the evaluation)"
    order = np.argsort([p["input_counts"] for p in per_patch], kind="stable")
    lines = ["| sparse localizations per patch | patches | fields | " + " | ".join(
        f"network − oracle blur: {METRIC_LABELS[k]}" for k in KEYS) + " |", "|---|---:|---:|" + "---:|" * len(KEYS)]
    psnr = []
    for part in np.array_split(order, min(groups, len(order))):  # fewer patches than groups: one patch each
        recs = [per_patch[i] for i in part]
        counts = [r["input_counts"] for r in recs]
        mg = field_margins(recs, metrics=KEYS)
        cells = [_margin_cell(mg[k], d) for k, d in zip(KEYS, (4, 2, 3))]
        sig = float(np.mean([r["blur_sigma_px"]["psnr_db"] for r in recs]))
        psnr.append((mg["psnr_db"].mean, mg["psnr_db"], min(counts), max(counts), sig))
        lines.append(f"| {min(counts):,.0f}-{max(counts):,.0f} | {len(part)} | {mg['ms_ssim'].n} | "
                     + " | ".join(cells) + " |")
    worst = min(psnr, key=lambda r: r[0])
    lost = [f"{lo:,.0f}-{hi:,.0f}" for _, m, lo, hi, _ in psnr if m.verdict == "worse"]
    sig_all = float(np.mean([p["blur_sigma_px"]["psnr_db"] for p in per_patch]))
    reading = (f"The PSNR margin is lowest ({worst[1].text(2)}) for patches with {worst[2]:,.0f}-"
               f"{worst[3]:,.0f} sparse localizations; " +
               (f"it is below zero (95 % interval over fields) for {', '.join(lost)} localizations per patch. "
                if lost else "no quarter is lost (95 % interval over its fields). ") +
               f"The oracle blur's width for PSNR there is {worst[4]:.1f} px on average ({sig_all:.1f} px over all "
               "patches): where counts are many, a narrow blur is already close to the truth.")
    return "\n".join(lines) + "\n\n" + reading


def trust_section(trust: Mapping | None) -> str:
    """The card's section on what the model invents and how well the data-support map flags it (from the stored
    hallucination study, :func:`frcnet_lite.hallucination.load_results`); empty without it."""
    if not trust:
        return ""
    g = trust["gaps"]["held-out"]
    rows = ["| gap length (nm) | gaps | network | blur 10 nm | oracle blur | truth |", "|---:|---:|---:|---:|---:|---:|"]
    for i, length in enumerate(g["lengths_nm"]):
        rows.append(f"| {length:g} | {g['n'][i]} | " + " | ".join(
            f"{g['median_fill'][m][i]:.2f}" for m in ("network", "blur 10 nm", "oracle blur", "truth")) + " |")
    skill, shipped = trust["skill"], trust["shipped"]
    halves = next(n for n in skill["confirm"] if n.startswith("halves") and "before" not in n)
    sets = ("confirm", "confirm, other simulator")
    return f"""
## What it invents, and the map that flags it

Simulated fields it never saw, with stretches of the labelling cut out (no dye there): the median intensity at a
gap's centre as a fraction of the same image's supported filament (this package's simulator, held-out seeds):

{chr(10).join(rows)}

The network fills short gaps that the data leave empty (its median fill is 0.1 or more up to
{max(L for L, v in zip(g['lengths_nm'], g['median_fill']['network']) if v >= 0.1):g} nm): a bright line across such a
gap is no evidence of a filament there. `frcnet-lite reconstruct --trust-map` writes a data-support map (`frcnet_lite.trust.data_support`):
on fields drawn after it was chosen, it tells gaps the network filled but the truth leaves empty from supported
filament with a ROC AUC of {skill[sets[0]][shipped]['invented_fills']:.2f} and {skill[sets[1]][shipped]['invented_fills']:.2f}
(this simulator; an independent one), all gaps filled above 0.3 with {skill[sets[0]][shipped]['filled_gaps']:.2f} and
{skill[sets[1]][shipped]['filled_gaps']:.2f}; the two-halves agreement map reaches
{skill[sets[0]][halves]['invented_fills']:.2f} and {skill[sets[1]][halves]['invented_fills']:.2f}. No map flags the largest
errors (AUC {skill[sets[0]][shipped]['worst_decile']:.2f} for the worst tenth of |output − truth|): they are errors
of intensity on well-supported filament. Empty fields, rings, clusters and a dense meshwork: the network invents less
than a blur of its input. All of it: `frcnet_lite/studies/trust/`, `python scripts/hallucination_study.py`.
"""


def line_profile_section(line: Mapping | None) -> str:
    """The card's line-profile two-filament section (:func:`frcnet_lite.two_filaments.line_profile_study`)."""
    if not line:
        return ""
    from .two_filaments import line_profile_reading, line_profile_table  # noqa: PLC0415

    return ("\n### Line profiles of short segments\n\nThe same kind of pairs, measured closer to a line profile on an "
            "image: 300 nm segments, the two peaks found without knowing the filaments' positions "
            "(`frcnet_lite/studies/two_filaments/`, `python scripts/two_filament_study.py`):\n\n"
            + line_profile_table(line) + "\n\n" + line_profile_reading(line) + "\n")


def target_reason(runs: Sequence[Mapping] | None) -> str:
    """What the reproduction study's target arms say of Gaussian vs anisotropic KDE targets, in one clause
    (``runs``: its stored records; ``""`` without both arms).

    Examples
    --------
    >>> target_reason([])
    ''
    """
    from .reproduction import TARGET_ARMS, margin_between  # noqa: PLC0415

    runs = runs or []
    if not all(any(r["group"] == g for r in runs) for g in TARGET_ARMS):
        return ""
    m = {k: margin_between(runs, *TARGET_ARMS, k) for k in ("ms_ssim", "psnr_db")}
    verdicts = {x.verdict for x in m.values()}
    lead = ("Gaussian KDE targets train networks closer to the simulated truth than anisotropic ones"
            if verdicts == {"worse"} else
            "anisotropic KDE targets train networks closer to the simulated truth than Gaussian ones"
            if verdicts == {"better"} else
            "neither kind of KDE target trains networks clearly closer to the simulated truth")
    return (f"{lead} (the reproduction study, notebook 4: anisotropic minus Gaussian, "
            f"MS-SSIM {m['ms_ssim'].text(3, n=False)}, PSNR {m['psnr_db'].text(2, n=False)} dB, mean ± SEM over "
            f"{m['ms_ssim'].n_text})")


def readme(results: Mapping, data: Mapping | None = None, trust: Mapping | None = None,
           line_profile: Mapping | None = None, target_runs: Sequence[Mapping] | None = None) -> str:
    """The ``simulated`` model's card, from its ``results.json`` (and its ``model.json`` ``data``, the stored
    hallucination and line-profile studies, and the reproduction study's target runs) alone."""
    ev, tf = results["evaluation"], results["two_filaments"]
    config = SimpleNamespace(**results["train_config"])
    study = SimpleNamespace(**results["study"])
    seeds = results["seeds"]
    data = data or {}
    ranges = "\n".join(f"  - `{k}`: {lo:g}-{hi:g}" for k, (lo, hi) in results["simulation"]["ranges"].items())
    shifted = ", ".join(f"`{k}` {lo:g}-{hi:g}" for k, (lo, hi) in results["shifted"]["ranges"].items())
    shifted_base = ", ".join(f"`{k}` = {v:g}" for k, v in results["shifted"]["base"].items())
    t = results["timing"]
    machine = t.get("machine", {})
    where = f" on {machine['cpu_count']} CPU cores ({machine['processor']})" if machine else ""
    departures = "\n".join(f"- {d}" for d in departures_from_paper(results["train_config"], results.get("target")))
    why = target_reason(target_runs)
    why = f"{why}; and a" if why else "a"
    paper = results["two_filaments"].get("paper_network_nm", PAPER_TWO_FILAMENT_NM)
    return f"""# `simulated`: frcnet-lite model trained on varied simulated microtubule dSTORM

Lite pix2pix U-Net (`{config.generator}`: {GENERATOR_TEXT.get(config.generator, config.generator)}; depth {config.depth},
{config.base_filters}..{config.max_filters} filters, {config.decoder} decoder{LOCAL_TEXT(config)})
trained on {study.train_fields} simulated fields of {study.field_size_nm / 1000:g} um ({study.subsets_per_field} sparse
windows each), every field with its own parameters drawn log-uniformly (`frcnet_lite.simulate.vary_config`):
{ranges}

and {results["simulation"]["parallel_pairs_per_field"]} close parallel filament pair(s) per training field, 20-150 nm apart (`parallel_pairs`).
Pairs from `frcnet_lite.pairs.build_pairs`: input = histogram of a random time window holding
{study.fraction:.0%} of the localizations (raw counts per {study.pixel_size_nm:g} nm pixel), target = {study.target_kind}
KDE of all localizations ({results.get('target', {}).get('params', {})}); loss {config.loss_weights}
(area-FRC cut-off {config.frc_cutoff}); {config.epochs} epochs x {config.steps_per_epoch} steps, batch
{config.batch_size}, {config.patch_size} px crops of {study.patch_px} px patches (rotation + flips), seed {config.seed}.
Seeds: fields `train` {seeds['train']}+i, `val` {seeds['val']}+i (training curves), `test` {seeds['test']}+i,
`shifted` {seeds['shifted']}+i, two filaments {seeds['two_filaments']}, `confirm` {seeds['confirm']}+i, the independent
simulator {seeds['other']}+i and its sweep {seeds['sweep']}+i (the last three scored after training and choosing).
Time: {t['train_minutes']:.1f} min of training steps, {t['evaluation_minutes']:.1f} min of evaluation{where}.

{BN_TEXT(config)}Use: `frcnet-lite reconstruct SPARSE_5NM.tif --model simulated -o out.tif`, or `frcnet_lite.model.load_model("simulated")`.
Reproduce: `python scripts/train_simulated.py` (configuration `train_config.yaml` = `configs/simulated.yaml`; curves
`history.csv`, `training_curves.png`; all numbers below in `results.json`, `evaluation.csv`, `two_filaments.csv`).

## How this model departs from the paper's recipe

The paper (Berberich et al. 2021) trains the pix2pix U-Net towards anisotropic KDE targets with MS-SSIM + area-FRC
+ 0.1 L1 and Adam 2e-4 / beta_1 0.5. This model is the lite U-Net (depth {config.depth}, resize decoder) and departs
from that recipe in:

{departures}

Why: {why} plain U-Net lost to the oracle blur on the densest patches, where a narrow blur of the sparse counts is
already close to the truth; a blend of blurs of the input can pass such counts through, and falls back towards a blur
of them for inputs unlike its training data. What the departures buy on real data is measured in the reproduction
study (notebook 4).

## The bars, checked

{bars_table(results["bars"])}

## Against the ground truth, held-out fields ({ev['test']['fields']} fields, {ev['test']['patches']} patches of {study.patch_px} px)

Test fields drawn from the training ranges with other seeds. {PROTOCOL.describe()} Each table's means are
over fields (a field's patches averaged first: patches of one field share its parameters, so they are not
independent samples), ± the SEM over fields; the margin is paired (network − oracle blur on the same patches,
averaged per field) and decided by its 95 % t interval over fields (bold: the interval excludes zero).

{evaluation_table(ev['test'])}

By how dense the input is (quarters of the test patches by their number of sparse localizations; network − oracle
blur, paired):

{density_table(ev['test']['per_patch'])}
{KERNEL_TEXT(results, study)}
{confirm_section(ev, seeds)}{other_section(results)}
## A different parameter regime ({ev['shifted']['fields']} fields, {ev['shifted']['patches']} patches)

Every varied parameter outside its training range ({shifted}) and bleaching, never simulated in training
({shifted_base}); no parallel pairs; 10 % time window at 5 nm.

{evaluation_table(ev['shifted'])}

{width_reading(ev)} {kernel_reading(results)}

## Two filaments

Two straight parallel filaments (default COS-7-like parameters, {tf['length_nm']:g} nm long) at
{tf['distances_nm'][0]:g}-{tf['distances_nm'][-1]:g} nm, {tf['repeats']} independent simulations per distance; every
method gets the same sparse input ({tf['fraction']:.0%} time window); the profile across the pair (averaged along the
central 80 %, smoothed by 1 px, at the known filament positions) counts as resolved when it has a peak near each
filament and a minimum between them: `rayleigh` (the headline) = a dip of at least 26.5 %, `sparrow` = any dip.
Resolution of one run = the smallest distance from which on every larger tested distance is resolved; mean ± SEM over
the runs that resolved at some distance (runs counted in brackets). The best Gaussian blur is the width (in brackets)
with the best mean. The dense rows use all localizations of the same simulations: the target is what the network is
trained towards, the dense histogram what the data hold. Shot noise can put a dip into a sparse profile where the
noise-free profile has none, so under the any-dip criterion a noisy sparse image can "resolve" below the dense data.
The truth row is the noise-free expected histogram of the same simulations (what every method estimates): the ceiling
of any faithful estimate. This protocol (ideal straight pairs, profiles averaged over micrometres at known centres) is
not the paper's (line profiles across real filament pairs), so its figures do not compare with the
{paper[0]:g} ± {paper[1]:g} nm Berberich et al. 2021 report for their network.

{two_filament_table(tf)}

{two_filament_reading(tf)}
""" + line_profile_section(line_profile) + trust_section(trust)


def _summary_csv(results: Mapping, path: Path) -> None:
    """``validation_metrics.csv``: the test set's means, one row per method (what notebook 4 prints)."""
    ev = results["evaluation"]["test"]["summary"]
    lines = ["method," + ",".join(KEYS)] + [f"{m}," + ",".join(f"{ev[m][k]['mean']:.6g}" for k in KEYS) for m in METHODS]
    path.write_text("\n".join(lines) + "\n")




# ------------------------------------------------------------------------------ real-data models
def budget_section(budget: Mapping[str, Mapping[str, float]], pixel_size_nm: float) -> str:
    """The card's "Where the PSNR goes" table and its reading (:func:`frcnet_lite.validation.psnr_budget`)."""
    from .validation import REGIONAL_PX, regional_label  # noqa: PLC0415

    lines = ["| whole-field PSNR (dB) | " + " | ".join(budget) + " |", "|---|" + "---:|" * len(budget)]
    for label in next(iter(budget.values())):
        lines.append(f"| {label} | " + " | ".join(f"{r[label]:.2f}" for r in budget.values()) + " |")

    def gain(row: str, field: str) -> float:
        return budget[field][row] - budget[field]["network"]

    from_blur, from_dense = regional_label("the blur"), regional_label("the dense image")
    share = [gain(from_blur, f) / gain(from_dense, f) for f in budget if gain(from_dense, f) > 0]
    lin = max(budget[f]["best linear filter (oracle)"] - budget[f]["oracle blur"] for f in budget)
    cal = max(gain("network, monotone recalibration (oracle)", f) for f in budget)
    dense = min(gain(from_dense, f) for f in budget)
    text = (f"No isotropic linear filter of the sparse input (any combination of Gaussian blurs) beats the oracle "
            f"blur by more than {lin:.2f} dB here, and no pointwise correction of the network's intensities adds "
            f"more than {cal:.2f} dB. The brightness of {REGIONAL_PX * pixel_size_nm / 1000:.2f} µm regions is worth "
            f"at least {dense:.2f} dB (the last row)")
    if share:
        text += (f", but taken from the blur of the sparse input the same correction recovers only "
                 f"{min(share):.0%}-{max(share):.0%} of that: the sparse window does not carry most of it")
    return "\n".join(lines) + "\n\n" + text + "."


def real_readme(name: str, results: Mapping, data: Mapping | None = None) -> str:
    """The card of a model trained on real image pairs (``cos7``), from its ``results.json`` alone."""
    data = data or {}
    c = SimpleNamespace(**results["train_config"])
    fields = results["fields"]
    px = results.get("pixel_size_nm", 10.0)
    t = results["timing"]
    machine = t.get("machine", {})
    where = f" on {machine['cpu_count']} CPU cores ({machine['processor']})" if machine else ""
    recs = [{"field": f, **r["rows"]} for f, r in fields.items()]
    summary = summarise_set(recs, methods=[m for m in METHODS if m in recs[0]])
    mg = set_margins(summary)
    rows = ["| field | method | MS-SSIM | PSNR (dB) | area-FRC (0.2) |", "|---|---|---:|---:|---:|"]
    for f, r in fields.items():
        for m in (m for m in METHODS if m in r["rows"]):
            label = f"**{m}**" if m == "network" else m
            rows.append(f"| {f} | {label} | " + " | ".join(f"{r['rows'][m][k]:.{d}f}" for k, d in
                                                          zip(KEYS, (3, 2, 3))) + " |")
    margins = [f"| field | network − oracle blur: {' | '.join(METRIC_LABELS[k] for k in KEYS)} | oracle blur width "
               "(px, per metric) |", "|---|" + "---:|" * len(KEYS) + "---|"]
    for f, r in fields.items():
        cells = [f"{mg[k].per_unit[f]:+.{d}f}" for k, d in zip(KEYS, (4, 2, 3))]
        widths = " / ".join(f"{r['blur_sigma_px'][k]:g}" for k in KEYS)
        margins.append(f"| {f} | " + " | ".join(cells) + f" | {widths} |")
    margins.append(f"| mean over {mg['ms_ssim'].n_text} | " + " | ".join(
        _margin_cell(mg[k], d) for k, d in zip(KEYS, (4, 2, 3))) + " | |")
    cb = "; ".join(f"{f}: {r['checkerboard']['ratio']:.2f}" for f, r in fields.items())
    departures = "\n".join(f"- {d}" for d in departures_from_paper(results["train_config"])) or "- none"
    train_fields = data.get("train_fields", [])
    budget = results.get("budget")
    return f"""# `{name}`: frcnet-lite model trained on real COS-7 dSTORM image pairs

Lite pix2pix U-Net (depth {c.depth}, {c.base_filters}..{c.max_filters} filters, {c.decoder} decoder) trained on
{len(train_fields)} real fields ({', '.join(train_fields)}) of the COS-7 microtubule data published with Berberich et
al., Front. Bioinform. 2021 (CIA-CCTB/FRCnet, MIT licence); fields {', '.join(c.val_fields)} were held out (split by
field: no pixel of them was trained on).

- input: histogram of a sparse subset of the localizations (raw counts per {px:g} nm pixel;
  median {data.get('input_counts_per_um2', float('nan')):.0f} localizations per um^2 in training);
  output: the dense image (the pairs' `_full` rendering of all localizations, in its 16-bit units);
- loss {c.loss_weights} (area-FRC cut-off {c.frc_cutoff}: it compares periods of
  {2 * px / c.frc_cutoff:g} nm and longer), {c.epochs} epochs x {c.steps_per_epoch} steps, batch {c.batch_size},
  {c.patch_size} px patches (rotation + flips), seed {c.seed};
- training time: {t['train_minutes']:.1f} min of training steps{where}.

Use: `frcnet-lite reconstruct SPARSE.png --pixel-size-nm {px:g} --model {name} -o out.tif`, or
`frcnet_lite.model.load_model("{name}")`. Reproduce: `python scripts/package_model.py {name}`
(config: `train_config.yaml`; curves: `history.csv`, `training_curves.png`; numbers: `results.json`).

## How this model departs from the paper's recipe

The paper trains the pix2pix U-Net with MS-SSIM + area-FRC + 0.1 L1 and Adam 2e-4 / beta_1 0.5 (its targets, the
`_full` images, are the same here). This model is the lite U-Net (depth {c.depth}, resize decoder) and departs in:

{departures}

What these departures buy at the same budget is measured in the reproduction study (notebook 4).

## Validation on the held-out fields

Each held-out field is reconstructed whole (256 px tiles, the mean over the 8 rotations and flips, as
`frcnet-lite reconstruct` does) and scored against the dense image. {PROTOCOL.describe()}

{chr(10).join(rows)}

The network's paired margin over the oracle blur, field by field, and over the fields (mean ± SEM; the fields are
the independent units, not crops of them):

{chr(10).join(margins)}

Over fields: {margin_phrase(mg)}. {mg['ms_ssim'].n_text.capitalize()} are too few for a verdict on whether the
network beats the blur on such data in general; the table says on which fields it did.

Checkerboard (power within 0.1 cycles/px of Nyquist, network / dense image): {cb}.
""" + ("" if not budget else f"""
## Where the PSNR goes

How much whole-field PSNR each kind of improvement could buy at most (`frcnet_lite.validation.psnr_budget`; rows
marked "oracle" are fitted on the held-out field itself):

{budget_section(budget, px)}
""")
