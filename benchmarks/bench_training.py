"""Training speed of the lite U-Net: loss cost and input-pipeline overhead.

Prints two tables (lite model: depth 6, 16..128 filters; 256 x 256 patches; batch 4):

1. step time with MS-SSIM + FRC + L1 (the method's loss) against L1 alone, both on cached
   in-memory tensors (target: within 1.3x);
2. steps per second with the real tf.data pipeline (rotation by any angle, crop, flips,
   prefetch) against the same steps on cached in-memory tensors (target: >= 0.9x).

Usage: ``python benchmarks/bench_training.py [--steps 20] [--patch 256] [--batch 4]``.
The machine may be shared: timings are medians over interleaved rounds, each after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _setup(loss_weights, patch, depth=6, base=16, top=128):
    import keras

    from frcnet_lite.losses import combined_loss
    from frcnet_lite.model import build_generator
    from frcnet_lite.training import make_train_step

    keras.utils.set_random_seed(0)
    gen = build_generator(None, depth=depth, base_filters=base, max_filters=top)
    opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    opt.build(gen.trainable_variables)
    return make_train_step(gen, opt, combined_loss(loss_weights))


def _time_steps(step, batches, warmup=3):
    times = []
    it = iter(batches)
    for i, (x, y) in enumerate(it):
        t0 = time.perf_counter()
        total, _ = step(x, y)
        float(total)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return times


def _time_loop(step, batches, warmup=3):
    """Wall time per step of a whole loop (includes waiting for the input pipeline)."""
    it = iter(batches)
    for _ in range(warmup):
        x, y = next(it)
        float(step(x, y)[0])
    n, t0 = 0, time.perf_counter()
    for x, y in it:
        float(step(x, y)[0])
        n += 1
    return (time.perf_counter() - t0) / max(n, 1)


def main() -> None:
    import tensorflow as tf

    from frcnet_lite.pipeline import Normalisation, make_dataset, rotate_size_for

    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--patch", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--rounds", type=int, default=3, help="interleaved repetitions (the machine may be shared)")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    side = rotate_size_for(a.patch) + 16
    counts = rng.poisson(0.05, (8, side, side)).astype("float32")
    target = counts * 10.0
    norm = Normalisation(2.0, 10.0)
    n = max(a.steps, a.rounds) + 3
    cached = [(tf.constant(x), tf.constant(y)) for x, y in
              make_dataset(counts, target, norm, a.patch, a.batch, n, seed=0)]
    print(f"device: {'GPU' if tf.config.list_logical_devices('GPU') else 'CPU'}, "
          f"threads intra/inter: {tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()}, cores: {os.cpu_count()}")
    print(f"lite U-Net (depth 6, 16..128 filters), {a.patch} x {a.patch} px, batch {a.batch}, "
          f"{a.steps} timed steps (median)\n")

    # The machine is shared: interleave the two variants in rounds so that load changes hit both alike.
    variants = (("L1", {"l1": 1.0}), ("MS-SSIM + FRC + 0.1 L1", {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}))
    steps = [_setup(weights, a.patch) for _, weights in variants]
    times: list = [[], []]
    for _ in range(a.rounds):
        for k, step in enumerate(steps):
            times[k] += _time_steps(step, cached[:a.steps // a.rounds + 3])
    med = [statistics.median(t) for t in times]
    print(f"{'loss':<26}{'ms/step':>10}{'ratio':>8}")
    for (label, _), sec in zip(variants, med):
        print(f"{label:<26}{1000 * sec:>10.1f}{sec / med[0]:>8.2f}")
    print(f"target: ratio <= 1.3 -> {'met' if med[1] / med[0] <= 1.3 else 'NOT met'}\n")

    step = steps[1]
    ratios, rates = [], []
    for r in range(a.rounds):
        t_cached = _time_loop(step, cached)
        t_real = _time_loop(step, make_dataset(counts, target, norm, a.patch, a.batch, n, seed=1 + r))
        ratios.append(t_cached / t_real)
        rates.append((1 / t_cached, 1 / t_real))
    k = int(np.argsort(ratios)[len(ratios) // 2])
    print(f"{'input (median of ' + str(a.rounds) + ' rounds)':<40}{'steps/s':>10}{'ratio':>8}")
    print(f"{'cached in-memory tensors':<40}{rates[k][0]:>10.2f}{1.0:>8.2f}")
    print(f"{'tf.data (rotate, crop, flip, prefetch)':<40}{rates[k][1]:>10.2f}{ratios[k]:>8.2f}")
    print(f"all rounds: {', '.join(f'{x:.2f}' for x in ratios)}")
    print(f"target: ratio >= 0.9 -> {'met' if ratios[k] >= 0.9 else 'NOT met'}")


if __name__ == "__main__":
    main()
