"""Training pairs: patch geometry, contents, held-out fields, storage, retargeting, image pairs."""

import json
from pathlib import Path

import numpy as np
import pytest

from frcnet_lite.pairs import (
    PairSet, build_pairs, load_fields, load_image_pairs, load_pairs, make_target, patch_origins, rebuild_pairs,
    retarget_pairs, save_fields, save_pairs,
)
from frcnet_lite.rendering import render_histogram
from frcnet_lite.simulate import render_truth, simulate_microtubules

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "frcnet-cos7-microtubules"


@pytest.fixture(scope="module")
def fields():
    return {f"f{i}": simulate_microtubules(field_size_nm=1500, n_frames=2000, seed=i) for i in range(3)}


def test_patch_origins_cover_the_image():
    for shape, patch in (((800, 384), 384), ((1000, 700), 256), ((256, 256), 256)):
        cover = np.zeros(shape, int)
        for r, c in patch_origins(shape, patch):
            cover[r: r + patch, c: c + patch] += 1
        assert cover.min() >= 1
    with pytest.raises(ValueError, match="patch_px"):
        patch_origins((100, 200), 150)


def test_build_pairs_inputs_targets_truths(fields):
    px, patch = 10.0, 64
    pairs = build_pairs(fields, fraction=0.2, pixel_size_nm=px, patch_px=patch, seed=1, progress=False,
                        target_params={"sigma_nm": 0.0})
    assert pairs.shape == (patch, patch) and pairs.truths is not None
    assert len(pairs) == 3 * 9 and pairs.meta["field_ids"][:9] == ["f0"] * 9
    for k in (0, 13, 26):
        fid = pairs.meta["field_ids"][k]
        r, c = pairs.meta["origins_px"][k]
        sim = fields[fid]
        full = render_histogram(sim.localizations, px, sim.fov_nm)
        # sigma 0: the target is exactly the full histogram, the input a part of it
        np.testing.assert_array_equal(pairs.targets[k], full[r: r + patch, c: c + patch])
        assert np.all(pairs.inputs[k] <= pairs.targets[k])
        np.testing.assert_allclose(pairs.truths[k], render_truth(sim, px)[r: r + patch, c: c + patch], rtol=1e-6)


def test_fraction_of_the_input(fields):
    sim = fields["f0"]
    pairs = build_pairs({"a": sim}, fraction=0.1, pixel_size_nm=10.0, patch_px=150, progress=False,
                        target_kind="histogram")
    assert len(pairs) == 1  # one patch = the whole 1500 nm field
    assert pairs.inputs.sum() / pairs.targets.sum() == pytest.approx(0.1, abs=0.01)


def test_validation_fields_are_held_out(fields, tmp_path):
    save_fields(fields, tmp_path / "fields", val_ids=["f2"])
    assert json.loads((tmp_path / "fields" / "fields.json").read_text()) == {"train": ["f0", "f1"], "val": ["f2"]}
    train = build_pairs(load_fields(tmp_path / "fields", "train"), patch_px=128, progress=False)
    val = build_pairs(load_fields(tmp_path / "fields", "val"), patch_px=128, progress=False)
    assert set(train.meta["field_ids"]) == {"f0", "f1"} and set(val.meta["field_ids"]) == {"f2"}
    with pytest.raises(ValueError, match="val_ids"):
        save_fields(fields, tmp_path / "x", val_ids=["nope"])


def test_save_load_round_trip_and_atomicity(fields, tmp_path):
    pairs = build_pairs(fields, patch_px=128, progress=False)
    path = save_pairs(pairs, tmp_path / "p" / "train.npz")
    back = load_pairs(path)
    for name in ("inputs", "targets", "truths"):
        np.testing.assert_array_equal(getattr(back, name), getattr(pairs, name))
    assert back.meta == pairs.meta and back.target_kind == "gaussian" and back.pixel_size_nm == 5.0
    assert sorted(p.name for p in path.parent.iterdir()) == ["train.npz"]  # no temporary left over
    with pytest.raises(FileNotFoundError, match="notebook 01"):
        load_pairs(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="npz"):
        save_pairs(pairs, tmp_path / "x.h5")


