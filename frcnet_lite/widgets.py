"""Interactive widgets that also work in the static (kernel-less) book.

A live ``ipywidgets.interact`` callback needs a running Python kernel, which a published HTML
book does not have. The widgets here therefore *precompute* what every slider position shows
(a handful of small PNG images) and link the slider to an :class:`ipywidgets.Stack` in the
browser with :func:`ipywidgets.jslink`. Moving the slider then works with or without a kernel:
in Jupyter, in Colab, and in the HTML book, whose pages carry the widget state that papermill
stored in the executed notebook.

Keep a slider light: up to about eight images of a few hundred pixels. Every image is stored
in the notebook and in the book page (:data:`MAX_TOTAL_BYTES` is the limit).

Like the figures of :mod:`frcnet_lite.plotting`, the PNGs carry readability metadata (text
chunks): figures their :func:`frcnet_lite.plotting.figure_metadata`, arrays given with a pixel
size a scale bar burnt into the image (its length is written under the slider).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import ipywidgets

__all__ = ["to_png", "image_slider", "MAX_IMAGES", "MAX_TOTAL_BYTES"]

#: Most images one slider may hold (each one is stored in the notebook and the book page).
MAX_IMAGES = 16
#: Most PNG bytes one slider may hold in total (4 MiB).
MAX_TOTAL_BYTES = 4 * 2**20


def to_png(
    image: Any,
    cmap: str = "magma",
    vmin: float | None = None,
    vmax: float | None = None,
    close: bool = True,
) -> bytes:
    """Encode a 2D array or a matplotlib figure as PNG bytes.

    Parameters
    ----------
    image : numpy.ndarray or matplotlib.figure.Figure
        A 2D array of numbers (one array pixel becomes one PNG pixel, coloured with ``cmap``
        between ``vmin`` and ``vmax``; NaN is drawn transparent) or a figure.
    cmap : str
        Matplotlib colour map for arrays, e.g. ``"magma"`` or ``"gray"``.
    vmin, vmax : float, optional
        Display range for arrays (default: the array's own finite minimum and maximum).
    close : bool
        Close a figure after encoding it, so that Jupyter does not also show it below the cell.

    Returns
    -------
    bytes
        The PNG file's content.

    Raises
    ------
    ValueError
        If ``image`` is neither a figure nor a 2D numeric array, or ``vmin > vmax``.

    Examples
    --------
    >>> png = to_png(np.eye(4))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from matplotlib.figure import Figure

    if isinstance(image, Figure):
        from .plotting import figure_png  # noqa: PLC0415

        png = figure_png(image)
        if close:
            import matplotlib.pyplot as plt

            plt.close(image)
        return png
    return _array_to_png(image, cmap, vmin, vmax)


def _burn_scale_bar(rgba: np.ndarray, bar_px: int) -> None:
    """Draw a white bar with a dark outline ``bar_px`` long into the lower right corner of ``rgba``."""
    h, w = rgba.shape[:2]
    thick = max(2, h // 80)
    margin = max(3, w // 40)
    r1, c1 = h - margin, w - margin
    r0, c0 = r1 - thick, c1 - bar_px
    rgba[max(r0 - 1, 0): r1 + 1, max(c0 - 1, 0): c1 + 1] = (0, 0, 0, 255)
    rgba[r0:r1, c0:c1] = (255, 255, 255, 255)


def _array_to_png(image: Any, cmap: str, vmin: float | None, vmax: float | None,
                  pixel_size_nm: float | None = None, bar_nm: float | None = None) -> bytes:
    """PNG bytes of a 2D array, one pixel per element (with a scale bar of ``bar_nm`` when given)."""
    import matplotlib
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    try:
        arr = np.asarray(image, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"to_png expects a 2D numeric array or a matplotlib Figure, got {type(image).__name__}"
        ) from err
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"to_png expects a non-empty 2D array or a matplotlib Figure, got shape {arr.shape}")
    finite = arr[np.isfinite(arr)]
    lo = float(finite.min()) if vmin is None and finite.size else (0.0 if vmin is None else float(vmin))
    hi = float(finite.max()) if vmax is None and finite.size else (1.0 if vmax is None else float(vmax))
    if lo > hi:
        raise ValueError(f"to_png needs vmin <= vmax, got vmin={lo} and vmax={hi}")
    scaled = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    rgba = matplotlib.colormaps[cmap](np.clip(np.nan_to_num(scaled, nan=0.0), 0.0, 1.0), bytes=True)
    rgba[~np.isfinite(arr), 3] = 0
    info = PngInfo()
    info.add_text("frcnet:image-panels", "1")
    bars = 0
    if pixel_size_nm is not None and bar_nm is not None:
        bar_px = int(round(bar_nm / pixel_size_nm))
        if 1 <= bar_px < arr.shape[1] - 6:
            _burn_scale_bar(rgba, bar_px)
            bars = 1
    info.add_text("frcnet:scale-bars", str(bars))
    info.add_text("frcnet:no-scale-panels", "0")
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="png", pnginfo=info)
    return buf.getvalue()


def image_slider(
    images: Mapping[Any, Any],
    description: str = "",
    cmap: str = "magma",
    width_px: int | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    index: int = 0,
    pixel_size_nm: float | None = None,
) -> ipywidgets.VBox:
    """A slider that flips between precomputed images, in a notebook and in the static book.

    Parameters
    ----------
    images : mapping
        Slider label -> 2D array or matplotlib figure, in slider order (1 to :data:`MAX_IMAGES`
        entries). Labels are shown as text (``str(label)``) and must be distinct as text.
    description : str
        Text shown before the slider, e.g. ``"fraction of localizations"``.
    cmap : str
        Colour map for arrays.
    width_px : int, optional
        Displayed width of the images in screen pixels (default: their own size). Small arrays
        are shown enlarged with sharp pixels.
    vmin, vmax : float, optional
        Common display range for arrays (default: each array's own range). Give both to compare
        brightness between slider positions.
    index : int
        Slider position shown first.
    pixel_size_nm : float, optional
        Pixel size of array images in nm: each gets a scale bar (a round length near a quarter of
        the image's width, burnt into its lower right corner), and a line under the slider says
        its length. Figures bring their own (:func:`frcnet_lite.plotting.show_image`).

    Returns
    -------
    ipywidgets.VBox
        The slider above an :class:`ipywidgets.Stack` of :class:`ipywidgets.Image`; the slider's
        ``index`` is linked to the stack's ``selected_index`` in the browser (``jslink``), so no
        kernel is needed to move it. ``box.children[:2] == (slider, stack)``; with
        ``pixel_size_nm`` a third child says the scale bar's length.

    Raises
    ------
    ValueError
        If there are no images, too many, labels that collide, an image that is not a 2D array or
        figure, a bad ``index`` or ``width_px``, or more than :data:`MAX_TOTAL_BYTES` of PNG.

    Examples
    --------
    >>> box = image_slider({f"{s} px": np.random.default_rng(s).random((8, 8)) for s in (1, 2)},
    ...                    description="sigma")
    >>> slider, stack = box.children
    >>> slider.options, stack.selected_index
    (('1 px', '2 px'), 0)
    """
    import ipywidgets as widgets

    bar_nm = None
    if pixel_size_nm is not None:
        from .plotting import nice_length_nm  # noqa: PLC0415

        if not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
            raise ValueError(f"pixel_size_nm must be a positive number of nm, got {pixel_size_nm!r}")
        widths = [np.shape(v)[1] for v in images.values() if np.ndim(v) == 2] if isinstance(images, Mapping) else []
        bar_nm = nice_length_nm(min(widths) * pixel_size_nm) if widths else None
    labels, pngs = _encode_all(images, cmap, vmin, vmax, pixel_size_nm, bar_nm)
    if not 0 <= index < len(labels):
        raise ValueError(f"index must be in [0, {len(labels) - 1}] for {len(labels)} images, got {index}")
    if width_px is not None and (int(width_px) != width_px or width_px <= 0):
        raise ValueError(f"width_px must be a positive integer (screen pixels), got {width_px!r}")
    layout = widgets.Layout(width=f"{int(width_px)}px", height="auto") if width_px else widgets.Layout()
    pictures = [widgets.Image(value=png, format="png", layout=layout) for png in pngs]
    for picture in pictures:
        picture.add_class("frcnet-pixelated")  # the book's CSS keeps enlarged pixels sharp
    slider = widgets.SelectionSlider(
        options=labels, index=index, description=description, continuous_update=True,
        style={"description_width": "initial"}, layout=widgets.Layout(width="min(500px, 100%)"),
    )
    stack = widgets.Stack(pictures, selected_index=index)
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    children = [slider, stack]
    if bar_nm is not None:
        label = f"{bar_nm / 1000:g} µm" if bar_nm >= 1000 else f"{bar_nm:g} nm"
        children.append(widgets.HTML(f"<small>scale bar (lower right): {label}</small>"))
    box = widgets.VBox(children)
    box.add_class("frcnet-image-slider")
    return box


def _encode_all(
    images: Mapping[Any, Any], cmap: str, vmin: float | None, vmax: float | None,
    pixel_size_nm: float | None = None, bar_nm: float | None = None,
) -> tuple[list[str], list[bytes]]:
    """Check the slider's images and encode them as PNG."""
    if not isinstance(images, Mapping):
        raise ValueError(f"image_slider expects a mapping label -> image, got {type(images).__name__}")
    if not 1 <= len(images) <= MAX_IMAGES:
        raise ValueError(f"image_slider needs 1 to {MAX_IMAGES} images, got {len(images)}")
    labels = [str(k) for k in images]
    if len(set(labels)) != len(labels):
        raise ValueError(f"image_slider labels must be distinct as text, got {labels}")
    pngs = []
    for label, value in zip(labels, images.values()):
        try:
            if bar_nm is not None and np.ndim(value) == 2:
                pngs.append(_array_to_png(value, cmap, vmin, vmax, pixel_size_nm, bar_nm))
            else:
                pngs.append(to_png(value, cmap=cmap, vmin=vmin, vmax=vmax))
        except ValueError as err:
            raise ValueError(f"image_slider: image {label!r}: {err}") from err
    total = sum(len(p) for p in pngs)
    if total > MAX_TOTAL_BYTES:
        raise ValueError(
            f"image_slider images take {total / 2**20:.1f} MiB as PNG, more than the "
            f"{MAX_TOTAL_BYTES / 2**20:.0f} MiB a book page should carry: use fewer or smaller images"
        )
    return labels, pngs
