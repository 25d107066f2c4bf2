"""The differentiable TensorFlow FRC: agrees with numpy, finite gradients, batching, tf.function, strategies."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from frcnet_lite import frc, frc_tf  # noqa: E402


def _pair(rng, shape, batch=3):
    """Two noisy images of one random sparse structure, (batch, H, W, 1) float32."""
    truth = rng.random((batch,) + shape) < 0.05
    a = rng.poisson(5.0 * truth + 0.2).astype(np.float32)
    b = rng.poisson(5.0 * truth + 0.2).astype(np.float32)
    return a[..., None], b[..., None]


@pytest.mark.parametrize("shape", [(64, 64), (48, 80), (63, 65)])
@pytest.mark.parametrize("cutoff", [0.2, 0.5, 1.0])
def test_tf_agrees_with_numpy(shape, cutoff):
    rng = np.random.default_rng(1)
    a, b = _pair(rng, shape)
    rings = frc_tf.frc_rings_tf(a, b, cutoff=cutoff).numpy()
    area = frc_tf.area_frc_tf(a, b, cutoff=cutoff).numpy()
    last = frc.cutoff_ring(shape, cutoff)
    assert rings.shape == (3, last)
    for i in range(3):
        _, curve = frc.frc_curve(a[i, ..., 0].astype(float), b[i, ..., 0].astype(float))
        np.testing.assert_allclose(rings[i], curve[1 : last + 1], atol=1e-5)
        assert area[i] == pytest.approx(frc.area_frc(a[i, ..., 0], b[i, ..., 0], cutoff), abs=1e-5)


def test_loss_is_batch_mean_of_per_image_losses():
    rng = np.random.default_rng(2)
    a, b = _pair(rng, (32, 32), batch=5)
    per_image = frc_tf.per_image_frc_loss(a, b).numpy()
    singles = [float(frc_tf.frc_loss(a[i : i + 1], b[i : i + 1])) for i in range(5)]
    np.testing.assert_allclose(per_image, singles, atol=1e-6)
    assert float(frc_tf.frc_loss(a, b)) == pytest.approx(np.mean(singles), abs=1e-6)


def test_identical_and_scaled_images_give_zero_loss():
    rng = np.random.default_rng(3)
    a, _ = _pair(rng, (32, 32))
    assert float(frc_tf.frc_loss(a, a)) == pytest.approx(0.0, abs=1e-6)
    assert float(frc_tf.frc_loss(a, 3.0 * a)) == pytest.approx(0.0, abs=1e-6)
    assert float(frc_tf.frc_loss(a, -a)) == pytest.approx(2.0, abs=1e-6)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    a, b = (x.astype(np.float64) for x in _pair(rng, (12, 12), batch=2))
    b = b + rng.random(b.shape)  # a smooth point, away from degenerate rings

    def loss(pred):
        return frc_tf.frc_loss(tf.constant(a), pred, cutoff=0.5)

    pred = tf.Variable(b)
    with tf.GradientTape() as tape:
        value = loss(pred)
    grad = tape.gradient(value, pred).numpy()
    step = 1e-6
    for index in [(0, 0, 0, 0), (0, 5, 7, 0), (1, 11, 3, 0), (1, 6, 6, 0)]:
        plus, minus = b.copy(), b.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (float(loss(tf.constant(plus))) - float(loss(tf.constant(minus)))) / (2 * step)
        assert grad[index] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    assert np.abs(grad).max() > 0


@pytest.mark.parametrize("which", ["true", "pred", "both"])
def test_blank_images_give_finite_loss_and_gradients(which):
    rng = np.random.default_rng(5)
    a, b = _pair(rng, (32, 32))
    if which in ("true", "both"):
        a = np.zeros_like(a)
    if which in ("pred", "both"):
        b = np.zeros_like(b)
    pred = tf.Variable(b)
    with tf.GradientTape() as tape:
        value = frc_tf.frc_loss(a, pred)
    grad = tape.gradient(value, pred).numpy()
    assert float(value) == pytest.approx(1.0, abs=1e-6)  # FRC 0 for every ring
    assert np.all(np.isfinite(grad))


def test_works_in_tf_function_and_under_a_strategy():
    rng = np.random.default_rng(6)
    a, b = _pair(rng, (32, 32), batch=4)
    eager = float(frc_tf.frc_loss(a, b))
    graph = tf.function(lambda x, y: frc_tf.frc_loss(x, y))
    assert float(graph(tf.constant(a), tf.constant(b))) == pytest.approx(eager, abs=1e-6)

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        pred = tf.Variable(b)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            per_image = frc_tf.per_image_frc_loss(x, pred)
            value = tf.nn.compute_average_loss(per_image, global_batch_size=4)
        return value, tape.gradient(value, pred)

    value, grad = strategy.run(step, args=(tf.constant(a),))
    assert float(strategy.reduce("SUM", value, axis=None)) == pytest.approx(eager, abs=1e-6)
    assert np.all(np.isfinite(grad.numpy()))


def test_mixed_precision_inputs_give_a_float32_loss():
    rng = np.random.default_rng(7)
    a, b = _pair(rng, (32, 32))
    value = frc_tf.frc_loss(tf.constant(a, tf.float16), tf.constant(b, tf.float16))
    assert value.dtype == tf.float32
    assert float(value) == pytest.approx(float(frc_tf.frc_loss(a, b)), abs=1e-3)


def test_works_as_a_keras_loss():
    rng = np.random.default_rng(8)
    a, b = _pair(rng, (16, 16), batch=4)
    model = tf.keras.Sequential([tf.keras.Input((16, 16, 1)), tf.keras.layers.Conv2D(1, 3, padding="same")])
    model.compile(optimizer="adam", loss=lambda y, p: frc_tf.frc_loss(y, p, cutoff=0.5))
    history = model.fit(a, b, epochs=2, batch_size=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_ring_constants_are_vectors_not_masks():
    idx, ids, weight, n_rings = frc_tf.ring_gather((512, 512), 1.0)
    assert n_rings == 256
    assert idx.shape == ids.shape == weight.shape and idx.size <= 512 * 257
    assert np.all(np.diff(ids) >= 0)  # sorted for segment_sum
    # the weighted half plane counts exactly the full-plane ring pixels
    full = np.bincount(frc.ring_index((512, 512)).ravel())[1:257]
    np.testing.assert_array_equal(np.bincount(ids, weight, 256), full)


def test_bad_input_is_reported():
    x = np.zeros((2, 16, 16, 3), np.float32)
    with pytest.raises(ValueError, match="one channel"):
        frc_tf.frc_loss(x, x)
    y = np.zeros((2, 16, 16, 1), np.float32)
    with pytest.raises(ValueError, match="cutoff"):
        frc_tf.frc_loss(y, y, cutoff=1.5)
    with pytest.raises(ValueError, match="same image shape"):
        frc_tf.frc_loss(y, np.zeros((2, 16, 8, 1), np.float32))
    with pytest.raises(ValueError, match="eps"):
        frc_tf.frc_loss(y, y, eps=-1.0)


def test_tracing_in_tf_function_does_not_make_autograph_warn(caplog):
    rng = np.random.default_rng(9)
    a, b = _pair(rng, (16, 16))

    @tf.function
    def outer(x, y):  # as a training step would call it, through another function
        return frc_tf.frc_loss(x, y, cutoff=0.5) + frc_tf.frc_loss(x, y)

    with caplog.at_level("WARNING"):
        outer(tf.constant(a), tf.constant(b))
    assert not [r for r in caplog.records if "AutoGraph" in r.getMessage()]


def test_compiles_with_xla():
    rng = np.random.default_rng(10)
    a, b = _pair(rng, (16, 16), batch=2)
    compiled = tf.function(lambda x, y: frc_tf.frc_loss(x, y, cutoff=0.5), jit_compile=True)
    assert float(compiled(tf.constant(a), tf.constant(b))) == pytest.approx(
        float(frc_tf.frc_loss(a, b, cutoff=0.5)), abs=1e-6
    )
