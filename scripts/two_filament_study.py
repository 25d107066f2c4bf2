"""The line-profile two-filament test of the shipped ``simulated`` model (``frcnet_lite.two_filaments``).

    python scripts/two_filament_study.py            # 13 distances x 40 runs, ~9 min on one CPU core;
                                                    # writes frcnet_lite/studies/two_filaments/
    python scripts/two_filament_study.py --quick    # 2 distances x 2 runs, a smoke test (writes to --out)

Each run simulates one straight pair per distance (40-160 nm, step 10), reads every method through one 300 nm
segment at a random position along the pair, finds the two most prominent peaks without the filaments' positions
and applies Rayleigh's criterion (``frcnet_lite.two_filaments.line_profile_study``). Methods: the network (8
rotations and flips averaged), the sparse histogram, the best Gaussian blur of a small grid, the dense target and the
noise-free truth. Stores ``results.json`` (setup, seed, machine, wall time) and ``fraction_resolved.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frcnet_lite import two_filaments as tf2  # noqa: E402

OUT = tf2.LINE_PROFILE_RESULTS.parent
MODEL = "simulated"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 distances x 2 runs (a smoke test)")
    p.add_argument("--repeats", type=int, default=40, help="runs: simulations per distance (default 40)")
    p.add_argument("--step-nm", type=float, default=10.0, help="distance step from 40 to 160 nm (default 10)")
    p.add_argument("--threads", type=int, default=1, help="TensorFlow threads (default 1: the machine is shared)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"output folder (default {OUT}; --quick: build/two_filaments)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def setup_of(args: argparse.Namespace) -> tf2.LineProfileSetup:
    if args.quick:
        return tf2.LineProfileSetup(distances_nm=(60.0, 160.0), repeats=2)
    n = int(round((160.0 - 40.0) / args.step_nm))
    return tf2.LineProfileSetup(distances_nm=tuple(40.0 + i * args.step_nm for i in range(n + 1)),
                                repeats=args.repeats)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out or (ROOT / "build" / "two_filaments" if args.quick else OUT)
    from frcnet_lite._tf import tf

    tf().config.threading.set_intra_op_parallelism_threads(args.threads)
    tf().config.threading.set_inter_op_parallelism_threads(args.threads)
    from frcnet_lite.model import load_model

    setup = setup_of(args)
    start = time.time()
    model = load_model(MODEL)
    results = tf2.line_profile_study(model, setup, progress=not args.no_progress)
    wall = time.time() - start
    results = {"model": MODEL, "seed": setup.seed, **results,
               "machine": {"cpu_count": os.cpu_count(), "machine": platform.machine(), "system": platform.system(),
                           "python": platform.python_version(), "tensorflow": tf().__version__,
                           "tf_threads": args.threads},
               "wall_s": round(wall, 1),
               "command": "python scripts/two_filament_study.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = tf2.plot_fraction_resolved(results)
    ax.figure.tight_layout()
    ax.figure.savefig(out / "fraction_resolved.png", dpi=110)
    plt.close(ax.figure)
    print(tf2.line_profile_table(results), "", tf2.line_profile_reading(results), "",
          f"wall time {wall / 60:.1f} min on {os.cpu_count()} CPUs ({platform.machine()}), {args.threads} TF thread(s);"
          f" wrote {out}", sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
