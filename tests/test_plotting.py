"""Tests of frcnet_lite.plotting: scale bars, the readability metadata, grids sized for the column."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from frcnet_lite import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def png_text(png: bytes) -> dict:
    return Image.open(io.BytesIO(png)).text


def test_scale_bar_length_in_data_units_follows_the_pixel_size():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((64, 128)))
    bar = plotting.scale_bar(ax, pixel_size_nm=5.0, length_nm=200.0)
    rect = bar.size_bar.get_children()[0]
    assert rect.get_width() == pytest.approx(40.0)  # 200 nm / 5 nm per pixel
    assert bar.txt_label.get_text() == "200 nm"
    with pytest.raises(ValueError, match="pixel_size_nm"):
        plotting.scale_bar(ax, pixel_size_nm=0.0)


@pytest.mark.parametrize("width, expected", [(1000.0, 200.0), (5000.0, 1000.0), (30.0, 5.0), (999.0, 200.0)])
def test_nice_length_is_round_and_at_most_a_quarter(width, expected):
    assert plotting.nice_length_nm(width) == expected


def test_metadata_counts_panels_bars_and_exempt_panels():
    fig, axes = plotting.image_grid(3)
    plotting.show_image(axes[0], np.eye(32), pixel_size_nm=5.0)
    axes[1].imshow(np.eye(32))  # an image panel without a scale bar
    plotting.show_image(axes[2], np.eye(32), pixel_size_nm=None)  # Fourier plane, say
    meta = plotting.figure_metadata(fig)
    assert (meta["frcnet:image-panels"], meta["frcnet:scale-bars"], meta["frcnet:no-scale-panels"]) == ("3", "1", "1")


def test_colour_bars_and_line_plots_are_not_image_panels():
    fig, (a, b) = plt.subplots(1, 2)
    im = plotting.show_image(a, np.eye(16), pixel_size_nm=10.0)
    plotting.add_colorbar(im, a, "counts")
    b.plot([0, 1], [1, 0])
    meta = plotting.figure_metadata(fig)
    assert meta["frcnet:image-panels"] == "1" and meta["frcnet:scale-bars"] == "1"


def test_min_font_px_is_the_smallest_drawn_text():
    fig, ax = plt.subplots(dpi=100)
    ax.plot([0, 1])
    ax.set_title("big", fontsize=14)
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    ax.text(0.2, 0.2, "   ", fontsize=2)  # blank text is not drawn text
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontsize(10)
    assert plotting.figure_metadata(fig, dpi=100)["frcnet:min-font-px"] == f"{5 * 100 / 72:.1f}"
    assert plotting.figure_metadata(fig, dpi=200)["frcnet:min-font-px"] == f"{5 * 200 / 72:.1f}"


def test_hidden_axes_do_not_count_their_tick_labels():
    fig, ax = plt.subplots()
    ax.imshow(np.eye(4))
    ax.tick_params(labelsize=3)
    ax.set_axis_off()
    ax.set_title("visible", fontsize=9)
    assert plotting.figure_metadata(fig, dpi=72)["frcnet:min-font-px"] == "9.0"


def test_figure_png_carries_the_metadata_and_is_the_right_size():
    fig, axes = plotting.image_grid(3)
    for ax in axes:
        plotting.show_image(ax, np.random.default_rng(0).random((64, 64)), pixel_size_nm=5.0, title="x")
    png = plotting.figure_png(fig)
    text = png_text(png)
    assert text["frcnet:image-panels"] == "3" and text["frcnet:scale-bars"] == "3"
    width = Image.open(io.BytesIO(png)).size[0]
    assert width <= plotting.COLUMN_WIDTH_IN * plotting.DPI + 10  # never wider than the column it is made for
    assert float(text["frcnet:min-font-px"]) >= plotting.MIN_FONT_PT * plotting.DPI / 72 - 0.05


def test_image_grid_refuses_more_than_three_columns():
    with pytest.raises(ValueError, match="ncols must be 1 to 3"):
        plotting.image_grid(4, ncols=4)
    fig, axes = plotting.image_grid(7)
    assert len(axes) == 7 and len(fig.axes) == 7


def test_plot_history_refuses_an_empty_history():
    with pytest.raises(ValueError, match="at least one epoch"):
        plotting.plot_history([])