def test_retarget_and_rebuild(fields, tmp_path):
    data = tmp_path / "data"
    save_fields(fields, data / "fields", val_ids=["f2"])
    for split, ids in (("train", ["f0", "f1"]), ("val", ["f2"])):
        p = build_pairs({k: fields[k] for k in ids}, pixel_size_nm=10.0, patch_px=64, progress=False)
        save_pairs(p, data / "pairs" / "gaussian" / f"{split}.npz")
    written = rebuild_pairs(data, "histogram")
    src, new = load_pairs(data / "pairs" / "gaussian" / "train.npz"), load_pairs(written["train"])
    np.testing.assert_array_equal(new.inputs, src.inputs)
    k = 5
    r, c = new.meta["origins_px"][k]
    sim = fields[new.meta["field_ids"][k]]
    np.testing.assert_array_equal(new.targets[k], render_histogram(sim.localizations, 10.0, sim.fov_nm)[r: r + 64, c: c + 64])
    assert new.target_kind == "histogram"
    same = retarget_pairs(src, data / "fields", "gaussian", sigma_nm=10.0)
    np.testing.assert_allclose(same.targets, src.targets, rtol=1e-6)


def test_make_target_kinds_and_errors():
    h = np.zeros((31, 31), np.float32)
    h[15, 15] = 10
    assert make_target(h, "gaussian", 5.0, sigma_nm=10.0).sum() == pytest.approx(10, rel=1e-5)
    with pytest.raises(ValueError, match="target_kind"):
        make_target(h, "median")
    with pytest.raises(ValueError, match="unexpected"):
        make_target(h, "gaussian", 5.0, window=3)


def test_pairset_shape_checks():
    with pytest.raises(ValueError, match="targets shape"):
        PairSet(np.zeros((2, 4, 4)), np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        PairSet(np.zeros((4, 4)), np.zeros((4, 4)))


def test_load_image_pairs_png_and_tiff(tmp_path):
    from PIL import Image

    from frcnet_lite.io import write_tiff

    rng = np.random.default_rng(0)
    sub = rng.integers(0, 10, (70, 80)).astype(np.uint8)
    full = rng.integers(0, 65535, (70, 80)).astype(np.uint16)
    Image.fromarray(sub).save(tmp_path / "a_sub.png")
    Image.fromarray(full).save(tmp_path / "a_full.png")
    Image.fromarray(sub[:60, :60]).save(tmp_path / "b_sub.png")
    Image.fromarray(full[:60, :60]).save(tmp_path / "b_full.png")
    p = load_image_pairs(tmp_path)
    assert p.shape == (60, 60) and len(p) == 2 and p.pixel_size_nm == 10.0 and p.truths is None
    np.testing.assert_array_equal(p.inputs[0], sub[5:65, 10:70])
    np.testing.assert_array_equal(p.targets[1], full[:60, :60])
    patches = load_image_pairs(tmp_path, patch_px=32)
    assert patches.meta["names"].count("a") == 9
    tif = tmp_path / "tif"
    write_tiff(tif / "c_sub.tif", sub, pixel_size_nm=8.0)
    write_tiff(tif / "c_full.tif", full, pixel_size_nm=8.0)
    assert load_image_pairs(tif).pixel_size_nm == 8.0
    (tmp_path / "c_sub.png").write_bytes((tmp_path / "a_sub.png").read_bytes())
    with pytest.raises(FileNotFoundError, match="c_full"):
        load_image_pairs(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no '\\*_sub"):
        load_image_pairs(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no folder"):
        load_image_pairs(tmp_path / "missing")


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared COS-7 image pairs not present")
def test_real_cos7_image_pairs():
    p = load_image_pairs(SHARED, patch_px=512)
    assert p.inputs.max() <= 255 and p.targets.max() > 255  # 8-bit sparse counts, 16-bit dense targets
    assert len(set(p.meta["names"])) == 8
    # sparse inputs are mostly empty (2-7 % non-zero pixels), targets are not
    assert 0.01 < np.mean(p.inputs > 0) < 0.1 < np.mean(p.targets > 300)
