"""Training targets: the one registry of target kinds, their parameters (in nm where they are lengths) and defaults.

A *target* is the dense image the network learns to produce from a sparse input: a density
estimate of *all* localizations of a field, rendered on the input's pixel grid. Every target kind
the package knows is an entry of :data:`TARGETS`; pair building (:mod:`frcnet_lite.pairs`), the
metric baselines (:func:`frcnet_lite.metrics.baseline_images`), the training configuration and a
saved model's ``model.json`` all name a target by a :class:`TargetSpec` (kind + parameters), and
:func:`make_target` computes it.

``"histogram"``
    The full-data histogram itself. No parameters.
``"gaussian"``
    Gaussian KDE (:func:`frcnet_lite.kde.gaussian_kde`): ``sigma_nm`` (default 10).
``"adaptive"``
    Adaptive KDE (:func:`frcnet_lite.kde.adaptive_kde`): ``sigma_nm`` (10), ``alpha`` (0.5).
``"anisotropic"``
    The method's anisotropic adaptive KDE (:func:`frcnet_lite.kde.anisotropic_kde`): ``window``
    (11 px) and ``scale`` (1).
``"images"``
    Pre-rendered dense images that come with the data (``*_full`` images,
    :func:`frcnet_lite.pairs.load_image_pairs`): read, not made; no parameters.

**The default Gaussian width**, :data:`DEFAULT_GAUSSIAN_SIGMA_NM` = 10 nm, is about the
localization precision of dSTORM with Alexa 647 (the simulator's median is ~12 nm): a Gaussian KDE
of that width smooths the sampling noise without blurring the structure much beyond what the
localizations themselves resolve. It is 2 px at the method's 5 nm pixels. Widths are given in nm
and converted with the pixel size of the histogram, so a target means the same at any pixel size;
the anisotropic KDE's ``window`` (odd, in px) and ``scale`` are those of the method (Berberich et
al. 2021) and are kept in pixels, as there.

A :class:`TargetSpec` always holds every parameter of its kind (missing ones are filled with the
defaults when it is made), so a saved spec keeps its meaning if a default changes later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .localizations import DEFAULT_PIXEL_SIZE_NM

__all__ = [
    "DEFAULT_GAUSSIAN_SIGMA_NM",
    "TargetKind",
    "TARGETS",
    "TARGET_KINDS",
    "TargetSpec",
    "make_target",
]

#: The one default width (nm) of Gaussian and adaptive KDE targets and baselines (see the module docstring).
DEFAULT_GAUSSIAN_SIGMA_NM: float = 10.0


def _histogram(histogram: np.ndarray, pixel_size_nm: float) -> np.ndarray:
    return np.asarray(histogram, dtype=np.float32).copy()


def _gaussian(histogram: np.ndarray, pixel_size_nm: float, sigma_nm: float) -> np.ndarray:
    from .kde import gaussian_kde  # noqa: PLC0415  (numba-compiled module, imported when used)

    return gaussian_kde(histogram, sigma_nm / pixel_size_nm)


def _adaptive(histogram: np.ndarray, pixel_size_nm: float, sigma_nm: float, alpha: float) -> np.ndarray:
    from .kde import adaptive_kde  # noqa: PLC0415

    return adaptive_kde(histogram, sigma_nm / pixel_size_nm, alpha=alpha)


def _anisotropic(histogram: np.ndarray, pixel_size_nm: float, window: int, scale: float) -> np.ndarray:
    from .kde import anisotropic_kde  # noqa: PLC0415

    return anisotropic_kde(histogram, window=window, scale=scale)


@dataclass(frozen=True)
class TargetKind:
    """One entry of :data:`TARGETS`.

    Attributes
    ----------
    summary : str
        What the target is, in one line.
    defaults : dict
        Every parameter of the kind with its default (lengths in nm, named ``*_nm``).
    build : callable or None
        ``build(histogram, pixel_size_nm, **params) -> float32 image``; None for targets that are
        read with the data rather than computed (``"images"``).
    """

    summary: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    build: Callable[..., np.ndarray] | None = None


#: Every target kind by name. To add one: write its ``build`` function and add an entry.
TARGETS: dict[str, TargetKind] = {
    "histogram": TargetKind("the histogram of all localizations itself", {}, _histogram),
    "gaussian": TargetKind("Gaussian KDE of the full histogram", {"sigma_nm": DEFAULT_GAUSSIAN_SIGMA_NM}, _gaussian),
    "adaptive": TargetKind("adaptive (Abramson) KDE of the full histogram",
                           {"sigma_nm": DEFAULT_GAUSSIAN_SIGMA_NM, "alpha": 0.5}, _adaptive),
    "anisotropic": TargetKind("anisotropic adaptive KDE of the full histogram (the method)",
                              {"window": 11, "scale": 1.0}, _anisotropic),
    "images": TargetKind("pre-rendered dense images that come with the data (read, not computed)"),
}

#: The kinds :func:`make_target` can compute from a histogram.
TARGET_KINDS: tuple[str, ...] = tuple(name for name, kind in TARGETS.items() if kind.build is not None)


def _check_params(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validate parameter names and values; return them completed with the kind's defaults."""
    defaults = TARGETS[kind].defaults
    unexpected = sorted(set(params) - set(defaults))
    if unexpected:
        allowed = ", ".join(sorted(defaults)) or "none"
        raise ValueError(f"unexpected parameters for the {kind} target: {unexpected} (it takes: {allowed})")
    out = {**defaults, **params}
    for name, value in out.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{kind} target parameter {name} must be a number, got {value!r}")
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{kind} target parameter {name} must be a finite number >= 0, got {value!r}")
        out[name] = int(value) if isinstance(defaults[name], int) else float(value)
    if kind == "anisotropic" and (out["window"] < 3 or out["window"] % 2 == 0):
        raise ValueError(f"anisotropic target parameter window must be an odd number of pixels >= 3, "
                         f"got {params.get('window')!r}")
    return out


