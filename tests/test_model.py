"""The U-Net: shapes for several depths / sizes, clear errors, parameter count against an
independent count, the counts->density wrapper, and save / load in a fresh process."""

import json
import subprocess
import sys

import numpy as np
import pytest

from frcnet_lite.pipeline import Normalisation
from frcnet_lite import model as M


@pytest.mark.parametrize("depth, size", [(2, 8), (3, 64), (4, 48), (5, 96), (6, 128)])
def test_output_shape_matches_input(depth, size):
    g = M.build_generator(size, depth=depth, base_filters=4, max_filters=16)
    assert g.output_shape == (None, size, size, 1)
    y = g(np.zeros((2, size, size, 1), "float32"))
    assert y.shape == (2, size, size, 1) and np.all(np.abs(y.numpy()) <= 1)


def test_flexible_model_takes_any_allowed_size():
    g = M.build_generator(None, depth=3, base_filters=4, max_filters=8)
    for h, w in [(16, 16), (24, 40)]:
        assert g(np.zeros((1, h, w, 1), "float32")).shape == (1, h, w, 1)


@pytest.mark.parametrize("size, depth", [(100, 6), (32, 6), (0, 2), (513, 8)])
def test_sizes_the_depth_does_not_allow_are_explained(size, depth):
    with pytest.raises(ValueError, match=rf"input size {size} px .* multiple of 2\*\*{depth} = {2 ** depth}"):
        M.build_generator(size, depth=depth, base_filters=4, max_filters=8)


def _reference_param_count(depth, base, top, decoder="resize"):
    """Independent count from the architecture's definition (1 channel in/out): 4x4 encoder kernels;
    decoder kernels 4x4 (transposed convolution) or 3x3 (upsampling + convolution)."""
    k = 16 if decoder == "transpose" else 9
    f = [min(base * 2**i, top) for i in range(depth)]
    n, c_in = 0, 1
    for i, c in enumerate(f):  # encoder: conv (bias only on the first), BN (4 per channel) after the first
        n += 16 * c_in * c + (c if i == 0 else 4 * c)
        c_in = c
    for i in range(depth - 2, -1, -1):  # decoder: conv without bias, BN, concat with skip i
        n += k * c_in * f[i] + 4 * f[i]
        c_in = 2 * f[i]
    return n + k * c_in * 1 + 1  # output conv with bias


@pytest.mark.parametrize("decoder", M.DECODERS)
@pytest.mark.parametrize("depth, base, top", [(3, 4, 8), (6, 16, 128)])
def test_parameter_count_matches_the_architecture(depth, base, top, decoder):
    g = M.build_generator(None, depth=depth, base_filters=base, max_filters=top, decoder=decoder)
    assert g.count_params() == _reference_param_count(depth, base, top, decoder)


@pytest.mark.parametrize("depth, base, top", [(3, 4, 8), (6, 16, 128)])
def test_full_resolution_head_adds_exactly_its_layers(depth, base, top):
    g = M.GENERATORS["unet_fullres"](None, depth, base, top, dropout_blocks=0, decoder="resize")
    # the plain U-Net without its output conv (9 * 2 base * 1 + 1), then: up to full resolution
    # (3x3, 2 base -> base, no bias, BN), head conv (3x3, base + 1 input -> base, bias), out conv (3x3, base -> 1)
    plain = _reference_param_count(depth, base, top) - (9 * 2 * base + 1)
    head = 9 * 2 * base * base + 4 * base + 9 * (base + 1) * base + base + 9 * base + 1
    assert g.count_params() == plain + head
    assert g.get_layer("full_skip").input[1].name == g.input.name  # the raw input is concatenated


@pytest.mark.parametrize("sigmas", [(0.5, 2.0, 6.0), (1.0,)])
def test_blur_bank_is_scipy_gaussian_zero_padded(sigmas):
    """Each channel against scipy's Gaussian filter with zeros outside the image."""
    import keras
    from scipy import ndimage

    inp = keras.Input((None, None, 1))
    bank = keras.Model(inp, M.blur_bank(inp, sigmas, "t"))
    img = np.random.default_rng(3).poisson(0.4, (40, 56)).astype("float32")
    out = bank(img[None, ..., None]).numpy()[0]
    assert out.shape == (40, 56, len(sigmas))
    for k, s in enumerate(sigmas):
        blur = lambda a: ndimage.gaussian_filter(a.astype(float), s, mode="constant", truncate=4.0)  # noqa: E731
        np.testing.assert_allclose(out[..., k], blur(img), atol=1e-5)


@pytest.mark.parametrize("sigmas", [(), (0.0, 1.0), (1.0, float("nan"))])
def test_blur_bank_refuses_bad_widths(sigmas):
    import keras

    with pytest.raises(ValueError, match="blend_sigmas_px must be finite widths > 0 px"):
        M.blur_bank(keras.Input((None, None, 1)), sigmas, "t")


