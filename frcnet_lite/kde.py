"""Kernel density estimates of rendered localization histograms (the maths of the KDE targets and baselines).

Which KDE a training target uses, with which parameters, is decided in one place,
:mod:`frcnet_lite.targets`; this module holds the estimators themselves.

Three estimates turn a sparse histogram (counts per pixel) into a smooth density; all three conserve
the total intensity, also at the image border (a kernel that would leave the image is renormalised
to the pixels inside it, except for :func:`gaussian_kde`, which reflects at the border):

``gaussian_kde(image, sigma_px)``
    One isotropic Gaussian for every pixel. Simple, but a low-pass filter: it blurs filament edges.
``adaptive_kde(image, sigma_px)``
    Isotropic too, but the width follows the local density (Abramson's square-root law): narrow
    kernels where there is much signal, wide ones in sparse regions.
``anisotropic_kde(image, window=11, scale=1.0)``
    The anisotropic adaptive KDE of Berberich et al. (2021) after Chen et al. (2014). For every
    pixel, the intensity-weighted covariance of the pixel positions in a ``window x window``
    neighbourhood is computed; its size is normalised away (divided by the norm of its eigenvalues),
    so only shape and orientation remain, and it is multiplied by ``scale``. The pixel's intensity
    is spread with a Gaussian of that covariance, truncated to the window and normalised to sum one.
    Along a filament the kernel is long, across it narrow, so edges stay sharp.

    **Its reach is small and fixed.** Dividing by the norm of the eigenvalues, ``sqrt(l1^2 + l2^2)``,
    caps every eigenvalue of the kernel covariance at ``scale`` px^2: the long axis has a standard
    deviation of at most ``sqrt(scale)`` px (1 to 2 px, i.e. 5 to 10 nm at 5 nm pixels, for the
    method's scales 1 to 4), reached only for a perfectly line-like window; an isotropic window gives
    ``sqrt(scale / sqrt(2))`` px on both axes. The kernel's *size* therefore does not adapt to the
    local density, only its *shape* and orientation do: in a sparse region it smooths no further than
    in a dense one. That is why this KDE is a sharp target for dense data but a weak estimate from
    sparse data, and why the tables set it next to the plain histogram rather than next to the wide
    Gaussian blurs.

Conventions: axis 0 is y (rows), axis 1 is x (columns); covariances are in px^2 in (y, x) order.

**The pixel's own variance, 1/12 px^2** (a deliberate departure from the authors' code). Each pixel
is treated as a uniform square of side 1 px, so every window covariance carries the variance of
that square, ``1/12`` px^2 per axis (:data:`PIXEL_VARIANCE_PX2`). The authors' code (Berberich et
al. 2021, after Chen et al. 2014) takes the covariance of the pixel centres alone, which is
singular for an isolated pixel (all zero) and for a one-pixel-wide straight line (zero across it):
its eigenvalue normalisation then divides by zero (NaN kernels) or gives a kernel of zero width
across the line, i.e. no smoothing at all where a sparse histogram most needs it. With the 1/12
term the covariance is always positive definite, an isolated pixel gets an isotropic kernel, and a
thin line a narrow but finite one; the counts in a pixel really are spread over its square, so this
is also the covariance of the localizations the pixel stands for. For structure a few pixels wide
(window variances of several px^2) the term changes the kernel shape by a few per cent.

The anisotropic kernels run in `numba <https://numba.pydata.org>`_-compiled loops (parallel,
touching only non-zero pixels); window moments come from separable filters, computed in row bands
with a window-sized overlap so memory stays bounded for whole 4200 x 4200 fields.
"""

from __future__ import annotations

import math
import types

import numpy as np
from scipy import ndimage

try:  # numba compiles the kernel loops; without it only gaussian_kde works
    from numba import njit, prange
except ImportError:  # pragma: no cover - exercised only where numba is missing
    njit = None
    prange = range

