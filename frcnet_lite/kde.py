"""Kernel density estimates of rendered localization histograms.

(Foundation version: only the isotropic Gaussian KDE. The adaptive and anisotropic estimates
are added by the KDE issue.)
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["gaussian_kde"]


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
