"""Benchmark the FRC: numpy curve of two 4096 x 4096 images, and the TF loss on a batch of 8 x 512 x 512.

Targets (issue #5):
* ``frc_curve`` of two 4096 x 4096 images: < 2 s.
* ``frc_loss`` on (8, 512, 512, 1): ring constants < 10 MB (a mask per ring would need ~512 MB),
  forward + backward within 1.5x of the FFTs alone (the same rfft2d forward + backward, with a
  trivial reduction instead of the ring sums).

Run: ``python benchmarks/bench_frc.py`` (prints a table). Timings are the median of several runs.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _times(fn, repeats: int = 5, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _median_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    return statistics.median(_times(fn, repeats, warmup))


def bench_numpy(rows: list) -> None:
    from frcnet_lite import frc

    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.poisson(0.5, (4096, 4096)).astype(dtype)
        b = rng.poisson(0.5, (4096, 4096)).astype(dtype)
        frc.ring_index.cache_clear()
        t_cold = _median_time(lambda: frc.frc_curve(a, b, 5.0), repeats=1, warmup=0)
        t = _median_time(lambda: frc.frc_curve(a, b, 5.0), repeats=3)
        rows.append((f"numpy frc_curve 4096x4096 {np.dtype(dtype).name}", f"{t:.2f} s (first call {t_cold:.2f} s)",
                     "< 2 s", "ok" if t < 2 else "MISSED"))


def bench_tf(rows: list) -> None:
    from frcnet_lite import frc_tf
    from frcnet_lite._tf import tf as _tf

    tf = _tf()
    rng = np.random.default_rng(0)
    shape = (8, 512, 512, 1)
    y_true = tf.constant(rng.poisson(1.0, shape).astype(np.float32))
    pred = tf.Variable(rng.random(shape).astype(np.float32))

    for cutoff in (0.2, 0.5, 1.0):
        idx, ids, weight, n_rings = frc_tf.ring_gather((512, 512), cutoff)
        const_mb = (idx.nbytes + ids.nbytes + weight.nbytes / 2) / 1e6  # weights live as float32 in the graph
        rows.append((f"TF ring constants 512x512 cutoff {cutoff:g} ({n_rings} rings)", f"{const_mb:.2f} MB", "< 10 MB",
                     "ok" if const_mb < 10 else "MISSED"))
    mask_mb = 256 * 512 * 512 * 4 / 1e6
    rows.append(("  (one float32 512x512 mask per ring, 256 rings)", f"{mask_mb:.0f} MB", "", ""))

    @tf.function
    def ffts_only():
        with tf.GradientTape() as tape:
            f1 = tf.signal.rfft2d(y_true[..., 0])
            f2 = tf.signal.rfft2d(pred[..., 0])
            value = tf.reduce_mean(tf.math.real(f1) * tf.math.real(f2) + tf.math.imag(f1) * tf.math.imag(f2))
        return value, tape.gradient(value, pred)

    def loss_step(cutoff):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                value = frc_tf.frc_loss(y_true, pred, cutoff=cutoff)
            return value, tape.gradient(value, pred)

        return step

    # interleave the runs (FFTs, loss 0.2, loss 0.5, loss 1.0, FFTs, ...) so that load from other
    # processes hits all of them alike; report medians and the ratio of medians
    steps = {"fft": lambda: [t.numpy() for t in ffts_only()]}
    for cutoff in (0.2, 0.5, 1.0):
        step = loss_step(cutoff)
        steps[cutoff] = lambda step=step: [v.numpy() for v in step()]
    times: dict = {k: [] for k in steps}
    for fn in steps.values():
        _times(fn, repeats=0, warmup=2)
    for _ in range(15):
        for key, fn in steps.items():
            times[key] += _times(fn, repeats=1, warmup=0)
    t_fft = statistics.median(times["fft"])
    fft_text = f"{1e3 * t_fft:.0f} ms (min {1e3 * min(times['fft']):.0f})"
    rows.append(("rfft2d forward+backward alone, 8x512x512", fft_text, "", ""))
    for cutoff in (0.2, 0.5, 1.0):
        t = statistics.median(times[cutoff])
        ratio = t / t_fft
        target = "<= 1.5x FFTs" if cutoff in (0.2, 0.5) else "(all rings)"
        ok = ("ok" if ratio <= 1.5 else "MISSED") if cutoff in (0.2, 0.5) else ""
        rows.append((f"frc_loss forward+backward, cutoff {cutoff:g}",
                     f"{1e3 * t:.0f} ms ({ratio:.2f}x FFTs; min {1e3 * min(times[cutoff]):.0f})", target, ok))


def main() -> None:
    rows: list[tuple[str, str, str, str]] = []
    bench_numpy(rows)
    bench_tf(rows)
    widths = [max(len(r[i]) for r in rows + [("case", "measured", "target", "")]) for i in range(4)]
    header = ("case", "measured", "target", "")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    print(f"\n(machine: {os.cpu_count()} CPU cores, shared; timings are medians and pessimistic under load)")


if __name__ == "__main__":
    main()
