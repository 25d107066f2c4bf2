"""scripts/train_simulated.py: its data, evaluation and packaging on tiny fields (the quick run is slow)."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

from frcnet_lite import modelcard as card  # noqa: E402
from frcnet_lite import two_filaments  # noqa: E402
from frcnet_lite import validation as V  # noqa: E402


@pytest.fixture(scope="module")
def script(import_script):
    return import_script("train_simulated")


def test_shifted_regime_lies_outside_the_training_ranges(script):
    from frcnet_lite.simulate import VARY_RANGES

    assert set(VARY_RANGES) < set(script.TRAIN_RANGES) == set(script.SHIFTED_RANGES)
    for name, (lo, hi) in VARY_RANGES.items():  # the training ranges hold the library's defaults
        assert script.TRAIN_RANGES[name][0] <= lo and hi <= script.TRAIN_RANGES[name][1], name
    for name, (lo, hi) in script.SHIFTED_RANGES.items():
        tlo, thi = script.TRAIN_RANGES[name]
        assert hi <= tlo or lo >= thi, name  # disjoint from the training range
    study = script.Study.quick()
    shifted = script.field_configs("shifted", 3, study)
    train = script.field_configs("train", 3, study)
    for cfg in shifted:
        assert cfg.parallel_pairs == 0 and cfg.bleach_time_frames == script.SHIFTED_BASE["bleach_time_frames"]
        for name, (lo, hi) in script.SHIFTED_RANGES.items():
            assert lo <= getattr(cfg, name) <= hi
    assert all(c.parallel_pairs == study.train_parallel_pairs and c.bleach_time_frames is None for c in train)
    assert all(c.parallel_pairs == study.parallel_pairs for c in script.field_configs("test", 3, study))
    for cfg in train:
        for name, (lo, hi) in script.TRAIN_RANGES.items():
            assert lo <= getattr(cfg, name) <= hi, name
    # disjoint seeds: no field shared between the splits
    seeds = {s: {c.seed for c in script.field_configs(s, 3, study)} for s in ("train", "val", "test", "confirm")}
    assert not (seeds["train"] & seeds["val"]) and not (seeds["train"] & seeds["test"])
    assert not (seeds["confirm"] & (seeds["train"] | seeds["val"] | seeds["test"]))
    confirm = script.field_configs("confirm", 3, study)  # drawn as the test fields
    assert all(c.parallel_pairs == study.parallel_pairs and c.bleach_time_frames is None for c in confirm)
    assert all(lo <= getattr(c, k) <= hi for c in confirm for k, (lo, hi) in script.TRAIN_RANGES.items())
    assert script.field_configs("train", 2, study) == train[:2]  # reproducible


def test_split_pairs_go_through_build_pairs_and_are_cached(script, tmp_path):
    study = dataclasses.replace(script.Study.quick(), field_size_nm=640.0, patch_px=128, val_fields=2)
    pairs = script.split_pairs("val", study, tmp_path, progress=False)
    assert len(pairs) == 2 and pairs.shape == (128, 128) and pairs.truths is not None
    assert pairs.target_kind == "anisotropic" and pairs.meta["fraction"] == 0.1
    assert pairs.meta["names"] == ["val000", "val001"] and set(pairs.meta["configs"]) == {"val000", "val001"}
    # the input is a 10 % window: about a tenth of the target's total
    ratio = pairs.inputs.sum() / pairs.targets.sum()
    assert 0.03 < ratio < 0.3
    again = script.split_pairs("val", study, tmp_path, progress=False)  # from the cache
    np.testing.assert_array_equal(again.inputs, pairs.inputs)
    with pytest.raises(ValueError, match="other settings"):
        script.split_pairs("val", dataclasses.replace(study, fraction=0.2), tmp_path)


def test_gaussian_targets_use_the_study_kernel_width(script, tmp_path):
    from frcnet_lite.kde import gaussian_kde

    study = dataclasses.replace(script.Study.quick(), field_size_nm=640.0, patch_px=128, val_fields=1,
                                target_kind="gaussian", target_sigma_nm=5.0)
    assert script.Study().target_sigma_nm == 7.5
    assert script.Study(target_kind="anisotropic").target_spec().params == script.Study(
        target_kind="anisotropic", target_sigma_nm=7.0).target_spec().params  # only Gaussian KDEs take it
    narrow = script.split_pairs("val", study, tmp_path / "a", progress=False)
    assert narrow.meta["target"] == {"kind": "gaussian", "params": {"sigma_nm": 5.0}}
    wide = script.split_pairs("val", dataclasses.replace(study, target_sigma_nm=10.0), tmp_path / "b", progress=False)
    np.testing.assert_array_equal(wide.inputs, narrow.inputs)  # one simulation, two targets
    # the 10 nm target is the 5 nm one blurred further by sqrt(2^2 - 1^2) px (Gaussians add in quadrature);
    # compared away from the patch edge, where the field around the patch enters the wider kernel
    further = gaussian_kde(narrow.targets[0].astype(np.float64), 3.0**0.5)
    inner = (slice(16, -16),) * 2
    np.testing.assert_allclose(further[inner], wide.targets[0][inner], rtol=0.02, atol=1e-3 * wide.targets.max())
    with pytest.raises(ValueError, match="other settings"):
        script.split_pairs("val", dataclasses.replace(study, target_sigma_nm=10.0), tmp_path / "a")


def test_target_kernel_cost_widens_the_oracle_blur_in_quadrature(script):
    from types import SimpleNamespace

    from frcnet_lite.kde import gaussian_kde

    rng = np.random.default_rng(3)
    lines = np.zeros((48, 48), np.float32)
    lines[:, 20] = lines[30, :] = 1.0
    inputs = np.stack([rng.poisson(lam * lines).astype(np.float32) for lam in (2.0, 5.0, 20.0, 60.0)])
    # the truth is the 1 px blur of each input (plus a little noise): the oracle is narrow, a kernel only blurs it
    truths = np.stack([gaussian_kde(x, 1.0) + rng.normal(0, 1e-3, x.shape).astype(np.float32) for x in inputs])
    pairs = SimpleNamespace(inputs=inputs, truths=truths)
    per_patch = [{"blur_sigma_px": {"psnr_db": 1.0}, "field": f"f{i}"} for i in range(4)]
    cost = V.target_kernel_cost(pairs, per_patch, widths_px=(1.0, 2.0), groups=2)
    assert [q["patches"] for q in cost] == [2, 2] and cost[0]["counts"][1] <= cost[1]["counts"][0]
    for q in cost:
        assert 0 < q["cost_db"]["1.0"]["mean"] < q["cost_db"]["2.0"]["mean"]  # a wider kernel costs more
    # the first quarter's 2 px cost, directly: the oracle (1 px) minus a blur of sqrt(1 + 4) px
    from frcnet_lite.comparison import score

    direct = [score(gaussian_kde(inputs[i], 1.0), truths[i])["psnr_db"]
              - score(gaussian_kde(inputs[i], 5.0**0.5), truths[i])["psnr_db"] for i in (0, 1)]
    assert cost[0]["cost_db"]["2.0"]["mean"] == pytest.approx(np.mean(direct), rel=1e-6)
    table = card.kernel_table(cost, 5.0, 5.0)
    assert "cost of a 5 nm kernel (dB)" in table and "cost of a 10 nm kernel (dB)" in table
    assert f"In the densest quarter a 10 nm kernel costs {cost[1]['cost_db']['2.0']['mean']:.2f} dB" in table
    assert table.endswith("This model's targets use a 5 nm kernel.")
    with pytest.raises(ValueError, match="3 evaluated patches, but 4"):
        V.target_kernel_cost(pairs, per_patch[:3])


def test_kernel_reading_compares_the_shifted_dense_target_with_the_oracle(script):
    def results(dense, oracle, target=None):
        summary = {"dense target": {"psnr_db": {"mean": dense}}, "best blur (oracle)": {"psnr_db": {"mean": oracle}}}
        return {"target": target or {"kind": "gaussian", "params": {"sigma_nm": 5.0}},
                "evaluation": {"shifted": {"summary": summary}}}

    below = card.kernel_reading(results(22.38, 23.58))
    assert below.startswith("This model's targets use a 5 nm kernel.") and "scores 22.38 dB" in below
    assert "below the oracle blur of the sparse input (23.58 dB)" in below and "cannot win there" in below
    assert card.kernel_reading(results(27.0, 23.58)).endswith("above the oracle blur of the sparse input (23.58 dB).")
    assert card.kernel_reading(results(1.0, 2.0, {"kind": "anisotropic", "params": {"window": 11}})) == ""


def test_train_parallel_pairs_change_the_training_fields_only(script, tmp_path):
    study = dataclasses.replace(script.Study.quick(), train_parallel_pairs=3)
    assert all(c.parallel_pairs == 3 for c in script.field_configs("train", 2, study))
    assert all(c.parallel_pairs == study.parallel_pairs == 1 for s in ("val", "test")
               for c in script.field_configs(s, 2, study))
    assert script.simulation_description(study)["parallel_pairs_per_field"] == 3
    same = dataclasses.replace(script.Study.quick(), train_parallel_pairs=None)  # None: as the test fields
    assert script.simulation_description(same)["parallel_pairs_per_field"] == 1
    assert all(c.parallel_pairs == 1 for c in script.field_configs("train", 2, same))
    with pytest.raises(SystemExit, match="--train-parallel-pairs must be >= 0, got -1"):
        script.main(["--train-parallel-pairs", "-1", "--work", str(tmp_path)])


def test_other_simulator_pairs_tile_its_fields_with_its_own_truth(script):
    study = dataclasses.replace(script.Study.quick(), target_kind="gaussian", patch_px=128)
    pairs = script.other_simulator_pairs(2, study)
    assert len(pairs) == 2 * (1280 // 5 // 128) ** 2 and pairs.shape == (128, 128)
    assert pairs.meta["field_ids"][:4] == ["other000"] * 4 and pairs.meta["origins_px"][1] == [0, 128]
    field = script._independent_simulator().simulate_field(script.SEEDS["other"], field_nm=1280.0, px_nm=5.0, fraction=0.1)
    np.testing.assert_array_equal(pairs.inputs[1], field["sparse"][:128, 128:256])
    np.testing.assert_array_equal(pairs.truths[3], field["truth"][128:256, 128:256])


def test_sweep_table_and_reading_follow_the_margins(script):
    def row(means, spread=0.01):
        return {"fields": 4, "margin": {k: _margin(m, spread, n=4) for k, m in zip(card.KEYS, means)}}

    sweep = {"defaults": row((0.5, 0.5, 0.5)), "odd": row((0.5, -0.6, 0.1), 0.2)}
    table = card.sweep_table(sweep)
    assert "| odd | 4 | **+0.5000 ± 0.1155** | **-0.60 ± 0.12** | +0.100 ± 0.115 |" in table
    assert card.sweep_reading(sweep) == (
        "The network beats the oracle blur on every metric (95 % interval over the 4 fields of each set) in 1 of 2 "
        "parameter sets (odd: it beats the oracle blur on MS-SSIM; loses to the oracle blur on PSNR (dB); shows no "
        "clear difference from the oracle blur on area-FRC (0.2) (95 % interval over 4 fields)).")
    # the sweep's sets are fixed departures from the independent simulator's defaults, all of them parameters it has
    names = set(script._independent_simulator().OTHER_PARAMS)
    assert script.OTHER_SWEEP["defaults"] == {} and all(set(o) <= names for o in script.OTHER_SWEEP.values())


def _fake_two_filaments(script):
    from frcnet_lite.resolution import TwoFilamentResult

    d = np.array([20.0, 40.0, 60.0])
    dips = {"histogram": np.array([[0.0, 0.1, 0.3], [0.2, 0.0, 0.4]])}
    return TwoFilamentResult(d, {}, dips, {}, {}, 5.0, "sparrow")


def test_resolution_rows_apply_the_criterion_to_the_dips(script):
    res = _fake_two_filaments(script)
    any_dip = two_filaments.resolution_rows(res, ["histogram"], 0.0)["histogram"]
    assert any_dip["per_run_nm"] == [40.0, 60.0] and any_dip["mean"] == 50.0 and any_dip["sem"] == pytest.approx(10.0)
    rayleigh = two_filaments.resolution_rows(res, ["histogram"], 0.265)["histogram"]
    assert rayleigh["per_run_nm"] == [60.0, 60.0] and rayleigh["fraction_resolved"] == [0.0, 0.0, 1.0]


def test_two_filament_reading_names_baselines_below_the_truth_run_by_run(script):
    def row(runs):
        return {"per_run_nm": runs, "mean": float(np.mean(runs)), "sem": float(np.std(runs, ddof=1) / 2), "n": 4,
                "runs": 4}

    truth = [60.0, 70.0, 60.0, 70.0]
    rows = {"network": row([70.0, 80.0, 70.0, 80.0]), "dense target": row([60.0, 70.0, 70.0, 70.0]),
            "histogram": row([50.0, 60.0, 50.0, 60.0]),  # 10 nm below the truth in every run
            "anisotropic KDE": row([50.0, 80.0, 70.0, 60.0]),  # below on average, not run by run
            "best Gaussian blur": row([60.0, 70.0, 60.0, float("nan")]), card.TRUTH: row(truth)}
    assert card._paired_nm(rows["best Gaussian blur"], rows[card.TRUTH]) == {"mean": 0.0, "sem": 0.0, "n": 3}
    text = card.two_filament_reading({"criteria": {"sparrow": {"rows": rows}}})
    assert text.startswith("With `sparrow` the noise-free truth resolves from 65.0 ± 2.9 nm; the network from "
                           "75.0 ± 2.9 nm (+10.0 nm), its dense target from 67.5, the best sparse baseline "
                           "(histogram) from 55.0. The histogram 'resolves' below the truth itself")
    assert "anisotropic KDE" not in text
    del rows[card.TRUTH]
    assert card.two_filament_reading({"criteria": {"sparrow": {"rows": rows}}}) == ""


def test_width_reading_uses_the_recorded_widths(script):
    def patch(chosen, oracle):
        return {"network_blend_px": chosen, "blur_sigma_px": {"psnr_db": oracle}}

    ev = {"test": {"per_patch": [patch(3.0, 2.0), patch(4.0, 3.0), patch(3.5, 2.5)]},
          "shifted": {"per_patch": [patch(4.0, 8.0), patch(4.2, 6.0)]}}
    text = card.width_reading(ev)
    assert "a median of 7 px (2.5 px on the test fields)" in text and "median width of 4.1 px (3.5 px on" in text
    del ev["shifted"]["per_patch"][0]["network_blend_px"]  # results from before the widths were recorded
    assert card.width_reading(ev) == ""


@pytest.mark.slow
def test_quick_run_trains_evaluates_and_packages(script, tmp_path):
    work = tmp_path / "work"
    config = ROOT / "configs" / "simulated.yaml"
    assert script.main(["--quick", "--work", str(work), "--config", str(config)]) == 0
    results = json.loads((work / "results.json").read_text())
    for name in script.EVALUATED:
        ev = results["evaluation"][name]
        assert set(ev["summary"]) == set(card.METHODS)
        n = ev["margin"]["ms_ssim"]["n"]
        fields = sorted({p["field"] for p in ev["per_patch"]})
        assert n == len(fields) == ev["fields"] >= 1 and ev["margin"]["ms_ssim"]["unit"] == "field"
        per_field = [np.mean([p["network"]["ms_ssim"] - p["best blur (oracle)"]["ms_ssim"] for p in ev["per_patch"]
                              if p["field"] == f]) for f in fields]
        assert ev["margin"]["ms_ssim"]["mean"] == pytest.approx(np.mean(per_field))  # paired, averaged per field
        assert all(set(p["blur_sigma_px"]) >= {"ms_ssim", "psnr_db", "area_frc_0.2"} for p in ev["per_patch"])
    tf = results["two_filaments"]
    assert tf["criterion"] == "rayleigh" and set(tf["criteria"]) == {"sparrow", "rayleigh"}
    rows = tf["criteria"]["sparrow"]["rows"]
    for m in ("network", "histogram", "anisotropic KDE", "best Gaussian blur", "dense target", card.TRUTH):
        assert rows[m]["runs"] == 2
    checks = results["bars"]
    assert len(checks) == 3 * 3 + 3 * 3 + 1 and all(isinstance(c["met"], bool) for c in checks)
    with (work / "evaluation.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert {r["set"] for r in table} == {"test", "shifted", "confirm", "other"}
    assert (work / "training_curves.png").stat().st_size > 1000
    # packaging (what a full run does at the end) into a temporary package folder
    study = script.Study.quick()
    script._fill_model_data(work / "model", results, study)
    from frcnet_lite.model import read_model_info
    from frcnet_lite.training import read_config

    info = read_model_info(work / "model")
    assert info.data["source"] == "simulated" and info.data["fraction"] == 0.1
    from frcnet_lite.training import read_config

    assert info.data["target"]["kind"] == read_config(config).target_kind == results["two_filaments"]["target_kind"]
    assert "margin over the oracle" in info.data["validation"]
    assert "; an independent simulator " in info.data["validation"] and "; outside all training ranges " in \
        info.data["validation"]
    text = card.readme(results, *script.stored_studies(info.data))
    pkg = script.package(work, tmp_path / "pretrained" / "simulated", config, text)
    assert (pkg / "model.keras").is_file() and (pkg / "train_config.yaml").read_text() == config.read_text()
    assert "python scripts/train_simulated.py" in (pkg / "README.md").read_text()
    assert not (pkg.parent / ".simulated.new").exists()
    # --recard: the same card again from the stored results, nothing trained
    before = (pkg / "README.md").read_text()
    assert script.main(["--quick", "--recard", "--package-dir", str(pkg)]) == 0
    assert (pkg / "README.md").read_text() == before
    assert card.evaluation_table(results["evaluation"]["test"]) in before


def _margin(mean, spread, n=16):
    """A margin over ``n`` fields whose per-field values are ``mean`` +/- ``spread`` (alternating)."""
    from frcnet_lite.validation import paired_margin

    a = [mean + spread * (-1) ** i for i in range(n)]
    return paired_margin(a, [0.0] * n, [f"f{i}" for i in range(n)]).to_dict()


def test_bars_follow_the_verdicts_over_fields(script):
    summary = {m: {k: {"mean": 1.0, "sem": 0.1, "n": 16} for k in card.KEYS} for m in card.METHODS}
    summary["network"] = {k: {"mean": 2.0, "sem": 0.1, "n": 16} for k in card.KEYS}
    margin = {"ms_ssim": _margin(0.01, 0.002), "psnr_db": _margin(0.1, 1.0), "area_frc_0.2": _margin(-0.01, 0.001)}
    rows = {"network": {"mean": 70.0}, "histogram": {"mean": 65.0}, "anisotropic KDE": {"mean": 80.0},
            "best Gaussian blur": {"mean": 75.0}}
    shifted = {"ms_ssim": _margin(-0.05, 0.004), "psnr_db": _margin(0.3, 0.1), "area_frc_0.2": _margin(0.01, 0.1)}
    results = {"evaluation": {"test": {"summary": summary, "margin": margin}, "shifted": {"margin": shifted}},
               "two_filaments": {"criterion": "rayleigh", "criteria": {"rayleigh": {"rows": rows}}}}
    met = {c["claim"]: c["met"] for c in card.bars(results)}
    assert met["test: network better than the oracle blur on MS-SSIM"]
    assert not met["test: network better than the oracle blur on PSNR (dB)"]  # the interval spans zero
    assert not met["test: network better than the oracle blur on area-FRC (0.2)"]  # lost
    assert met["test: network > histogram on PSNR (dB)"]
    assert [met[f"shifted regime (stress test): network better than the oracle blur on {card.METRIC_LABELS[k]}"]
            for k in card.KEYS] == [False, True, False]
    assert not any("89.15" in c for c in met)  # the paper's figure comes from another protocol
    assert not met["two filaments (rayleigh): network <= best sparse baseline"]  # the histogram's 65 nm
    assert "| **no** |" in card.bars_table(card.bars(results))
    ev = {"summary": summary, "margin": shifted, "fields": 16, "patches": 62}
    section = card.confirm_section({"confirm": ev}, {"confirm": 7000})
    assert "## A second test set, drawn after the choices (16 fields, 62 patches)" in section
    assert ("beats the oracle blur on PSNR (dB); loses to the oracle blur on MS-SSIM; shows no clear difference "
            "from the oracle blur on area-FRC (0.2) (95 % interval over 16 fields)") in section
    assert card.confirm_section({}, {}) == ""
    section = card.other_section({"evaluation": {"other": ev}, "seeds": {"other": 8000}})
    assert "## Another simulator (16 fields, 62 patches)" in section and "16 fields with seeds 8000+i" in section
    assert card.other_section({"evaluation": {}}) == ""


def test_density_table_splits_by_input_counts_and_counts_fields(script):
    def patch(counts, margin, field):
        return {"input_counts": counts, "field": field, "blur_sigma_px": {"psnr_db": 1.0 if counts > 50 else 3.0},
                "network": {k: margin for k in card.KEYS}, "best blur (oracle)": {k: 0.0 for k in card.KEYS}}

    rng = np.random.default_rng(0)
    pp = [patch(c, 0.5 + 0.01 * rng.standard_normal(), f"f{c % 5}") for c in range(10, 40)]
    pp += [patch(c, -1.0 + 0.01 * rng.standard_normal(), f"g{c % 4}") for c in range(100, 110)]
    text = card.density_table(pp)
    lines = text.splitlines()
    assert lines[2].startswith("| 10-19 | 10 | 5 |") and lines[5].startswith("| 100-109 | 10 | 4 |")
    assert "lowest (-1.00 ± 0.00 (4 fields)) for patches with 100-109" in text
    assert "below zero (95 % interval over fields) for 100-109 localizations" in text and "1.0 px on average" in text
    assert "not recorded" in card.density_table([{"network": {}}])


def test_recard_refuses_a_folder_without_results(script, tmp_path):
    with pytest.raises(FileNotFoundError, match="no results.json"):
        script.main(["--recard", "--package-dir", str(tmp_path / "pkg")])
    assert not (tmp_path / "pkg").exists()


def test_shipped_readme_is_the_one_its_stored_results_make(script):
    # every number and reading in the shipped README comes from its results.json (so it cannot drift from them)
    from frcnet_lite.model import model_folder, read_model_info

    folder = model_folder("simulated")
    results = json.loads((folder / "results.json").read_text())
    from frcnet_lite import hallucination

    from frcnet_lite import reproduction

    targets = [r for r in reproduction.load_runs() if r["study"] == "target"]
    text = card.readme(results, read_model_info(folder).data, hallucination.load_results(),
                       two_filaments.load_line_profile_results(), targets)
    assert text == (folder / "README.md").read_text()
    assert "## What it invents, and the map that flags it" in text
    assert "(the reproduction study, notebook 4: anisotropic minus Gaussian" in text  # the target choice, computed
    assert results["bars"] == card.bars(results)
    for ev in results["evaluation"].values():  # the stored margins are those of the stored per-patch scores
        assert ev["margin"] == json.loads(json.dumps(card.summarise_set(ev["per_patch"])["margin"]))
        assert ev["margin"]["psnr_db"]["unit"] == "field"
