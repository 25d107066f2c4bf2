"""Hallucination measurements and trust-map skill on tiny constructed cases (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from frcnet_lite import hallucination as hl
from frcnet_lite import trust


def _line_field(gap_nm: float = 60.0, size_px: int = 120, px: float = 5.0):
    """A horizontal filament across the field with one gap in the middle, rendered as a thin line."""
    size = size_px * px
    line = np.column_stack([np.linspace(0, size, 61), np.full(61, size / 2)])
    gap = hl.Gap(0, size / 2 - gap_nm / 2, size / 2 + gap_nm / 2, (size / 2, size / 2), gap_nm)
    truth = np.zeros((size_px, size_px), np.float32)
    truth[size_px // 2, :] = 1.0
    lo, hi = int((size / 2 - gap_nm / 2) // px), int((size / 2 + gap_nm / 2) // px)
    truth[size_px // 2, lo:hi] = 0.0
    return hl.Field("line", truth.copy(), truth, px, [line], [gap])


def test_gap_cut_removes_every_dye_in_it_and_only_those():
    rng = np.random.default_rng(0)
    line = np.column_stack([np.linspace(0, 2000, 101), np.full(101, 1000.0)])
    gaps = hl.choose_gaps([line], [100.0], rng, (0, 0, 2000, 2000))
    assert gaps and all(abs(g.length_nm - 100) < 1e-9 for g in gaps)
    dyes = np.column_stack([rng.uniform(0, 2000, 20000), 1000 + rng.normal(0, 20, 20000)])
    cut = hl.in_gaps(dyes, [line], gaps)
    for g in gaps:  # on a straight line along x the foot point's arc length is x
        inside = (dyes[:, 0] >= g.start_nm) & (dyes[:, 0] <= g.stop_nm) & (np.abs(dyes[:, 1] - 1000) <= 60)
        assert np.all(cut[inside])
    in_any = np.zeros(len(dyes), bool)
    for g in gaps:  # the filament is sampled every 1 nm: the foot point is known to 1 nm
        in_any |= (dyes[:, 0] >= g.start_nm - 1) & (dyes[:, 0] <= g.stop_nm + 1) & (np.abs(dyes[:, 1] - 1000) <= 60)
    assert not np.any(cut & ~in_any)


def test_gapped_simulation_has_no_localization_of_a_cut_dye():
    from frcnet_lite.simulate import SimulationConfig

    fld = hl.simulate_gapped_field(SimulationConfig(field_size_nm=1500.0, n_frames=2000, seed=3,
                                                    filament_density_um_per_um2=2.0, background_per_um2=0.0),
                                   lengths_nm=(200.0,))
    assert fld.gaps
    # no dye is left in a gap, so the truth is (nearly) empty at every gap centre while the filament is bright
    assert np.all(hl.gap_fill(fld.truth, fld) < 0.1)


def test_remove_dyes_keeps_background_and_renumbers():
    from frcnet_lite.simulate import simulate_microtubules

    sim = simulate_microtubules(field_size_nm=1000.0, n_frames=500, seed=1)
    keep = np.arange(len(sim.fluorophores_nm)) % 2 == 0
    out = hl.remove_dyes(sim, keep)
    ids = out.localizations["fluorophore_id"]
    assert np.sum(ids < 0) == np.sum(sim.localizations["fluorophore_id"] < 0)
    assert ids.max() < len(out.fluorophores_nm) == keep.sum()
    old = sim.localizations["fluorophore_id"]
    assert np.sum(ids >= 0) == np.sum((old >= 0) & (old % 2 == 0))


def test_perfect_predictor_invents_nothing_and_fills_no_gap():
    fld = _line_field()
    assert hl.gap_fill(fld.truth, fld, radius_nm=0.0)[0] == 0.0
    inv = hl.invented(fld.truth, fld)
    assert inv["area"] == 0.0 and inv["peak"] == 0.0 and inv["mass"] == 0.0
    bridged = fld.truth.copy()
    bridged[60, :] = 1.0
    assert hl.gap_fill(bridged, fld, radius_nm=0.0)[0] == pytest.approx(1.0)


def test_invented_counts_a_spot_far_from_the_structure():
    fld = _line_field()
    img = fld.truth.copy()
    img[10:14, 10:14] = 1.0
    inv = hl.invented(img, fld)
    assert inv["area"] > 0 and inv["peak"] > 0.5 and 0 < inv["mass"] < 0.2


def test_roc_auc_of_perfect_random_and_inverted_flags():
    y = np.r_[np.zeros(50, bool), np.ones(50, bool)]
    assert hl.roc_auc(y.astype(float), y) == 1.0
    assert hl.roc_auc(-y.astype(float), y) == 0.0
    assert hl.roc_auc(np.zeros(100), y) == 0.5
    s = np.random.default_rng(0).random(100)
    from scipy import stats

    assert hl.roc_auc(s, y) == pytest.approx(stats.mannwhitneyu(s[y], s[~y]).statistic / 2500)
    assert np.isnan(hl.roc_auc(s, np.zeros(100, bool)))


def test_flag_skill_of_a_map_that_knows_the_gap():
    fld = _line_field()
    pred = fld.truth.copy()
    pred[60, :] = 1.0  # the prediction bridges the gap
    knowing = np.ones_like(pred)
    knowing[55:66, 52:68] = 0.0  # low trust exactly there
    blind = np.ones_like(pred)
    s = hl.flag_skill({"knowing": [knowing], "blind": [blind]}, [fld], [pred])
    assert s["knowing"]["filled_gaps"] == 1.0 and s["knowing"]["n_filled"] == 1
    assert s["blind"]["filled_gaps"] == 0.5
    assert s["knowing"]["worst_decile"] > 0.9


def test_data_support_flags_an_unsupported_bridge():
    rng = np.random.default_rng(1)
    out = np.zeros((64, 64))
    out[:, 32] = 3.0
    counts = rng.poisson(out).astype(float)
    counts[26:38] = 0  # 60 nm without localizations that the output draws
    m = trust.data_support(counts, out, sigma_px=2.0)
    assert m[32, 32] < 0.01
    assert np.nanmedian(m[5:20, 32]) > 0.2
    r = trust.data_support(counts, out, sigma_px=2.0, form="ratio")
    assert r[32, 32] < 0.05 and np.nanmedian(r[5:20, 32]) > 0.5
    assert np.all(np.isnan(m[:, :20]))  # dark: no verdict
    with pytest.raises(ValueError, match="form"):
        trust.data_support(counts, out, form="x")


def test_tta_spread_is_low_where_views_disagree():
    img = np.zeros((40, 40))
    img[:, 20] = 1.0
    views = np.stack([img] * 8)
    views[0, 5:15, 10] = 4.0  # one view invents a stretch
    m = trust.tta_spread(views, sigma_px=1.5)
    assert np.nanmin(m[:, 18:23]) > 0.9
    assert m[10, 10] < 0.3


def test_dihedral_views_undo_the_transform():
    img = np.random.default_rng(0).random((6, 6))
    v = hl.dihedral_views(img, lambda im: im[::1] + im[0, 0] * 0)  # identity
    assert np.allclose(v, img)


def test_scene_geometry():
    rng = np.random.default_rng(0)
    lines, info = hl.scene_filaments("crossings", 2560.0, rng)
    assert len(lines) == 8 and sorted(info["angles_deg"]) == [5.0, 10.0, 20.0, 30.0]
    assert hl.scene_filaments("empty", 2560.0, rng)[0] == []
    with pytest.raises(ValueError, match="unknown scene"):
        hl.scene_filaments("stars", 100.0, rng)


def test_crossing_resolution_of_the_truth_lines():
    lines, info = hl.scene_filaments("crossings", 2560.0, np.random.default_rng(0))
    from frcnet_lite.rendering import render_histogram
    from scipy import ndimage

    pts = np.vstack([hl._resample(line, 1.0)[0] for line in lines])
    img = ndimage.gaussian_filter(render_histogram(pts, 5.0, (0, 0, 2560, 2560)), 1.0)
    fld = hl.Field("x", img, img, 5.0, lines, [], info)
    res = hl.crossing_resolution(img, fld, separations_nm=(40.0, 80.0))
    assert res[30.0][80.0] == 1.0 and res[5.0][40.0] == 1.0  # thin lines: resolved wherever they are apart


def test_reconstruct_file_refuses_an_unknown_trust_method_before_any_work(tmp_path):
    from frcnet_lite import reconstruct as rc

    src = rc.write_float_tiff(tmp_path / "in.tif", np.ones((40, 40), np.float32), 5.0)
    with pytest.raises(ValueError, match="trust_method"):
        rc.reconstruct_file(src, tmp_path / "out.tif", model="no-such-model", trust_map_path=tmp_path / "t.tif",
                            trust_method="vibes")
    assert not (tmp_path / "out.tif").exists()


def test_cli_offers_the_trust_methods():
    import argparse

    from frcnet_lite.cli import reconstruct as cli_rc

    sub = argparse.ArgumentParser().add_subparsers()
    p = cli_rc.add_parser(sub)
    args = p.parse_args(["in.csv", "-o", "out.tif", "--trust-map", "t.tif", "--trust-method", "halves"])
    assert args.trust_method == "halves"
    assert p.parse_args(["in.csv", "-o", "out.tif"]).trust_method == "support"


def test_the_trust_docstring_quotes_the_stored_study():
    """The AUCs trust.py's docstring states are those of the stored study (they cannot drift from it)."""
    from frcnet_lite import hallucination, trust

    r = hallucination.load_results()
    skill, shipped = r["skill"], r["shipped"]
    halves = next(n for n in skill["confirm"] if n.startswith("halves") and "before" not in n)
    doc = " ".join(trust.__doc__.split())
    for s in ("confirm", "confirm, other simulator"):
        for key in ("invented_fills", "filled_gaps"):
            assert f"{skill[s][shipped][key]:.2f}" in doc, (s, key)
        assert f"{skill[s][halves]['invented_fills']:.2f}" in doc, s
