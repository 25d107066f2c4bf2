"""A realistic dSTORM simulator of immunostained microtubules, with ground truth.

The default data of every notebook. The simulation follows the physics of the experiment in
five steps, each vectorised with numpy (a 21 x 21 um field with ~1 million localizations takes
a few seconds):

1. **Filaments.** Smooth random curves (a 2D worm-like chain: the tangent angle diffuses with
   variance ``step / persistence_length``) that start at a random point of the field in a random
   direction and run across it. Microtubules are stiff (in-vitro persistence length ~1-5 mm), but
   in cells they bend under cytoplasmic forces; an *effective* persistence length of tens of
   micrometres gives the gently curved, crossing filaments seen in COS-7 images. Optionally
   (``parallel_pairs``) a few *close parallel pairs* are added: a chain and its partner offset
   along the chain's (smoothed) normal by a distance drawn from ``parallel_distance_nm``, so
   that training data hold the 20-150 nm separations of the two-filament test, which random
   networks rarely show.
2. **Labelling.** Alpha-tubulin epitopes sit on the tube surface (outer diameter 25 nm; 13
   protofilaments of 8 nm dimers: 1.625 epitopes per nm). Each epitope is labelled with
   probability ``labelling_efficiency``; the primary + secondary antibody puts the dyes up to
   ``linker_nm`` (~17 nm) away, in a random outward direction. Projected onto the image plane this
   gives the hollow, ~50-60 nm wide filaments of immunostained dSTORM images.
3. **Dyes and blinking.** Each antibody carries a Poisson number of dyes. Each dye switches on
   a geometric number of times (mean ``blinks_per_fluorophore``, the rest is bleaching) at
   random times over the acquisition (uniform, or at a rate decaying with
   ``bleach_time_frames``), and stays on a geometric number of frames (mean ``on_frames_mean``):
   one localization per frame on.
4. **Localization.** Photons per frame are log-normal; events below ``min_photons`` are not
   detected; the localization precision is Mortensen et al. (2010), least-squares form (16/9),
   without EMCCD excess noise: ``sigma^2 = (s_a^2 / N) * (16/9 + 8 pi s_a^2 b^2 / (N a^2))`` with
   ``s_a^2 = s^2 + a^2 / 12`` (PSF sigma ``s``, camera pixel ``a``, ``N`` photons, ``b`` the
   standard deviation of the background per pixel in photons, so ``b^2`` is the expected background
   count per pixel: the default ``background_photons = 15`` means 225 background photons per camera
   pixel and frame), ~10 nm with the defaults; each localization is displaced by a Gaussian of that
   width. (A maximum-likelihood fit would do better, by the factor 16/9 -> ~1 in the photon term.)
5. **Background and drift.** Uniform background localizations (non-specific binding, noise) and
   an optional linear stage drift.

:func:`vary_config` draws a varied configuration (labelling, blinking, precision, antibody shell,
background, filament density and curvature) from documented ranges around these COS-7-like
defaults (:data:`VARY_RANGES`), so that a network trained on many such fields does not learn one
parameter set.

The ground truth is kept: the filament centre lines (nm) and every dye's true position, so that
:func:`render_truth` renders a noise-free density at any pixel size, in the units of a rendered
histogram (expected localizations per pixel).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np

from ._files import atomic_write
from .localizations import DEFAULT_PIXEL_SIZE_NM, LocalizationMeta, LocalizationTable
from .rendering import render_histogram

__all__ = [
    "SimulationConfig",
    "Simulation",
    "VARY_RANGES",
    "EDGE_BETA",
    "vary_config",
    "simulate_microtubules",
    "simulate_two_filaments",
    "render_truth",
    "localization_precision_nm",
    "save_simulation",
    "load_simulation",
]


@dataclass(frozen=True)
class SimulationConfig:
    """All parameters of the microtubule dSTORM simulator (defaults: a COS-7 alpha-tubulin dSTORM field).

    Attributes
    ----------
    field_size_nm : float
        Side of the square field of view in nm. Default 21000 (21 um, the paper's fields).
    filament_density_um_per_um2 : float
        Filament length per area (um of microtubule per um^2). Default 1.2 (a dense network,
        ~30 filaments crossing a 21 um field).
    persistence_length_nm : float
        Effective persistence length of the filaments in the cell, nm. Default 40000 (gently curved).
    step_nm : float
        Spacing of the vertices of the filament centre lines. Default 20 nm.
    tube_radius_nm : float
        Outer radius of the microtubule, nm. Default 12.5 (25 nm tube).
    epitopes_per_nm : float
        Alpha-tubulin epitopes per nm of filament. Default 1.625 (13 protofilaments / 8 nm).
    labelling_efficiency : float
        Fraction of epitopes that carry an antibody. Default 0.06.
    linker_nm : float
        Mean distance from the epitope to the dye (primary + secondary antibody), nm. Default 17.
    linker_sd_nm : float
        Spread of that distance, nm. Default 5.
    dyes_per_antibody : float
        Mean (Poisson) number of dyes per antibody. Default 1.5.
    blinks_per_fluorophore : float
        Mean number of switching cycles per dye (geometric, >= 1). Default 8.
    on_frames_mean : float
        Mean number of consecutive frames a dye stays on per cycle (geometric, >= 1). Default 1.5.
    n_frames : int
        Number of camera frames. Default 20000.
    bleach_time_frames : float or None
        Time constant (frames) of the exponential decay of the blinking rate over the acquisition
        (dyes bleach, so real dSTORM data thins out with time). None: a constant rate. Default None.
    photons_mean : float
        Mean photons per localization (log-normal). Default 1500.
    photons_log_sd : float
        Standard deviation of log(photons). Default 0.6.
    min_photons : float
        Detection threshold: dimmer events are not localized. Default 250.
    psf_sigma_nm : float
        Standard deviation of the PSF, nm. Default 130.
    camera_pixel_nm : float
        Camera pixel size (back-projected), nm. Default 100.
    background_photons : float
        ``b`` of the precision formula (:func:`localization_precision_nm`): the standard deviation of
        the background per camera pixel and frame, in photons; its square is the expected background
        count per pixel (default 15, i.e. 225 photons per pixel and frame).
    background_per_um2 : float
        Background localizations per um^2 over the whole acquisition. Default 40.
    drift_nm : tuple of 2 floats
        Total linear drift (x, y) in nm over the acquisition. Default (0, 0).
    parallel_pairs : int
        Number of close pairs of parallel filaments added to the random network (each a
        worm-like chain of ``parallel_length_nm`` and its partner at a distance drawn uniformly
        from ``parallel_distance_nm``, centre to centre). Default 0.
    parallel_distance_nm : tuple of 2 floats
        ``(min, max)`` centre-to-centre distance of the parallel pairs, nm. Default (20, 150).
    parallel_length_nm : float
        Length of each parallel pair, nm (clipped to the field). Default 3000.
    seed : int
        Random seed. Default 0.
    """

    field_size_nm: float = 21000.0
    filament_density_um_per_um2: float = 1.2
    persistence_length_nm: float = 40000.0
    step_nm: float = 20.0
    tube_radius_nm: float = 12.5
    epitopes_per_nm: float = 1.625
    labelling_efficiency: float = 0.06
    linker_nm: float = 17.0
    linker_sd_nm: float = 5.0
    dyes_per_antibody: float = 1.5
    blinks_per_fluorophore: float = 8.0
    on_frames_mean: float = 1.5
    n_frames: int = 20000
    bleach_time_frames: float | None = None
    photons_mean: float = 1500.0
    photons_log_sd: float = 0.6
    min_photons: float = 250.0
    psf_sigma_nm: float = 130.0
    camera_pixel_nm: float = 100.0
    background_photons: float = 15.0
    background_per_um2: float = 40.0
    drift_nm: tuple[float, float] = (0.0, 0.0)
    parallel_pairs: int = 0
    parallel_distance_nm: tuple[float, float] = (20.0, 150.0)
    parallel_length_nm: float = 3000.0
    seed: int = 0

    def __post_init__(self) -> None:
        positive = ("field_size_nm", "persistence_length_nm", "step_nm", "photons_mean", "psf_sigma_nm",
                    "camera_pixel_nm", "epitopes_per_nm", "parallel_length_nm")
        for name in positive:
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"SimulationConfig.{name} must be a positive number, got {v!r}")
        non_negative = ("filament_density_um_per_um2", "tube_radius_nm", "linker_nm", "linker_sd_nm",
                        "dyes_per_antibody", "photons_log_sd", "min_photons", "background_photons",
                        "background_per_um2")
        for name in non_negative:
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise ValueError(f"SimulationConfig.{name} must be a number >= 0, got {v!r}")
        if not 0 <= self.labelling_efficiency <= 1:
            raise ValueError(f"SimulationConfig.labelling_efficiency must be in [0, 1], got {self.labelling_efficiency!r}")
        for name in ("blinks_per_fluorophore", "on_frames_mean"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"SimulationConfig.{name} must be >= 1, got {getattr(self, name)!r}")
        if self.bleach_time_frames is not None and not (np.isfinite(self.bleach_time_frames) and self.bleach_time_frames > 0):
            raise ValueError(f"SimulationConfig.bleach_time_frames must be a positive number or None, "
                             f"got {self.bleach_time_frames!r}")
        if int(self.n_frames) < 1:
            raise ValueError(f"SimulationConfig.n_frames must be >= 1, got {self.n_frames!r}")
        if len(self.drift_nm) != 2:
            raise ValueError(f"SimulationConfig.drift_nm must be (dx, dy), got {self.drift_nm!r}")
        object.__setattr__(self, "drift_nm", (float(self.drift_nm[0]), float(self.drift_nm[1])))
        if int(self.parallel_pairs) != self.parallel_pairs or self.parallel_pairs < 0:
            raise ValueError(f"SimulationConfig.parallel_pairs must be an integer >= 0, got {self.parallel_pairs!r}")
        object.__setattr__(self, "parallel_pairs", int(self.parallel_pairs))
        lo, hi = (float(v) for v in self.parallel_distance_nm)
        if not (np.isfinite(hi) and 0 < lo <= hi):
            raise ValueError(f"SimulationConfig.parallel_distance_nm must be (min, max) with 0 < min <= max, "
                             f"got {self.parallel_distance_nm!r}")
        object.__setattr__(self, "parallel_distance_nm", (lo, hi))

    def __str__(self) -> str:
        width = max(len(f.name) for f in fields(self))
        lines = [f"  {f.name:<{width}} = {getattr(self, f.name)!r}" for f in fields(self)]
        return "SimulationConfig(\n" + "\n".join(lines) + "\n)"

    @property
    def fov_nm(self) -> tuple[float, float, float, float]:
        """The field of view ``(0, 0, field_size_nm, field_size_nm)``."""
        return (0.0, 0.0, float(self.field_size_nm), float(self.field_size_nm))


#: The ranges :func:`vary_config` draws from, around the COS-7-like defaults of :class:`SimulationConfig`
#: (default in brackets), each log-uniformly (a factor matters more than a difference):
#:
#: - ``labelling_efficiency`` 0.03-0.12 (0.06): sparse to dense antibody labelling;
#: - ``blinks_per_fluorophore`` 3-15 (8): few to many switching cycles per dye (buffer, laser power);
#: - ``photons_mean`` 900-3000 (1500): localization precision ~16 to ~6 nm (10 nm);
#: - ``linker_nm`` 8-22 (17): antibody shell from primary-only / small probes to primary + secondary IgG;
#: - ``background_per_um2`` 10-150 (40): clean to noisy (non-specific binding);
#: - ``filament_density_um_per_um2`` 0.5-2.5 (1.2): sparse cell periphery to a dense network;
#: - ``persistence_length_nm`` 10000-100000 (40000): curved to nearly straight filaments.
VARY_RANGES: dict[str, tuple[float, float]] = {
    "labelling_efficiency": (0.03, 0.12),
    "blinks_per_fluorophore": (3.0, 15.0),
    "photons_mean": (900.0, 3000.0),
    "linker_nm": (8.0, 22.0),
    "background_per_um2": (10.0, 150.0),
    "filament_density_um_per_um2": (0.5, 2.5),
    "persistence_length_nm": (10000.0, 100000.0),
}


#: Shape of the Beta(a, a) position in each range that ``vary_config(..., edges=True)`` draws: with
#: a = 0.25 about 62 % of the draws fall in the outer tenth at either end (uniform draws: 20 %).
EDGE_BETA = 0.25


def vary_config(
    rng: np.random.Generator | int | None,
    base: SimulationConfig | None = None,
    seed: int | None = None,
    edges: bool = False,
    **ranges: tuple[float, float] | None,
) -> SimulationConfig:
    """A :class:`SimulationConfig` with parameters drawn at random from ranges (default :data:`VARY_RANGES`).

    Each parameter is drawn log-uniformly in ``[lo, hi]`` (uniformly when ``lo`` is 0); the other
    fields are those of ``base``. With ``edges=True`` the position in the (log) range is drawn from
    :data:`EDGE_BETA` instead of uniformly: most parameters land near one end or the other, so that
    a set of such fields covers combinations of extremes (dense *and* imprecise, ...) that independent
    uniform draws seldom reach.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        Source of the draws (an int seeds one: the same seed gives the same config).
    base : SimulationConfig, optional
        The fields not drawn (default: ``SimulationConfig()``).
    seed : int, optional
        The returned config's simulation seed (default: drawn from ``rng`` too).
    edges : bool
        Draw near the ends of the ranges (a Beta(:data:`EDGE_BETA`) position) instead of uniformly.
    **ranges : (lo, hi) or None
        Change a range of :data:`VARY_RANGES` (``photons_mean=(1000, 2000)``), add one for another
        numeric field of :class:`SimulationConfig`, or pass None to keep ``base``'s value.

    Returns
    -------
    SimulationConfig

    Examples
    --------
    >>> cfg = vary_config(0, base=SimulationConfig(field_size_nm=2000.0), linker_nm=None)
    >>> 0.03 <= cfg.labelling_efficiency <= 0.12, cfg.linker_nm, cfg.field_size_nm
    (True, 17.0, 2000.0)
    >>> vary_config(0) == vary_config(0)
    True
    >>> lo, hi = VARY_RANGES["photons_mean"]
    >>> near = [min(abs(math.log(vary_config(i, edges=True).photons_mean / b)) for b in (lo, hi)) for i in range(50)]
    >>> sum(d < 0.1 * math.log(hi / lo) for d in near) > 25  # uniform draws: 10 of 50 expected
    True
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    base = base if base is not None else SimulationConfig()
    names = {f.name for f in fields(SimulationConfig)}
    merged = {**VARY_RANGES, **ranges}
    changes: dict[str, float] = {}
    for name, bounds in merged.items():
        if bounds is None:
            continue
        if name not in names or name in ("seed", "drift_nm", "parallel_distance_nm", "n_frames", "parallel_pairs",
                                          "bleach_time_frames"):
            raise ValueError(f"vary_config can draw the numeric SimulationConfig fields {sorted(VARY_RANGES)} "
                             f"and the like; got {name!r}")
        lo, hi = (float(v) for v in bounds)
        if not (np.isfinite(hi) and 0 <= lo <= hi):
            raise ValueError(f"the range of {name} must be (lo, hi) with 0 <= lo <= hi, got {bounds!r}")
        u = gen.beta(EDGE_BETA, EDGE_BETA) if edges else gen.random()
        changes[name] = lo + u * (hi - lo) if lo == 0 else float(math.exp(math.log(lo) + u * math.log(hi / lo)))
    changes["seed"] = int(gen.integers(2**31)) if seed is None else int(seed)
    return SimulationConfig(**{**asdict(base), **changes})


@dataclass
class Simulation:
    """The result of a simulation: localizations plus the ground truth.

    Attributes
    ----------
    localizations : LocalizationTable
        Columns ``x_nm, y_nm, frame, photons, precision_nm, fluorophore_id`` (-1: background),
        sorted by frame.
    filaments : list of numpy.ndarray
        Centre lines, each an ``(n, 2)`` array of ``x, y`` vertices in nm.
    fluorophores_nm : numpy.ndarray
        ``(m, 2)`` true positions of all dyes (including those never detected).
    fov_nm : tuple
        Field of view ``(x0, y0, x1, y1)`` in nm.
    config : SimulationConfig
        The parameters used.
    parallel_distances_nm : numpy.ndarray
        Centre-to-centre distance of each close parallel pair (``config.parallel_pairs``); the
        pairs are the last ``2 * len(parallel_distances_nm)`` filaments, chain then partner.
    """

    localizations: LocalizationTable
    filaments: list[np.ndarray]
    fluorophores_nm: np.ndarray
    fov_nm: tuple[float, float, float, float]
    config: SimulationConfig = field(default_factory=SimulationConfig)
    parallel_distances_nm: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def signal_per_fluorophore(self) -> float:
        """Mean number of (non-background) localizations per dye, measured on this simulation."""
        n_signal = int(np.count_nonzero(self.localizations["fluorophore_id"] >= 0))
        return n_signal / max(len(self.fluorophores_nm), 1)

    def __repr__(self) -> str:
        return (f"Simulation({len(self.localizations)} localizations, {len(self.filaments)} filaments, "
                f"{len(self.fluorophores_nm)} dyes, fov_nm={self.fov_nm})")


# ---------------------------------------------------------------------------- physics helpers
def localization_precision_nm(
    photons: np.ndarray | float,
    psf_sigma_nm: float = 130.0,
    camera_pixel_nm: float = 100.0,
    background_photons: float = 15.0,
) -> np.ndarray:
    """Localization precision (nm): Mortensen et al. (2010), least-squares form (16/9).

    ``sigma^2 = (s_a^2 / N) * (16/9 + 8 pi s_a^2 b^2 / (N a^2))`` with ``s_a^2 = s^2 + a^2 / 12``
    (Mortensen et al. 2010, Nat. Methods 7:377, eq. 6: a least-squares Gaussian fit without
    EMCCD excess noise; the maximum-likelihood fit's variance is lower, close to the 1 instead of
    16/9 in the photon term).

    Parameters
    ----------
    photons : float or numpy.ndarray
        ``N``, detected photons of the localization.
    psf_sigma_nm : float
        ``s``, standard deviation of the PSF in nm.
    camera_pixel_nm : float
        ``a``, back-projected camera pixel in nm.
    background_photons : float
        ``b``, the standard deviation of the background per camera pixel in photons; ``b^2`` is the
        expected background count per pixel (15 -> 225 photons per pixel).

    Returns
    -------
    numpy.ndarray
        The precision ``sigma`` in nm (one standard deviation per axis).

    Examples
    --------
    >>> round(float(localization_precision_nm(1500.0)), 1)
    10.0
    >>> bool(localization_precision_nm(6000.0) < localization_precision_nm(1500.0))
    True
    """
    n = np.asarray(photons, dtype=np.float64)
    sa2 = psf_sigma_nm**2 + camera_pixel_nm**2 / 12.0
    var = sa2 / n * (16.0 / 9.0 + 8.0 * np.pi * sa2 * background_photons**2 / (n * camera_pixel_nm**2))
    return np.sqrt(var)


def _chain(start: np.ndarray, theta0: float, half_steps: int, cfg: SimulationConfig,
           rng: np.random.Generator) -> np.ndarray:
    """A 2D worm-like chain through ``start``: ``half_steps`` vertices on each side, along ``theta0``."""
    sd_angle = math.sqrt(cfg.step_nm / cfg.persistence_length_nm)
    dtheta = rng.normal(0.0, sd_angle, (2, half_steps))
    # forward from the start along theta0, backward along theta0 + pi
    pieces = []
    for k, t0 in enumerate((theta0, theta0 + np.pi)):
        theta = t0 + np.cumsum(dtheta[k])
        steps = cfg.step_nm * np.column_stack([np.cos(theta), np.sin(theta)])
        pieces.append(start + np.cumsum(steps, axis=0))
    return np.vstack([pieces[1][::-1], start[None, :], pieces[0]])


def _clip_to_field(line: np.ndarray, size: float, margin_nm: float = 100.0) -> np.ndarray | None:
    """The stretch between the first and the last vertex inside the field (plus a margin); None if none is."""
    inside = np.all((line >= -margin_nm) & (line <= size + margin_nm), axis=1)
    idx = np.flatnonzero(inside)
    return line[idx[0]: idx[-1] + 1] if idx.size else None


def _worm_like_chains(cfg: SimulationConfig, rng: np.random.Generator) -> list[np.ndarray]:
    """Random filament centre lines crossing the field (2D worm-like chains)."""
    size = cfg.field_size_nm
    # number of filaments = length per area * area / mean chord (pi * area / perimeter)
    n_fil = rng.poisson(cfg.filament_density_um_per_um2 * (4 * size / 1000.0) / math.pi)
    n_fil = max(int(n_fil), 1) if cfg.filament_density_um_per_um2 > 0 else 0
    half_steps = int(math.ceil(math.sqrt(2) * size / cfg.step_nm)) + 1
    out = []
    for _ in range(n_fil):
        line = _chain(rng.uniform(0, size, 2), rng.uniform(0, 2 * np.pi), half_steps, cfg, rng)
        out.append(_clip_to_field(line, size))  # never None: the chain starts inside the field
    return out


def _smooth_normals(line: np.ndarray, window: int = 11) -> np.ndarray:
    """Unit normals of a polyline from its tangents averaged over ``window`` vertices."""
    from scipy import ndimage

    tangent = ndimage.uniform_filter1d(np.gradient(line, axis=0), window, axis=0, mode="nearest")
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    return np.column_stack([-tangent[:, 1], tangent[:, 0]])


def _parallel_pairs(cfg: SimulationConfig, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """``cfg.parallel_pairs`` close pairs: a chain and its partner offset along the normal; and their distances."""
    size = cfg.field_size_nm
    half_steps = max(int(math.ceil(cfg.parallel_length_nm / (2 * cfg.step_nm))), 1)
    lines, distances = [], []
    for _ in range(cfg.parallel_pairs):
        d = float(rng.uniform(*cfg.parallel_distance_nm))
        base = _chain(rng.uniform(0, size, 2), rng.uniform(0, 2 * np.pi), half_steps, cfg, rng)
        partner = base + d * _smooth_normals(base)
        clipped = [_clip_to_field(base, size), _clip_to_field(partner, size)]
        if any(c is None for c in clipped):
            continue
        lines += clipped
        distances.append(d)
    return lines, np.asarray(distances, dtype=np.float64)


def _label_filaments(
    filaments: list[np.ndarray], cfg: SimulationConfig, rng: np.random.Generator
) -> np.ndarray:
    """Dye positions (m, 2) in nm: epitopes on the tube surface, antibodies, dyes."""
    if not filaments:
        return np.zeros((0, 2))
    a = np.vstack([f[:-1] for f in filaments])
    b = np.vstack([f[1:] for f in filaments])
    seg = b - a
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    n_ab = rng.poisson(cfg.epitopes_per_nm * cfg.labelling_efficiency * seg_len)
    seg_idx = np.repeat(np.arange(len(seg)), n_ab)
    u = rng.random(seg_idx.size)
    tangent = seg[seg_idx] / seg_len[seg_idx, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    centre = a[seg_idx] + u[:, None] * seg[seg_idx]
    # epitope on the tube: angle phi around the axis (the in-plane normal component is cos(phi))
    phi = rng.uniform(0, 2 * np.pi, seg_idx.size)
    surf_n = np.column_stack([np.cos(phi), np.sin(phi)])  # (in-plane normal, z) of the surface normal
    # antibody: random outward unit vector in 3D (axis, in-plane normal, z), scaled by the linker length
    v = rng.normal(size=(seg_idx.size, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    outward = v[:, 1] * surf_n[:, 0] + v[:, 2] * surf_n[:, 1]
    v[outward < 0, 1:] *= -1
    length = np.abs(rng.normal(cfg.linker_nm, cfg.linker_sd_nm, seg_idx.size))
    along = length * v[:, 0]
    across = cfg.tube_radius_nm * surf_n[:, 0] + length * v[:, 1]
    antibody = centre + along[:, None] * tangent + across[:, None] * normal
    # dyes: a Poisson number per antibody, a few nm apart on the secondary antibody
    n_dyes = rng.poisson(cfg.dyes_per_antibody, antibody.shape[0])
    dyes = np.repeat(antibody, n_dyes, axis=0)
    return dyes + rng.normal(0.0, 2.0, dyes.shape)


def _event_frames(cfg: SimulationConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """Start frames of switching events: uniform, or exponentially decaying (truncated to the acquisition)."""
    if cfg.bleach_time_frames is None:
        return rng.integers(0, cfg.n_frames, n)
    tau = float(cfg.bleach_time_frames)
    u = rng.random(n)
    t = -tau * np.log1p(-u * (1.0 - np.exp(-cfg.n_frames / tau)))  # inverse CDF of the truncated exponential
    return np.minimum(t.astype(np.int64), cfg.n_frames - 1)


def _blink(
    fluorophores: np.ndarray, cfg: SimulationConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Localization events: (fluorophore index, frame) for every frame a dye is on."""
    m = fluorophores.shape[0]
    n_cycles = rng.geometric(1.0 / cfg.blinks_per_fluorophore, m)
    fl = np.repeat(np.arange(m), n_cycles)
    duration = rng.geometric(1.0 / cfg.on_frames_mean, fl.size)
    start = _event_frames(cfg, rng, fl.size)
    # expand each on-period into consecutive frames
    ev = np.repeat(np.arange(fl.size), duration)
    offset = np.arange(ev.size) - np.repeat(np.cumsum(duration) - duration, duration)
    frame = start[ev] + offset
    keep = frame < cfg.n_frames
    return fl[ev][keep], frame[keep]


def _localize(
    true_xy: np.ndarray, frame: np.ndarray, fl_id: np.ndarray, cfg: SimulationConfig, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Photons, detection, precision and localization error for a set of events."""
    mu = math.log(cfg.photons_mean) - cfg.photons_log_sd**2 / 2  # so that the mean is photons_mean
    photons = rng.lognormal(mu, cfg.photons_log_sd, frame.size)
    det = photons >= cfg.min_photons
    photons, frame, fl_id, true_xy = photons[det], frame[det], fl_id[det], true_xy[det]
    prec = localization_precision_nm(photons, cfg.psf_sigma_nm, cfg.camera_pixel_nm, cfg.background_photons)
    xy = true_xy + rng.normal(size=true_xy.shape) * prec[:, None]
    drift = np.asarray(cfg.drift_nm) * (frame / max(cfg.n_frames - 1, 1))[:, None]
    xy = xy + drift
    return {"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": frame.astype(np.int64),
            "photons": photons.astype(np.float32), "precision_nm": prec.astype(np.float32),
            "fluorophore_id": fl_id.astype(np.int64)}


def _simulate_from_filaments(
    filaments: list[np.ndarray], fov_nm: tuple[float, float, float, float], cfg: SimulationConfig,
    rng: np.random.Generator, parallel_distances_nm: np.ndarray | None = None,
) -> Simulation:
    dyes = _label_filaments(filaments, cfg, rng)
    fl, frame = _blink(dyes, cfg, rng)
    x0, y0, x1, y1 = fov_nm
    area_um2 = (x1 - x0) * (y1 - y0) / 1e6
    n_bg = rng.poisson(cfg.background_per_um2 * area_um2)
    bg_xy = np.column_stack([rng.uniform(x0, x1, n_bg), rng.uniform(y0, y1, n_bg)])
    true_xy = np.vstack([dyes[fl], bg_xy])
    frames = np.concatenate([frame, rng.integers(0, cfg.n_frames, n_bg)])
    ids = np.concatenate([fl, np.full(n_bg, -1)])
    cols = _localize(true_xy, frames, ids, cfg, rng)
    inside = (cols["x_nm"] >= x0) & (cols["x_nm"] < x1) & (cols["y_nm"] >= y0) & (cols["y_nm"] < y1)
    order = np.argsort(cols["frame"][inside], kind="stable")
    cols = {k: v[inside][order] for k, v in cols.items()}
    meta = LocalizationMeta(pixel_size_nm=cfg.camera_pixel_nm, n_frames=int(cfg.n_frames),
                            fov_nm=fov_nm, source="simulation")
    pd = np.zeros(0) if parallel_distances_nm is None else np.asarray(parallel_distances_nm, dtype=np.float64)
    return Simulation(LocalizationTable(cols, meta), filaments, dyes, fov_nm, cfg, pd)


# ---------------------------------------------------------------------------- public API
def simulate_microtubules(config: SimulationConfig | None = None, **overrides) -> Simulation:
    """Simulate a dSTORM acquisition of a microtubule network.

    Parameters
    ----------
    config : SimulationConfig, optional
        Parameters (default: ``SimulationConfig()``, a 21 x 21 um field).
    **overrides
        Fields of the config to change, e.g. ``field_size_nm=4000, seed=3``.

    Returns
    -------
    Simulation
        Localizations, filament centre lines, dye positions, field of view and config.

    Examples
    --------
    >>> sim = simulate_microtubules(field_size_nm=2000, n_frames=2000, seed=1)
    >>> sim.fov_nm
    (0.0, 0.0, 2000.0, 2000.0)
    >>> len(sim.localizations) > 1000, sim.localizations.columns[:3]
    (True, ('x_nm', 'y_nm', 'frame'))
    """
    cfg = config if config is not None else SimulationConfig()
    if overrides:
        cfg = SimulationConfig(**{**asdict(cfg), **overrides})
    rng = np.random.default_rng(cfg.seed)
    filaments = _worm_like_chains(cfg, rng)
    pairs, distances = _parallel_pairs(cfg, rng) if cfg.parallel_pairs else ([], None)
    return _simulate_from_filaments(filaments + pairs, cfg.fov_nm, cfg, rng, distances)


def simulate_two_filaments(
    distance_nm: float,
    length_nm: float = 3000.0,
    config: SimulationConfig | None = None,
    seed: int | None = None,
    margin_nm: float = 500.0,
) -> Simulation:
    """Two straight, parallel filaments ``distance_nm`` apart (centre to centre), along y.

    The scene of the line-profile resolution test: can a reconstruction separate the two?
    Labelling, blinking and localization follow ``config`` (its field size is ignored).

    Parameters
    ----------
    distance_nm : float
        Centre-to-centre distance in nm (> 0).
    length_nm : float
        Length of the filaments (the field's height), nm. Default 3000.
    config : SimulationConfig, optional
        Physics parameters (default: ``SimulationConfig()``).
    seed : int, optional
        Overrides ``config.seed``.
    margin_nm : float
        Space left and right of the pair, nm. Default 500.

    Returns
    -------
    Simulation
        Field of view ``(0, 0, distance + 2 * margin, length)``; the filaments at
        ``x = margin`` and ``x = margin + distance``.

    Examples
    --------
    >>> sim = simulate_two_filaments(100.0, length_nm=1000.0, seed=0)
    >>> [float(f[0, 0]) for f in sim.filaments]
    [500.0, 600.0]
    """
    if not (np.isfinite(distance_nm) and distance_nm > 0):
        raise ValueError(f"distance_nm must be a positive number, got {distance_nm!r}")
    if not (np.isfinite(length_nm) and length_nm > 0):
        raise ValueError(f"length_nm must be a positive number, got {length_nm!r}")
    cfg = config if config is not None else SimulationConfig()
    if seed is not None:
        cfg = SimulationConfig(**{**asdict(cfg), "seed": int(seed)})
    rng = np.random.default_rng(cfg.seed)
    y = np.linspace(0.0, length_nm, max(int(math.ceil(length_nm / cfg.step_nm)), 1) + 1)
    xs = (margin_nm, margin_nm + distance_nm)
    filaments = [np.column_stack([np.full_like(y, x), y]) for x in xs]
    fov = (0.0, 0.0, float(distance_nm + 2 * margin_nm), float(length_nm))
    return _simulate_from_filaments(filaments, fov, cfg, rng)


_PRECISION_CLASSES = 6


def render_truth(
    sim: Simulation,
    pixel_size_nm: float = DEFAULT_PIXEL_SIZE_NM,
    fov_nm: tuple[float, float, float, float] | None = None,
    kind: Literal["density", "fluorophores", "filaments"] = "density",
) -> np.ndarray:
    """Noise-free ground truth of a simulation, in expected localizations per pixel.

    Parameters
    ----------
    sim : Simulation
        The simulation.
    pixel_size_nm : float
        Pixel size in nm. Default 5.
    fov_nm : tuple, optional
        Field of view (default: the simulation's), same grid as :func:`~frcnet_lite.rendering.render_histogram`.
    kind : {"density", "fluorophores", "filaments"}
        ``"density"`` (default): the expected histogram of an infinitely repeated acquisition
        without background: every dye, weighted by the mean number of localizations per dye,
        blurred by the localization error (a mixture of Gaussians: the simulation's precisions in
        six classes). This is what a dense reconstruction should converge to, and what
        evaluation compares against.
        ``"fluorophores"``: the same without the blur (the true dye positions).
        ``"filaments"``: the centre lines (1 nm sampling) with the same total per unit length:
        the structure itself.

    Returns
    -------
    numpy.ndarray
        float32 image.

    Examples
    --------
    >>> sim = simulate_two_filaments(200.0, length_nm=1000.0, seed=0)
    >>> truth = render_truth(sim, pixel_size_nm=10.0, kind="fluorophores")
    >>> truth.shape, bool(truth[:, 50].sum() > 0), float(truth[:, 30].sum())
    ((100, 120), True, 0.0)
    """
    from scipy import ndimage

    fov = fov_nm if fov_nm is not None else sim.fov_nm
    w = sim.signal_per_fluorophore
    if kind in ("density", "fluorophores"):
        weights = np.full(len(sim.fluorophores_nm), w)
        img = render_histogram(sim.fluorophores_nm.reshape(-1, 2), pixel_size_nm, fov, weights=weights)
        if kind == "fluorophores":
            return img
        signal = sim.localizations["fluorophore_id"] >= 0
        prec = sim.localizations["precision_nm"][signal].astype(np.float64)
        if prec.size == 0:
            return img
        # the localization error is a mixture of Gaussians (precision varies with photons):
        # blur with the RMS precision of each of a few precision classes, weighted by its share
        edges = np.quantile(prec, np.linspace(0, 1, _PRECISION_CLASSES + 1))
        cls = np.clip(np.searchsorted(edges, prec, side="right") - 1, 0, _PRECISION_CLASSES - 1)
        out = np.zeros(img.shape, np.float64)
        for k in range(_PRECISION_CLASSES):
            sel = prec[cls == k]
            if sel.size:
                sigma_px = float(np.sqrt(np.mean(sel**2))) / pixel_size_nm
                out += sel.size / prec.size * ndimage.gaussian_filter(img, sigma_px, mode="constant")
        return out.astype(np.float32)
    if kind == "filaments":
        pts = []
        for f in sim.filaments:
            seg = np.diff(f, axis=0)
            length = np.hypot(seg[:, 0], seg[:, 1])
            n = np.maximum(np.ceil(length).astype(int), 1)
            idx = np.repeat(np.arange(len(seg)), n)
            t = (np.arange(idx.size) - np.repeat(np.cumsum(n) - n, n) + 0.5) / n[idx]
            pts.append(f[idx] + t[:, None] * seg[idx])
        xy = np.vstack(pts) if pts else np.zeros((0, 2))
        cfg = sim.config
        dyes_per_nm = cfg.epitopes_per_nm * cfg.labelling_efficiency * cfg.dyes_per_antibody
        return render_histogram(xy, pixel_size_nm, fov, weights=np.full(len(xy), w * dyes_per_nm))
    raise ValueError(f"kind must be 'density', 'fluorophores' or 'filaments', got {kind!r}")


# ---------------------------------------------------------------------------- storage
def save_simulation(sim: Simulation, path: str | os.PathLike) -> Path:
    """Save a simulation (localizations, filaments, dyes, config) to one ``.npz`` file, atomically.

    Layout: ``loc_<column>`` arrays; ``fluorophores_nm`` (m, 2); ``filament_vertices`` (k, 2) with
    ``filament_offsets`` (start of each filament, plus the end); ``fov_nm``; ``config_json`` and
    ``meta_json`` (JSON strings). Read it back with :func:`load_simulation`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = [len(f) for f in sim.filaments]
    arrays = {f"loc_{k}": v for k, v in sim.localizations.to_dict().items()}
    meta = sim.localizations.meta
    arrays.update(
        fluorophores_nm=sim.fluorophores_nm,
        filament_vertices=np.vstack(sim.filaments) if sim.filaments else np.zeros((0, 2)),
        filament_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        fov_nm=np.asarray(sim.fov_nm, dtype=np.float64),
        parallel_distances_nm=np.asarray(sim.parallel_distances_nm, dtype=np.float64),
        config_json=np.asarray(json.dumps(asdict(sim.config))),
        meta_json=np.asarray(json.dumps({"pixel_size_nm": meta.pixel_size_nm, "n_frames": meta.n_frames,
                                         "source": meta.source})),
    )
    with atomic_write(path) as tmp:
        np.savez_compressed(tmp, **arrays)
    return path


def load_simulation(path: str | os.PathLike) -> Simulation:
    """Read a simulation written by :func:`save_simulation`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no simulation file at {path}")
    with np.load(path, allow_pickle=False) as z:
        cols = {k[4:]: z[k] for k in z.files if k.startswith("loc_")}
        cfg_d = json.loads(str(z["config_json"]))
        cfg_d["drift_nm"] = tuple(cfg_d["drift_nm"])
        if "parallel_distance_nm" in cfg_d:
            cfg_d["parallel_distance_nm"] = tuple(cfg_d["parallel_distance_nm"])
        cfg = SimulationConfig(**cfg_d)
        meta_d = json.loads(str(z["meta_json"]))
        fov = tuple(float(v) for v in z["fov_nm"])
        verts, offs = z["filament_vertices"], z["filament_offsets"]
        filaments = [verts[offs[i]: offs[i + 1]] for i in range(len(offs) - 1)]
        dyes = z["fluorophores_nm"]
        parallel = z["parallel_distances_nm"] if "parallel_distances_nm" in z.files else np.zeros(0)
    meta = LocalizationMeta(pixel_size_nm=meta_d["pixel_size_nm"], n_frames=meta_d["n_frames"], fov_nm=fov,
                            source=meta_d.get("source", str(path)))
    return Simulation(LocalizationTable(cols, meta), filaments, dyes, fov, cfg, parallel)  # type: ignore[arg-type]
