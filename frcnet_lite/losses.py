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

from ._tf import tf

__all__ = [
    "frc_loss",
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


def ms_ssim_loss(y_true, y_pred, max_val: float = 1.0):
    """``1 - MS-SSIM`` with scales fitted to the image size (:func:`ms_ssim_scales`).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.random.default_rng(0).random((2, 64, 64, 1)).astype("float32")
    >>> round(float(ms_ssim_loss(a, a)), 6)
    0.0
    """
    t = tf()
    y_true, y_pred = _as4d(y_true), _as4d(y_pred)
    size = min(int(y_true.shape[1]), int(y_true.shape[2]))
    filter_size, powers = ms_ssim_scales(size)
    val = t.image.ssim_multiscale(y_true, y_pred, max_val=max_val, power_factors=powers, filter_size=filter_size)
    return 1.0 - t.reduce_mean(val)


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
