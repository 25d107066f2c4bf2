"""Benchmark the kernel density estimates (prints a table).

Targets (issue #4): a 4200 x 4200 histogram (a 21 um field at 5 nm; sparse, 1-5 % non-zero, and the
same after Gaussian smoothing, ~90 % non-zero) through ``anisotropic_kde`` with k = 11 in under 10 s
each with peak memory under 4 GB; at least 100x faster than the per-pixel reference on 512 x 512.

Every case runs in its own subprocess so that its peak resident memory (``ru_maxrss``) is its own;
the compiled kernels are warmed up (and cached by numba) before the clock starts.

Usage: ``python benchmarks/bench_kde.py [--size 4200] [--ref-size 512] [--skip-reference]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SEED = 0


def filament_histogram(size: int, seed: int = SEED, per_px: float = 0.55) -> np.ndarray:
    """Fallback image: a microtubule-like histogram: localizations scattered (sigma 1.5 px) around random smooth
    curves, ~``per_px`` localizations per pixel of filament length, float32 counts."""
    rng = np.random.default_rng(seed)
    n_filaments = max(1, size // 14)
    ys, xs = [], []
    for _ in range(n_filaments):
        n = int(size * per_px * 2)
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.004, n))
        y = rng.uniform(0, size) + np.cumsum(np.sin(heading)) * 0.5
        x = rng.uniform(0, size) + np.cumsum(np.cos(heading)) * 0.5
        ys.append(y + rng.normal(0, 1.5, n))
        xs.append(x + rng.normal(0, 1.5, n))
    y, x = np.concatenate(ys), np.concatenate(xs)
    keep = (y >= 0) & (y < size) & (x >= 0) & (x < size)
    img = np.zeros((size, size), np.float32)
    np.add.at(img, (y[keep].astype(np.int64), x[keep].astype(np.int64)), 1.0)
    return img


SMOOTH_SIGMA_PX = 5.0  # the "smoothed" images: a Gaussian KDE of the histogram, ~90 % non-zero


def make_image(case: str, size: int) -> np.ndarray:
    """The benchmark image: a simulated microtubule field (``size`` px at 5 nm) rendered as a
    histogram, optionally smoothed with a Gaussian of SMOOTH_SIGMA_PX."""
    from frcnet_lite.kde import gaussian_kde
    from frcnet_lite.rendering import render_histogram
    from frcnet_lite.simulate import simulate_microtubules

    try:
        sim = simulate_microtubules(field_size_nm=5.0 * size, seed=SEED)
        img = render_histogram(sim.localizations, 5.0, sim.fov_nm)[:size, :size]
    except Exception as exc:  # the simulator belongs to another module: fall back, and say so
        print(f"simulator unavailable ({exc}); using synthetic filaments", file=sys.stderr)
        img = filament_histogram(size)
    if case.startswith("smoothed"):
        img = gaussian_kde(img, SMOOTH_SIGMA_PX)
    return np.ascontiguousarray(img, dtype=np.float32)


def run_case(case: str, size: int) -> dict:
    """Time one estimate on one image in this process; returns seconds, peak RSS, non-zero share."""
    from frcnet_lite import kde

    img = make_image(case, size)
    small = np.ascontiguousarray(img[:64, :64]) + np.eye(64, dtype=np.float32)  # non-empty: really compiles
    kind = case.split(":")[1]
    funcs = {
        "anisotropic": lambda a: kde.anisotropic_kde(a, window=11, scale=2.0),
        "adaptive": lambda a: kde.adaptive_kde(a, sigma_px=2.0),
        "gaussian": lambda a: kde.gaussian_kde(a, 2.0),
        "reference": None,
    }
    if kind == "reference":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from kde_reference import anisotropic_kde_reference

        start, cpu = time.perf_counter(), time.process_time()
        anisotropic_kde_reference(img, window=11, scale=2.0)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    else:
        funcs[kind](small)  # compile / load the numba cache
        seconds = cpu_seconds = float("inf")
        for _ in range(9 if img.size <= 1024 ** 2 else 1):  # small images: best of 9 (less noise)
            start, cpu = time.perf_counter(), time.process_time()
            out = funcs[kind](img)
            seconds = min(seconds, time.perf_counter() - start)
            cpu_seconds = min(cpu_seconds, time.process_time() - cpu)
        assert np.isclose(float(out.sum(dtype=np.float64)), float(img.sum(dtype=np.float64)), rtol=1e-4)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load_1min": os.getloadavg()[0],
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2,
        "nonzero_pct": 100.0 * float(np.count_nonzero(img)) / img.size,
    }


def in_subprocess(case: str, size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", case, "--size", str(size)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4200, help="side of the large image (px)")
    parser.add_argument("--ref-size", type=int, default=512, help="side of the image for the reference comparison")
    parser.add_argument("--skip-reference", action="store_true", help="do not run the slow per-pixel reference")
    parser.add_argument("--skip-large", action="store_true", help="only the reference-size cases")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.size)))
        return 0

    rows = []
    large = [("sparse:anisotropic", args.size), ("smoothed:anisotropic", args.size),
             ("sparse:adaptive", args.size), ("sparse:gaussian", args.size)]
    small = [("sparse:anisotropic", args.ref_size), ("smoothed:anisotropic", args.ref_size)]
    for case, size in ([] if args.skip_large else large) + small:
        rows.append((case, size, in_subprocess(case, size)))
    if not args.skip_reference:
        rows.append(("sparse:reference", args.ref_size, in_subprocess("sparse:reference", args.ref_size)))

    print(f"{'image':<10} {'estimate':<26} {'size':>11} {'non-zero':>9} {'time (s)':>9} {'CPU (s)':>8} "
          f"{'peak RSS (GB)':>14} {'load':>5}")
    for case, size, r in rows:
        image, kind = case.split(":")
        label = {"anisotropic": "anisotropic k=11 scale=2", "adaptive": "adaptive sigma=2 px",
                 "gaussian": "gaussian sigma=2 px", "reference": "per-pixel reference k=11"}[kind]
        print(f"{image:<10} {label:<26} {f'{size}x{size}':>11} {r['nonzero_pct']:>8.1f}% "
              f"{r['seconds']:>9.3f} {r['cpu_seconds']:>8.3f} {r['peak_rss_gb']:>14.2f} {r['load_1min']:>5.1f}")
    if not args.skip_reference:
        fast = next(r for c, s, r in rows if c == "sparse:anisotropic" and s == args.ref_size)
        ref = rows[-1][2]
        print(f"speed-up over the per-pixel reference on {args.ref_size}x{args.ref_size} (sparse): "
              f"{ref['seconds'] / fast['seconds']:.0f}x in wall time, "
              f"{ref['cpu_seconds'] / max(fast['cpu_seconds'], 1e-3):.0f}x in CPU time (target >= 100x)")
    print(f"targets: 4200x4200 anisotropic k=11 < 10 s and < 4 GB each ({os.cpu_count()} cores here; 'CPU' is "
          "the process CPU time over all threads, 'load' the machine's 1-min load average: on a shared machine "
          "the wall time is pessimistic)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
