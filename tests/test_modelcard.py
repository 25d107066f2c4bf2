"""frcnet_lite.modelcard: what is stored beside a model and the card made from it, on constructed results."""

from __future__ import annotations

import json

import pytest

from frcnet_lite import modelcard as card
from frcnet_lite.validation import ORACLE


def test_the_paper_recipe_has_no_departures_and_each_change_is_named():
    paper = {"generator": "unet", "dropout_blocks": 3, "learning_rate": 2e-4, "beta_1": 0.5,
             "loss_weights": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}, "target_kind": "anisotropic"}
    assert card.departures_from_paper(paper) == []
    shipped = {**paper, "generator": "unet_blend", "dropout_blocks": 0, "learning_rate": 1e-3, "beta_1": 0.9,
               "decay_epochs": 20, "loss_weights": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1, "mse": 5.0},
               "target_kind": "gaussian", "local_sigma_px": 16, "bn_recalibration_patches": 800}
    text = "\n".join(card.departures_from_paper(shipped, {"kind": "gaussian", "params": {"sigma_nm": 7.5}}))
    for phrase in ("unet_blend", "Gaussian KDE targets (7.5 nm kernel)",
                   "loss 1 MS-SSIM + 1 area-FRC + 0.1 L1 + 5 MSE (adds or reweights MSE)", "local density (16 px)",
                   "re-estimated", "Adam learning rate 0.001 with beta_1 0.9 (paper: 2e-4, 0.5), decayed linearly "
                   "over the last 20 epochs", "no dropout"):
        assert phrase in text, phrase
    assert len(card.departures_from_paper(shipped)) == 7
    single = card.departures_from_paper({**paper, "loss_weights": {"l1": 0.1, "ms_ssim": 1.0}})
    assert single == ["loss 1 MS-SSIM + 0.1 L1 (drops area-FRC)"]


def test_update_model_json_merges_data_and_leaves_no_temporary_file(tmp_path):
    (tmp_path / "model.json").write_text(json.dumps({"data": {"source": "x", "keep": 1}, "pixel_size_nm": 5.0}))
    card.update_model_json(tmp_path, {"source": "y"}, pixel_size_nm=10.0)
    info = json.loads((tmp_path / "model.json").read_text())
    assert info == {"data": {"source": "y", "keep": 1}, "pixel_size_nm": 10.0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_load_results_names_a_missing_or_damaged_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results.json"):
        card.load_results(tmp_path)
    (tmp_path / "results.json").write_text("{")
    with pytest.raises(ValueError, match="is not valid JSON"):
        card.load_results(tmp_path)


def _real_results():
    def rows(net):
        return {m: {"ms_ssim": v, "psnr_db": 20 + v, "area_frc_0.2": v / 2}
                for m, v in (("network", net), (ORACLE, 0.5), ("histogram", 0.2), ("anisotropic KDE", 0.3))}

    fields = {f: {"rows": rows(net), "blur_sigma_px": {"ms_ssim": 3.0, "psnr_db": 3.0, "area_frc_0.2": 0.5},
                  "checkerboard": {"ratio": 1.1}} for f, net in (("spot01", 0.6), ("spot10", 0.45))}
    cfg = {"depth": 6, "base_filters": 16, "max_filters": 128, "decoder": "resize", "val_fields": ["spot01", "spot10"],
           "loss_weights": {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1, "mse": 5.0}, "frc_cutoff": 0.2, "epochs": 50,
           "steps_per_epoch": 100, "batch_size": 4, "patch_size": 256, "seed": 0, "learning_rate": 1e-3,
           "beta_1": 0.9, "dropout_blocks": 0, "generator": "unet"}
    return {"fields": fields, "train_config": cfg, "pixel_size_nm": 10.0,
            "timing": {"train_minutes": 30.0, "machine": {"cpu_count": 2, "processor": "x86_64"}}}


def test_the_real_data_card_gives_field_margins_and_no_verdict_from_two_fields():
    text = card.real_readme("cos7", _real_results(), {"train_fields": ["spot04"]})
    assert "| spot01 | +0.1000 | +0.10 | +0.050 | 3 / 3 / 0.5 |" in text
    assert "| spot10 | -0.0500 | -0.05 | -0.025 | 3 / 3 / 0.5 |" in text
    assert "| mean over 2 fields | +0.0250 ± 0.0750 |" in text
    assert "cannot be ranked against the oracle blur on MS-SSIM, PSNR (dB), area-FRC (0.2)" in text
    assert "periods of\n  100 nm and longer" in text and "5 MSE" in text and "on 2 CPU cores (x86_64)" in text
    assert "issue" not in text.lower()


def test_shipped_real_data_card_is_the_one_its_results_make():
    from frcnet_lite.model import model_folder, read_model_info

    folder = model_folder("cos7")
    results = card.load_results(folder)
    assert card.real_readme("cos7", results, read_model_info(folder).data) == (folder / "README.md").read_text()
    assert set(results["fields"]) == set(results["train_config"]["val_fields"])  # every held-out field, whole
