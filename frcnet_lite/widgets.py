"""Interactive widgets that also work in the static (kernel-less) book.

A live ``ipywidgets.interact`` callback needs a running Python kernel, which a published HTML
book does not have. The widgets here therefore *precompute* what every slider position shows
(a handful of small PNG images) and link the slider to a :class:`ipywidgets.Stack` in the
browser with :func:`ipywidgets.jslink`, so moving the slider works with or without a kernel.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["to_png", "image_slider"]


def to_png(image: Any, cmap: str = "magma", vmin: float | None = None, vmax: float | None = None) -> bytes:
    """Encode a 2D array or a matplotlib figure as PNG bytes.

    Parameters
    ----------
    image : numpy.ndarray or matplotlib.figure.Figure
        A 2D array (shown with ``cmap`` between ``vmin`` and ``vmax``; default: its own range) or a figure.
    cmap : str
        Matplotlib colour map for arrays.
    vmin, vmax : float, optional
        Display range for arrays.

    Returns
    -------
    bytes
        The PNG file's content.

    Examples
    --------
    >>> png = to_png(np.eye(4))
    >>> png[:4] == b"\\x89PNG"
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    if isinstance(image, Figure):
        image.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"to_png expects a 2D array or a matplotlib Figure, got an array of shape {arr.shape}")
    plt.imsave(buf, arr, cmap=cmap, vmin=vmin, vmax=vmax, format="png")
    return buf.getvalue()


def image_slider(
    images: Mapping[Any, Any],
    description: str = "",
    cmap: str = "magma",
    width: int | None = None,
):
    """A slider that flips between precomputed images, in a notebook and in the static book.

    Parameters
    ----------
    images : mapping
        Slider label -> 2D array or matplotlib figure, in slider order (at least one entry).
    description : str
        Text shown before the slider.
    cmap : str
        Colour map for arrays.
    width : int, optional
        Displayed width of the images in pixels.

    Returns
    -------
    ipywidgets.VBox
        The slider above a stack of images; moving the slider changes the visible image
        through a browser-side link, so no kernel is needed.
    """
    import ipywidgets as widgets

    if len(images) == 0:
        raise ValueError("image_slider needs at least one image, got an empty mapping")
    labels = [str(k) for k in images]
    layout = widgets.Layout(width=f"{width}px") if width else widgets.Layout()
    pictures = [widgets.Image(value=to_png(v, cmap=cmap), format="png", layout=layout) for v in images.values()]
    slider = widgets.SelectionSlider(
        options=labels, index=0, description=description, continuous_update=True,
        style={"description_width": "initial"}, layout=widgets.Layout(width="500px"),
    )
    stack = widgets.Stack(pictures, selected_index=0)
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])
