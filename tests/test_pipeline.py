"""tf.data pipeline: rotation checked against numpy, crops, flips, determinism, normalisation."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from frcnet_lite import pipeline as P  # noqa: E402

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_by_right_angles_equals_numpy_rot90(k):
    img = RNG.random((9, 9, 1)).astype("float32")
    out = P._rotate(tf.constant(img), tf.constant(k * np.pi / 2, tf.float32), "NEAREST").numpy()
    ref = np.rot90(img, k=k, axes=(0, 1))
    if not np.allclose(out, ref, atol=1e-5):  # the other sense of rotation is equally valid
        ref = np.rot90(img, k=-k, axes=(0, 1))
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_rotation_keeps_a_disc_and_nearest_keeps_integer_counts():
    yy, xx = np.mgrid[:41, :41] - 20
    disc = (yy**2 + xx**2 <= 100).astype("float32")[..., None] * 3
    out = P._rotate(tf.constant(disc), tf.constant(0.7), "NEAREST").numpy()
    assert set(np.unique(out)) <= {0.0, 3.0}
    assert abs(out.sum() - disc.sum()) <= 0.05 * disc.sum()


def test_rotate_size_and_centre_crop_geometry():
    assert P.rotate_size_for(512) == 750
    for patch in (64, 96, 128, 256):
        win = P.rotate_size_for(patch)
        assert win >= patch * np.sqrt(2) and (win - patch) % 2 == 0


def test_augment_without_rotation_or_flip_is_a_crop():
    x = RNG.random((20, 20, 1)).astype("float32")
    xa, ya = P.augment_pair(tf.constant(x), tf.constant(2 * x), 8, tf.constant([1, 2], tf.int64),
                            rotate=False, flip=False)
    xa, ya = xa.numpy(), ya.numpy()
    np.testing.assert_allclose(ya, 2 * xa)
    hits = [(i, j) for i in range(13) for j in range(13) if np.allclose(x[i:i + 8, j:j + 8], xa)]
    assert len(hits) == 1


def test_input_and_target_get_the_same_transform():
    """On a smooth image, nearest (input) and bilinear (target) rotation agree closely."""
    from scipy import ndimage

    x = ndimage.gaussian_filter(RNG.random((1, 80, 80)), 4).astype("float32")
    x = (x - x.min()) / (x.max() - x.min())
    ds = P.make_dataset(x, x, P.Normalisation(1.0, 1.0), patch_size=16, batch_size=4, steps=3, seed=3)
    for xb, yb in ds:
        a, b = ((xb.numpy() + 1) / 2).ravel(), yb.numpy().ravel()
        assert np.corrcoef(a, b)[0, 1] > 0.97 and np.abs(a - b).max() < 0.1


def test_dataset_is_deterministic_per_seed_and_epoch():
    x = RNG.poisson(0.5, (3, 40, 40)).astype("float32")
    norm = P.Normalisation(2.0, 2.0)

    def batches(seed, epoch):
        ds = P.make_dataset(x, x, norm, patch_size=16, batch_size=2, steps=3, seed=seed, epoch=epoch)
        return np.concatenate([b[0].numpy() for b in ds])

    np.testing.assert_array_equal(batches(0, 1), batches(0, 1))
    assert not np.array_equal(batches(0, 1), batches(0, 2))
    assert not np.array_equal(batches(0, 1), batches(1, 1))


def test_tensors_built_once_give_the_same_epochs_and_must_match_the_arrays():
    x = RNG.poisson(0.5, (3, 40, 40)).astype("float32")
    y = 2 * x + 1
    norm = P.Normalisation(2.0, 4.0)
    tensors = P.dataset_tensors(x, y, norm)
    for epoch in (0, 1):
        a = [(bx.numpy(), by.numpy()) for bx, by in P.make_dataset(x, y, norm, 16, 2, 3, epoch=epoch)]
        b = [(bx.numpy(), by.numpy()) for bx, by in P.make_dataset(x, y, norm, 16, 2, 3, epoch=epoch, tensors=tensors)]
        for (ax, ay), (cx, cy) in zip(a, b):
            np.testing.assert_array_equal(ax, cx)
            np.testing.assert_array_equal(ay, cy)
    with pytest.raises(ValueError, match=r"tensors hold images of shape \(3, 40, 40\), the inputs \(2, 40, 40\)"):
        P.make_dataset(x[:2], y[:2], norm, 16, 2, 3, tensors=tensors)


def test_normalisation_maps_to_the_generator_ranges():
    n = P.Normalisation(input_scale=4.0, target_scale=2.0)
    np.testing.assert_allclose(n.inputs(np.array([0.0, 2.0, 4.0])), [-1, 0, 1])
    np.testing.assert_allclose(n.targets(np.array([-1.0, 1.0, 5.0])), [0, 0.5, 1])
    fit = P.fit_normalisation(np.full((1, 10, 10), 3.0), np.full((1, 10, 10), 2.0))
    assert fit.input_scale == 3.0 and fit.target_scale == pytest.approx(2.5)


def test_errors_name_the_problem():
    x = np.zeros((2, 30, 30), "float32")
    with pytest.raises(ValueError, match="need at least 48 px"):
        P.make_dataset(x, x, P.Normalisation(1, 1), patch_size=32, batch_size=1, steps=1)
    with pytest.raises(ValueError, match="same shape|one shape"):
        P.make_dataset(x, x[:1], P.Normalisation(1, 1), patch_size=16, batch_size=1, steps=1, rotate=False)
    with pytest.raises(ValueError, match="all zero"):
        P.fit_normalisation(x + 1, x)


@pytest.mark.parametrize("interp", ["NEAREST", "BILINEAR"])
def test_direct_patch_transform_equals_rotate_then_centre_crop(interp):
    """The pipeline's one-step transform against the slow reference: cut window, rotate, crop centre."""
    img = RNG.random((60, 60, 1)).astype("float32")
    patch = 16
    win = P.rotate_size_for(patch)
    oy, ox, angle = 5, 9, tf.constant(1.1)
    window = tf.constant(img[oy:oy + win, ox:ox + win])
    m = (win - patch) // 2
    ref = P._rotate(window, angle, interp).numpy()[m:m + patch, m:m + patch]
    centre = (ox + (win - 1) / 2.0, oy + (win - 1) / 2.0)
    out = P._transform(tf.constant(img), P._window_transform(angle, centre, patch), patch, interp).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_sqrt_counts_is_the_square_root_at_integer_counts():
    """Against numpy's square root on every integer up to the knots; linear in between and beyond."""
    k = np.arange(P.SQRT_KNOTS + 1, dtype=float)
    np.testing.assert_allclose(P.sqrt_counts(k), np.sqrt(k), atol=1e-12)
    np.testing.assert_allclose(P.sqrt_counts(2.5), (np.sqrt(2) + np.sqrt(3)) / 2)
    last = np.sqrt(P.SQRT_KNOTS) - np.sqrt(P.SQRT_KNOTS - 1)
    np.testing.assert_allclose(P.sqrt_counts(P.SQRT_KNOTS + 3.0), np.sqrt(P.SQRT_KNOTS) + 3 * last)
    assert P.sqrt_counts(-1.0) == 0.0
    assert np.all(np.diff(P.sqrt_counts(np.linspace(0, 40, 401))) > 0)  # monotone: no two counts collide


