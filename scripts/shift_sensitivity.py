"""Which shift breaks a simulated model: one parameter at a time moved out of its training range.

For each parameter of ``train_simulated.SHIFTED_RANGES`` (and bleaching, ``SHIFTED_BASE``) the fields are drawn
from ``TRAIN_RANGES`` with that one range replaced; the network (8-fold test-time average) is scored against the
truth with the oracle blur (``comparison.compare_field``) and the paired margins are printed and written as JSON.
The first row ("none") shifts nothing. Seeds 6000+i (not used by training or the other evaluations).

    python scripts/shift_sensitivity.py MODEL OUT.json [FIELDS_PER_CASE, default 4]
"""
import json
import sys
import time

import numpy as np
sys.path.insert(0, "scripts")
import train_simulated as TS
from frcnet_lite.simulate import SimulationConfig, vary_config, simulate_microtubules
from frcnet_lite.pairs import build_pairs
from frcnet_lite.comparison import compare_field, BLUR_SIGMAS_PX
from frcnet_lite.model import load_model, predict_image
from frcnet_lite.reconstruct import dihedral_average

model = load_model(sys.argv[1]); out = sys.argv[2]; nf = int(sys.argv[3]) if len(sys.argv) > 3 else 4
rows = {}
cases = [("none", {}, {})] + [(k, {k: v}, {}) for k, v in TS.SHIFTED_RANGES.items()] + [("bleaching", {}, TS.SHIFTED_BASE)]
for name, shift, base_extra in cases:
    t0 = time.time()
    base = SimulationConfig(field_size_nm=2560.0, **base_extra)
    ranges = {**TS.TRAIN_RANGES, **shift}
    fields = {f"f{i}": simulate_microtubules(vary_config(6000 + i, base=base, **ranges)) for i in range(nf)}
    p = build_pairs(fields, fraction=0.1, target_kind="gaussian", pixel_size_nm=5.0, patch_px=256,
                    subsets_per_field=1, seed=6000, progress=False)
    keep = np.flatnonzero((p.inputs.sum(axis=(1, 2)) >= 10) & (p.truths.max(axis=(1, 2)) > 0))
    preds = dihedral_average(lambda b: predict_image(model, b, batch_size=8))(p.inputs[keep])
    m = {k: [] for k in TS.KEYS}
    for j, i in enumerate(keep):
        c = compare_field(p.inputs[i], p.truths[i], preds[j], BLUR_SIGMAS_PX, anisotropic=False)
        for k in TS.KEYS:
            m[k].append(c.margin(k))
    rows[name] = {k: [float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v)))] for k, v in m.items()}
    print(name, len(keep), " ".join(f"{k} {a:+.3f}±{b:.3f}" for k, (a, b) in rows[name].items()), f"{time.time()-t0:.0f}s", flush=True)
json.dump(rows, open(out, "w"), indent=1)
