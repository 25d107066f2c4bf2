"""Benchmark: whole-field reconstruction of a 4200 x 4200 px field (21 um at 5 nm) with the lite model.

Target (issue 7): under 2 minutes on a 2-core CPU. Each configuration runs in a fresh process so
that its peak memory (max resident set size) is its own. Prints a table.

    python benchmarks/bench_reconstruct.py                      # shipped model, 4200 px
    python benchmarks/bench_reconstruct.py --model run/model --size 2100 --tiles 256:64 512:64
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def one_run(size: int, tile: int, overlap: int, batch: int, model_path: str | None) -> dict:
    """Reconstruct one synthetic sparse field; return timings and peak memory."""
    import resource

    import numpy as np

    from frcnet_lite import model as model_mod
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    model = model_mod.load_model(model_path)
    predict = model_predict_fn(model)
    predict(np.zeros((1, tile, tile), np.float32))  # build / trace once
    t_load = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    counts = rng.poisson(0.05, (size, size)).astype(np.float32)  # ~10 % of a dSTORM field's density
    t1 = time.perf_counter()
    out = predict_tiled(counts, predict, TilingConfig(tile_size_px=tile, overlap_px=overlap, batch_size=batch),
                        progress=False)
    t_pred = time.perf_counter() - t1
    assert out.shape == counts.shape
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"size": size, "tile": tile, "overlap": overlap, "batch": batch, "load_s": t_load,
            "reconstruct_s": t_pred, "peak_rss_mib": peak, "baseline_rss_mib": rss0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=4200, help="field side in pixels (default 4200)")
    parser.add_argument("--model", default=None, help="model folder (default: the shipped lite model)")
    parser.add_argument("--tiles", nargs="+", default=["256:64", "512:64"], help="tile:overlap pairs")
    parser.add_argument("--batch", type=int, default=8, help="tiles per network call")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tile, overlap = (int(v) for v in args.one.split(":"))
        print(json.dumps(one_run(args.size, tile, overlap, args.batch, args.model)))
        return
    rows = []
    for spec in args.tiles:
        cmd = [sys.executable, __file__, "--size", str(args.size), "--batch", str(args.batch), "--one", spec]
        if args.model:
            cmd += ["--model", args.model]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"whole-field reconstruction, {args.size} x {args.size} px, model: {args.model or 'shipped lite'}, "
          f"{os.cpu_count()} CPU cores")
    print(f"{'tile:overlap':>12} {'batch':>5} {'load s':>7} {'reconstruct s':>13} {'Mpx/s':>6} {'peak RSS MiB':>12}")
    for r in rows:
        mpx = r["size"] ** 2 / 1e6 / r["reconstruct_s"]
        print(f"{r['tile']:>7}:{r['overlap']:<4} {r['batch']:>5} {r['load_s']:>7.1f} {r['reconstruct_s']:>13.1f} "
              f"{mpx:>6.2f} {r['peak_rss_mib']:>12.0f}")
    print("target: reconstruct < 120 s for 4200 x 4200 px on a 2-core CPU")


if __name__ == "__main__":
    main()
