"""The tf.data input pipeline: normalise, rotate by any angle, centre-crop, flip, batch, prefetch.

As in the method, each training sample is a random window of ``rotate_size`` px (750 px for
512 px patches: a little more than ``sqrt(2)`` times the patch, so no empty corners appear), rotated
by a uniformly random angle with a TensorFlow op, then centre-cropped to ``patch_size`` and
flipped at random. The sparse input is rotated with nearest-neighbour interpolation (it stays a
histogram of counts), the dense target bilinearly.

Every random choice of a sample is drawn from a *stateless* generator keyed by
``(seed, epoch, sample index)``: the stream of epoch ``e`` is the same whether training ran
through or was resumed at ``e``.

Inputs are mapped to the generator's range as ``counts / input_scale * 2 - 1`` (``input_transform``
``"linear"``) or ``2 * sqrt_counts(counts) / sqrt_counts(input_scale) - 1`` (``"sqrt"``: square-root
compression, see :func:`sqrt_counts`); targets to ``[0, 1]`` as ``clip(target / target_scale, 0, 1)``
(the loss space; see :mod:`frcnet_lite.losses`).

With ``local_sigma_px > 0`` both are first divided by the input's *local density*
(:func:`local_density`: the counts blurred by a wide Gaussian, plus a floor). The network then
works in units of "times the neighbourhood's density": a dense region and a sparse one reach it,
and the loss, on the same scale, no bright filament is clipped, and the regional brightness of the
output is the input's (the model multiplies it back, :func:`frcnet_lite.model.wrap_for_counts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._tf import tf

__all__ = ["Normalisation", "fit_normalisation", "sqrt_counts", "sqrt_hinges", "check_input_transform",
           "check_target_percentile", "INPUT_TRANSFORMS", "SQRT_KNOTS", "local_density", "gaussian_taps", "check_local",
           "rotate_size_for", "augment_pair", "dataset_tensors", "make_dataset",
           "make_validation_arrays"]

#: How raw counts may be mapped to the generator's input (:class:`Normalisation`).
INPUT_TRANSFORMS = ("linear", "sqrt")

#: :func:`sqrt_counts` is exact at the integers 0..SQRT_KNOTS and linear beyond.
SQRT_KNOTS = 16


def check_input_transform(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is one of :data:`INPUT_TRANSFORMS`."""
    if value not in INPUT_TRANSFORMS:
        raise ValueError(f"input_transform must be one of {INPUT_TRANSFORMS}, got {value!r}")


def check_target_percentile(value: float) -> None:
    """Raise ``ValueError`` unless ``0 < value <= 100``."""
    if not 0 < float(value) <= 100:
        raise ValueError(f"target_percentile must be in (0, 100], got {value!r}")


