"""Training losses: area-FRC, MS-SSIM, L1 and MSE, their registry and their weighted sum.

All losses take ``y_true, y_pred`` as ``(batch, H, W, 1)`` (or ``(batch, H, W)``) tensors with
values in [0, 1] (the training loop maps the generator's ``tanh`` range there), return a scalar
(the batch mean), are 0 for identical images and finite for blank ones.

* :func:`frc_loss` (from :mod:`frcnet_lite.frc_tf`) is ``1 -`` the area-FRC: the mean Fourier ring
  correlation over the rings ``1..floor(cutoff * L / 2)`` of an ``L``-pixel patch. It rewards
  *coarse structure at the right place*, not fine detail: at the default cut-off 0.2 on a 256 px
  patch it sees rings 1-25, i.e. periods of at least ``256 / 25 = 10.2`` px (51 nm at 5 nm pixels,
  102 nm at 10 nm pixels). Within a ring it is blind to the gain, so it is nearly blind to blur:
  the area-FRC of a microtubule image and its own 3 px Gaussian blur is ~0.99 at cut-off 0.2
  (notebook 4 plots it against the blur width). It constrains the phases (positions) of coarse
  structure, whatever the contrast; sharpness has to come from MS-SSIM and the pixel losses.
* :func:`ms_ssim_loss` rewards local structure and contrast at several scales (``1 - MS-SSIM``).
* :func:`l1_loss` / :func:`mse_loss` keep the *intensity* honest: FRC and MS-SSIM are nearly blind
  to a global scaling of the image.

The method's best mix (Berberich et al. 2021) is MS-SSIM + FRC + a small L1:
``combined_loss({"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1})`` (:data:`METHOD_WEIGHTS`).

**The registry.** :data:`LOSSES` maps every loss name to a :class:`Loss`: the function, a one-line
summary, the options it takes from the training configuration (``frc_cutoff`` for the FRC) and the
quality index it is ``1 -`` of (logged in validation). The training configuration checks its
``loss_weights`` against it, :func:`combined_loss` builds the weighted sum from it, and validation
evaluates every registered loss: to add a loss, write its function and add one entry here.

MS-SSIM uses the scale weights and the size rule of the numpy metric
(:data:`frcnet_lite.metrics.MS_SSIM_WEIGHTS`, :func:`frcnet_lite.metrics.ms_ssim_scales`), so the loss
is ``1 -`` the metric on any image size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._tf import tf
from .frc_tf import frc_loss
from .metrics import gaussian_window, ms_ssim_scales

__all__ = [
    "ms_ssim",
    "ms_ssim_loss",
    "l1_loss",
    "mse_loss",
    "Loss",
    "LOSSES",
    "combined_loss",
    "loss_indices",
    "METHOD_WEIGHTS",
    "MS_SSIM_TERM_FLOOR",
    "LOSS_LABELS",
    "describe_weights",
]

#: The method's loss mix: MS-SSIM + area-FRC + a small L1.
METHOD_WEIGHTS = {"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}

#: Floor of each MS-SSIM scale term in the loss, before its power (see :func:`ms_ssim`).
MS_SSIM_TERM_FLOOR = 1e-12


def _as4d(x):
    t = tf()
    x = t.convert_to_tensor(x, dtype=t.float32) if not isinstance(x, t.Tensor) else t.cast(x, t.float32)
    if x.shape.rank == 3:
        x = x[..., None]
    if x.shape.rank != 4:
        raise ValueError(f"images must be (batch, H, W) or (batch, H, W, 1), got shape {tuple(x.shape)}")
    return x


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

    Same definition as ``tf.image.ssim_multiscale`` and :func:`frcnet_lite.metrics.ms_ssim` (valid
    Gaussian windows, 2 x 2 average-pool downsampling) but with a *separable* Gaussian filter: about
    5x fewer operations than TensorFlow's 2D filter, which made MS-SSIM cost more than the lite
    U-Net itself. Scales, weights and filter size come from :func:`frcnet_lite.metrics.ms_ssim_scales`,
    the metric's rule, so the two agree on every image size.

    One difference, for training: the metric (like TensorFlow) clips a negative scale term to 0
    before its power, which makes the whole product 0 and its gradient vanish (or NaN: the power's
    derivative is infinite at 0). Here each term is floored at :data:`MS_SSIM_TERM_FLOOR` instead,
    so gradients keep flowing through the other scales. The two differ only for image pairs with a
    negative mean contrast-structure term at some scale (anti-correlated structure).

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
    g = gaussian_window(filter_size, filter_sigma).astype(np.float32)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    terms = []
    for i, p in enumerate(powers):
        if i:
            x, y = _halve(x), _halve(y)
        ssim, cs = _ssim_terms(x, y, g, c1, c2)
        value = ssim if i == len(powers) - 1 else cs
        terms.append(t.pow(t.maximum(value[:, 0] if value.shape.rank == 2 else value, MS_SSIM_TERM_FLOOR), p))
    return t.reduce_prod(t.stack(terms, axis=-1), axis=-1)


def ms_ssim_loss(y_true, y_pred, max_val: float = 1.0):
    """``1 - MS-SSIM``, batch mean (:func:`ms_ssim`; scales fitted by :func:`frcnet_lite.metrics.ms_ssim_scales`).

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


