"""Benchmark: what an image_slider costs a notebook and a book page (time and bytes).

Prints one row per (number of images, image side): the time to encode the images and build the
widget, the PNG bytes it stores, and the size of the widget state papermill writes into the
notebook (and myst-nb into the page). Keep a slider under ~1 MB of state.

Usage: python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import json
import time

import numpy as np


def measure(n_images: int, side_px: int, repeats: int = 3) -> dict[str, float]:
    import ipywidgets
    from ipywidgets.embed import embed_data

    from frcnet_lite.widgets import image_slider

    rng = np.random.default_rng(0)
    # sparse-histogram-like content (mostly zeros, some counts) compresses like the real images
    images = {f"{k}": rng.poisson(0.05 * (k + 1), size=(side_px, side_px)).astype(float) for k in range(n_images)}
    best = float("inf")
    for _ in range(repeats):
        ipywidgets.Widget.close_all()
        t0 = time.perf_counter()
        box = image_slider(images, description="fraction")
        best = min(best, time.perf_counter() - t0)
    png_bytes = sum(len(c.value) for c in box.children[1].children)
    state = json.dumps(embed_data(views=[box])["manager_state"])
    ipywidgets.Widget.close_all()
    return {"build_ms": 1000 * best, "png_kb": png_bytes / 1024, "state_kb": len(state) / 1024}


def main() -> None:
    print(f"{'images':>6} {'side px':>8} {'build ms':>9} {'PNG kB':>8} {'state kB':>9}")
    for n, side in [(3, 128), (5, 256), (8, 256), (8, 512)]:
        r = measure(n, side)
        print(f"{n:>6} {side:>8} {r['build_ms']:>9.1f} {r['png_kb']:>8.1f} {r['state_kb']:>9.1f}")


if __name__ == "__main__":
    main()
