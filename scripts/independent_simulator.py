"""An independent microtubule dSTORM simulator, for testing generalisation to "another simulator".

A network trained on ``frcnet_lite/simulate.py`` may have learnt that simulator's quirks rather than
microscopy. This module re-implements the forward model from scratch (numpy and scipy only; it imports
nothing from ``frcnet_lite``) with its own model choices, to score a network on unseen kinds of fields:

- **Filaments** are 2D worm-like chains: the tangent angle makes a random walk with 5 nm steps and
  increments ~ N(0, sqrt(step / persistence_length_nm)). Each starts uniformly in the field enlarged
  by ``margin_nm`` on each side, in a random direction, and grows until it leaves that region or
  reaches ``max_filament_length_nm``. Filaments are added until their length inside the field
  reaches ``filament_density_um_per_um2`` times the field area; the last one is trimmed to meet it within
  one step (one filament's overshoot would dominate small fields). ``single_straight_filament = 1``
  instead grows one filament from (field/2, -margin) along +y (straight for a huge persistence length).
- **Microtubule** = hollow cylinder of radius ``tube_radius_nm``: epitopes form a Poisson process
  of ``dimers_per_um * labelling_efficiency`` per um, each at a uniform angle around the cylinder,
  projected to an offset ``tube_radius_nm * cos(angle)`` perpendicular to the filament.
- **Antibody**: a ``linker_nm`` displacement in a uniform 3D direction, projected onto x, y.
- **Dyes**: Poisson(``dyes_per_antibody``) per antibody, plus a 2D Gaussian jitter ``dye_jitter_nm``.
- **Blinking**: a fraction ``dark_fraction`` of dyes never emits; the others have a geometric number of
  on-events (mean ``blinks_per_dye``), each starting at floor(T), T ~ Exp(``bleach_frames``) truncated to
  [0, n_frames), lasting a geometric number of frames (mean ``on_frames_mean``); each frame gives photons
  ~ Exp(``photons_mean``), detected if >= ``photon_threshold``.
- **Localization error**: Mortensen et al. (2010) without EMCCD excess noise,
  var = s_a2 / N * (16/9 + 8 pi s_a2 b2 / (N a^2)), s_a2 = s^2 + a^2 / 12.
- **Background**: uniform Poisson localizations (``background_per_um2`` attempts per um^2 over the
  acquisition, photons ~ Exp(``background_photons_mean``), same threshold and error), dye = -1.
- **Truth**: each dye's analytic expected number of detected localizations, deposited bilinearly and
  blurred by sigma_eff = sqrt(E[var | detected]) (``gaussian_filter``, mode "constant", on a padded grid
  so that dyes just outside the field still contribute).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate
from scipy.ndimage import gaussian_filter

OTHER_PARAMS: dict[str, float] = {
    "persistence_length_nm": 10000.0,  # worm-like-chain persistence length of a microtubule
    "step_nm": 5.0,  # arc-length step of the filament random walk
    "margin_nm": 500.0,  # filaments start and grow in the field enlarged by this on each side
    "max_filament_length_nm": 6000.0,  # a filament stops growing at this length
    "filament_density_um_per_um2": 1.5,  # filament length inside the field per field area
    "single_straight_filament": 0.0,  # 1: exactly one filament from (field/2, -margin) along +y
    "tube_radius_nm": 12.5,  # microtubule outer radius (epitopes on the cylinder surface)
    "dimers_per_um": 1625.0,  # tubulin dimers per um of microtubule (13 protofilaments / 8 nm)
    "labelling_efficiency": 0.08,  # fraction of dimers carrying an antibody
    "linker_nm": 17.5,  # primary + secondary antibody length, uniform 3D direction
    "dyes_per_antibody": 1.8,  # Poisson mean of dyes per antibody
    "dye_jitter_nm": 2.0,  # sd of the dye position around the antibody tip, per axis
    "dark_fraction": 0.1,  # fraction of dyes that never emit
    "blinks_per_dye": 6.0,  # mean of the geometric number of on-events of an emitting dye
    "bleach_frames": 15000.0,  # time constant of the exponential on-event start frames
    "n_frames": 20000.0,  # frames in the acquisition
    "on_frames_mean": 1.4,  # mean of the geometric on-event duration in frames
    "photons_mean": 1500.0,  # mean of the exponential photons per frame of a dye
    "photon_threshold": 200.0,  # localizations with fewer photons are not detected
    "psf_sigma_nm": 135.0,  # sd of the Gaussian PSF
    "camera_pixel_nm": 100.0,  # camera pixel size in the sample plane
    "background_photons_per_px": 30.0,  # background photons per camera pixel per frame
    "background_per_um2": 30.0,  # background localization attempts per um^2 per acquisition
    "background_photons_mean": 800.0,  # mean of the exponential photons of background events
}


def merge_params(overrides: dict[str, float]) -> dict[str, float]:
    """Defaults merged with ``overrides``; an unknown name raises ``ValueError`` naming it."""
    for name in overrides:
        if name not in OTHER_PARAMS:
            raise ValueError(f"unknown parameter {name!r}; valid parameters: {', '.join(sorted(OTHER_PARAMS))}")
    return {**OTHER_PARAMS, **{k: float(v) for k, v in overrides.items()}}


def localization_variance(photons: np.ndarray | float, p: dict[str, float]) -> np.ndarray:
    """Mortensen localization variance (nm^2, per axis) for ``photons`` detected photons."""
    a, b2 = p["camera_pixel_nm"], p["background_photons_per_px"]
    s_a2, n = p["psf_sigma_nm"] ** 2 + a**2 / 12.0, np.asarray(photons, dtype=float)
    return s_a2 / n * (16.0 / 9.0 + 8.0 * np.pi * s_a2 * b2 / (n * a**2))


def sigma_eff_nm(p: dict[str, float]) -> float:
    """sqrt(E[var | N >= threshold]) for N ~ Exp(photons_mean), by numerical integration."""
    mu, t = p["photons_mean"], p["photon_threshold"]
    num = integrate.quad(lambda n: float(localization_variance(n, p)) * np.exp(-(n - t) / mu) / mu, t, np.inf)[0]
    return float(np.sqrt(num))  # the denominator P(N >= t) is absorbed in exp(-(n - t) / mu)


def expected_locs_per_dye(p: dict[str, float]) -> float:
    """Exact expected number of detected localizations of one dye (dark ones included)."""
    n, tau = int(p["n_frames"]), p["bleach_frames"]
    q = 1.0 - 1.0 / p["on_frames_mean"]  # P(duration > k + 1 | duration > k)
    k = np.arange(min(n, 400))
    cdf = (1.0 - np.exp(-(n - k) / tau)) / (1.0 - np.exp(-n / tau))  # P(start <= n - 1 - k)
    frames_per_event = float(np.sum(q**k * cdf))  # sum_k P(duration > k) P(start + k < n)
    p_det = np.exp(-p["photon_threshold"] / p["photons_mean"])
    return (1.0 - p["dark_fraction"]) * p["blinks_per_dye"] * frames_per_event * p_det


def _grow(rng: np.random.Generator, start: np.ndarray, angle: float, lo: float, hi: float, p: dict) -> np.ndarray:
    """One worm-like chain from ``start``, cut where it first leaves the square [lo, hi)^2."""
    step, n_steps = p["step_nm"], int(p["max_filament_length_nm"] // p["step_nm"])
    dtheta = rng.normal(0.0, np.sqrt(step / p["persistence_length_nm"]), n_steps)
    theta = angle + np.concatenate([[0.0], np.cumsum(dtheta[:-1])])
    xy = start + np.concatenate([[[0.0, 0.0]], np.cumsum(step * np.c_[np.cos(theta), np.sin(theta)], axis=0)])
    outside = np.flatnonzero(np.any((xy < lo) | (xy >= hi), axis=1))
    return xy[: outside[0]] if outside.size else xy


def _inside_lengths(xy: np.ndarray, field: float) -> np.ndarray:
    """Length of each segment of a polyline counted inside the field (by its midpoint)."""
    mid = 0.5 * (xy[1:] + xy[:-1])
    seg = np.hypot(*np.diff(xy, axis=0).T)
    return seg * np.all((mid >= 0) & (mid < field), axis=1)


def make_filaments(rng: np.random.Generator, field: float, p: dict[str, float]) -> list[np.ndarray]:
    """Polylines (k, 2) in nm: random worm-like chains, or the single straight test filament."""
    lo, hi = -p["margin_nm"], field + p["margin_nm"]
    if p["single_straight_filament"]:
        return [_grow(rng, np.array([field / 2, lo]), np.pi / 2, lo, hi, p)]
    target = p["filament_density_um_per_um2"] * field**2 / 1000.0  # nm of filament inside the field
    filaments, total = [], 0.0
    while total < target:
        xy = _grow(rng, rng.uniform(lo, hi, 2), rng.uniform(0, 2 * np.pi), lo, hi, p)
        if len(xy) < 2:
            continue
        inside = np.cumsum(_inside_lengths(xy, field))
        if total + inside[-1] >= target:  # trim the last filament at the target density
            xy = xy[: np.searchsorted(inside, target - total) + 2]
        total += float(np.sum(_inside_lengths(xy, field)))
        filaments.append(xy)
    return filaments


def make_dyes(rng: np.random.Generator, filaments: list[np.ndarray], p: dict[str, float]) -> np.ndarray:
    """(n, 2) dye positions: epitopes on the tube, antibody linker, dyes per antibody, jitter."""
    out = []
    for xy in filaments:
        d = np.diff(xy, axis=0)
        cum = np.concatenate([[0.0], np.cumsum(seg := np.hypot(d[:, 0], d[:, 1]))])
        n_ep = rng.poisson(cum[-1] / 1000.0 * p["dimers_per_um"] * p["labelling_efficiency"])
        s = rng.uniform(0.0, cum[-1], n_ep)
        i = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
        tangent = d[i] / seg[i, None]
        normal = np.c_[-tangent[:, 1], tangent[:, 0]]
        pos = xy[i] + tangent * (s - cum[i])[:, None]
        pos += normal * (p["tube_radius_nm"] * np.cos(rng.uniform(0, 2 * np.pi, n_ep)))[:, None]
        z, phi = rng.uniform(-1, 1, n_ep), rng.uniform(0, 2 * np.pi, n_ep)
        pos += p["linker_nm"] * np.sqrt(1 - z**2)[:, None] * np.c_[np.cos(phi), np.sin(phi)]
        pos = np.repeat(pos, rng.poisson(p["dyes_per_antibody"], n_ep), axis=0)
        out.append(pos + rng.normal(0.0, p["dye_jitter_nm"], pos.shape))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _detect(rng: np.random.Generator, xy, frame, dye, photons_mean, p) -> dict[str, np.ndarray]:
    """Draw photons, drop those under threshold, add the localization error."""
    photons = rng.exponential(photons_mean, len(frame))
    keep = photons >= p["photon_threshold"]
    xy, frame, dye, photons = xy[keep], frame[keep], dye[keep], photons[keep]
    sigma = np.sqrt(localization_variance(photons, p))
    xy = xy + rng.normal(size=xy.shape) * sigma[:, None]
    return {"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": frame, "photons": photons, "dye": dye, "sigma_nm": sigma}


def blink(rng: np.random.Generator, dyes: np.ndarray, p: dict[str, float]) -> dict[str, np.ndarray]:
    """Detected localizations of the dyes (dict of arrays; ``dye`` indexes ``dyes``)."""
    n, tau = int(p["n_frames"]), p["bleach_frames"]
    bright = rng.random(len(dyes)) >= p["dark_fraction"]
    n_events = np.where(bright, rng.geometric(1.0 / p["blinks_per_dye"], len(dyes)), 0)
    dye = np.repeat(np.arange(len(dyes)), n_events)
    u = rng.random(len(dye))  # inverse CDF of the exponential truncated to [0, n); min() guards u -> 1
    start = np.minimum(np.floor(-tau * np.log1p(-u * (1.0 - np.exp(-n / tau)))), n - 1).astype(np.int64)
    dur = rng.geometric(1.0 / p["on_frames_mean"], len(dye))
    first = np.repeat(np.cumsum(dur) - dur, dur)
    frame = np.repeat(start, dur) + np.arange(int(dur.sum())) - first
    dye, ok = np.repeat(dye, dur), frame < n
    return _detect(rng, dyes[dye[ok]], frame[ok], dye[ok], p["photons_mean"], p)


def background(rng: np.random.Generator, field: float, p: dict[str, float]) -> dict[str, np.ndarray]:
    """Uniform background localizations over the field plus margin (so uniform inside the field)."""
    lo, hi = -p["margin_nm"], field + p["margin_nm"]
    count = rng.poisson(p["background_per_um2"] * ((hi - lo) / 1000.0) ** 2)
    xy = rng.uniform(lo, hi, (count, 2))
    frame = rng.integers(0, int(p["n_frames"]), count)
    return _detect(rng, xy, frame, np.full(count, -1), p["background_photons_mean"], p)


def histogram(x: np.ndarray, y: np.ndarray, shape: int, px: float) -> np.ndarray:
    """float32 counts per pixel; pixel (i, j) covers y in [i px, (i+1) px), x in [j px, (j+1) px)."""
    i, j = np.floor(y / px).astype(np.int64), np.floor(x / px).astype(np.int64)
    ok = (i >= 0) & (i < shape) & (j >= 0) & (j < shape)
    return np.bincount(i[ok] * shape + j[ok], minlength=shape * shape).reshape(shape, shape).astype(np.float32)


def truth_image(dyes: np.ndarray, weight: float, sigma: float, shape: int, px: float) -> np.ndarray:
    """Expected localization density: bilinear deposit of ``weight`` per dye, Gaussian blur, crop."""
    pad = int(np.ceil(4 * sigma / px)) + 2
    big = shape + 2 * pad
    u, v = dyes[:, 0] / px - 0.5 + pad, dyes[:, 1] / px - 0.5 + pad  # pixel-centre coordinates
    j0, i0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    fu, fv = u - j0, v - i0
    img = np.zeros(big * big)
    for di, dj, w in ((0, 0, (1 - fv) * (1 - fu)), (0, 1, (1 - fv) * fu), (1, 0, fv * (1 - fu)), (1, 1, fv * fu)):
        i, j = i0 + di, j0 + dj
        ok = (i >= 0) & (i < big) & (j >= 0) & (j < big)
        img += np.bincount(i[ok] * big + j[ok], weights=weight * w[ok], minlength=big * big)
    img = gaussian_filter(img.reshape(big, big), sigma / px, mode="constant")
    return img[pad : pad + shape, pad : pad + shape].astype(np.float32)


def simulate_field(seed: int, field_nm: float = 2560.0, px_nm: float = 5.0, fraction: float = 0.1, **overrides) -> dict:
    """Simulate one field.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives identical output.
    field_nm, px_nm : float
        Field side and pixel size; the grid is ``round(field_nm / px_nm)`` pixels square.
    fraction : float
        Fraction of the frames in the contiguous window that makes ``"sparse"``.
    **overrides
        Values replacing those of :data:`OTHER_PARAMS` (unknown names raise ``ValueError``).

    Returns
    -------
    dict
        ``sparse``, ``dense``, ``truth`` (float32 (H, W)), ``localizations`` (dict of arrays x_nm, y_nm,
        frame, photons, dye, sigma_nm; all, also those outside the field), ``dyes_nm``, ``filaments``,
        ``params``, ``window`` (start, stop frames of ``sparse``), ``sigma_eff_nm`` and
        ``expected_locs_per_dye`` (what ``truth`` uses).
    """
    p = merge_params(overrides)
    rng = np.random.default_rng(seed)
    shape = int(round(field_nm / px_nm))
    filaments = make_filaments(rng, field_nm, p)
    dyes = make_dyes(rng, filaments, p)
    parts = [blink(rng, dyes, p), background(rng, field_nm, p)]
    locs = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    order = np.argsort(locs["frame"], kind="stable")
    locs = {k: v[order] for k, v in locs.items()}
    n = int(p["n_frames"])
    n_win = min(n, max(1, int(round(fraction * n))))
    start = int(rng.integers(0, n - n_win + 1))
    win = (locs["frame"] >= start) & (locs["frame"] < start + n_win)
    sig, per_dye = sigma_eff_nm(p), expected_locs_per_dye(p)
    return {
        "sparse": histogram(locs["x_nm"][win], locs["y_nm"][win], shape, px_nm),
        "dense": histogram(locs["x_nm"], locs["y_nm"], shape, px_nm),
        "truth": truth_image(dyes, per_dye, sig, shape, px_nm),
        "localizations": locs, "dyes_nm": dyes, "filaments": filaments, "params": p,
        "window": (start, start + n_win), "sigma_eff_nm": sig, "expected_locs_per_dye": per_dye,
    }