def test_sqrt_normalisation_maps_zero_and_the_scale_to_the_range_ends():
    n = P.Normalisation(input_scale=4.0, target_scale=2.0, input_transform="sqrt")
    np.testing.assert_allclose(n.inputs(np.array([0.0, 1.0, 4.0, 9.0])), [-1, 0, 1, 2])
    fit = P.fit_normalisation(np.full((1, 10, 10), 3.0), np.full((1, 10, 10), 2.0), input_transform="sqrt")
    assert fit.input_transform == "sqrt"
    with pytest.raises(ValueError, match="input_transform must be one of .* got 'log'"):
        P.Normalisation(1.0, 1.0, input_transform="log")


def test_target_percentile_sets_the_target_scale_alone():
    """Many dim images and one bright one: the pooled 99.9th percentile clips the bright one, a higher one keeps it."""
    t = np.zeros((100, 10, 10)); t[:, 0, 0] = 1.0; t[0, 0, :5] = 10.0  # 0.05 % of pixels at 10
    x = np.full_like(t, 3.0)
    low = P.fit_normalisation(x, t)
    high = P.fit_normalisation(x, t, target_percentile=100.0)
    assert low.target_scale == pytest.approx(1.25 * np.percentile(t, 99.9)) and low.target_scale < 10
    assert high.target_scale == pytest.approx(12.5) and high.input_scale == low.input_scale == 3.0
    assert high.targets(t).max() == pytest.approx(0.8)
    with pytest.raises(ValueError, match="target_percentile must be in"):
        P.fit_normalisation(x, t, target_percentile=0)