def sqrt_hinges(knots: int = SQRT_KNOTS) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, gains)`` with ``sqrt_counts(x) = sum(gains * relu(x - offsets))``: one hinge per integer knot.

    Each gain is the change of slope of the square root's piecewise-linear interpolation at its
    knot; the last segment's slope (the sum of the gains) continues beyond ``knots``.

    Examples
    --------
    >>> offsets, gains = sqrt_hinges(4)
    >>> offsets.tolist(), round(float(gains.sum()), 4)  # the last slope: 2 - sqrt(3)
    ([0.0, 1.0, 2.0, 3.0], 0.2679)
    """
    k = np.arange(knots + 1, dtype=np.float64)
    slopes = np.diff(np.sqrt(k))  # slope of segment [k, k + 1]
    return k[:-1], np.diff(np.concatenate([[0.0], slopes]))


def sqrt_counts(counts, knots: int = SQRT_KNOTS) -> np.ndarray:
    """Square-root compression of counts: exact at the integers ``0..knots``, linear in between and beyond.

    The square root stabilises the variance of Poisson counts (Anscombe 1948), so a dense patch does
    not reach the network as a much larger, noisier signal than the sparse ones it mostly trains on.
    Piecewise-linear so that a saved model computes it with built-in layers from :func:`sqrt_hinges`
    (a 1x1 convolution, ReLU, a 1x1 convolution: :func:`frcnet_lite.model.wrap_for_counts`).

    Examples
    --------
    >>> sqrt_counts(np.array([0.0, 1.0, 4.0, 9.0, 16.0])).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    >>> round(float(sqrt_counts(17.0)), 4)  # beyond the knots: the last segment's slope, 4 - sqrt(15)
    4.127
    """
    x = np.maximum(np.asarray(counts, np.float64), 0.0)
    k = np.arange(knots + 1, dtype=np.float64)
    last_slope = float(sqrt_hinges(knots)[1].sum())
    return np.interp(x, k, np.sqrt(k)) + np.maximum(x - knots, 0.0) * last_slope


def gaussian_taps(sigma_px: float) -> np.ndarray:
    """The normalised 1-D Gaussian kernel of :func:`local_density` (radius ``int(4 sigma + 0.5)``, as scipy's).

    Examples
    --------
    >>> k = gaussian_taps(2.0)
    >>> k.size, round(float(k.sum()), 6), int(np.argmax(k))
    (17, 1.0, 8)
    """
    if not (np.isfinite(sigma_px) and sigma_px > 0):
        raise ValueError(f"local_sigma_px must be a finite number > 0, got {sigma_px!r}")
    r = int(4.0 * float(sigma_px) + 0.5)
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / float(sigma_px)) ** 2)
    return k / k.sum()


def local_density(counts, sigma_px: float, floor: float) -> np.ndarray:
    """The local density of a histogram: Gaussian blur (``sigma_px``) over the image only, plus ``floor``.

    Outside the image counts as unknown, not as empty: the blur is divided by the blur of an
    all-ones image (so an image's border is not darker than its middle). Works on ``(H, W)`` or
    ``(N, H, W)``; the model computes the same in its graph (:func:`frcnet_lite.model.wrap_for_counts`).

    Examples
    --------
    >>> d = local_density(np.full((20, 30), 0.5), sigma_px=3.0, floor=0.1)
    >>> round(float(d.min()), 6), round(float(d.max()), 6)  # flat in, flat out: the border too
    (0.6, 0.6)
    """
    from scipy import ndimage

    x = np.asarray(counts, np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"counts must be (H, W) or (N, H, W), got shape {x.shape}")
    if not (np.isfinite(floor) and floor > 0):
        raise ValueError(f"local_floor must be a finite number > 0, got {floor!r}")
    k = gaussian_taps(sigma_px)

    def blur(a):
        for ax in (-2, -1):
            a = ndimage.convolve1d(a, k, axis=ax, mode="constant")
        return a

    ones = blur(np.ones(x.shape[-2:]))
    return (blur(x) / ones + float(floor)).astype(np.float32)


#: Rotated-window / kept-patch ratio of the method (750 px rotated, 512 px kept).
ROTATE_RATIO = 750 / 512


@dataclass(frozen=True)
class Normalisation:
    """Maps of raw counts and target densities to the generator's ranges.

    Attributes
    ----------
    input_scale : float
        Counts equal to ``input_scale`` map to +1 (0 counts to -1); with a local density, counts
        equal to ``input_scale`` times it.
    target_scale : float
        Densities equal to ``target_scale`` map to 1 in the loss space ([0, 1]); with a local
        density, ``target_scale`` times it.
    input_transform : {"linear", "sqrt"}
        ``"linear"``: ``counts / input_scale * 2 - 1``; ``"sqrt"``:
        ``2 * sqrt_counts(counts) / sqrt_counts(input_scale) - 1`` (:func:`sqrt_counts`).
    local_sigma_px : float
        0 (default): the maps above. ``> 0``: counts and targets are first divided by the input's
        :func:`local_density` of this width (``"linear"`` only).
    local_floor : float
        The floor of the local density, in counts per pixel (needed when ``local_sigma_px > 0``).
    """

    input_scale: float
    target_scale: float
    input_transform: str = "linear"
    local_sigma_px: float = 0.0
    local_floor: float = 0.0

    def __post_init__(self) -> None:
        check_input_transform(self.input_transform)
        check_local(self.local_sigma_px, self.local_floor, self.input_transform)

    @property
    def local(self) -> bool:
        """Whether counts and targets are divided by the input's local density."""
        return self.local_sigma_px > 0

    def density(self, counts: np.ndarray) -> np.ndarray:
        """The divisor of counts and targets: :func:`local_density` of ``counts``, or ones."""
        if not self.local:
            return np.ones(np.shape(counts), np.float32)
        return local_density(counts, self.local_sigma_px, self.local_floor)

    def inputs(self, counts: np.ndarray) -> np.ndarray:
        """Map raw counts to the generator's input range."""
        if self.input_transform == "sqrt":
            unit = sqrt_counts(counts) / float(sqrt_counts(self.input_scale))
            return (unit * 2.0 - 1.0).astype(np.float32)
        x = np.asarray(counts, np.float32)
        if self.local:
            x = x / self.density(x)
        return (x / self.input_scale * 2.0 - 1.0).astype(np.float32)

    def targets(self, density: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
        """Map target densities to [0, 1] (with a local density: that of the input ``counts``)."""
        y = np.asarray(density, np.float32)
        if self.local:
            if counts is None:
                raise ValueError("a local normalisation needs the input counts to map the targets")
            y = y / self.density(np.asarray(counts, np.float32))
        return np.clip(y / self.target_scale, 0.0, 1.0).astype(np.float32)


def check_local(sigma_px: float, floor: float, input_transform: str = "linear") -> None:
    """Raise ``ValueError`` unless ``sigma_px`` is 0 (off) or > 0 with a floor > 0 and a linear input."""
    if not (np.isfinite(sigma_px) and sigma_px >= 0):
        raise ValueError(f"local_sigma_px must be 0 (off) or a number > 0, got {sigma_px!r}")
    if sigma_px > 0:
        if not (np.isfinite(floor) and floor > 0):
            raise ValueError(f"local_floor must be a finite number > 0 counts per pixel, got {floor!r}")
        if input_transform != "linear":
            raise ValueError(f"local_sigma_px > 0 needs input_transform 'linear', got {input_transform!r}")


def fit_normalisation(inputs: np.ndarray, targets: np.ndarray, percentile: float = 99.9,
                      headroom: float = 1.25, input_transform: str = "linear",
                      target_percentile: float | None = None, local_sigma_px: float = 0.0) -> Normalisation:
    """Fit the normalisation on training data.

    ``input_scale`` is the ``percentile`` of the input counts (at least 1 count);
    ``target_scale`` is ``headroom`` times the ``target_percentile`` (default: ``percentile``) of
    the targets, so that bright structures are not squeezed into the flat end of ``tanh``;
    ``input_transform`` is kept (:class:`Normalisation`). Targets above ``target_scale`` are
    clipped in training: when a few dense images sit among many sparse ones, a pooled 99.9th
    percentile lies below their bright filaments, and a higher ``target_percentile`` keeps them.
    With ``local_sigma_px > 0`` the floor of the local density is the training inputs' mean count
    per pixel, and both percentiles are taken after dividing by it (:class:`Normalisation`).

    Examples
    --------
    >>> x = np.zeros((2, 8, 8)); x[:, 4, 4] = 3
    >>> fit_normalisation(x, x * 0.5).input_scale >= 1.0
    True
    """
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    if inputs.size == 0 or targets.size == 0:
        raise ValueError("cannot fit a normalisation on empty arrays")
    tp = percentile if target_percentile is None else target_percentile
    check_target_percentile(tp)
    local = {}
    if local_sigma_px:
        floor = float(np.mean(inputs))
        if not floor > 0:
            raise ValueError("inputs are all zero: cannot fit a local density floor")
        local = {"local_sigma_px": float(local_sigma_px), "local_floor": floor}
        probe = Normalisation(1.0, 1.0, input_transform, **local)
        d = probe.density(inputs)
        inputs, targets = inputs / d, targets / d
        in_scale = float(np.percentile(inputs, percentile)) or float(inputs.max())
    else:
        in_scale = max(1.0, float(np.percentile(inputs, percentile)))
    t = float(np.percentile(targets, tp))
    if not (np.isfinite(t) and t > 0):
        t = float(targets.max())
    if not (np.isfinite(t) and t > 0):
        raise ValueError("targets are all zero (or not finite): cannot fit a target scale")
    return Normalisation(input_scale=in_scale, target_scale=headroom * t, input_transform=input_transform, **local)


def rotate_size_for(patch_size: int, ratio: float = ROTATE_RATIO) -> int:
    """Side of the window to rotate so that its centre ``patch_size`` crop has no empty corners.

    Examples
    --------
    >>> rotate_size_for(512), rotate_size_for(128)
    (750, 188)
    """
    if ratio < math.sqrt(2):
        raise ValueError(f"ratio must be >= sqrt(2) so rotated corners stay inside, got {ratio}")
    size = int(math.ceil(patch_size * ratio))
    return size + (size - patch_size) % 2  # keep the crop exactly centred


def _rotation_matrix(angle, size: int):
    """Projective transform (8 numbers) rotating a ``size`` x ``size`` image about its centre."""
    t = tf()
    c, s = t.cos(angle), t.sin(angle)
    centre = (size - 1) / 2.0
    # output pixel (x, y) samples the input at R^-1 (x - c) + c
    a0, a1, b0, b1 = c, -s, s, c
    a2 = centre - a0 * centre - a1 * centre
    b2 = centre - b0 * centre - b1 * centre
    return t.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[None]


def _rotate(image, angle, interpolation: str):
    t = tf()
    size = int(image.shape[0])
    return t.raw_ops.ImageProjectiveTransformV3(
        images=image[None], transforms=_rotation_matrix(angle, size), output_shape=t.constant([size, size]),
        fill_value=0.0, interpolation=interpolation, fill_mode="CONSTANT")[0]


def _window_transform(angle, centre_xy, patch_size: int):
    """Transform taking output pixel (x, y) of the patch to R(angle) (p - patch centre) + centre_xy."""
    t = tf()
    c, s = t.cos(angle), t.sin(angle)
    cp = (patch_size - 1) / 2.0
    cx, cy = centre_xy
    return t.stack([c, -s, cx - c * cp + s * cp, s, c, cy - s * cp - c * cp, 0.0, 0.0])[None]


def _transform(image, matrix, size: int, interpolation: str):
    t = tf()
    return t.raw_ops.ImageProjectiveTransformV3(
        images=image[None], transforms=matrix, output_shape=t.constant([size, size]), fill_value=0.0,
        interpolation=interpolation, fill_mode="CONSTANT")[0]


def augment_pair(x, y, patch_size: int, seed, rotate: bool = True, flip: bool = True):
    """Randomly crop, rotate (any angle), centre-crop and flip one ``(H, W, 1)`` pair.

    ``seed`` is a shape-(2,) int tensor for the stateless random ops.
    """
    t = tf()
    seeds = t.random.experimental.stateless_split(seed, 5)
    win = rotate_size_for(patch_size) if rotate else patch_size
    both = t.concat([x, y], axis=-1)
    h, w = t.shape(both)[0], t.shape(both)[1]
    oy = t.random.stateless_uniform([], seeds[0], 0, h - win + 1, dtype=t.int32)
    ox = t.random.stateless_uniform([], seeds[1], 0, w - win + 1, dtype=t.int32)
    if rotate:
        # Rotating the window about its centre and keeping the centre patch is one projective
        # transform of the whole image straight to the patch: only patch_size**2 pixels are computed.
        angle = t.random.stateless_uniform([], seeds[2], 0.0, 2 * math.pi)
        centre = (t.cast(ox, t.float32) + (win - 1) / 2.0, t.cast(oy, t.float32) + (win - 1) / 2.0)
        m = _window_transform(angle, centre, patch_size)
        xr = _transform(both[..., :1], m, patch_size, "NEAREST")
        yr = _transform(both[..., 1:], m, patch_size, "BILINEAR")
        both = t.concat([xr, yr], axis=-1)
    else:
        both = both[oy:oy + win, ox:ox + win]
    both = t.ensure_shape(both, [patch_size, patch_size, 2])
    if flip:
        both = t.image.stateless_random_flip_left_right(both, seeds[3])
        both = t.image.stateless_random_flip_up_down(both, seeds[4])
    return both[..., :1], both[..., 1:]


def _check_pairs(inputs: np.ndarray, targets: np.ndarray) -> None:
    shape, target_shape = np.shape(inputs), np.shape(targets)
    if len(shape) != 3 or shape != target_shape:
        raise ValueError(f"inputs and targets must both be (N, H, W) of one shape, got {shape} "
                         f"and {target_shape}")


def dataset_tensors(inputs: np.ndarray, targets: np.ndarray, norm: Normalisation) -> tuple:
    """The normalised training images as two TensorFlow constants ``(N, H, W, 1)``, for :func:`make_dataset`.

    Build them once per run and pass them to every epoch's :func:`make_dataset` (``tensors=``):
    made anew each epoch, they are copies of the whole training set that the process keeps growing by.
    """
    t = tf()
    inputs, targets = np.asarray(inputs, np.float32), np.asarray(targets, np.float32)
    _check_pairs(inputs, targets)
    return t.constant(norm.inputs(inputs)[..., None]), t.constant(norm.targets(targets, inputs)[..., None])


def make_dataset(inputs: np.ndarray, targets: np.ndarray, norm: Normalisation, patch_size: int,
                 batch_size: int, steps: int, seed: int = 0, epoch: int = 0, rotate: bool = True,
                 flip: bool = True, tensors: tuple | None = None):
    """Build the training stream of one epoch: ``steps`` batches of augmented patches.

    Parameters
    ----------
    inputs, targets : numpy.ndarray
        ``(N, H, W)`` raw sparse counts and dense targets (``PairSet.inputs`` / ``.targets``).
    norm : Normalisation
        Maps both to the generator's ranges.
    patch_size : int
        Side of the patches fed to the network.
    batch_size, steps : int
        Batches of ``batch_size`` patches, ``steps`` of them.
    seed, epoch : int
        Order and augmentation are a function of ``(seed, epoch)`` only.
    rotate, flip : bool
        Augmentations (rotation needs images of at least ``rotate_size_for(patch_size)`` px).
    tensors : tuple, optional
        :func:`dataset_tensors` of these ``inputs``, ``targets`` and ``norm``, built once per run
        (default: built here).

    Returns
    -------
    tf.data.Dataset
        Yields ``(x, y)``: ``(batch, patch, patch, 1)`` float32, ``x`` in the generator's input
        range, ``y`` in [0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> counts = rng.poisson(0.2, (3, 40, 40)).astype("float32")
    >>> ds = make_dataset(counts, counts, Normalisation(2.0, 2.0), patch_size=16, batch_size=2, steps=2)
    >>> [tuple(x.shape) for x, y in ds]
    [(2, 16, 16, 1), (2, 16, 16, 1)]
    """
    t = tf()
    _check_pairs(inputs, targets)  # shapes only: the images are converted once, in dataset_tensors
    shape = np.shape(inputs)
    win = rotate_size_for(patch_size) if rotate else patch_size
    if min(shape[1:]) < win:
        raise ValueError(f"images of {shape[1]} x {shape[2]} px are too small for {patch_size} px "
                         f"patches{' with rotation' if rotate else ''}: need at least {win} px per side")
    n_samples = steps * batch_size
    rng = np.random.default_rng([seed, epoch])
    order = np.concatenate([rng.permutation(shape[0]) for _ in range(-(-n_samples // shape[0]))])[:n_samples]
    x_all, y_all = tensors if tensors is not None else dataset_tensors(inputs, targets, norm)
    if tuple(x_all.shape[:3]) != shape or tuple(y_all.shape[:3]) != shape:
        raise ValueError(f"tensors hold images of shape {tuple(x_all.shape[:3])}, the inputs {shape}: "
                         "build them with dataset_tensors from the same arrays")
    sample_seeds = np.stack([np.full(n_samples, seed * 100003 + epoch, np.int64), np.arange(n_samples)], axis=1)

    @t.autograph.experimental.do_not_convert
    def load(i, s):
        return augment_pair(x_all[i], y_all[i], patch_size, s, rotate=rotate, flip=flip)

    ds = t.data.Dataset.from_tensor_slices((order.astype(np.int32), sample_seeds))
    ds = ds.map(load, num_parallel_calls=t.data.AUTOTUNE, deterministic=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(t.data.AUTOTUNE)


def make_validation_arrays(inputs: np.ndarray, targets: np.ndarray, norm: Normalisation,
                           size: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre crops of ``size`` px of the validation pairs, normalised, shaped ``(N, size, size, 1)``.

    Examples
    --------
    >>> x, y = make_validation_arrays(np.ones((2, 10, 12)), np.ones((2, 10, 12)), Normalisation(1.0, 2.0), 8)
    >>> x.shape, float(y.max())
    ((2, 8, 8, 1), 0.5)
    """
    inputs, targets = np.asarray(inputs, np.float32), np.asarray(targets, np.float32)
    _check_pairs(inputs, targets)
    h, w = inputs.shape[1:]
    if min(h, w) < size:
        raise ValueError(f"validation images of {h} x {w} px are smaller than the {size} px crop")
    oy, ox = (h - size) // 2, (w - size) // 2
    crop = np.s_[:, oy:oy + size, ox:ox + size]
    # the local density of the whole image, as in training (the crop's own would differ at its border)
    x, y = norm.inputs(inputs)[crop], norm.targets(targets, inputs)[crop]
    return x[..., None], y[..., None]