@dataclass(frozen=True)
class TargetSpec:
    """A target kind and all its parameters: what a set of pairs or a model was trained towards.

    Parameters
    ----------
    kind : str
        A key of :data:`TARGETS`. Default ``"gaussian"``.
    params : mapping
        Parameters of that kind (see the module docstring); missing ones get the defaults.

    Examples
    --------
    >>> spec = TargetSpec("anisotropic", {"window": 7})
    >>> spec
    TargetSpec(kind='anisotropic', params={'window': 7, 'scale': 1.0})
    >>> spec.to_dict()
    {'kind': 'anisotropic', 'params': {'window': 7, 'scale': 1.0}}
    >>> TargetSpec.from_dict(spec.to_dict()) == spec, str(TargetSpec())
    (True, 'gaussian target (sigma_nm=10)')
    """

    kind: str = "gaussian"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in TARGETS:
            raise ValueError(f"target_kind must be one of {sorted(TARGETS)}, got {self.kind!r}")
        if not isinstance(self.params, Mapping):
            raise ValueError(f"target params must be a mapping of name -> number, got {self.params!r}")
        object.__setattr__(self, "params", _check_params(self.kind, dict(self.params)))

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.kind} target" + (f" ({params})" if params else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"kind": ..., "params": {...}}`` (every parameter, defaults included)."""
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetSpec:
        """The spec that :meth:`to_dict` wrote (``params`` may be missing: then all defaults)."""
        if not isinstance(data, Mapping) or "kind" not in data:
            raise ValueError(f"a target spec is a mapping with 'kind' (and 'params'), got {data!r}")
        unknown = sorted(set(data) - {"kind", "params"})
        if unknown:
            raise ValueError(f"unexpected keys {unknown} in a target spec: expected 'kind' and 'params'")
        return cls(str(data["kind"]), dict(data.get("params") or {}))


def make_target(
    histogram: np.ndarray, spec: TargetSpec | str = "gaussian", pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM, **params: Any
) -> np.ndarray:
    """A dense target from a full-data histogram.

    Parameters
    ----------
    histogram : numpy.ndarray
        2D histogram of all localizations (counts per pixel).
    spec : TargetSpec or str
        The target, or the name of its kind (a key of :data:`TARGET_KINDS`) with ``params``.
    pixel_size_nm : float
        Pixel size of the histogram in nm (turns ``sigma_nm`` into pixels). Default 5.
    **params
        With a kind name: its parameters (e.g. ``sigma_nm=10`` or ``window=11, scale=1``).

    Returns
    -------
    numpy.ndarray
        float32 image of the histogram's shape, in the histogram's units (localizations per pixel).

    Examples
    --------
    >>> h = np.zeros((21, 21)); h[10, 10] = 4
    >>> t = make_target(h, "gaussian", pixel_size_nm=5.0, sigma_nm=10.0)
    >>> round(float(t.sum()), 3), round(float(t[10, 10]), 3)
    (4.0, 0.159)
    >>> bool(np.array_equal(make_target(h, TargetSpec("histogram")), h))
    True
    """
    if isinstance(spec, TargetSpec):
        if params:
            raise ValueError(f"give the parameters in the TargetSpec, not as keywords: {sorted(params)}")
    else:
        spec = TargetSpec(spec, params)
    if not (np.isfinite(pixel_size_nm) and pixel_size_nm > 0):
        raise ValueError(f"pixel_size_nm must be a positive number of nanometres, got {pixel_size_nm!r}")
    build = TARGETS[spec.kind].build
    if build is None:
        raise ValueError(f"{spec.kind!r} targets are pre-rendered images that come with the data "
                         f"(frcnet_lite.pairs.load_image_pairs); make_target computes {TARGET_KINDS}")
    img = np.asarray(histogram)
    if img.ndim != 2:
        raise ValueError(f"histogram must be a 2D image, got shape {img.shape}")
    return np.asarray(build(img, float(pixel_size_nm), **spec.params), dtype=np.float32)