def _local_density_reference(counts, sigma, floor):
    """Direct double sum: every pixel's Gaussian-weighted mean over the image's own pixels, plus the floor."""
    h, w = counts.shape
    r = int(4 * sigma + 0.5)
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            ys, xs = np.mgrid[max(0, i - r):min(h, i + r + 1), max(0, j - r):min(w, j + r + 1)]
            wgt = np.exp(-((ys - i) ** 2 + (xs - j) ** 2) / (2 * sigma**2))
            out[i, j] = (wgt * counts[ys, xs]).sum() / wgt.sum()
    return out + floor


def test_local_density_against_a_direct_sum():
    rng = np.random.default_rng(4)
    counts = rng.poisson(0.3, (19, 23)).astype(float)
    counts[5:8, :] += 4
    got = P.local_density(counts, 2.5, 0.05)
    np.testing.assert_allclose(got, _local_density_reference(counts, 2.5, 0.05), rtol=1e-5)
    stacked = P.local_density(np.stack([counts, 2 * counts]), 2.5, 0.05)  # (N, H, W): each image on its own
    np.testing.assert_allclose(stacked[1], 2 * got - 0.05, rtol=1e-5)


def test_local_normalisation_is_blind_to_the_overall_density():
    """Ten times the counts with ten times the floor: the network sees the same numbers, the targets too."""
    rng = np.random.default_rng(5)
    counts = rng.poisson(0.2, (2, 32, 32)).astype(float)
    dense = P.fit_normalisation(counts, 3 * counts, local_sigma_px=4.0)
    assert dense.local and dense.local_floor == pytest.approx(counts.mean())
    tenfold = P.Normalisation(dense.input_scale, dense.target_scale, local_sigma_px=4.0,
                              local_floor=10 * dense.local_floor)
    np.testing.assert_allclose(tenfold.inputs(10 * counts), dense.inputs(counts), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tenfold.targets(30 * counts, 10 * counts), dense.targets(3 * counts, counts),
                               rtol=1e-5, atol=1e-6)
    assert P.Normalisation(1.0, 1.0).density(counts).tolist() == np.ones_like(counts).tolist()


@pytest.mark.parametrize("kwargs, message", [
    ({"local_sigma_px": -1.0, "local_floor": 1.0}, "local_sigma_px must be 0 .* got -1.0"),
    ({"local_sigma_px": 4.0}, "local_floor must be a finite number > 0 .* got 0.0"),
    ({"local_sigma_px": 4.0, "local_floor": 1.0, "input_transform": "sqrt"}, "needs input_transform 'linear'"),
])
def test_bad_local_normalisations_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        P.Normalisation(1.0, 1.0, **kwargs)


def test_local_targets_need_the_counts():
    n = P.Normalisation(1.0, 1.0, local_sigma_px=2.0, local_floor=0.1)
    with pytest.raises(ValueError, match="needs the input counts"):
        n.targets(np.ones((8, 8)))
