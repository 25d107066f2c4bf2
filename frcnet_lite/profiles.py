"""Small image analyses the tutorial uses: the busiest window, filament cross-sections, FWHM.

* :func:`busiest_window` finds the square window with the most signal of an image (where the
  notebooks zoom in); :func:`busiest_box_nm` does the same for a localization table, in nm.
* :func:`mean_cross_section` averages an image along short lines perpendicular to known
  filament centre lines (from the simulator): the mean profile across a filament.
* :func:`fwhm_nm` measures a profile's full width at half maximum, ``nan`` when a side never
  falls below half the maximum inside the profile (the width is then not measurable).

Examples
--------
>>> img = np.zeros((40, 40)); img[30:34, 5:9] = 1.0
>>> busiest_window(img, 8)
(slice(28, 36, None), slice(3, 11, None))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["busiest_window", "busiest_box_nm", "mean_cross_section", "fwhm_nm"]


def busiest_window(image: np.ndarray, window_px: int, step_px: int = 1) -> tuple[slice, slice]:
    """The ``window_px`` x ``window_px`` window of ``image`` with the largest sum.

    Parameters
    ----------
    image : numpy.ndarray
        2D image (counts, a density, ...); NaN counts as 0.
    window_px : int
        Side of the window in pixels (clipped to the image's smaller side).
    step_px : int
        Only windows whose corner is a multiple of ``step_px`` are considered (1: all).

    Returns
    -------
    tuple of slice
        ``(rows, cols)``: ``image[rows, cols]`` is the window. Of several windows with the
        same largest sum, the one nearest their centroid (first in row-major order on a tie).

    Examples
    --------
    >>> img = np.zeros((6, 6)); img[4, 5] = 3
    >>> busiest_window(img, 3)
    (slice(2, 5, None), slice(3, 6, None))
    >>> busiest_window(img, 10)   # larger than the image: the whole image
    (slice(0, 6, None), slice(0, 6, None))
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"busiest_window needs a non-empty 2D image, got shape {img.shape}")
    if int(window_px) != window_px or window_px < 1:
        raise ValueError(f"window_px must be a positive integer, got {window_px!r}")
    if int(step_px) != step_px or step_px < 1:
        raise ValueError(f"step_px must be a positive integer, got {step_px!r}")
    w = int(min(window_px, *img.shape))
    # summed-area table with a zero row and column in front: sum of img[r:r+w, c:c+w] in O(1)
    sat = np.zeros((img.shape[0] + 1, img.shape[1] + 1))
    sat[1:, 1:] = np.nan_to_num(img).cumsum(0).cumsum(1)
    sums = sat[w:, w:] - sat[:-w, w:] - sat[w:, :-w] + sat[:-w, :-w]
    sums = sums[::int(step_px), ::int(step_px)]
    # of the windows with the largest sum, the one nearest their centroid (centred on the signal)
    ties = np.argwhere(sums >= sums.max() - 1e-9 * abs(sums.max()))
    r, c = ties[int(np.argmin(((ties - ties.mean(axis=0)) ** 2).sum(axis=1)))]
    r, c = int(r) * int(step_px), int(c) * int(step_px)
    return slice(r, r + w), slice(c, c + w)


def busiest_box_nm(locs: Any, side_nm: float, fov_nm: Sequence[float], cells: int = 8
                   ) -> tuple[float, float, float, float]:
    """The ``side_nm`` square of a field with the most localizations, as ``(x0, y0, x1, y1)`` nm.

    The localizations are counted in pixels of ``side_nm / cells`` and the busiest window of
    ``cells`` x ``cells`` of them is returned (inside ``fov_nm``).

    Parameters
    ----------
    locs : LocalizationTable or numpy.ndarray
        The localizations (as for :func:`frcnet_lite.rendering.render_histogram`).
    side_nm : float
        Side of the square in nm.
    fov_nm : sequence of float
        ``(x0, y0, x1, y1)`` of the field in nm.
    cells : int
        Grid cells per side of the square (the position is found to ``side_nm / cells``).

    Examples
    --------
    >>> xy = np.array([[3300.0, 700.0]] * 50)   # LocalizationTable or (n, 2) x, y in nm
    >>> busiest_box_nm(xy, 400.0, (0, 0, 4000, 4000))
    (3100.0, 500.0, 3500.0, 900.0)
    """
    from .rendering import render_histogram  # noqa: PLC0415

    if not side_nm > 0:
        raise ValueError(f"side_nm must be positive, got {side_nm!r}")
    x0, y0, x1, y1 = (float(v) for v in fov_nm)
    cell_nm = side_nm / cells
    counts = render_histogram(locs, cell_nm, (x0, y0, x1, y1))
    rows, cols = busiest_window(counts, cells)
    bx = min(x0 + cols.start * cell_nm, x1 - side_nm) if x1 - x0 >= side_nm else x0
    by = min(y0 + rows.start * cell_nm, y1 - side_nm) if y1 - y0 >= side_nm else y0
    return (bx, by, bx + side_nm, by + side_nm)


