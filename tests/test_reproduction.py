"""frcnet_lite.reproduction: the claims' verdicts from constructed study records."""

from __future__ import annotations

import json

import numpy as np

from frcnet_lite import reproduction as R
from frcnet_lite.validation import ORACLE


def _real(group, seed, net, oracle=0.5, slope=0.0):
    rows = {f: {"rows": {"network": {"ms_ssim": net + d, "psnr_db": 20 + net + d, "area_frc_0.2": net + d},
                         ORACLE: {"ms_ssim": oracle + d, "psnr_db": 20 + oracle + d, "area_frc_0.2": oracle + d}}}
            for f, d in (("spot01", 0.0), ("spot10", 0.01 * seed))}
    hist = [{"val_ms_ssim_index": 0.5 + slope * e} for e in range(30)]
    return {"study": "loss", "group": group, "seed": seed, "steps": 3000, "fields": rows, "history": hist}


def _noise(seed, field):
    return 0.002 * ((seed * 7 + len(field)) % 5 - 2)


def _runs(combined, single):
    out = []
    for seed in range(3):
        out.append(_real(R.PAPER_ARM, seed, combined + 0.001 * seed))
        out += [_real(g, seed, single - 0.002 * seed) for g in R.LOSS_ARMS if g != R.PAPER_ARM]
    return out


def test_the_loss_claim_is_confirmed_only_when_the_combination_wins_every_comparison():
    rows = R.claims(_runs(0.6, 0.55))
    assert rows[0]["verdict"] == "confirmed" and rows[0]["n"] == "6 seed x field pairs"
    assert rows[0]["finding"].startswith("MS-SSIM + area-FRC + L1 has the highest mean on every metric.")
    assert [r["verdict"] for r in rows if r["claim"].startswith(("Anisotropic", "The paper"))] == ["not yet measured"] * 2
    assert R.claims(_runs(0.55, 0.6))[0]["verdict"] == "not confirmed"


def test_no_arm_over_the_blur_means_the_budget_cannot_rank():
    runs = _runs(0.4, 0.35)  # the oracle blur scores 0.5: every arm loses to it
    assert R.claims(runs)[0]["verdict"] == "cannot tell at this budget"
    assert "Over the oracle blur (MS-SSIM)" in R.claims(runs)[0]["finding"]


def test_the_recipe_comparison_and_the_loss_table():
    shipped = {"learning_rate": 1e-3, "beta_1": 0.9, "dropout_blocks": 0, "target_kind": "images",
               "loss_weights": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1, "mse": 5.0}}
    runs = _runs(0.6, 0.55) + [{**_real(R.RECIPE_ARM, s, 0.7, slope=0.001), "config": shipped} for s in range(3)]
    recipe = R.claims(runs)[-1]
    assert recipe["verdict"] == "the departures help" and "MS-SSIM +0.099" in recipe["finding"]
    assert "no dropout" in recipe["finding"] and "adds or reweights MSE" in recipe["finding"]  # from the run's config
    table = R.loss_table(runs)
    assert "| shipped cos7 recipe | 3 |" in table and "+0.0100 |" in table  # the slope per 1,000 steps
    low, high = R.spread_range(runs)  # SD of the last 10 epochs of a ramp of 0.001 per epoch, or flat
    assert abs(high - 0.001 * np.sqrt(10 * 11 / 12)) < 1e-9 and low == 0.0


def test_the_target_claim_counts_steps_to_a_common_level(tmp_path):
    def target(group, seed, rate):
        curve = [{"steps": s, "fields": {f: {"ms_ssim": 0.9 * (1 - np.exp(-s / rate)), "psnr_db": 20.0,
                                             "area_frc_0.2": 0.5, "mse": 0.01} for f in ("v0", "v1")}}
                 for s in (100, 200, 400, 600, 1000, 1500, 2000, 3000)]
        return {"study": "target", "group": group, "seed": seed, "steps": 3000, "truth_curve": curve,
                "fields": curve[-1]["fields"], "history": []}

    runs = [target("anisotropic KDE targets", s, 300 + 10 * s) for s in range(3)]
    runs += [target("gaussian KDE targets", s, 600 + 30 * s) for s in range(3)]
    rows = R.claims(runs, folder=tmp_path)
    assert [r["verdict"] for r in rows if r["claim"].startswith("Training with")] == ["not yet measured"]
    row = next(r for r in rows if r["claim"].startswith("Anisotropic KDE targets make training converge faster"))
    assert row["verdict"] == "confirmed" and row["n"] == "3 seeds; 6 seed x field pairs"
    assert "| **confirmed** (3 seeds; 6 seed x field pairs) |" in R.claims_table([row])
    assert "averaged over the 8 checkpoints" in row["finding"]
    # behind along the curve and slower to the level: not confirmed
    slow = [target("anisotropic KDE targets", s, 900 + 10 * s) for s in range(3)]
    slow += [target("gaussian KDE targets", s, 400 + 30 * s) for s in range(3)]
    row = next(r for r in R.claims(slow, folder=tmp_path) if r["claim"].startswith("Anisotropic"))
    assert row["verdict"] == "not confirmed"
    assert R.claims([], folder=tmp_path) == [] and "no stored runs" in R.claims_table([])


def test_stored_runs_load_and_record_what_made_them():
    for run in R.load_runs():
        assert {"group", "seed", "steps", "config", "machine", "history", "fields"} <= set(run)
        assert run["steps"] >= 3000
    assert json.dumps(R.claims())  # whatever is stored renders


def test_the_readme_shows_the_findings_of_the_stored_runs():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    i = readme.index(R.README_START) + len(R.README_START)
    assert readme[i:readme.index(R.README_END)] == "\n" + R.findings_markdown(heading="###"), (
        "README findings are stale: python -c 'from frcnet_lite import reproduction; "
        "reproduction.update_readme(\"README.md\")'")


def test_stored_records_hold_no_path_of_the_machine_that_made_them():
    for path in R.STUDY_DIR.glob("*/*.json"):
        text = path.read_text()
        assert '"/' not in text and ":\\\\" not in text, f"{path.name} holds an absolute path"


def test_the_target_studys_oracle_level_is_the_mean_over_its_fields(tmp_path):
    assert R.target_oracle_level(tmp_path) is None
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "baselines.json").write_text(json.dumps(
        {"f0": {ORACLE: {"ms_ssim": 0.8}}, "f1": {ORACLE: {"ms_ssim": 0.9}}}))
    assert abs(R.target_oracle_level(tmp_path) - 0.85) < 1e-12
