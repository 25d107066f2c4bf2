"""Benchmark of the data layer: rendering, simulation, reading a large ThunderSTORM CSV.

Targets (issue #3, on a 2-core machine):

- render 10 million localizations into a 4200 x 4200 histogram (21 um at 5 nm): < 1 s;
- simulate one 21 x 21 um field with ~1 million localizations: < 30 s;
- read a 1-million-row ThunderSTORM CSV: within 2x of ``pandas.read_csv`` on the same file (the reader
  parses with pandas too, strictly: only the columns it needs, plus a count of the delimiters that proves
  no row was cut short).

Run: ``python benchmarks/bench_data.py`` (prints a table; times are the best of a few repeats).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from frcnet_lite.io import read_localizations
from frcnet_lite.rendering import render_histogram
from frcnet_lite.simulate import SimulationConfig, simulate_microtubules


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def write_thunderstorm(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    data = np.column_stack([
        np.arange(1, n + 1), np.sort(rng.integers(1, 50001, n)), rng.uniform(0, 21000, n), rng.uniform(0, 21000, n),
        rng.uniform(100, 200, n), rng.uniform(100, 5000, n), rng.uniform(0, 50, n), rng.uniform(1, 10, n),
        rng.uniform(3, 30, n),
    ])
    header = ('"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]",'
              '"bkgstd [photon]","uncertainty [nm]"')
    np.savetxt(path, data, delimiter=",", header=header, comments="", fmt=["%d", "%d"] + ["%.4f"] * 7)


def main() -> int:
    rows = []
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 21000, (10_000_000, 2))
    fov = (0.0, 0.0, 21000.0, 21000.0)
    t_ours, img = best_of(lambda: render_histogram(xy, 5.0, fov))
    assert img.shape == (4200, 4200) and img.sum() == len(xy)
    t_np, _ = best_of(lambda: np.histogram2d(xy[:, 1], xy[:, 0], bins=4200, range=[[0, 21000], [0, 21000]]), 1)
    rows.append(("render 1e7 locs -> 4200x4200", t_ours, "< 1 s", t_ours < 1.0, f"np.histogram2d {t_np:.2f} s"))
    del xy

    t_sim, sim = best_of(lambda: simulate_microtubules(SimulationConfig()), 1)
    n = len(sim.localizations)
    rows.append(("simulate 21x21 um field", t_sim, "< 30 s", t_sim < 30.0, f"{n:,} localizations"))

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ts.csv"
        write_thunderstorm(path, 1_000_000)
        t_read, table = best_of(lambda: read_localizations(path), 2)
        assert len(table) == 1_000_000
        t_pd, _ = best_of(lambda: pd.read_csv(path), 2)
        ok = t_read < 2 * t_pd
        note = f"pandas.read_csv {t_pd:.2f} s (ratio {t_read / t_pd:.2f})"
        rows.append(("read 1e6-row ThunderSTORM CSV", t_read, "<= 2x pandas", ok, note))

    print(f"{'benchmark':<38} {'time (s)':>9}  {'target':<13} {'ok':<4} note")
    print("-" * 100)
    for name, t, target, ok, note in rows:
        print(f"{name:<38} {t:9.3f}  {target:<13} {'yes' if ok else 'NO':<4} {note}")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