def mean_cross_section(image: np.ndarray, filaments: Sequence[np.ndarray], fov_nm: Sequence[float],
                       pixel_size_nm: float, half_width_nm: float = 80.0, step_nm: float = 100.0,
                       sample_nm: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """The mean profile of ``image`` across the filaments.

    Every ``step_nm`` along each filament centre line, the image is sampled (bilinear) along the
    perpendicular from ``-half_width_nm`` to ``+half_width_nm`` every ``sample_nm``; lines that
    leave the image are skipped and the rest averaged.

    Parameters
    ----------
    image : numpy.ndarray
        2D image of the field, pixel ``(i, j)`` covering ``[fov_x0 + j * px, ...)``.
    filaments : sequence of numpy.ndarray
        Centre lines as ``(n, 2)`` arrays of ``(x, y)`` in nm (``Simulation.filaments``).
    fov_nm : sequence of float
        ``(x0, y0, x1, y1)`` of the image in nm.
    pixel_size_nm : float
        Pixel size of ``image`` in nm.
    half_width_nm, step_nm, sample_nm : float
        Half length of the perpendicular lines, spacing of the lines along a filament, spacing of
        the samples on a line (nm).

    Returns
    -------
    offsets_nm, profile : numpy.ndarray
        Distance from the centre line (nm) and the mean image value there.

    Raises
    ------
    ValueError
        If no perpendicular line lies inside the image.

    Examples
    --------
    A vertical line of width 1 px at x = 50 nm (10 nm pixels) has its profile's peak at 0 nm:

    >>> img = np.zeros((20, 20)); img[:, 5] = 1.0
    >>> line = np.array([[55.0, 0.0], [55.0, 200.0]])
    >>> line = np.linspace(line[0], line[1], 41)
    >>> off, prof = mean_cross_section(img, [line], (0, 0, 200, 200), 10.0, half_width_nm=30, step_nm=20)
    >>> float(off[np.argmax(prof)]), float(prof.max())
    (0.0, 1.0)
    """
    from scipy import ndimage  # noqa: PLC0415

    img = np.asarray(image, dtype=np.float64)
    offsets = np.arange(-half_width_nm, half_width_nm + sample_nm / 2, sample_nm)
    rows = []
    for f in filaments:
        f = np.asarray(f, dtype=np.float64)
        if len(f) < 5:
            continue
        spacing = float(np.median(np.hypot(*np.diff(f, axis=0).T)))
        idx = np.arange(2, len(f) - 2, max(int(step_nm / spacing), 1) if spacing > 0 else 1)
        tangent = f[idx + 2] - f[idx - 2]
        length = np.hypot(*tangent.T)
        ok = length > 0
        idx, tangent, length = idx[ok], tangent[ok], length[ok]
        normal = np.stack([-tangent[:, 1], tangent[:, 0]], 1) / length[:, None]
        pts = f[idx, None, :] + offsets[None, :, None] * normal[:, None, :]  # (lines, samples, xy) in nm
        col = (pts[..., 0] - fov_nm[0]) / pixel_size_nm - 0.5
        row = (pts[..., 1] - fov_nm[1]) / pixel_size_nm - 0.5
        inside = ((col >= 0) & (row >= 0) & (col <= img.shape[1] - 1) & (row <= img.shape[0] - 1)).all(axis=1)
        if inside.any():
            values = ndimage.map_coordinates(img, [row[inside].ravel(), col[inside].ravel()], order=1)
            rows.append(values.reshape(-1, offsets.size))
    if not rows:
        raise ValueError("no perpendicular line of the filaments lies inside the image: check fov_nm and "
                         "pixel_size_nm, or use a smaller half_width_nm")
    return offsets, np.concatenate(rows).mean(axis=0)


def fwhm_nm(offsets_nm: np.ndarray, profile: np.ndarray) -> float:
    """Full width at half maximum of a single-peaked profile (linear interpolation), in nm.

    The half-maximum crossings are searched outwards from the peak. When the profile does not
    fall below half its maximum on one side within the sampled range (it starts or ends above
    half maximum), the width is not measurable and ``nan`` is returned.

    Parameters
    ----------
    offsets_nm : numpy.ndarray
        Increasing positions of the samples (nm).
    profile : numpy.ndarray
        Profile values (same length).

    Examples
    --------
    >>> x = np.arange(-50.0, 51.0)
    >>> round(fwhm_nm(x, np.exp(-x**2 / (2 * 10.0**2))), 2)   # 2 sqrt(2 ln 2) * 10
    23.55
    >>> fwhm_nm(x, np.exp(-(x + 50)**2 / 200.0))   # peak at the first sample: not measurable
    nan
    """
    x = np.asarray(offsets_nm, dtype=np.float64)
    p = np.asarray(profile, dtype=np.float64)
    if x.ndim != 1 or x.shape != p.shape or x.size < 3:
        raise ValueError(f"fwhm_nm needs two 1D arrays of the same length >= 3, got {x.shape} and {p.shape}")
    if not np.all(np.diff(x) > 0):
        raise ValueError("fwhm_nm needs increasing offsets_nm")
    peak = int(np.nanargmax(p))
    half = p[peak] / 2
    below_left = np.flatnonzero(p[:peak] < half)
    below_right = np.flatnonzero(p[peak + 1:] < half)
    if below_left.size == 0 or below_right.size == 0 or not p[peak] > 0:
        return float("nan")
    lo = int(below_left[-1])           # last sample below half maximum left of the peak
    hi = peak + 1 + int(below_right[0])  # first sample below half maximum right of the peak
    left = np.interp(half, [p[lo], p[lo + 1]], [x[lo], x[lo + 1]])
    right = np.interp(half, [p[hi], p[hi - 1]], [x[hi], x[hi - 1]])
    return float(right - left)
