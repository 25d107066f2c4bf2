"""The FRC-vs-fraction study (Berberich et al. 2021, Fig. 2): resolution and area-FRC against the amount of data.

How much worse is a *sparse* acquisition? :func:`frc_vs_fraction` takes, for each fraction of the
localizations and each repeat, a random contiguous time window holding that fraction (a shorter
acquisition), measures its split-half FRC resolution (:func:`frcnet_lite.resolution.frc_resolution`)
and the area-FRC between its rendering and the full one (:mod:`frcnet_lite.frc`). The result is a
table of columns, one row per (fraction, repeat): :func:`save_table_csv` writes it,
:func:`fraction_summary` averages it per fraction and :func:`plot_frc_vs_fraction` draws the
figure's panels (cut-off frequency and resolution; area-FRC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from .localizations import DEFAULT_PIXEL_SIZE_NM
from .frc import FRC_THRESHOLD_1_7, cutoff_ring, frc_curve
from .rendering import render_histogram
from .resolution import frc_resolution
from .subsets import time_window_subset

__all__ = ["frc_vs_fraction", "save_table_csv", "fraction_summary", "plot_frc_vs_fraction"]


def frc_vs_fraction(
    locs: Any,
    fractions: Any = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM,
    n_repeats: int = 3,
    cutoffs: tuple[float, ...] = (0.2, 0.5),
    rng: np.random.Generator | int | None = None,
    fov_nm: tuple[float, float, float, float] | None = None,
    split: Literal["random", "time"] = "random",
    threshold: float | str = FRC_THRESHOLD_1_7,
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    """FRC resolution and area-FRC against the fraction of localizations (Berberich et al. 2021, Fig. 2).

    For each fraction and repeat, a sparse subset is taken as a random contiguous time window
    (:func:`frcnet_lite.subsets.time_window_subset`, as a shorter acquisition would give). Its
    split-half FRC gives the crossing frequency and resolution; the area-FRC between the sparse
    and the full rendering is computed at each cut-off. (The sparse data are part of the full
    data, so that area-FRC is not a resolution: it measures how much of the full image's
    structure the sparse image already shows, the quantity the network is trained to raise.)

    Parameters
    ----------
    locs : LocalizationTable
        The full acquisition.
    fractions : sequence of float
        Fractions of the localizations in (0, 1].
    pixel_size_nm : float
        Rendering pixel size, nm.
    n_repeats : int
        Repeats per fraction (new time window and split each time).
    cutoffs : tuple of float
        Area-FRC cut-offs as fractions of Nyquist.
    rng : numpy.random.Generator or int or None
        Random source.
    fov_nm : tuple, optional
        Field of view; default ``locs.bounds_nm()``.
    split : {"random", "time"}
        How each sparse subset is split for its resolution.
    threshold : float or "half-bit"
        Threshold of the resolution.
    progress : bool or None
        Show a tqdm bar (None: only on a terminal / notebook).

    Returns
    -------
    dict of str -> numpy.ndarray
        Columns, one row per (fraction, repeat): ``fraction``, ``repeat``, ``n_localizations``,
        ``crossing_per_nm``, ``resolution_nm`` and ``area_frc_<cutoff>`` for each cut-off.
        Write it with :func:`save_table_csv`.

    Examples
    --------
    >>> from frcnet_lite.localizations import LocalizationTable
    >>> rng = np.random.default_rng(0)
    >>> x = np.repeat(rng.uniform(0, 1000, 200), 20) + rng.normal(0, 15, 4000)
    >>> y = np.repeat(rng.uniform(0, 1000, 200), 20) + rng.normal(0, 15, 4000)
    >>> locs = LocalizationTable({"x_nm": x, "y_nm": y, "frame": rng.permutation(4000)})
    >>> table = frc_vs_fraction(locs, [0.1, 1.0], n_repeats=2, rng=0, fov_nm=(0, 0, 1000, 1000), progress=False)
    >>> sorted(table)
    ['area_frc_0.2', 'area_frc_0.5', 'crossing_per_nm', 'fraction', 'n_localizations', 'repeat', 'resolution_nm']
    >>> table["fraction"].tolist(), bool(table["resolution_nm"][0] > table["resolution_nm"][-1])
    ([0.1, 0.1, 1.0, 1.0], True)
    """
    from tqdm.auto import tqdm

    fracs = [float(f) for f in np.atleast_1d(np.asarray(fractions, dtype=float))]
    if not fracs or not all(0 < f <= 1 for f in fracs):
        raise ValueError(f"fractions must be numbers in (0, 1], got {list(fractions)!r}")
    for c in cutoffs:
        cutoff_ring((2, 2), c)
    gen = np.random.default_rng(rng)
    fov = tuple(fov_nm) if fov_nm is not None else locs.bounds_nm()
    full = render_histogram(locs, pixel_size_nm, fov)
    names = ("fraction", "repeat", "n_localizations", "crossing_per_nm", "resolution_nm")
    rows: dict[str, list] = {k: [] for k in names}
    rows.update({f"area_frc_{c:g}": [] for c in cutoffs})
    jobs = [(f, r) for f in fracs for r in range(int(n_repeats))]
    for f, r in tqdm(jobs, desc="FRC vs fraction", disable=None if progress is None else not progress):
        sparse = locs if f == 1.0 else time_window_subset(locs, f, gen)
        res = frc_resolution(sparse, pixel_size_nm, threshold, split, 1, gen, fov)
        image = render_histogram(sparse, pixel_size_nm, fov)
        rows["fraction"].append(f)
        rows["repeat"].append(r)
        rows["n_localizations"].append(len(sparse))
        rows["crossing_per_nm"].append(float(res.crossing_per_nm[0]))
        rows["resolution_nm"].append(res.resolution_nm)
        _, against_full = frc_curve(image, full)  # one FFT pair for every cut-off
        for c in cutoffs:
            rows[f"area_frc_{c:g}"].append(float(np.mean(against_full[1 : cutoff_ring(full.shape, c) + 1])))
    return {k: np.asarray(v) for k, v in rows.items()}


def save_table_csv(columns: dict[str, Any], path: Any) -> Any:
    """Write equal-length columns as a CSV file, atomically (temporary name, then rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = save_table_csv({"a": [1, 2], "b": [0.5, float("nan")]}, out)
    >>> out.read_text().splitlines()
    ['a,b', '1,0.5', '2,nan']
    """
    import csv
    from pathlib import Path

    from ._files import atomic_write

    path = Path(path)
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"all columns must have the same length, got {lengths}")
    with atomic_write(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(columns))
        for row in zip(*columns.values()):
            writer.writerow([_fmt(v) for v in row])
    return path


def _fmt(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "nan" if not np.isfinite(value) else repr(float(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def fraction_summary(table: Mapping[str, Any], column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and standard deviation of one column of a :func:`frc_vs_fraction` table, per fraction.

    NaN values (a repeat whose curve never crossed the threshold) are left out of the statistics.

    Parameters
    ----------
    table : mapping of str -> array
        Columns as returned by :func:`frc_vs_fraction` (at least ``fraction`` and ``column``).
    column : str
        The column to summarise, e.g. ``"resolution_nm"`` or ``"area_frc_0.2"``.

    Returns
    -------
    fractions, mean, std : numpy.ndarray
        The distinct fractions in table order, and the mean and (population) standard deviation
        of ``column`` over the repeats of each.

    Examples
    --------
    >>> t = {"fraction": [0.1, 0.1, 1.0, 1.0], "resolution_nm": [60.0, 40.0, 20.0, float("nan")]}
    >>> [v.tolist() for v in fraction_summary(t, "resolution_nm")]
    [[0.1, 1.0], [50.0, 20.0], [10.0, 0.0]]
    """
    if "fraction" not in table or column not in table:
        raise ValueError(f"the table needs the columns 'fraction' and {column!r}, got {sorted(table)}")
    fractions = np.asarray(table["fraction"], dtype=float)
    values = np.asarray(table[column], dtype=float)
    if fractions.shape != values.shape:
        raise ValueError(f"columns 'fraction' and {column!r} differ in length: {fractions.size} and {values.size}")
    distinct = np.asarray(list(dict.fromkeys(fractions.tolist())))
    mean, std = np.full(distinct.size, np.nan), np.full(distinct.size, np.nan)
    for i, f in enumerate(distinct):
        v = values[fractions == f]
        v = v[np.isfinite(v)]
        if v.size:
            mean[i], std[i] = v.mean(), v.std()
    return distinct, mean, std


def plot_frc_vs_fraction(table: Mapping[str, Any], axes: Sequence[Any] | None = None,
                         cutoffs: Sequence[float] | None = None) -> list:
    """Draw the study's two panels: cut-off frequency and resolution, and area-FRC, against the fraction.

    Parameters
    ----------
    table : mapping of str -> array
        A :func:`frc_vs_fraction` table.
    axes : sequence of two matplotlib Axes, optional
        Where to draw (default: a new figure with two panels).
    cutoffs : sequence of float, optional
        The area-FRC cut-offs to draw (default: every ``area_frc_<cutoff>`` column).

    Returns
    -------
    list of matplotlib.axes.Axes
        The two panels (the resolution axis is a twin of the first).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = {"fraction": [0.1, 0.1, 1.0, 1.0], "crossing_per_nm": [0.02, 0.025, 0.04, 0.04],
    ...      "resolution_nm": [50.0, 40.0, 25.0, 25.0], "area_frc_0.2": [0.6, 0.7, 1.0, 1.0]}
    >>> [ax.get_ylabel() for ax in plot_frc_vs_fraction(t)]
    ['1/7 cut-off frequency (1/nm)', 'area-FRC (sparse vs full)']
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    left, right = axes
    if cutoffs is None:
        cutoffs = [float(k[len("area_frc_"):]) for k in table if k.startswith("area_frc_")]
    fr, mean, std = fraction_summary(table, "crossing_per_nm")
    left.errorbar(fr * 100, mean, std, marker="o", capsize=3, label="cut-off frequency (1/nm)")
    left.set(xscale="log", xlabel="localizations (%)", ylabel="1/7 cut-off frequency (1/nm)",
             title="cut-off frequency and resolution")
    twin = left.twinx()
    fr, mean, std = fraction_summary(table, "resolution_nm")
    twin.errorbar(fr * 100, mean, std, marker="s", color="C1", capsize=3)
    twin.set_ylabel("resolution (nm)", color="C1")
    for c in cutoffs:
        fr, mean, std = fraction_summary(table, f"area_frc_{c:g}")
        right.errorbar(fr * 100, mean, std, marker="o", capsize=3, label=f"cut-off {c:g} x Nyquist")
    right.set(xscale="log", xlabel="localizations (%)", ylabel="area-FRC (sparse vs full)", ylim=(0, 1.05),
              title="area-FRC against fraction")
    if cutoffs:
        right.legend()
    return [left, right]
