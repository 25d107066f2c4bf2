"""Hallucination tests with known truth, and the skill of the trust-map candidates (``frcnet_lite.hallucination``).

    python scripts/hallucination_study.py            # ~7-10 min on one CPU core; writes frcnet_lite/studies/trust/
    python scripts/hallucination_study.py --quick    # 2 fields per set, a smoke test (writes to --out)

With the shipped ``simulated`` model (8 rotations and flips averaged, as ``frcnet-lite reconstruct``): (1) gap fields
of ``frcnet_lite.simulate`` (seeds the model never saw: SEEDS) and of ``scripts/independent_simulator.py`` with
20-200 nm stretches cut out of the labelling: the fill of each gap by the network, a 10 nm blur, the oracle blur
and the truth; (2) scenes it was not trained on (empty fields, rings, clusters, a meshwork, crossings): what each
draws where the truth is empty; (3) trust-map candidates: AUCs of flagging error and filled gaps, each family's
parameter chosen on the ``tuning`` fields, scored on the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frcnet_lite import hallucination as hl  # noqa: E402
from frcnet_lite import trust  # noqa: E402

#: First seeds of the field sets (the shipped model's training used 1000-9000 + field index: scripts/train_simulated.py).
#: The two "confirm" sets were added after the first run, when the map was changed (see SHIPPED).
SEEDS = {"tuning": 11000, "held-out": 11100, "other simulator": 11200, "scenes": 11300, "confirm": 11400,
         "confirm, other simulator": 11500}
BLUR_10NM_PX = 2.0
#: The candidates and the parameter values tried on the tuning fields.
FAMILIES = {"halves agreement": [2.0, 4.0, 8.0], "data support (poisson)": [1.0, 2.0, 3.0, 4.0, 6.0],
            "data support (ratio)": [1.0, 2.0, 3.0, 4.0, 6.0], "TTA spread": [2.0, 4.0, 8.0],
            "data support x TTA spread": [2.0, 3.0, 4.0]}
TODAY = ("halves agreement", 8.0)  # the map reconstruct --trust-map wrote before this study
#: The shipped map. The tuning rule (best tuning AUC on the filled gaps the truth leaves empty) picked the Poisson
#: form of data support (0.86 on 10 such gaps), which then scored 0.61 and 0.72 on the held-out and other-simulator
#: fields; the ratio form (tuning 0.79) scored 0.86 and 0.84. The Poisson p-value takes the repeated blinks of one
#: dye for evidence, so it varies with blinks per dye; the ratio does not. The ratio form is shipped, a choice made
#: after seeing the held-out fields: the "confirm" sets (new seeds) score it without that bias.
SHIPPED = ("data support (ratio)", 2.0)


def load_other():
    spec = importlib.util.spec_from_file_location("independent_simulator", ROOT / "scripts" / "independent_simulator.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_predict(model):
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled

    fn, tiling = model_predict_fn(model), TilingConfig(tile_size_px=512, overlap_px=128)
    return lambda im: predict_tiled(im, fn, tiling, progress=False)


def oracle_sigma(sparse, truth) -> float:
    from frcnet_lite.comparison import best_blur

    return best_blur(sparse, truth)["ms_ssim"][1]


def images(fld, predict, sigma=None) -> dict:
    """The network (mean of 8 views), the 10 nm blur, the oracle blur and the truth of one field; and the views."""
    views = hl.dihedral_views(fld.sparse, predict)
    sigma = oracle_sigma(fld.sparse, fld.truth) if sigma is None else sigma
    return {"network": views.mean(0), "blur 10 nm": ndimage.gaussian_filter(fld.sparse, BLUR_10NM_PX),
            "oracle blur": ndimage.gaussian_filter(fld.sparse, sigma), "truth": fld.truth}, views, sigma


def candidate_maps(fld, pred, views, halves) -> dict:
    maps = {}
    for fam, params in FAMILIES.items():
        for p in params:
            if fam == "halves agreement":
                m = trust.local_agreement(*halves, sigma_px=p)
            elif fam == "TTA spread":
                m = trust.tta_spread(views, sigma_px=p)
            elif fam == "data support x TTA spread":  # both must agree (NaN: dark, as elsewhere)
                m = trust.data_support(fld.sparse, pred, sigma_px=p, form="ratio") * trust.tta_spread(views, sigma_px=2.0)
            else:
                m = trust.data_support(fld.sparse, pred, sigma_px=p, form="ratio" if "ratio" in fam else "poisson")
            maps[(fam, p)] = m
    return maps


def gap_set(fields, predict, rng, log) -> dict:
    """Fill per gap per method, the candidate maps and the predictions of a set of gap fields."""
    fills, lengths, maps, preds, sigmas = {}, [], {}, [], []
    for fld in fields:
        t0 = time.perf_counter()
        imgs, views, sigma = images(fld, predict)
        a, b = trust.split_counts(fld.sparse, rng)
        halves = (hl.dihedral_views(2 * a, predict).mean(0), hl.dihedral_views(2 * b, predict).mean(0))
        for name, img in imgs.items():
            fills.setdefault(name, []).append(hl.gap_fill(img, fld))
        lengths.append([g.length_nm for g in fld.gaps])
        for key, m in candidate_maps(fld, imgs["network"], views, halves).items():
            maps.setdefault(key, []).append(m)
        preds.append(imgs["network"])
        sigmas.append(sigma)
        log(f"  {fld.name}: {len(fld.gaps)} gaps, oracle blur {sigma:g} px, {time.perf_counter() - t0:.1f} s")
    lengths = np.concatenate(lengths)
    fills = {k: np.concatenate(v) for k, v in fills.items()}
    ls = sorted(set(lengths.tolist()))
    summary = {"methods": list(fills), "lengths_nm": ls, "n": [int(np.sum(lengths == x)) for x in ls],
               "median_fill": {k: [float(np.nanmedian(v[lengths == x])) for x in ls] for k, v in fills.items()},
               "oracle_sigma_px": sigmas,
               "filled_more_than_10nm_blur": int(np.sum(fills["network"] > fills["blur 10 nm"])),
               "filled_over_0.3": {k: int(np.sum(v > 0.3)) for k, v in fills.items()}, "n_gaps": int(len(lengths)),
               "per_gap": {"length_nm": lengths, **{k: v for k, v in fills.items()}}}
    return {"summary": summary, "maps": maps, "preds": preds}


def scenes(predict, log, n_ring_fields: int) -> tuple[dict, dict]:
    out, keep = {}, {}
    s = SEEDS["scenes"]
    for bg in (40.0, 300.0):
        ref = hl.simulate_scene("reference", s, background_per_um2=bg)
        imgs, _, sigma = images(ref, predict)
        levels = {k: hl.structure_level(v, ref) for k, v in imgs.items()}
        emp = hl.simulate_scene("empty", s + 1, background_per_um2=bg)
        e_imgs, _, _ = images(emp, predict, sigma)
        out[f"empty ({bg:g} background per um^2)"] = {"invented": {
            k: hl.invented(v, emp, level=levels[k], truth_level=levels["truth"]) for k, v in e_imgs.items()}}
        log(f"  empty, background {bg:g}: done")
    for kind, n in (("rings", n_ring_fields), ("clusters", 1), ("meshwork", 1), ("crossings", n_ring_fields)):
        rows, extra, radii = {}, {}, []
        for i in range(n):
            fld = hl.simulate_scene(kind, s + 10 * (SCENE_INDEX[kind]) + i)
            imgs, _, _ = images(fld, predict)
            for k, v in imgs.items():
                rows.setdefault(k, []).append(hl.invented(v, fld))
                if kind == "rings":
                    extra.setdefault(k, []).append(hl.ring_hole_fill(v, fld))
                if kind == "crossings":
                    extra.setdefault(k, []).append(hl.crossing_resolution(v, fld))
            radii += fld.info.get("radii_nm", [])
            if i == 0:
                keep[kind] = (fld, imgs)
        r = {"invented": {k: {q: float(np.nanmean([x[q] for x in v])) for q in v[0]} for k, v in rows.items()}}
        if kind == "rings":
            radii = np.asarray(radii)
            r["hole_fill_by_radius_nm"] = {k: {f"{x:g}": float(np.median(np.concatenate(v)[radii == x]))
                                               for x in sorted(set(radii))} for k, v in extra.items()}
        if kind == "crossings":
            r["fraction_resolved_by_angle_and_separation"] = {
                k: {a: {sep: float(np.mean([d[a][sep] for d in v if a in d and sep in d[a]])) for sep in v[0][a]}
                    for a in v[0]} for k, v in extra.items()}
        out[kind] = r
        log(f"  {kind}: done")
    return out, keep


SCENE_INDEX = {"rings": 1, "clusters": 2, "meshwork": 3, "crossings": 4}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fields", type=int, default=8, help="gap fields per set (default 8; the tuning set has 10)")
    p.add_argument("--out", type=Path, default=hl.RESULTS_DIR, help="output folder (default: the stored study)")
    p.add_argument("--quick", action="store_true", help="2 fields per set, 1 per scene")
    args = p.parse_args(argv)
    n = 2 if args.quick else args.fields
    start = time.perf_counter()
    log = lambda msg: print(f"[{time.perf_counter() - start:6.0f} s] {msg}", flush=True)  # noqa: E731
    from frcnet_lite.model import load_model
    from frcnet_lite.simulate import SimulationConfig, vary_config

    predict = make_predict(load_model("simulated"))
    other = load_other()
    base = SimulationConfig(field_size_nm=2560.0)
    n_tune = 2 if args.quick else n + 2
    sets = {"tuning": [hl.simulate_gapped_field(vary_config(SEEDS["tuning"] + i, base=base)) for i in range(n_tune)],
            "held-out": [hl.simulate_gapped_field(vary_config(SEEDS["held-out"] + i, base=base)) for i in range(n)],
            "other simulator": [hl.other_gapped_field(other, SEEDS["other simulator"] + i) for i in range(n)],
            "confirm": [hl.simulate_gapped_field(vary_config(SEEDS["confirm"] + i, base=base)) for i in range(n)],
            "confirm, other simulator": [hl.other_gapped_field(other, SEEDS["confirm, other simulator"] + i)
                                         for i in range(n)]}
    rng = np.random.default_rng(0)
    res = {}
    for name, fields in sets.items():
        log(f"gap fields: {name}")
        res[name] = gap_set(fields, predict, rng, log)
    # tune each family's parameter on the tuning fields (AUC on the filled gaps the truth leaves empty, then on all
    # filled gaps), score the choice elsewhere
    tuning = hl.flag_skill({f"{k[0]}|{k[1]}": v for k, v in res["tuning"]["maps"].items()}, sets["tuning"],
                           res["tuning"]["preds"])
    chosen = {}
    for fam in FAMILIES:
        best = max(FAMILIES[fam], key=lambda q: (np.nan_to_num(tuning[f"{fam}|{q}"]["invented_fills"]),
                                                  np.nan_to_num(tuning[f"{fam}|{q}"]["filled_gaps"])))
        chosen[f"{fam} (sigma {best:g} px)"] = (fam, best)
    if SHIPPED not in chosen.values():
        chosen[f"{SHIPPED[0]} (sigma {SHIPPED[1]:g} px)"] = SHIPPED
    chosen[f"{TODAY[0]} (sigma {TODAY[1]:g} px; before this study)"] = TODAY
    skill = {name: hl.flag_skill({label: res[name]["maps"][key] for label, key in chosen.items()}, sets[name],
                                 res[name]["preds"]) for name in sets}
    best = next(k for k, v in chosen.items() if v == SHIPPED)
    log("scenes")
    scene_res, keep = scenes(predict, log, 1 if args.quick else 2)
    results = {"command": "python scripts/hallucination_study.py", "model": "simulated", "seeds": SEEDS,
               "fields_per_set": {k: len(v) for k, v in sets.items()}, "field_size_nm": 2560.0, "fraction": 0.1, "pixel_size_nm": 5.0,
               "tiling": "512 px tiles, mean of the 8 rotations and flips", "gap_lengths_nm": list(hl.GAP_LENGTHS_NM),
               "gaps": {k: v["summary"] for k, v in res.items()}, "scenes": scene_res,
               "tuning_grid": {k: v for k, v in tuning.items()}, "chosen": {k: list(v) for k, v in chosen.items()},
               "skill": skill, "shipped": best, "target_auc": 0.75,
               "seconds": round(time.perf_counter() - start)}
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / "results.json.tmp"
    tmp.write_text(json.dumps(hl._jsonable(results), indent=1))
    tmp.replace(args.out / "results.json")
    save_examples(args.out, sets["held-out"], res["held-out"], keep, chosen[best])
    figure(args.out, results)
    print(hl.fill_table(results), hl.scene_table(results), hl.skill_table(results), sep="\n\n")
    log(f"wrote {args.out}")
    return 0


def save_examples(out: Path, fields, res, keep, shipped_key, half_px: int = 60) -> None:
    """Crops (600 nm) around a filled 60 nm gap and a ring: input, network, truth, the shipped map."""
    crops = {}
    fills = np.concatenate([hl.gap_fill(pr, f) for f, pr in zip(fields, res["preds"])])
    owners = [(i, g) for i, f in enumerate(fields) for g in f.gaps]
    order = [k for k in np.argsort(-fills) if abs(owners[k][1].length_nm - 60.0) < 1]
    i, g = owners[order[0]]
    fld, pred = fields[i], res["preds"][i]
    m = res["maps"][shipped_key][i]
    rings, rimgs = keep["rings"]
    from frcnet_lite.trust import data_support  # the shipped map on the ring scene needs no halves

    rmap = data_support(rings.sparse, rimgs["network"], sigma_px=shipped_key[1],
                        form="ratio" if "ratio" in shipped_key[0] else "poisson") \
        if shipped_key[0].startswith("data support") else None
    for tag, f, c, imgs, tm in (("gap", fld, g.centre_nm, {"network": pred}, m),
                                ("ring", rings, rings.info["centres_nm"][-1], rimgs, rmap)):
        cx, cy = (int(round(v / f.pixel_size_nm)) for v in c)
        win = np.s_[cy - half_px:cy + half_px, cx - half_px:cx + half_px]
        crops[f"{tag}_input"], crops[f"{tag}_network"], crops[f"{tag}_truth"] = f.sparse[win], imgs["network"][win], f.truth[win]
        if tm is not None:
            crops[f"{tag}_trust"] = np.nan_to_num(tm[win], nan=0.0)
    np.savez_compressed(out / "examples.npz", pixel_size_nm=5.0, **{k: v.astype(np.float32) for k, v in crops.items()})


def figure(out: Path, results) -> None:
    import matplotlib

    matplotlib.use("Agg")
    hl.plot_fill_vs_length(results).savefig(out / "gap_fill.png", dpi=120)
    hl.plot_skill(results).savefig(out / "trust_skill.png", dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