def test_blend_generator_is_a_blur_mixture_plus_the_head():
    """With the head's output conv zeroed and all softmax weight on one blur, the output is tanh(gain x that blur)."""
    from scipy import ndimage

    g = M.GENERATORS["unet_blend"](None, 3, 4, 8, dropout_blocks=0, decoder="resize")
    k = len(M.BLEND_SIGMAS_PX)
    plain = M.GENERATORS["unet"](None, 3, 4, 8, dropout_blocks=0, decoder="resize")
    trainable = {w.path for w in g.trainable_weights}
    assert not any("blend_blur" in p or "blend_sum" in p for p in trainable)  # the blurs are fixed
    # the plain U-Net + the logits block (up-sampled last level: 3x3 conv, 2 * base -> k, bias)
    trainable_count = sum(int(np.prod(w.shape)) for w in g.trainable_weights)
    assert trainable_count == sum(int(np.prod(w.shape)) for w in plain.trainable_weights) + 9 * 2 * 4 * k + k + 2
    out_conv = g.get_layer("out_conv")
    out_conv.set_weights([np.zeros_like(w) for w in out_conv.get_weights()])
    logits = g.get_layer("blend_logits_conv")
    kernel, bias = logits.get_weights()
    bias[:] = -50.0  # softmax: all weight on one blur
    j = M.BLEND_SIGMAS_PX.index(2.0)
    bias[j] = 0.0
    logits.set_weights([np.zeros_like(kernel), bias])
    gain = g.get_layer("blend_log_gain")
    assert np.exp(gain.get_weights()[1][0]) == pytest.approx(M.BLEND_GAIN)
    gain.set_weights([np.zeros((1, 1, 1, 1), "float32"), np.array([np.log(3.0)], "float32")])
    counts01 = np.random.default_rng(0).poisson(0.3, (32, 32)).astype("float32")
    y = g((counts01 * 2 - 1)[None, ..., None]).numpy()[0, ..., 0]
    blur = lambda a: ndimage.gaussian_filter(a.astype(float), 2.0, mode="constant", truncate=4.0)  # noqa: E731
    np.testing.assert_allclose(y, np.tanh(3.0 * blur(counts01)), atol=1e-5)


def test_blend_model_saves_and_loads_in_safe_mode(tmp_path):
    import keras

    g = M.GENERATORS["unet_blend"](None, 2, 2, 4, dropout_blocks=0, decoder="resize")
    m = M.wrap_for_counts(g, Normalisation(4.0, 2.0, local_sigma_px=3.0, local_floor=0.1))
    m.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    x = np.random.default_rng(1).poisson(1.0, (2, 16, 24, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x).numpy(), m(x).numpy(), atol=1e-6)


def test_method_network_is_the_pix2pix_unet():
    g = M.build_generator(512, depth=8, base_filters=64, max_filters=512, decoder="transpose")
    convs = [layer for layer in g.layers if layer.name.startswith("down") and layer.name.endswith("_conv")]
    assert [c.filters for c in convs] == [64, 128, 256, 512, 512, 512, 512, 512]
    assert sum("dropout" in layer.name for layer in g.layers) == 3
    assert g.count_params() == _reference_param_count(8, 64, 512, "transpose")


def _zero_output_model(input_scale=3.0, target_scale=8.0):
    g = M.build_generator(None, depth=2, base_filters=2, max_filters=4)
    out = g.get_layer("out_conv")
    out.set_weights([np.zeros_like(w) for w in out.get_weights()])
    m = M.wrap_for_counts(g, Normalisation(input_scale, target_scale))
    m.frcnet_info = M.ModelInfo(Normalisation(input_scale, target_scale), depth=2)
    return m


def test_predict_image_returns_target_units_and_input_shape():
    """tanh(0) = 0 maps to target_scale / 2 everywhere: an analytic check of the output mapping."""
    m = _zero_output_model(target_scale=8.0)
    counts = np.random.default_rng(0).poisson(0.5, (3, 13, 18)).astype("float32")
    out = M.predict_image(m, counts)
    assert out.shape == counts.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, 4.0, atol=1e-6)
    assert M.predict_image(m, counts[0]).shape == (13, 18)