__all__ = [
    "adaptive_kde",
    "adaptive_sigmas",
    "anisotropic_kde",
    "anisotropic_kde_3d",
    "gaussian_kde",
    "kernel_covariances",
]

PIXEL_VARIANCE_PX2 = 1.0 / 12.0
"""Variance of a uniform 1-px square along one axis: added to every window covariance."""


# ----------------------------------------------------------------------------- checks ----
def _as_density(image: np.ndarray, ndim: int, name: str = "image") -> np.ndarray:
    """Validate a non-negative finite ``ndim``-D array and return it as C-contiguous float32."""
    arr = np.asarray(image)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; expected finite counts/densities")
    low = float(arr.min())
    if low < 0:
        raise ValueError(f"{name} must be non-negative (counts or densities), found minimum {low!r}")
    return arr


def _check_window(window: int) -> int:
    """Return the window half-width ``r`` of an odd window size ``k = 2r + 1``."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1 (pixels), got {window!r}")
    return int(window) // 2


def _check_positive(value: float, name: str) -> float:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _require_numba(what: str) -> None:
    if njit is None:  # pragma: no cover
        raise ImportError(f"{what} needs numba: pip install numba")


# --------------------------------------------------------------------- isotropic KDE ----
def gaussian_kde(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """Isotropic Gaussian KDE of a histogram: convolution with a normalised Gaussian.

    Parameters
    ----------
    image : numpy.ndarray
        2D histogram (counts per pixel).
    sigma_px : float
        Kernel standard deviation in pixels (``sigma_nm / pixel_size_nm``), >= 0.

    Returns
    -------
    numpy.ndarray
        float32 density of the image's shape; the total is conserved (reflecting borders).

    Examples
    --------
    >>> img = np.zeros((9, 9)); img[4, 4] = 1
    >>> out = gaussian_kde(img, 1.0)
    >>> round(float(out.sum()), 5), out.dtype.name
    (1.0, 'float32')
    """
    if sigma_px < 0 or not np.isfinite(sigma_px):
        raise ValueError(f"sigma_px must be a finite number >= 0, got {sigma_px!r}")
    img = np.asarray(image, dtype=np.float32)
    if sigma_px == 0:
        return img.copy()
    return ndimage.gaussian_filter(img, sigma=float(sigma_px), mode="reflect", truncate=4.0).astype(np.float32)


# ------------------------------------------------------------- compiled kernel loops ----
def _spread_2d(img, cov, r, out, y0):  # pragma: no cover - runs compiled
    """out += the non-zero pixels of rows [y0, y0 + cov.shape[1]) of img, each spread with a Gaussian
    of covariance ``cov[:, row, x]`` = (syy, syx, sxx), truncated to the window and the image and
    normalised to sum one.

    Rows are processed in stripes of height >= 2r; even stripes in parallel, then odd ones, so no
    two threads ever write the same output row.
    """
    height, width = img.shape
    n_rows = cov.shape[1]
    k = 2 * r + 1
    stripe = max(2 * r, 8)
    n_stripes = (n_rows + stripe - 1) // stripe
    for parity in range(2):
        for j in prange((n_stripes - parity + 1) // 2):
            s = 2 * j + parity
            buf = np.empty((k, k), np.float64)
            for row in range(s * stripe, min(s * stripe + stripe, n_rows)):
                y = y0 + row
                y_lo = max(-r, -y)
                y_hi = min(r, height - 1 - y)
                for x in range(width):
                    v = img[y, x]
                    if v == 0:
                        continue
                    # 0.5 d^T cov^-1 d = a dy^2 + b dy dx + c dx^2
                    syy = np.float64(cov[0, row, x])
                    syx = np.float64(cov[1, row, x])
                    sxx = np.float64(cov[2, row, x])
                    det = syy * sxx - syx * syx
                    a = 0.5 * sxx / det
                    b = -syx / det
                    c = 0.5 * syy / det
                    # Half the kernel (it is point-symmetric), row by row. Along a row the weight is
                    # Gaussian in dx: one exp at the row's peak, then ratios that shrink by exp(-2c)
                    # per step outwards (all <= 1: no overflow, underflow to 0 is harmless).
                    shrink = math.exp(-2.0 * c)
                    z_full = 0.0  # the sum of the whole kernel, from short per-row sums
                    for dy in range(r + 1):
                        by = b * dy
                        peak = int(round(min(max(-by / (2.0 * c), -r), r)))  # the row's maximum
                        w0 = math.exp(-(a * dy * dy + (by + c * peak) * peak))
                        buf[r + dy, r + peak] = w0
                        buf[r - dy, r - peak] = w0
                        right = w0
                        w = w0
                        g = math.exp(-(by + c * (2 * peak + 1)))
                        for dx in range(peak + 1, r + 1):
                            w *= g
                            g *= shrink
                            buf[r + dy, r + dx] = w
                            buf[r - dy, r - dx] = w
                            right += w
                        left = 0.0
                        w = w0
                        g = math.exp(by + c * (2 * peak - 1))
                        for dx in range(peak - 1, -r - 1, -1):
                            w *= g
                            g *= shrink
                            buf[r + dy, r + dx] = w
                            buf[r - dy, r - dx] = w
                            left += w
                        z_full += (right + left) if dy == 0 else 2.0 * (right + left)
                    x_lo = max(-r, -x)
                    x_hi = min(r, width - 1 - x)
                    if y_lo == -r and y_hi == r and x_lo == -r and x_hi == r:
                        z = z_full
                    else:  # near the border: only the part of the kernel inside the image
                        z = 0.0
                        for dy in range(y_lo, y_hi + 1):
                            for dx in range(x_lo, x_hi + 1):
                                z += buf[r + dy, r + dx]
                    f = v / z
                    for dy in range(y_lo, y_hi + 1):  # row slices: a tight loop the compiler vectorises
                        target = out[y + dy, x + x_lo: x + x_hi + 1]
                        weights = buf[r + dy, r + x_lo: r + x_hi + 1]
                        for t in range(target.shape[0]):
                            target[t] += np.float32(f * weights[t])


def _covariance_2d(img, r, scale, y0, y1, only_nonzero, cov):  # pragma: no cover - runs compiled
    """Kernel covariances (syy, syx, sxx) of rows [y0, y1) into ``cov`` (3, y1 - y0, W), float32.

    Window moments are separable: a row pass sums I, I dx, I dx^2 along x (float64), a column pass
    combines them along y. ``only_nonzero`` skips pixels with zero intensity (their kernel is unused).
    """
    height, width = img.shape
    h_lo = max(y0 - r, 0)
    h_hi = min(y1 + r, height)
    rows = np.zeros((3, h_hi - h_lo, width))
    for i in prange(h_hi - h_lo):
        y = h_lo + i
        for x in range(width):
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for dx in range(max(-r, -x), min(r, width - 1 - x) + 1):
                v = np.float64(img[y, x + dx])
                s0 += v
                s1 += v * dx
                s2 += v * dx * dx
            rows[0, i, x] = s0
            rows[1, i, x] = s1
            rows[2, i, x] = s2
    pixel_var = 1.0 / 12.0
    iso = scale / math.sqrt(2.0)  # an empty window: isotropic pixel covariance, normalised
    for row in prange(y1 - y0):
        y = y0 + row
        for x in range(width):
            if only_nonzero and img[y, x] == 0:
                continue
            m0 = 0.0
            mx = 0.0
            mxx = 0.0
            my = 0.0
            myy = 0.0
            mxy = 0.0
            for dy in range(max(-r, -y), min(r, height - 1 - y) + 1):
                i = y + dy - h_lo
                m0 += rows[0, i, x]
                mx += rows[1, i, x]
                mxx += rows[2, i, x]
                my += dy * rows[0, i, x]
                myy += dy * dy * rows[0, i, x]
                mxy += dy * rows[1, i, x]
            if m0 > 0:
                ux = mx / m0
                uy = my / m0
                cyy = max(myy / m0 - uy * uy, 0.0) + pixel_var
                cxx = max(mxx / m0 - ux * ux, 0.0) + pixel_var
                cyx = mxy / m0 - uy * ux
                norm = math.sqrt(cyy * cyy + 2.0 * cyx * cyx + cxx * cxx)
                cov[0, row, x] = scale * cyy / norm
                cov[1, row, x] = scale * cyx / norm
                cov[2, row, x] = scale * cxx / norm
            else:
                cov[0, row, x] = iso
                cov[1, row, x] = 0.0
                cov[2, row, x] = iso


def _spread_3d(vol, coefs, r, out):  # pragma: no cover - runs compiled
    """3D twin of :func:`_spread_2d`; ``coefs`` is (6, Z, Y, X): zz, yy, xx, zy, zx, yx terms."""
    depth, height, width = vol.shape
    k = 2 * r + 1
    slab = max(2 * r, 2)
    n_slabs = (depth + slab - 1) // slab
    for parity in range(2):
        for j in prange((n_slabs - parity + 1) // 2):
            s = 2 * j + parity
            buf = np.empty((k, k, k), np.float32)
            for z0 in range(s * slab, min(s * slab + slab, depth)):
                for y in range(height):
                    for x in range(width):
                        v = vol[z0, y, x]
                        if v == 0:
                            continue
                        for dz in range(-r, r + 1):
                            for dy in range(-r, r + 1):
                                for dx in range(-r, r + 1):
                                    q = (coefs[0, z0, y, x] * dz * dz + coefs[1, z0, y, x] * dy * dy
                                         + coefs[2, z0, y, x] * dx * dx + coefs[3, z0, y, x] * dz * dy
                                         + coefs[4, z0, y, x] * dz * dx + coefs[5, z0, y, x] * dy * dx)
                                    buf[r + dz, r + dy, r + dx] = math.exp(-q)
                        z_lo, z_hi = max(-r, -z0), min(r, depth - 1 - z0)
                        y_lo, y_hi = max(-r, -y), min(r, height - 1 - y)
                        x_lo, x_hi = max(-r, -x), min(r, width - 1 - x)
                        norm = 0.0
                        for dz in range(z_lo, z_hi + 1):
                            for dy in range(y_lo, y_hi + 1):
                                for dx in range(x_lo, x_hi + 1):
                                    norm += buf[r + dz, r + dy, r + dx]
                        f = np.float32(v / norm)
                        for dz in range(z_lo, z_hi + 1):
                            for dy in range(y_lo, y_hi + 1):
                                for dx in range(x_lo, x_hi + 1):
                                    out[z0 + dz, y + dy, x + dx] += f * buf[r + dz, r + dy, r + dx]


_SERIAL_WORK = 5e7  # below this many kernel operations, a serial loop beats starting threads


def _renamed(func, suffix: str):
    """A copy of a plain function under another name (numba caches compiled code by name)."""
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__ + suffix, func.__defaults__,
                              func.__closure__)
    copy.__qualname__ = func.__qualname__ + suffix
    return copy


if njit is not None:
    # each 2D loop compiled twice: threaded for large images, serial for small ones
    # (distinct names, so that numba's on-disk cache keeps the two versions apart)
    _KERNELS_2D = {
        parallel: tuple(
            njit(parallel=parallel, cache=True, nogil=True)(_renamed(f, "_threaded" if parallel else "_serial"))
            for f in (_covariance_2d, _spread_2d)
        )
        for parallel in (False, True)
    }
    _spread_3d = njit(parallel=True, cache=True, nogil=True)(_spread_3d)


def _kernels_2d(img: np.ndarray, r: int):
    """The (covariance, spread) loops to use: threaded only when there is enough work."""
    k = 2 * r + 1
    work = img.size * k + np.count_nonzero(img) * k * k
    return _KERNELS_2D[bool(work > _SERIAL_WORK)]


# ------------------------------------------------------------------ window moments ----
def _window_moments(block: np.ndarray, r: int) -> dict[tuple[int, ...], np.ndarray]:
    """Raw window moments sum_d I(p + d) * prod(d_axis ** power) for every pixel (zero outside).

    Separable: one 1D correlation per axis with the taps 1, d or d^2 (float64). Keys are power
    tuples per axis, e.g. (0, 1) for sum I dx in 2D. Only moments up to total order 2 are built.
    """
    taps = np.arange(-r, r + 1, dtype=np.float64)
    kernels = (np.ones_like(taps), taps, taps * taps)
    moments: dict[tuple[int, ...], np.ndarray] = {(): block.astype(np.float64)}
    for axis in range(block.ndim - 1, -1, -1):  # last axis first: keys grow to the left
        grown: dict[tuple[int, ...], np.ndarray] = {}
        for key, arr in moments.items():
            for power in range(3 - sum(key)):
                grown[(power, *key)] = ndimage.correlate1d(arr, kernels[power], axis=axis, mode="constant")
        moments = grown
    return moments


def _normalised_covariance(moments: dict[tuple[int, ...], np.ndarray], ndim: int, scale: float) -> np.ndarray:
    """Kernel covariance ``scale * C / ||eig(C)||`` with ``C`` = window covariance + 1/12 I, float64."""
    s0 = moments[(0,) * ndim]
    safe = np.where(s0 > 0, s0, 1.0)

    def unit(*axes: int) -> tuple[int, ...]:
        powers = [0] * ndim
        for a in axes:
            powers[a] += 1
        return tuple(powers)

    mean = [np.where(s0 > 0, moments[unit(i)] / safe, 0.0) for i in range(ndim)]
    cov = np.empty(s0.shape + (ndim, ndim))
    for i in range(ndim):
        for j in range(i, ndim):
            c = np.where(s0 > 0, moments[unit(i, j)] / safe - mean[i] * mean[j], 0.0)
            if i == j:
                c = np.maximum(c, 0.0) + PIXEL_VARIANCE_PX2
            cov[..., i, j] = c
            cov[..., j, i] = c
    norm = np.sqrt(np.sum(cov * cov, axis=(-2, -1)))  # = sqrt(sum of squared eigenvalues)
    return cov * (scale / norm)[..., None, None]


def _bands(n: int, r: int, tile: int | None):
    """Yield (lo, hi, halo_lo, halo_hi): output rows [lo, hi) and input rows with an r-row halo."""
    step = n if tile is None else max(int(tile), 1)
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        yield lo, hi, max(lo - r, 0), min(hi + r, n)


def _check_tile(tile_rows: int | None) -> int | None:
    if tile_rows is None:
        return None
    if isinstance(tile_rows, bool) or not isinstance(tile_rows, (int, np.integer)) or tile_rows < 1:
        raise ValueError(f"tile_rows must be a positive integer or None (no tiling), got {tile_rows!r}")
    return int(tile_rows)


def kernel_covariances(image: np.ndarray, window: int = 11, scale: float = 1.0,
                       tile_rows: int | None = 512) -> np.ndarray:
    """Per-pixel covariance of the anisotropic KDE kernel (for drawing kernel ellipses).

    Parameters
    ----------
    image : numpy.ndarray
        2D non-negative histogram or density.
    window : int
        Odd window size ``k`` in pixels: the covariance is measured in, and the kernel truncated
        to, a ``k x k`` neighbourhood.
    scale : float
        Factor on the shape-only (eigenvalue-norm 1) covariance; larger means wider kernels.
    tile_rows : int or None
        Rows per band (memory bound); None computes the whole image at once.

    Returns
    -------
    numpy.ndarray
        float32 array (H, W, 2, 2) of covariances in px^2, (y, x) order. Pixels whose window is
        empty get the isotropic ``scale * I / sqrt(2)``.

    Examples
    --------
    >>> img = np.zeros((15, 15)); img[7, 2:13] = 1          # a horizontal line
    >>> cov = kernel_covariances(img, window=11)[7, 7]
    >>> bool(cov[1, 1] > 10 * cov[0, 0])                      # long along x, narrow along y
    True
    >>> counts = np.random.default_rng(0).poisson(0.3, (40, 40)).astype(float)
    >>> eig = np.linalg.eigvalsh(kernel_covariances(counts, scale=4.0).astype(float))
    >>> bool(eig.max() <= 4.0 + 1e-5)            # no kernel longer than sqrt(scale) = 2 px
    True
    """
    _require_numba("kernel_covariances")
    img = _as_density(image, 2)
    r = _check_window(window)
    scale = _check_positive(scale, "scale")
    out = np.empty(img.shape + (2, 2), np.float32)
    covariance_2d, _ = _kernels_2d(img, r)
    for lo, hi, _, _ in _bands(img.shape[0], r, _check_tile(tile_rows)):
        cov = np.empty((3, hi - lo, img.shape[1]), np.float32)
        covariance_2d(img, r, scale, lo, hi, False, cov)
        out[lo:hi, :, 0, 0], out[lo:hi, :, 0, 1], out[lo:hi, :, 1, 1] = cov
        out[lo:hi, :, 1, 0] = cov[1]
    return out


def anisotropic_kde(image: np.ndarray, window: int = 11, scale: float = 1.0,
                    tile_rows: int | None = 512) -> np.ndarray:
    """Anisotropic adaptive KDE: each pixel spread along the local structure (Chen et al. 2014).

    For every non-zero pixel, the intensity-weighted covariance ``C`` of the pixel positions in the
    ``window x window`` neighbourhood (plus the pixel's own 1/12 px^2) is normalised by the norm of
    its eigenvalues and multiplied by ``scale``; the pixel's intensity is spread with a Gaussian of
    that covariance, centred on the pixel, truncated to the window (and to the image) and normalised
    to sum one. Total intensity is conserved exactly, also at the border.

    Parameters
    ----------
    image : numpy.ndarray
        2D non-negative histogram (counts per pixel) or density.
    window : int
        Odd window size ``k`` in pixels (default 11, as in the method).
    scale : float
        Kernel covariance factor (the method uses 1 to 4), in px^2: the largest eigenvalue of every
        kernel covariance is at most ``scale``, so no kernel is longer than ``sqrt(scale)`` px (one
        standard deviation), whatever the density. An isolated pixel gets an isotropic kernel of
        standard deviation ``sqrt(scale / sqrt(2))`` px (0.84 px for scale 1).
    tile_rows : int or None
        Window moments are computed in bands of this many rows (with a window-sized overlap) to bound
        memory; None computes them for the whole image at once. The result does not depend on it.

    Returns
    -------
    numpy.ndarray
        float32 density of the image's shape.

    Examples
    --------
    >>> img = np.zeros((21, 21), np.float32); img[10, 3:18] = 2.0   # a short horizontal filament
    >>> out = anisotropic_kde(img, window=11, scale=2.0)
    >>> out.shape, out.dtype.name, round(float(out.sum()), 3)
    ((21, 21), 'float32', 30.0)
    >>> bool(out[10, 10] > 10 * out[12, 10])                        # sharp across the filament
    True
    """
    _require_numba("anisotropic_kde")
    img = _as_density(image, 2)
    r = _check_window(window)
    scale = _check_positive(scale, "scale")
    tile = _check_tile(tile_rows)
    out = np.zeros_like(img)
    if r == 0 or not img.any():
        return img.copy()
    covariance_2d, spread_2d = _kernels_2d(img, r)
    for lo, hi, _, _ in _bands(img.shape[0], r, tile):
        cov = np.zeros((3, hi - lo, img.shape[1]), np.float32)
        covariance_2d(img, r, scale, lo, hi, True, cov)
        spread_2d(img, cov, r, out, lo)
    return out



# ------------------------------------------------------------------------------ 3D ----
def anisotropic_kde_3d(volume: np.ndarray, window: int = 11, scale: float = 1.0,
                       tile_slices: int | None = 64) -> np.ndarray:
    """3D anisotropic adaptive KDE: the 2D method with a cubic window and 3x3 covariances.

    For z-resolved localizations rendered into a voxel histogram. Every non-zero voxel is spread
    with a Gaussian whose covariance is the intensity-weighted covariance of the voxel positions
    in its ``window``-cube (plus 1/12 voxel^2 per axis), divided by the norm of its eigenvalues
    and multiplied by ``scale``; truncated to the window and the volume, normalised to sum one.

    Parameters
    ----------
    volume : numpy.ndarray
        3D non-negative histogram (z, y, x), roughly isotropic voxels.
    window : int
        Odd window size in voxels (the cost grows with ``window**3`` per non-zero voxel).
    scale : float
        Kernel covariance factor.
    tile_slices : int or None
        Moments are computed in bands of this many z-slices; the result does not depend on it.

    Returns
    -------
    numpy.ndarray
        float32 density of the volume's shape; total intensity is conserved.

    Examples
    --------
    >>> vol = np.zeros((11, 11, 11), np.float32); vol[5, 5, 1:10] = 1
    >>> out = anisotropic_kde_3d(vol, window=5, scale=2.0)
    >>> round(float(out.sum()), 4), bool(out[5, 5, 5] > 5 * out[5, 7, 5])
    (9.0, True)
    """
    _require_numba("anisotropic_kde_3d")
    vol = _as_density(volume, 3, "volume")
    r = _check_window(window)
    scale = _check_positive(scale, "scale")
    tile = _check_tile(tile_slices)
    if r == 0 or not vol.any():
        return vol.copy()
    # 0.5 * inverse covariance as the six coefficients of the quadratic form, at non-zero voxels only
    terms = ((0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0), (0, 1, 2.0), (0, 2, 2.0), (1, 2, 2.0))
    coefs = np.ones((6,) + vol.shape, np.float32)
    for lo, hi, hlo, hhi in _bands(vol.shape[0], r, tile):
        mask = vol[lo:hi] > 0
        if not mask.any():
            continue
        cov = _normalised_covariance(_window_moments(vol[hlo:hhi], r), 3, scale)[lo - hlo: hi - hlo]
        half_inverse = 0.5 * np.linalg.inv(cov[mask])
        for n, (i, j, factor) in enumerate(terms):
            coefs[n, lo:hi][mask] = factor * half_inverse[:, i, j]
    out = np.zeros_like(vol)
    _spread_3d(vol, coefs, r, out)
    return out


# ------------------------------------------------------------------------ adaptive ----
def adaptive_sigmas(image: np.ndarray, sigma_px: float = 2.0, *, alpha: float = 0.5,
                    pilot_sigma_px: float | None = None,
                    sigma_range_px: tuple[float, float] | None = None) -> np.ndarray:
    """Per-pixel kernel widths of the adaptive KDE (Abramson's law), float32 in px.

    ``sigma_i = sigma_px * (pilot_i / g) ** -alpha``, where ``pilot`` is a Gaussian KDE of the image
    (width ``pilot_sigma_px``, default ``sigma_px``) and ``g`` its intensity-weighted geometric mean
    over the non-zero pixels; clipped to ``sigma_range_px`` (default ``(sigma_px / 4, 3 * sigma_px)``).

    Parameters
    ----------
    image : numpy.ndarray
        2D non-negative histogram.
    sigma_px : float
        Width (px) of a pixel at the typical (geometric-mean) density.
    alpha : float
        Sensitivity to density, in [0, 1]: 0 gives a fixed width, 0.5 is Abramson's square-root law.
    pilot_sigma_px : float, optional
        Width of the pilot estimate (default: ``sigma_px``).
    sigma_range_px : (float, float), optional
        Lower and upper bound on the width.

    Returns
    -------
    numpy.ndarray
        float32 widths of the image's shape (pixels with no signal get the upper bound).

    Examples
    --------
    >>> img = np.zeros((32, 32)); img[8, 8] = 100; img[24, 24] = 1
    >>> s = adaptive_sigmas(img, 2.0)
    >>> bool(s[8, 8] < 2.0 < s[24, 24])                         # narrow where dense
    True
    """
    img = _as_density(image, 2)
    sigma_px = _check_positive(sigma_px, "sigma_px")
    if not np.isfinite(alpha) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    pilot_sigma = sigma_px if pilot_sigma_px is None else _check_positive(pilot_sigma_px, "pilot_sigma_px")
    low, high = (sigma_px / 4, 3 * sigma_px) if sigma_range_px is None else sigma_range_px
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(f"sigma_range_px must be (low, high) with 0 < low <= high, got {sigma_range_px!r}")
    mask = img > 0
    if not mask.any():
        return np.full(img.shape, high, np.float32)
    pilot = gaussian_kde(img, pilot_sigma).astype(np.float64)
    weights = img[mask].astype(np.float64)
    log_g = np.sum(weights * np.log(pilot[mask])) / weights.sum()
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        sig = sigma_px * np.exp(-alpha * (np.log(pilot) - log_g))
    return np.clip(np.nan_to_num(sig, nan=high, posinf=high), low, high).astype(np.float32)


def adaptive_kde(image: np.ndarray, sigma_px: float = 2.0, *, alpha: float = 0.5,
                 pilot_sigma_px: float | None = None, sigma_range_px: tuple[float, float] | None = None,
                 truncate: float = 3.0, tile_rows: int | None = 512) -> np.ndarray:
    """Adaptive isotropic KDE: each pixel spread with a Gaussian whose width follows the density.

    Widths come from :func:`adaptive_sigmas` (narrow where the pilot density is high). Every kernel
    is truncated at ``truncate`` times the largest width in use and to the image, and normalised to
    sum one, so total intensity is conserved.

    Parameters
    ----------
    image : numpy.ndarray
        2D non-negative histogram.
    sigma_px, alpha, pilot_sigma_px, sigma_range_px
        See :func:`adaptive_sigmas`.
    truncate : float
        Kernel radius in units of the largest width (default 3).
    tile_rows : int or None
        Rows per band (memory bound); the result does not depend on it.

    Returns
    -------
    numpy.ndarray
        float32 density of the image's shape.

    Examples
    --------
    >>> img = np.zeros((32, 32), np.float32); img[10:13, 10:13] = 50; img[25, 5] = 1
    >>> out = adaptive_kde(img, 2.0)
    >>> round(float(out.sum()), 2), out.dtype.name
    (451.0, 'float32')
    """
    _require_numba("adaptive_kde")
    img = _as_density(image, 2)
    sig = adaptive_sigmas(img, sigma_px, alpha=alpha, pilot_sigma_px=pilot_sigma_px,
                          sigma_range_px=sigma_range_px)
    truncate = _check_positive(truncate, "truncate")
    tile = _check_tile(tile_rows)
    out = np.zeros_like(img)
    if not img.any():
        return out
    r = max(int(math.ceil(truncate * float(sig[img > 0].max()))), 1)
    _, spread_2d = _kernels_2d(img, r)
    for lo, hi, _, _ in _bands(img.shape[0], r, tile):
        var = sig[lo:hi] ** 2
        cov = np.ascontiguousarray(np.stack([var, np.zeros_like(var), var]), dtype=np.float32)
        spread_2d(img, cov, r, out, lo)
    return out
