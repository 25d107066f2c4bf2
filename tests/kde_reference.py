"""Slow, obviously-correct per-pixel references of the KDEs in ``frcnet_lite.kde`` (tests only).

Everything here is a plain loop over pixels in float64, written straight from the method's
description, with no vectorisation tricks, so that the fast versions can be checked against it.
"""

from __future__ import annotations

import itertools

import numpy as np

PIXEL_VARIANCE_PX2 = 1.0 / 12.0  # a pixel is a uniform unit square (cube)


def window_covariance(image: np.ndarray, centre: tuple[int, ...], r: int) -> np.ndarray:
    """Intensity-weighted covariance of the pixel positions in the window around ``centre``
    (positions outside the image carry no intensity), plus the pixel's own 1/12 per axis."""
    ndim = image.ndim
    positions, weights = [], []
    for offset in itertools.product(range(-r, r + 1), repeat=ndim):
        p = tuple(c + o for c, o in zip(centre, offset))
        if all(0 <= p[i] < image.shape[i] for i in range(ndim)) and image[p] > 0:
            positions.append(np.array(p, dtype=np.float64))
            weights.append(float(image[p]))
    cov = np.zeros((ndim, ndim))
    if weights:
        pos = np.array(positions)
        w = np.array(weights)
        mean = (w[:, None] * pos).sum(0) / w.sum()
        centred = pos - mean
        cov = (w[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0) / w.sum()
    return cov + PIXEL_VARIANCE_PX2 * np.eye(ndim)


def kernel_covariance(image: np.ndarray, centre: tuple[int, ...], r: int, scale: float) -> np.ndarray:
    """The window covariance divided by the norm of its eigenvalues, times ``scale``."""
    cov = window_covariance(image, centre, r)
    return scale * cov / np.linalg.norm(np.linalg.eigvalsh(cov))


def spread(image: np.ndarray, covariances: dict, r: int) -> np.ndarray:
    """Spread every non-zero pixel with a Gaussian of its covariance, truncated to the window and
    the image, normalised to sum one."""
    out = np.zeros(image.shape)
    ndim = image.ndim
    for centre in itertools.product(*(range(n) for n in image.shape)):
        value = float(image[centre])
        if value == 0:
            continue
        inverse = np.linalg.inv(covariances[centre])
        targets, weights = [], []
        for offset in itertools.product(range(-r, r + 1), repeat=ndim):
            p = tuple(c + o for c, o in zip(centre, offset))
            if all(0 <= p[i] < image.shape[i] for i in range(ndim)):
                d = np.array(offset, dtype=np.float64)
                targets.append(p)
                weights.append(np.exp(-0.5 * d @ inverse @ d))
        weights = np.array(weights) / np.sum(weights)
        for p, w in zip(targets, weights):
            out[p] += value * w
    return out


def anisotropic_kde_reference(image: np.ndarray, window: int = 11, scale: float = 1.0) -> np.ndarray:
    """Per-pixel anisotropic adaptive KDE in 2D or 3D (float64)."""
    image = np.asarray(image, dtype=np.float64)
    r = window // 2
    covariances = {
        centre: kernel_covariance(image, centre, r, scale)
        for centre in itertools.product(*(range(n) for n in image.shape))
        if image[centre] > 0
    }
    return spread(image, covariances, r)


def kernel_covariances_reference(image: np.ndarray, window: int = 11, scale: float = 1.0) -> np.ndarray:
    """Kernel covariance of every pixel, shape image.shape + (ndim, ndim)."""
    image = np.asarray(image, dtype=np.float64)
    out = np.zeros(image.shape + (image.ndim, image.ndim))
    for centre in itertools.product(*(range(n) for n in image.shape)):
        out[centre] = kernel_covariance(image, centre, window // 2, scale)
    return out


def isotropic_kde_reference(image: np.ndarray, sigmas_px: np.ndarray, r: int) -> np.ndarray:
    """Every non-zero pixel spread with its own isotropic Gaussian (std ``sigmas_px[pixel]``),
    truncated to a (2r+1)-wide window and the image, normalised to sum one."""
    image = np.asarray(image, dtype=np.float64)
    covariances = {
        centre: float(sigmas_px[centre]) ** 2 * np.eye(image.ndim)
        for centre in itertools.product(*(range(n) for n in image.shape))
        if image[centre] > 0
    }
    return spread(image, covariances, r)