@dataclass(frozen=True)
class Loss:
    """A registered training loss: a function ``(y_true, y_pred) -> scalar`` and what to know about it.

    Calling a :class:`Loss` calls its function, passing on those of the keyword ``options`` that it
    takes (the others are ignored), so every loss can be called alike.

    Attributes
    ----------
    fn : callable
        ``fn(y_true, y_pred, **kwargs) -> scalar tensor``: 0 for identical images, finite for blank ones.
    summary : str
        One line for help texts and tables.
    options : dict
        Configuration option -> keyword of ``fn`` (e.g. ``{"frc_cutoff": "cutoff"}``).
    index : str or None
        Name of the quality index the loss is ``1 -`` of (e.g. ``"ms_ssim_index"``), logged in
        validation; None for distances such as L1.

    Examples
    --------
    >>> LOSSES["frc"].options, LOSSES["ms_ssim"].index
    ({'frc_cutoff': 'cutoff'}, 'ms_ssim_index')
    """

    fn: Callable
    summary: str
    options: Mapping[str, str] = field(default_factory=dict)
    index: str | None = None

    def __call__(self, y_true: Any, y_pred: Any, **options: Any):
        return self.fn(y_true, y_pred, **{kw: options[opt] for opt, kw in self.options.items() if opt in options})


#: Every training loss by the name used in ``weights`` / ``TrainConfig.loss_weights``.
LOSSES: dict[str, Loss] = {
    "ms_ssim": Loss(ms_ssim_loss, "1 - MS-SSIM: local structure and contrast at several scales",
                    index="ms_ssim_index"),
    "frc": Loss(frc_loss, "1 - area-FRC up to frc_cutoff x Nyquist: coarse structure in place",
                options={"frc_cutoff": "cutoff"}, index="area_frc"),
    "l1": Loss(l1_loss, "mean absolute error: the intensities"),
    "mse": Loss(mse_loss, "mean squared error: the intensities"),
}


def loss_indices(parts: Mapping[str, float]) -> dict[str, float]:
    """The quality indices of some loss values: ``{LOSSES[name].index: 1 - value}`` where a loss has one.

    Examples
    --------
    >>> loss_indices({"ms_ssim": 0.25, "l1": 0.1})
    {'ms_ssim_index': 0.75}
    """
    return {LOSSES[name].index: 1.0 - float(v) for name, v in parts.items() if LOSSES[name].index}


def combined_loss(weights: Mapping[str, float], frc_cutoff: float = 0.2) -> Callable:
    """Return ``loss(y_true, y_pred) -> (total, {name: value})``, the weighted sum of named losses.

    Parameters
    ----------
    weights : mapping of str to float
        Weight per loss name (a key of :data:`LOSSES`); zero weights are skipped. To evaluate every
        loss, e.g. in validation: ``dict.fromkeys(LOSSES, 1.0)``.
    frc_cutoff : float
        Cutoff (fraction of Nyquist) of the area-FRC loss (the ``frc_cutoff`` option of :data:`LOSSES`).

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

    options = {"frc_cutoff": frc_cutoff}

    def loss(y_true, y_pred):
        parts = {name: LOSSES[name](y_true, y_pred, **options) for name in active}
        total = tf().add_n([w * parts[name] for name, w in active.items()])
        return total, parts

    loss.weights = dict(active)
    return loss


#: How the losses are named for people.
LOSS_LABELS = {"ms_ssim": "MS-SSIM", "frc": "area-FRC", "l1": "L1", "mse": "MSE"}


def describe_weights(weights: dict) -> str:
    """A loss mix in words: ``{"ms_ssim": 1.0, "frc": 1.0, "l1": 0.1}`` -> ``"1 MS-SSIM + 1 area-FRC + 0.1 L1"``.

    Examples
    --------
    >>> describe_weights(METHOD_WEIGHTS)
    '1 MS-SSIM + 1 area-FRC + 0.1 L1'
    """
    return " + ".join(f"{w:g} {LOSS_LABELS.get(k, k)}" for k, w in weights.items())
