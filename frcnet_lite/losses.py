"""Training losses: area-FRC, MS-SSIM, L1 and MSE, and their weighted sum.

All losses take ``y_true, y_pred`` as ``(batch, H, W, 1)`` (or ``(batch, H, W)``) tensors with
values in [0, 1] (the training loop maps the generator's ``tanh`` range there), return a scalar
(the batch mean), are 0 for identical images and finite for blank ones.

* :func:`frc_loss` (from :mod:`frcnet_lite.frc_tf`) rewards agreement of the *spatial frequencies*
  up to the resolution limit: fine structure at the right place, whatever the contrast.
* :func:`ms_ssim_loss` rewards local structure and contrast at several scales (``1 - MS-SSIM``).
* :func:`l1_loss` / :func:`mse_loss` keep the *intensity* honest: FRC and MS-SSIM are nearly blind
  to a global scaling of the image.

The method's best mix (Berberich et al. 2021) is MS-SSIM + FRC + a small L1:
``combined_loss({"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1})``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ._tf import tf

__all__ = [
    "frc_loss",
    "ms_ssim",
    "ms_ssim_loss",
    "ms_ssim_scales",
    "l1_loss",
    "mse_loss",
    "combined_loss",
    "LOSSES",
    "METHOD_WEIGHTS",
]

#: Power factors of the five MS-SSIM scales (Wang et al. 2003), finest first.
_MS_SSIM_POWERS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)

#: The method's loss mix: MS-SSIM + area-FRC + a small L1.
METHOD_WEIGHTS = {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}


def _as4d(x):
    t = tf()
    x = t.convert_to_tensor(x, dtype=t.float32) if not isinstance(x, t.Tensor) else t.cast(x, t.float32)
    if x.shape.rank == 3:
        x = x[..., None]
    if x.shape.rank != 4:
        raise ValueError(f"images must be (batch, H, W) or (batch, H, W, 1), got shape {tuple(x.shape)}")
    return x


def frc_loss(y_true, y_pred, cutoff: float = 0.2):
    """Differentiable area-FRC loss; see :func:`frcnet_lite.frc_tf.frc_loss` (re-exported here)."""
    from .frc_tf import frc_loss as _frc_loss  # noqa: PLC0415

    return _frc_loss(y_true, y_pred, cutoff=cutoff)


def ms_ssim_scales(size_px: int, filter_size: int = 11, max_scales: int = 5) -> tuple[int, tuple[float, ...]]:
    """Choose the MS-SSIM filter size and power factors that fit an image side of ``size_px``.

    Every scale halves the image; the coarsest one must still be at least ``filter_size`` px.
    Uses the largest number of scales (at most ``max_scales``) that fits, the first power factors
    of Wang et al. renormalised to sum 1, and shrinks the filter for images under ``filter_size``.

    Returns
    -------
    (int, tuple of float)
        Filter size and power factors.

    Examples
    --------
    >>> ms_ssim_scales(256)[1] == (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    True
    >>> fs, p = ms_ssim_scales(64); fs, len(p), round(sum(p), 6)
    (11, 3, 1.0)
    >>> ms_ssim_scales(8)[0]
    7
    """
    if size_px < 3:
        raise ValueError(f"MS-SSIM needs images of at least 3 px per side, got {size_px}")
    filter_size = min(filter_size, size_px if size_px % 2 else size_px - 1)
    n = 1
    while n < max_scales and size_px // 2**n >= filter_size:
        n += 1
    powers = _MS_SSIM_POWERS[:n]
    total = sum(powers)
    powers = tuple(round(p / total, 6) for p in powers) if n < 5 else powers
    return filter_size, powers


def _gauss_1d(size: int, sigma: float):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return (g / g.sum()).astype(np.float32)


def _ssim_terms(x, y, g, c1: float, c2: float):
    """Mean SSIM and mean contrast-structure term of one scale (valid Gaussian windows).

    The five local moments are filtered in one pass as channels, with the separable Gaussian
    (two 1D passes of ``size`` taps instead of one 2D pass of ``size**2``).
    """
    t = tf()
    size = int(g.shape[0])
    stack = t.concat([x, y, x * x, y * y, x * y], axis=-1)
    k = t.constant(np.tile(g[:, None, None, None], (1, 1, 5, 1)))
    m = t.nn.depthwise_conv2d(stack, k, [1, 1, 1, 1], "VALID")
    m = t.nn.depthwise_conv2d(m, t.reshape(k, [1, size, 5, 1]), [1, 1, 1, 1], "VALID")
    # one unstack, not five strided slices: the gradient of each slice is a full-size scatter (4x slower step)
    mx, my, exx, eyy, exy = t.unstack(m, num=5, axis=-1)
    num0, den0 = 2.0 * mx * my, mx * mx + my * my
    luminance = (num0 + c1) / (den0 + c1)
    cs = (2.0 * exy - num0 + c2) / (exx + eyy - den0 + c2)
    return t.reduce_mean(luminance * cs, axis=[1, 2]), t.reduce_mean(cs, axis=[1, 2])


def _halve(x):
    t = tf()
    h, w = int(x.shape[1]), int(x.shape[2])
    if h % 2 or w % 2:
        x = t.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]], mode="SYMMETRIC")
    return t.nn.avg_pool2d(x, 2, 2, "VALID")


def ms_ssim(y_true, y_pred, max_val: float = 1.0, filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03):
    """Per-image MS-SSIM (Wang et al. 2003) with scales fitted to the image size, shape ``(batch,)``.

    Same definition as ``tf.image.ssim_multiscale`` (valid Gaussian windows, 2 x 2 average-pool
    downsampling, ``relu`` of each scale's term before the power) but with a *separable* Gaussian
    filter: about 5x fewer operations than TensorFlow's 2D filter, which made MS-SSIM cost more
    than the lite U-Net itself. Scales and filter size come from :func:`ms_ssim_scales`.

    Examples
    --------
    >>> a = np.random.default_rng(0).random((2, 64, 64, 1)).astype("float32")
    >>> np.round(ms_ssim(a, a).numpy(), 6).tolist()
    [1.0, 1.0]
    """
    t = tf()
    x, y = _as4d(y_true), _as4d(y_pred)
    if x.shape[1:] != y.shape[1:]:
        raise ValueError(f"y_true and y_pred must have one image shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    size = min(int(x.shape[1]), int(x.shape[2]))
    filter_size, powers = ms_ssim_scales(size)
    g = _gauss_1d(filter_size, filter_sigma)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    terms = []
    for i, p in enumerate(powers):
        if i:
            x, y = _halve(x), _halve(y)
        ssim, cs = _ssim_terms(x, y, g, c1, c2)
        value = ssim if i == len(powers) - 1 else cs
        terms.append(t.pow(t.maximum(value[:, 0] if value.shape.rank == 2 else value, 1e-12), p))
    return t.reduce_prod(t.stack(terms, axis=-1), axis=-1)


def ms_ssim_loss(y_true, y_pred, max_val: float = 1.0):
    """``1 - MS-SSIM``, batch mean (:func:`ms_ssim`; scales fitted by :func:`ms_ssim_scales`).

    Examples
    --------
    >>> a = np.random.default_rng(0).random((2, 64, 64, 1)).astype("float32")
    >>> round(float(ms_ssim_loss(a, a)), 6)
    0.0
    """
    return 1.0 - tf().reduce_mean(ms_ssim(y_true, y_pred, max_val))


def l1_loss(y_true, y_pred):
    """Mean absolute error.

    Examples
    --------
    >>> float(l1_loss([[[0.0, 1.0]]], [[[0.5, 0.5]]]))
    0.5
    """
    t = tf()
    return t.reduce_mean(t.abs(_as4d(y_true) - _as4d(y_pred)))


def mse_loss(y_true, y_pred):
    """Mean squared error.

    Examples
    --------
    >>> float(mse_loss([[[0.0, 1.0]]], [[[0.5, 0.5]]]))
    0.25
    """
    t = tf()
    return t.reduce_mean(t.square(_as4d(y_true) - _as4d(y_pred)))


#: Loss functions by the names used in ``weights`` / ``TrainConfig.loss_weights``.
LOSSES: dict[str, Callable] = {"ms_ssim": ms_ssim_loss, "frc": frc_loss, "l1": l1_loss, "mse": mse_loss}


def combined_loss(weights: Mapping[str, float], frc_cutoff: float = 0.2) -> Callable:
    """Return ``loss(y_true, y_pred) -> (total, {name: value})``, the weighted sum of named losses.

    Parameters
    ----------
    weights : mapping of str to float
        Weight per loss name (``"ms_ssim"``, ``"frc"``, ``"l1"``, ``"mse"``); zero weights are skipped.
    frc_cutoff : float
        Cutoff (fraction of Nyquist) of the area-FRC loss.

    Examples
    --------
    >>> import numpy as np
    >>> loss = combined_loss({"l1": 1.0, "mse": 2.0})
    >>> total, parts = loss(np.zeros((1, 4, 4)), np.full((1, 4, 4), 0.5))
    >>> round(float(total), 6), sorted(parts)
    (1.0, ['l1', 'mse'])
    """
    unknown = sorted(set(weights) - set(LOSSES))
    if unknown:
        raise ValueError(f"unknown loss name(s) {unknown}: expected some of {sorted(LOSSES)}")
    bad = {k: v for k, v in weights.items() if not (float(v) >= 0)}
    if bad:
        raise ValueError(f"loss weights must be >= 0, got {bad}")
    active = {k: float(v) for k, v in weights.items() if float(v) > 0}
    if not active:
        raise ValueError(f"at least one loss weight must be > 0, got {dict(weights)}")

    def loss(y_true, y_pred):
        parts = {name: (frc_loss(y_true, y_pred, cutoff=frc_cutoff) if name == "frc" else
                        LOSSES[name](y_true, y_pred)) for name in active}
        total = tf().add_n([w * parts[name] for name, w in active.items()])
        return total, parts

    loss.weights = dict(active)
    return loss
