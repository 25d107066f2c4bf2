"""The pixel-scale checkerboard of the two decoders, measured as power near the Nyquist frequency.

    python benchmarks/bench_checkerboard.py

:func:`frcnet_lite.comparison.nyquist_corner_power` is the fraction of an image's spectral power
within 0.1 cycles/px of the Nyquist frequency; a network output is compared with its target's
(ratio 1: no more pixel-scale pattern than the target). Two measurements:

1. untrained generators of both decoders on a constant input (the textbook case: transposed
   convolutions with a stride that does not divide the kernel evenly leave a checkerboard);
2. the trained models of the stored reproduction study (resize decoder) on the held-out real COS-7
   fields (:mod:`frcnet_lite.reproduction`), when they are stored.

Target: the resize decoder's ratio is at most the transposed decoder's (lower is better).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def untrained() -> dict[str, float]:
    import keras
    import numpy as np

    from frcnet_lite.comparison import nyquist_corner_power
    from frcnet_lite.model import DECODERS, build_generator

    out = {}
    for decoder in DECODERS:
        keras.utils.set_random_seed(0)
        g = build_generator(256, depth=6, base_filters=16, max_filters=128, dropout_blocks=0, decoder=decoder)
        y = g(np.ones((1, 256, 256, 1), "float32"), training=False).numpy()[0, 16:-16, 16:-16, 0]
        out[decoder] = nyquist_corner_power(y)
    return out


def trained() -> dict[str, dict[str, float]]:
    from frcnet_lite import reproduction

    out = {}
    for run in reproduction.load_runs():
        if run["study"] != "target":
            name = f"{run['config']['decoder']}: {run['group']}, seed {run['seed']}"
            out[name] = {f: v["checkerboard_ratio"] for f, v in run["fields"].items()}
    return out


def main() -> int:
    u = untrained()
    print("untrained lite generator, constant input: fraction of power near Nyquist")
    print(f"{'decoder':<10} {'fraction':>9}")
    for decoder, v in u.items():
        print(f"{decoder:<10} {v:>9.3f}")
    t = trained()
    ok = u["resize"] <= u["transpose"]
    if t:
        fields = sorted(next(iter(t.values())))
        print("\ntrained (stored reproduction runs): power near Nyquist, network / dense image")
        width = max(len(k) for k in t)
        print(f"{'run':<{width}} " + " ".join(f"{f:>8}" for f in fields))
        for run, ratios in t.items():
            print(f"{run:<{width}} " + " ".join(f"{ratios[f]:>8.2f}" for f in fields))
    else:
        print("\nno stored real-data run: python scripts/reproduction_study.py")
    print(f"\nresize decoder at most the transposed one's: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
