"""Figures for the book's column: image panels with nm scale bars, grids, the training history.

Every figure of the tutorial is drawn for one page layout: a content column of about
:data:`COLUMN_WIDTH_IN` inches at :data:`DPI` dots per inch (the book shows it at its natural
width or a little smaller), at most :data:`MAX_COLUMNS` image panels per row, and text no
smaller than :data:`MIN_FONT_PT` points.

* :func:`show_image` draws an image in pixel coordinates, without ticks, with a scale bar in
  nm (:func:`scale_bar`); :func:`image_grid` makes a grid of such panels sized for the column.
* :func:`show` displays a figure in a notebook as a PNG that carries *readability metadata*
  (PNG text chunks, :func:`figure_metadata`): how many image panels the figure has, how many of
  them have a scale bar, and the smallest drawn text in pixels. The book's browser test
  (``tests/book_checker.py``) reads them to check that every image panel has a scale bar and
  that no text is shrunk below ~9 screen pixels.
* :func:`plot_history` draws a training run's ``history.csv`` rows.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig, axes = image_grid(2)
>>> _ = show_image(axes[0], np.eye(64), pixel_size_nm=5.0, title="eye")
>>> _ = show_image(axes[1], np.ones((64, 64)), pixel_size_nm=5.0)
>>> meta = figure_metadata(fig)
>>> meta["frcnet:image-panels"], meta["frcnet:scale-bars"]
('2', '2')
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

__all__ = [
    "COLUMN_WIDTH_IN", "DPI", "MAX_COLUMNS", "MIN_FONT_PT", "SCALE_BAR_GID", "NO_SCALE_GID", "BOOK_STYLE",
    "use_book_style", "nice_length_nm", "scale_bar", "no_scale_bar", "show_image", "image_grid", "add_colorbar",
    "figure_metadata", "figure_png", "show", "plot_history",
]

#: Width of the book's content column that figures are drawn for, inches (at :data:`DPI`: 720 px).
COLUMN_WIDTH_IN = 7.2
#: Dots per inch of the figures the notebooks show.
DPI = 100
#: Most image panels in one row of a figure.
MAX_COLUMNS = 3
#: Smallest font size the book's figures use, points.
MIN_FONT_PT = 8.0
#: ``gid`` of the scale-bar artist :func:`scale_bar` adds (how :func:`figure_metadata` finds it).
SCALE_BAR_GID = "frcnet-scale-bar"
#: ``gid`` :func:`no_scale_bar` gives an image panel that is not a picture of the sample.
NO_SCALE_GID = "frcnet-no-scale-bar"

#: Matplotlib settings of the book's figures (:func:`use_book_style`).
BOOK_STYLE: dict[str, Any] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (COLUMN_WIDTH_IN, 3.0),
    "font.size": 9.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "figure.titlesize": 10.0,
    "image.interpolation": "nearest",
}


def use_book_style() -> None:
    """Set :data:`BOOK_STYLE` for all following figures (call once, after the imports).

    Examples
    --------
    >>> import matplotlib
    >>> use_book_style()
    >>> matplotlib.rcParams["figure.dpi"] == DPI
    True
    """
    import matplotlib

    matplotlib.rcParams.update(BOOK_STYLE)


def nice_length_nm(width_nm: float, fraction: float = 0.25) -> float:
    """A round scale-bar length (1, 2 or 5 times a power of ten nm) near ``fraction`` of ``width_nm``.

    Examples
    --------
    >>> nice_length_nm(1000.0), nice_length_nm(640.0), nice_length_nm(20000.0)
    (200.0, 100.0, 5000.0)
    """
    if not (np.isfinite(width_nm) and width_nm > 0):
        raise ValueError(f"width_nm must be a positive number of nm, got {width_nm!r}")
    goal = width_nm * fraction
    power = 10.0 ** math.floor(math.log10(goal))
    return float(max(m * power for m in (1, 2, 5) if m * power <= goal))


def _length_label(length_nm: float) -> str:
    return f"{length_nm / 1000:g} µm" if length_nm >= 1000 else f"{length_nm:g} nm"


def scale_bar(ax: Axes, pixel_size_nm: float, length_nm: float | None = None, color: str = "white",
              loc: str = "lower right") -> Any:
    """Draw a scale bar with its length in nm on an image panel.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    pixel_size_nm : float
        nm per data unit of the axes: the pixel size for an image drawn in pixel coordinates
        (``imshow``'s default, as :func:`show_image` draws), 1 for an image drawn with an
        ``extent`` in nm.
    length_nm : float, optional
        Bar length (default: :func:`nice_length_nm` of the visible width).
    color : str
        Bar and label colour.
    loc : str
        Corner, as for a matplotlib legend.

    Returns
    -------
    mpl_toolkits.axes_grid1.anchored_artists.AnchoredSizeBar
        The artist (its ``gid`` is :data:`SCALE_BAR_GID`).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.imshow(np.zeros((100, 200)))
    >>> bar = scale_bar(ax, pixel_size_nm=5.0)
    >>> bar.get_gid(), bar.size_bar.get_children()[0].get_width()
    ('frcnet-scale-bar', 40.0)
    >>> plt.close(fig)
    """
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    if not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number of nm per data unit, got {pixel_size_nm!r}")
    x0, x1 = ax.get_xlim()
    if length_nm is None:
        length_nm = nice_length_nm(abs(x1 - x0) * pixel_size_nm)
    bar = AnchoredSizeBar(ax.transData, length_nm / pixel_size_nm, _length_label(length_nm), loc,
                          pad=0.3, borderpad=0.4, sep=2, color=color, frameon=False, size_vertical=0,
                          fontproperties={"size": MIN_FONT_PT})
    bar.size_bar.get_children()[0].set_linewidth(2.5)
    bar.set_gid(SCALE_BAR_GID)
    ax.add_artist(bar)
    return bar


def no_scale_bar(ax: Axes, reason: str) -> None:
    """Mark an image panel that shows no sample space (a Fourier plane, a ring index, a colour key).

    The browser test then does not ask for a scale bar on it. ``reason`` says why, for readers
    of the code.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> no_scale_bar(ax, "Fourier plane"); ax.get_gid()
    'frcnet-no-scale-bar'
    >>> plt.close(fig)
    """
    if not reason.strip():
        raise ValueError("no_scale_bar needs a reason (what the panel shows instead of the sample)")
    ax.set_gid(NO_SCALE_GID)


def show_image(ax: Axes, image: np.ndarray, pixel_size_nm: float | None, title: str | None = None,
               cmap: str = "magma", vmin: float | None = 0.0, vmax: float | None = None,
               percentile: float = 99.8, bar: bool = True, **imshow: Any) -> AxesImage:
    """Draw an image panel: pixel coordinates, no ticks, a scale bar in nm.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The panel.
    image : numpy.ndarray
        2D image (or RGB(A) ``(H, W, 3|4)``).
    pixel_size_nm : float or None
        Pixel size in nm (for the scale bar). None only for panels that are no picture of the
        sample: they are marked with :func:`no_scale_bar`.
    title : str, optional
        Panel title.
    cmap : str
        Colour map.
    vmin, vmax : float, optional
        Display range; ``vmax=None``: the ``percentile`` of the image (its maximum if that is 0).
    percentile : float
        See ``vmax``.
    bar : bool
        Draw the scale bar (False: the caller draws one with other settings).
    **imshow
        More keyword arguments of :meth:`matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.image.AxesImage

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> img = np.arange(16.0).reshape(4, 4)
    >>> im = show_image(ax, img, pixel_size_nm=100.0, vmax=None, percentile=100)
    >>> im.get_clim()
    (0.0, 15.0)
    >>> plt.close(fig)
    """
    image = np.asarray(image)
    if image.ndim == 2 and vmax is None:
        finite = image[np.isfinite(image)]
        vmax = float(np.percentile(finite, percentile)) if finite.size else 1.0
        if vmax <= (vmin or 0.0):
            vmax = float(finite.max()) if finite.size and finite.max() > (vmin or 0.0) else (vmin or 0.0) + 1.0
    im = ax.imshow(image, cmap=cmap, vmin=vmin if image.ndim == 2 else None,
                   vmax=vmax if image.ndim == 2 else None, **imshow)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if pixel_size_nm is None:
        no_scale_bar(ax, "the caller said this panel shows no sample space")
    elif bar:
        scale_bar(ax, pixel_size_nm)
    return im


def image_grid(n: int, ncols: int | None = None, panel_height_in: float | None = None,
               title_lines: int = 1, **subplots: Any) -> tuple[Figure, np.ndarray]:
    """A figure of ``n`` square image panels, at most :data:`MAX_COLUMNS` per row, as wide as the column.

    Parameters
    ----------
    n : int
        Number of panels.
    ncols : int, optional
        Panels per row (default ``min(n, MAX_COLUMNS)``; more than :data:`MAX_COLUMNS` is refused).
    panel_height_in : float, optional
        Height of one row in inches (default: the panel width plus room for ``title_lines``).
    title_lines : int
        Lines of panel title to leave room for.
    **subplots
        More keyword arguments of :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    fig, axes
        The figure and a flat array of ``n`` axes (panels beyond ``n`` are removed).

    Examples
    --------
    >>> fig, axes = image_grid(5)
    >>> axes.shape, [round(float(v), 2) for v in fig.get_size_inches()]
    ((5,), [7.2, 5.2])
    """
    import matplotlib.pyplot as plt

    if n < 1:
        raise ValueError(f"image_grid needs at least one panel, got n={n}")
    ncols = min(n, MAX_COLUMNS) if ncols is None else int(ncols)
    if not 1 <= ncols <= MAX_COLUMNS:
        raise ValueError(f"ncols must be 1 to {MAX_COLUMNS} (panels per row that stay readable in the column), "
                         f"got {ncols}")
    nrows = math.ceil(n / ncols)
    width = COLUMN_WIDTH_IN * {1: 0.55, 2: 0.8}.get(ncols, 1.0)
    if panel_height_in is None:
        panel_height_in = width / ncols + 0.2 * title_lines
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel_height_in * nrows), squeeze=False,
                             layout="constrained", **subplots)
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def add_colorbar(im: AxesImage, ax: Axes | Sequence[Axes], label: str) -> Any:
    """A colour bar for panels that share one intensity scale (``label`` says its unit).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> cb = add_colorbar(ax.imshow(np.eye(3)), ax, "counts")
    >>> cb.ax.get_ylabel()
    'counts'
    >>> plt.close(fig)
    """
    fig = (ax if not isinstance(ax, (list, tuple, np.ndarray)) else np.ravel(ax)[0]).figure
    cb = fig.colorbar(im, ax=ax, shrink=0.85, pad=0.02)
    cb.set_label(label)
    return cb


def _image_panels(fig: Figure) -> tuple[int, int, int]:
    """(image panels, panels with a scale bar, panels marked as not showing the sample)."""
    panels = bars = exempt = 0
    for ax in fig.axes:
        if not ax.images or getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>":
            continue
        panels += 1
        if ax.get_gid() == NO_SCALE_GID:
            exempt += 1
        elif any(a.get_gid() == SCALE_BAR_GID for a in ax.artists + ax.get_children()):
            bars += 1
    return panels, bars, exempt


def _drawn_font_sizes_pt(fig: Figure) -> list[float]:
    """Font sizes (points) of every text the figure draws (recorded by a renderer)."""
    from matplotlib.backends.backend_agg import RendererAgg

    w, h = fig.get_size_inches() * fig.dpi
    renderer = RendererAgg(int(w), int(h), fig.dpi)
    sizes: list[float] = []
    draw_text = renderer.draw_text

    def recording_draw_text(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if str(s).strip():
            sizes.append(float(prop.get_size_in_points()))
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = recording_draw_text
    fig.draw(renderer)
    return sizes


def figure_metadata(fig: Figure, dpi: float = DPI) -> dict[str, str]:
    """The readability metadata :func:`show` writes into a figure's PNG (text chunks).

    Returns
    -------
    dict
        ``frcnet:image-panels`` (axes with an image), ``frcnet:scale-bars`` (of them with a
        :func:`scale_bar`), ``frcnet:no-scale-panels`` (marked by :func:`no_scale_bar`), and
        ``frcnet:min-font-px``: the smallest drawn text in pixels of the PNG (font size x dpi / 72;
        absent when the figure draws no text).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("nine points", fontsize=9); ax.set_axis_off()
    >>> figure_metadata(fig, dpi=144)["frcnet:min-font-px"]
    '18.0'
    >>> plt.close(fig)
    """
    panels, bars, exempt = _image_panels(fig)
    meta = {"frcnet:image-panels": str(panels), "frcnet:scale-bars": str(bars),
            "frcnet:no-scale-panels": str(exempt)}
    sizes = _drawn_font_sizes_pt(fig)
    if sizes:
        meta["frcnet:min-font-px"] = f"{min(sizes) * dpi / 72:.1f}"
    return meta


def figure_png(fig: Figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes (tight bounding box) with :func:`figure_metadata` in its text chunks.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from PIL import Image
    >>> fig, ax = plt.subplots(figsize=(2, 2))
    >>> _ = show_image(ax, np.eye(8), pixel_size_nm=10.0)
    >>> png = figure_png(fig)
    >>> Image.open(io.BytesIO(png)).text["frcnet:scale-bars"]
    '1'
    >>> plt.close(fig)
    """
    meta = figure_metadata(fig, dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.04, metadata=meta)
    return buf.getvalue()


def show(fig: Figure | None = None, dpi: float = DPI) -> None:
    """Show a figure below the notebook cell as a PNG with readability metadata, then close it.

    Outside IPython the figure is shown with :func:`matplotlib.pyplot.show` instead.

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        Default: the current figure.
    dpi : float
        Resolution of the PNG.
    """
    import matplotlib.pyplot as plt

    fig = plt.gcf() if fig is None else fig
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks only
        plt.show()
        return
    if get_ipython() is None:
        plt.show()
        return
    png = figure_png(fig, dpi)
    plt.close(fig)
    display(Image(data=png, format="png"))


def plot_history(history: Sequence[Mapping[str, float]], title: str = "training") -> Figure:
    """The losses and validation metrics of a training run, one point per epoch.

    Parameters
    ----------
    history : sequence of mapping
        Rows of ``history.csv`` (:func:`frcnet_lite.training.load_history`): ``epoch``,
        ``train_loss``, ``val_loss``, ``val_frc`` (the area-FRC loss) and ``val_ms_ssim_index``.
    title : str
        Title of the loss panel.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: the weighted losses, the validation area-FRC, the validation MS-SSIM.

    Examples
    --------
    >>> rows = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_frc": 0.6 - 0.1 * e,
    ...          "val_ms_ssim_index": 0.5 + 0.1 * e} for e in (1, 2, 3)]
    >>> fig = plot_history(rows)
    >>> [ax.get_title() for ax in fig.axes][1]
    'validation area-FRC'
    """
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("plot_history needs at least one epoch of history, got none")
    epochs = [r["epoch"] for r in history]
    fig, ax = plt.subplots(1, 3, figsize=(COLUMN_WIDTH_IN, 2.6), layout="constrained")
    ax[0].plot(epochs, [r["train_loss"] for r in history], "o-", ms=3, label="train")
    ax[0].plot(epochs, [r["val_loss"] for r in history], "o-", ms=3, label="validation")
    ax[0].set(xlabel="epoch", ylabel="weighted loss", title=title)
    ax[0].legend()
    ax[1].plot(epochs, [1 - r["val_frc"] for r in history], "o-", ms=3, color="C2")
    ax[1].set(xlabel="epoch", ylabel="higher is better", title="validation area-FRC")
    ax[2].plot(epochs, [r["val_ms_ssim_index"] for r in history], "o-", ms=3, color="C3")
    ax[2].set(xlabel="epoch", title="validation MS-SSIM")
    return fig
