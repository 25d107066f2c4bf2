"""Tiled prediction equals single-pass prediction, shows no seams; TIFF round trip; bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image
from scipy import ndimage

from frcnet_lite.pipeline import Normalisation
from frcnet_lite import reconstruct as rc

CFG = rc.TilingConfig(tile_size_px=64, overlap_px=32, batch_size=3, min_size_px=16)


@pytest.mark.parametrize("length", [1, 63, 64, 65, 100, 257, 1000])
@pytest.mark.parametrize("tile, overlap", [(64, 16), (64, 32), (32, 0)])
def test_tiles_cover_the_axis_with_enough_overlap(length, tile, overlap):
    starts = rc.tile_starts(length, tile, overlap)
    assert starts[0] == 0 and starts[-1] + tile >= length
    for a, b in zip(starts, starts[1:]):
        assert a + tile - b >= overlap  # neighbours overlap at least by overlap_px
        assert b > a


def test_blend_weights_are_a_partition_of_unity_in_the_overlap():
    t, o = 64, 32
    w = rc.blend_weights_1d(t, o, True, True)
    step = t - o
    total = np.zeros(3 * step + t)
    for k in range(4):
        total[k * step : k * step + t] += w
    np.testing.assert_allclose(total[t - o : 3 * step + o], 1.0, atol=1e-12)
    assert np.all(w[: o // 4] == 0) and np.all(w[-(o // 4) :] == 0)  # tile edges are discarded


@pytest.mark.parametrize("shape", [(16, 16), (40, 100), (64, 64), (150, 97), (200, 260)])
def test_identity_prediction_is_exact(shape):
    img = np.random.default_rng(0).random(shape).astype(np.float32)
    out = rc.predict_tiled(img, lambda b: b.copy(), CFG, progress=False)
    assert out.shape == img.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, img, rtol=1e-6, atol=1e-7)


def _blur(batch: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    # zero-padded Gaussian blur of radius 4 sigma = 8 px = overlap / 4: each tile is wrong only
    # within 8 px of its own edges, exactly where its blending weight is 0
    return np.stack([ndimage.gaussian_filter(t, sigma, mode="constant", truncate=4.0) for t in batch])


def test_local_filter_tiled_equals_single_pass_everywhere():
    img = np.random.default_rng(1).poisson(0.3, (203, 171)).astype(np.float32)
    single = _blur(img[None])[0]
    tiled = rc.predict_tiled(img, _blur, CFG, progress=False)
    np.testing.assert_allclose(tiled, single, atol=1e-5)


def test_disagreeing_tiles_blend_without_seams():
    img = np.ones((300, 300), np.float32)
    gains = iter(np.random.default_rng(2).uniform(0.8, 1.2, 1000))

    def per_tile_gain(batch):
        return np.stack([t * next(gains) for t in batch])

    out = rc.predict_tiled(img, per_tile_gain, CFG, progress=False)
    jumps = max(np.abs(np.diff(out, axis=0)).max(), np.abs(np.diff(out, axis=1)).max())
    # hard stitching would jump by up to 0.4; the 16 px cosine ramp limits a step to 0.4 * pi / 32
    assert jumps < 0.4 * np.pi / 32 + 1e-3
    assert 0.8 <= out.min() and out.max() <= 1.2


def test_predict_fn_with_wrong_shape_is_reported():
    with pytest.raises(ValueError, match="predict_fn returned shape"):
        rc.predict_tiled(np.zeros((64, 64)), lambda b: b[:, :10], CFG, progress=False)


def test_too_small_image_is_a_clear_error():
    with pytest.raises(ValueError, match="smaller than the 16 px"):
        rc.predict_tiled(np.zeros((10, 80)), lambda b: b, CFG, progress=False)


def test_rescale_counts_conserves_total_and_density():
    rng = np.random.default_rng(3)
    img = ndimage.gaussian_filter(rng.random((60, 40)), 3).astype(np.float32) * 10
    up = rc.rescale_counts(img, 10.0, 5.0)
    down = rc.rescale_counts(img, 10.0, 20.0)
    assert up.shape == (120, 80) and down.shape == (30, 20)
    assert up.sum() == pytest.approx(img.sum(), rel=1e-5) and down.sum() == pytest.approx(img.sum(), rel=1e-5)
    # a 2x2 block of the upsampled image holds about one original pixel's count (smooth image)
    binned = up.reshape(60, 2, 40, 2).sum(axis=(1, 3))
    np.testing.assert_allclose(binned[5:-5, 5:-5], img[5:-5, 5:-5], rtol=0.05)
    with pytest.raises(ValueError, match="from_pixel_size_nm"):
        rc.rescale_counts(img, 0.0, 5.0)


def test_tiff_round_trip_is_float32_with_imagej_calibration(tmp_path):
    img = np.random.default_rng(4).random((33, 47)).astype(np.float32)
    path = rc.write_float_tiff(tmp_path / "out.tif", img, 5.0)
    with tifffile.TiffFile(path) as tif:  # read independently of our reader
        assert tif.is_imagej and tif.imagej_metadata["unit"] in ("um", "micron")
        num, den = tif.pages[0].tags["XResolution"].value
        assert den / num * 1000 == pytest.approx(5.0, rel=1e-6)
        np.testing.assert_array_equal(tif.asarray(), img)
        assert tif.asarray().dtype == np.float32
    back, px = rc.read_image_with_pixel_size(path)
    np.testing.assert_array_equal(back, img)
    assert px == pytest.approx(5.0, rel=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["out.tif"]  # no temporary left over


def test_failed_tiff_write_keeps_the_old_file_and_leaves_no_partial(tmp_path, monkeypatch):
    path = rc.write_float_tiff(tmp_path / "out.tif", np.ones((8, 8)), 5.0)
    before = path.read_bytes()

    def broken(file, *args, **kwargs):
        with open(file, "wb") as fh:
            fh.write(b"II*\x00half")
        raise OSError("disk full")

    monkeypatch.setattr(tifffile, "imwrite", broken)
    with pytest.raises(OSError, match="disk full"):
        rc.write_float_tiff(path, np.zeros((8, 8)), 5.0)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.tif"]


def test_png_needs_a_pixel_size(tmp_path):
    png = tmp_path / "sparse.png"
    Image.fromarray(np.random.default_rng(5).poisson(1, (40, 40)).astype(np.uint8)).save(png)
    with pytest.raises(ValueError, match="--pixel-size-nm"):
        rc.load_sparse_input(png, model_pixel_size_nm=5.0)
    out = rc.load_sparse_input(png, model_pixel_size_nm=5.0, pixel_size_nm=10.0)
    assert out.shape == (80, 80)


def test_non_image_files_are_clear_errors(tmp_path):
    fake = tmp_path / "notes.tif"
    fake.write_text("this is not a TIFF")
    with pytest.raises(ValueError, match="not a readable image"):
        rc.load_sparse_input(fake, 5.0, pixel_size_nm=5.0)
    with pytest.raises(FileNotFoundError):
        rc.load_sparse_input(tmp_path / "missing.tif", 5.0)


def test_calibrated_tiff_input_uses_its_pixel_size(tmp_path):
    counts = np.random.default_rng(6).poisson(0.5, (50, 50)).astype(np.float32)
    path = rc.write_float_tiff(tmp_path / "counts.tif", counts, 10.0)
    out = rc.load_sparse_input(path, model_pixel_size_nm=5.0)
    assert out.shape == (100, 100) and out.sum() == pytest.approx(counts.sum(), rel=1e-5)


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from frcnet_lite import model as m

    gen = m.build_generator(None, depth=2, base_filters=4, max_filters=4)
    wrapped = m.wrap_for_counts(gen, Normalisation(input_scale=4.0, target_scale=2.0))
    folder = tmp_path_factory.mktemp("model")
    m.save_model(wrapped, folder, m.ModelInfo(Normalisation(4.0, 2.0), pixel_size_nm=5.0, depth=2))
    return folder


def test_reconstruct_file_writes_calibrated_tiff_and_trust_map(tmp_path, tiny_model_dir):
    counts = np.random.default_rng(7).poisson(0.3, (90, 70)).astype(np.float32)
    src = rc.write_float_tiff(tmp_path / "in.tif", counts, 5.0)
    cfg = rc.TilingConfig(tile_size_px=64, overlap_px=16, min_size_px=32)
    res = rc.reconstruct_file(src, tmp_path / "out.tif", tiny_model_dir, config=cfg,
                              trust_map_path=tmp_path / "trust.tif", progress=False)
    img, px = rc.read_image_with_pixel_size(tmp_path / "out.tif")
    assert img.shape == (90, 70) and px == pytest.approx(5.0) and res["trust_map"]
    trust, _ = rc.read_image_with_pixel_size(tmp_path / "trust.tif")
    assert trust.shape == img.shape and 0 <= trust.min() and trust.max() <= 1


def test_reconstruct_file_bad_input_writes_nothing(tmp_path, tiny_model_dir):
    small = rc.write_float_tiff(tmp_path / "small.tif", np.ones((10, 10)), 5.0)
    with pytest.raises(ValueError, match="smaller than"):
        rc.reconstruct_file(small, tmp_path / "out.tif", tiny_model_dir, progress=False)
    png = tmp_path / "x.png"
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(png)
    with pytest.raises(ValueError, match="pixel size"):
        rc.reconstruct_file(png, tmp_path / "out.tif", tiny_model_dir, progress=False)
    assert not (tmp_path / "out.tif").exists()
    assert not any(".partial" in p.name for p in tmp_path.iterdir())
