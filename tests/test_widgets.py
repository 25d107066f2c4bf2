"""Tests of frcnet_lite.widgets: PNG content, the browser-side link, the stored widget state."""

from __future__ import annotations

import io
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

ipywidgets = pytest.importorskip("ipywidgets")
from ipywidgets.embed import embed_data  # noqa: E402

from frcnet_lite import widgets  # noqa: E402
from frcnet_lite.widgets import MAX_IMAGES, image_slider, to_png  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_widgets():
    """Each test starts with no widgets alive (the stored state holds every live widget)."""
    ipywidgets.Widget.close_all()
    yield
    ipywidgets.Widget.close_all()


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def reference_rgba(arr: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    """Slow reference: colour every pixel one by one through the colour map's lookup table."""
    cm = matplotlib.colormaps[cmap]
    lut = (cm(np.linspace(0, 1, cm.N)) * 255).round().astype(np.uint8)
    out = np.zeros(arr.shape + (4,), np.uint8)
    for (i, j), v in np.ndenumerate(arr):
        t = min(max((v - vmin) / (vmax - vmin), 0.0), 1.0)
        out[i, j] = lut[min(int(t * cm.N), cm.N - 1)]
    return out


def test_to_png_pixels_match_colour_map_reference():
    arr = np.random.default_rng(0).normal(size=(7, 5))
    got = decode(to_png(arr, cmap="viridis", vmin=-1.0, vmax=1.5))
    assert got.shape == (7, 5, 4)
    want = reference_rgba(arr, "viridis", -1.0, 1.5)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


def test_to_png_default_range_is_the_array_range_and_nan_is_transparent():
    arr = np.array([[0.0, 2.0], [4.0, np.nan]])
    got = decode(to_png(arr, cmap="gray"))
    assert got[0, 0, :3].tolist() == [0, 0, 0]
    assert got[1, 0, :3].tolist() == [255, 255, 255]
    assert 120 <= got[0, 1, 0] <= 135  # the middle of the range is mid-grey
    assert got[1, 1, 3] == 0 and got[0, 0, 3] == 255


def test_to_png_constant_image_does_not_divide_by_zero():
    got = decode(to_png(np.full((3, 3), 5.0), cmap="gray"))
    assert np.all(got[..., :3] == got[0, 0, :3])


def test_to_png_figure_is_encoded_and_closed():
    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.plot([0, 1], [0, 1])
    png = to_png(fig)
    assert decode(png).shape[2] == 4
    assert not plt.fignum_exists(fig.number)


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((2, 2, 3)), np.zeros((0, 4)), "text", None])
def test_to_png_rejects_what_is_not_a_2d_array(bad):
    with pytest.raises(ValueError, match="2D"):
        to_png(bad)


def test_to_png_rejects_inverted_range():
    with pytest.raises(ValueError, match="vmin=2.0"):
        to_png(np.eye(3), vmin=2.0, vmax=1.0)


def make_images(n: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {f"{k} px": rng.random((6, 6)) * k for k in range(1, n + 1)}


def test_image_slider_structure_and_link():
    images = make_images(3)
    box = image_slider(images, description="sigma", index=1, width_px=120)
    slider, stack = box.children
    assert isinstance(slider, ipywidgets.SelectionSlider) and isinstance(stack, ipywidgets.Stack)
    assert slider.options == tuple(images) and slider.index == 1 and stack.selected_index == 1
    assert slider.description == "sigma"
    # each stack child shows the PNG of its slider label, in order
    for child, arr in zip(stack.children, images.values()):
        assert isinstance(child, ipywidgets.Image) and child.layout.width == "120px"
        np.testing.assert_array_equal(decode(child.value), decode(to_png(arr)))
    # the link lives in the browser (jslink), so it is in the widget state, not a kernel callback
    models = embed_data(views=[box])["manager_state"]["state"]
    links = [m["state"] for m in models.values() if m["model_name"] == "LinkModel"]
    assert len(links) == 1
    assert links[0]["source"] == [f"IPY_MODEL_{slider.model_id}", "index"]
    assert links[0]["target"] == [f"IPY_MODEL_{stack.model_id}", "selected_index"]


def test_image_slider_common_range_makes_brightness_comparable():
    box = image_slider({"a": np.ones((2, 2)), "b": 2 * np.ones((2, 2))}, cmap="gray", vmin=0, vmax=2)
    a, b = (decode(c.value)[0, 0, 0] for c in box.children[1].children)
    assert a < b == 255


def test_image_slider_state_embeds_images_and_link():
    box = image_slider(make_images(2))
    state = embed_data(views=[box])
    models = state["manager_state"]["state"]
    names = sorted(m["model_name"] for m in models.values())
    assert names.count("ImageModel") == 2 and "LinkModel" in names and "StackModel" in names
    assert "SelectionSliderModel" in names
    assert len(json.dumps(state["manager_state"])) < 200_000  # light enough for a book page


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [
        ({}, {}, "1 to"),
        ({str(i): np.eye(2) for i in range(MAX_IMAGES + 1)}, {}, "1 to"),
        ({1: np.eye(2), "1": np.eye(2)}, {}, "distinct"),
        ({"a": np.zeros(3)}, {}, "image 'a'"),
        ([np.eye(2)], {}, "mapping"),
        ({"a": np.eye(2)}, {"index": 1}, "index"),
        ({"a": np.eye(2)}, {"width_px": -3}, "width_px"),
    ],
)
def test_image_slider_bad_input_names_the_problem(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_slider(images, **kwargs)


def test_image_slider_refuses_pages_that_would_be_too_heavy(monkeypatch):
    monkeypatch.setattr(widgets, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(ValueError, match="MiB"):
        image_slider({"noise": np.random.default_rng(0).random((64, 64))})