def test_input_mapping_is_counts_over_scale():
    m = _zero_output_model(input_scale=3.0)
    layer = m.get_layer("counts_to_unit")
    np.testing.assert_allclose(layer(np.array([0.0, 1.5, 3.0], "float32")).numpy(), [-1.0, 0.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("bad, match", [(np.zeros((2, 2, 2, 2)), "shape"), (-np.ones((8, 8)), "non-negative"),
                                        (np.full((8, 8), np.nan), "finite")])
def test_predict_image_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        M.predict_image(_zero_output_model(), bad)


@pytest.mark.slow  # ~7-14 s: a fresh Python + TensorFlow process
def test_saved_model_loads_in_a_fresh_process_and_predicts_the_same(tmp_path):
    g = M.build_generator(None, depth=3, base_filters=4, max_filters=8)
    m = M.wrap_for_counts(g, Normalisation(2.0, 5.0))
    info = M.ModelInfo(Normalisation(2.0, 5.0), pixel_size_nm=5.0, depth=3, target_kind="gaussian")
    M.save_model(m, tmp_path / "m", info)
    m.frcnet_info = info
    counts = np.random.default_rng(1).poisson(1.0, (2, 24, 24)).astype("float32")
    np.save(tmp_path / "counts.npy", counts)
    expected = M.predict_image(m, counts)
    code = (
        "import numpy as np, sys; from frcnet_lite.model import load_model, predict_image;"
        f"m = load_model(r'{tmp_path / 'm'}'); c = np.load(r'{tmp_path / 'counts.npy'}');"
        f"np.save(r'{tmp_path / 'out.npy'}', predict_image(m, c)); print(m.frcnet_info.target_kind)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().endswith("gaussian")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-5, atol=1e-6)
    assert json.loads((tmp_path / "m" / "model.json").read_text())["normalisation"]["input_scale"] == 2.0


def test_plain_keras_loads_it_without_custom_objects(tmp_path):
    import keras

    g = M.build_generator(None, depth=2, base_filters=2, max_filters=2)
    M.save_model(M.wrap_for_counts(g, Normalisation(1.0, 1.0)), tmp_path, M.ModelInfo(Normalisation(1.0, 1.0), depth=2))
    assert keras.models.load_model(tmp_path / "model.keras").name == "frcnet_lite"


def test_load_model_explains_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.keras"):
        M.load_model(tmp_path)


def test_shipped_model_loads_and_reconstructs_a_filament():
    if not (M.PRETRAINED_DIR / M.DEFAULT_MODEL / "model.keras").is_file():
        pytest.skip("no shipped model in this checkout yet")
    m = M.load_model()
    info = m.frcnet_info
    assert info.pixel_size_nm == 5.0 and info.normalisation.input_scale > 0 and info.normalisation.target_scale > 0
    counts = np.zeros((64, 64), "float32")
    counts[32, 8:56:3] = 1  # a sparse horizontal line of localizations
    out = M.predict_image(m, counts)
    assert out.shape == (64, 64) and np.all(np.isfinite(out))
    assert out[30:35, 16:48].mean() > 3 * out[:10].mean()  # density concentrates on the line


def test_sqrt_input_layers_compute_the_training_normalisation():
    """The saved model's built-in hinge layers against the numpy normalisation the training data went through."""
    import keras

    from frcnet_lite.pipeline import Normalisation

    g = M.build_generator(None, depth=2, base_filters=2, max_filters=2)
    m = M.wrap_for_counts(g, Normalisation(3.0, 1.0, input_transform="sqrt"))
    to_unit = keras.Model(m.input, m.get_layer("counts_to_unit").output)
    counts = np.concatenate([np.arange(0, 40, 0.25), [3.0, 100.0]]).astype("float32").reshape(1, 1, -1, 1)
    np.testing.assert_allclose(to_unit(counts).numpy(), Normalisation(3.0, 1.0, "sqrt").inputs(counts),
                               rtol=1e-5, atol=1e-5)
    fixed = [layer for layer in m.layers if layer.name.startswith("counts_sqrt")]
    assert len(fixed) == 3 and sum(len(layer.trainable_weights) for layer in fixed) == 0
    with pytest.raises(ValueError, match="input_transform must be one of"):
        M.wrap_for_counts(g, Normalisation(3.0, 1.0, input_transform="log"))


def test_sqrt_model_round_trips_in_safe_mode(tmp_path):
    g = M.build_generator(None, depth=2, base_filters=2, max_filters=2)
    m = M.wrap_for_counts(g, Normalisation(2.0, 4.0, input_transform="sqrt"))
    info = M.ModelInfo(Normalisation(2.0, 4.0, input_transform="sqrt"), depth=2)
    M.save_model(m, tmp_path, info)
    m.frcnet_info = info
    loaded = M.load_model(tmp_path)
    assert loaded.frcnet_info.normalisation.input_transform == "sqrt"
    counts = np.random.default_rng(2).poisson(2.0, (1, 16, 16)).astype("float32")
    np.testing.assert_allclose(M.predict_image(loaded, counts), M.predict_image(m, counts), rtol=1e-5, atol=1e-6)


def test_local_density_model_computes_the_training_normalisation(tmp_path):
    """The saved model's fixed blur layers against the numpy pipeline the training data went through."""
    import keras

    from frcnet_lite.pipeline import fit_normalisation

    rng = np.random.default_rng(0)
    counts = rng.poisson(0.05, (2, 64, 64)).astype("float32")
    counts[0, 20:24] += rng.poisson(2.0, (4, 64))
    norm = fit_normalisation(counts, 3 * counts, local_sigma_px=4.0)
    g = M.build_generator(None, depth=2, base_filters=2, max_filters=2)
    m = M.wrap_for_counts(g, norm)
    want = (g(norm.inputs(counts)[..., None]).numpy()[..., 0] + 1) / 2 * norm.target_scale * norm.density(counts)
    got = m(counts[..., None]).numpy()[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * float(want.max()))
    assert sum(len(layer.trainable_weights) for layer in m.layers if layer.name.startswith("local_")) == 0
    m.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(back(counts[..., None]).numpy()[..., 0], got, rtol=1e-6)
