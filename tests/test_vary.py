"""Varied simulator parameters (vary_config) and close parallel filament pairs."""

import math

import numpy as np
import pytest
from scipy import stats

from frcnet_lite.simulate import (
    VARY_RANGES, SimulationConfig, load_simulation, save_simulation, simulate_microtubules, vary_config,
)


def test_drawn_parameters_lie_in_their_ranges_and_fill_them_log_uniformly():
    rng = np.random.default_rng(0)
    configs = [vary_config(rng) for _ in range(400)]
    for name, (lo, hi) in VARY_RANGES.items():
        v = np.array([getattr(c, name) for c in configs])
        assert v.min() >= lo and v.max() <= hi, name
        # log-uniform: log(v) is uniform on [log lo, log hi] (independent check: a KS test)
        u = (np.log(v) - math.log(lo)) / math.log(hi / lo)
        assert stats.kstest(u, "uniform").pvalue > 1e-3, name
    assert len({c.seed for c in configs}) == len(configs)  # every field its own simulation seed
    default = SimulationConfig()
    assert all(c.dyes_per_antibody == default.dyes_per_antibody for c in configs)  # not drawn: the base's


def test_edge_draws_follow_the_beta_position_and_stay_in_range():
    from frcnet_lite.simulate import EDGE_BETA

    rng = np.random.default_rng(1)
    configs = [vary_config(rng, edges=True) for _ in range(400)]
    for name, (lo, hi) in VARY_RANGES.items():
        v = np.array([getattr(c, name) for c in configs])
        assert v.min() >= lo and v.max() <= hi, name
        u = (np.log(v) - math.log(lo)) / math.log(hi / lo)
        assert stats.kstest(u, stats.beta(EDGE_BETA, EDGE_BETA).cdf).pvalue > 1e-3, name
        assert stats.kstest(u, "uniform").pvalue < 1e-6, name  # not the uniform draw
    # the default draw is unchanged by the option (the shipped models' fields stay reproducible)
    assert vary_config(5, edges=False) == vary_config(5)


def test_reproducible_by_seed_and_overrides():
    assert vary_config(7) == vary_config(7)
    assert vary_config(7) != vary_config(8)
    a = vary_config(np.random.default_rng(3))
    b = vary_config(np.random.default_rng(3))
    assert a == b
    base = SimulationConfig(field_size_nm=1000.0, n_frames=500)
    c = vary_config(1, base=base, seed=42, photons_mean=(2000.0, 2000.0), linker_nm=None,
                    dyes_per_antibody=(1.0, 3.0))
    assert c.seed == 42 and c.photons_mean == pytest.approx(2000.0) and c.linker_nm == base.linker_nm
    assert c.field_size_nm == 1000.0 and c.n_frames == 500 and 1.0 <= c.dyes_per_antibody <= 3.0
    assert vary_config(0, background_per_um2=(0.0, 5.0)).background_per_um2 <= 5.0  # lo = 0: uniform
    with pytest.raises(ValueError, match="nonsense"):
        vary_config(0, nonsense=(1, 2))
    with pytest.raises(ValueError, match="linker_nm"):
        vary_config(0, linker_nm=(5.0, 1.0))


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Slow reference: distance of each point to the nearest segment of the polyline."""
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(np.einsum("pij,ij->pi", points[:, None, :] - a[None], ab) / np.einsum("ij,ij->i", ab, ab), 0, 1)
    closest = a[None] + t[..., None] * ab[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=2).min(axis=1)


@pytest.mark.parametrize("persistence_nm", [10000.0, 40000.0])
def test_parallel_pairs_are_at_the_requested_distances(persistence_nm):
    cfg = SimulationConfig(field_size_nm=6000.0, n_frames=500, parallel_pairs=6, parallel_distance_nm=(20.0, 150.0),
                           parallel_length_nm=2000.0, persistence_length_nm=persistence_nm, seed=4)
    sim = simulate_microtubules(cfg)
    d = sim.parallel_distances_nm
    assert 4 <= d.size <= 6 and np.all((d >= 20.0) & (d <= 150.0))  # pairs near the edge may be clipped away
    pairs = sim.filaments[-2 * d.size:]
    for k, dist in enumerate(d):
        base, partner = pairs[2 * k], pairs[2 * k + 1]
        inner = partner[10:-10]  # the ends see the other line's end
        measured = _distance_to_polyline(inner, base)
        assert np.median(measured) == pytest.approx(dist, rel=0.02, abs=0.5)
        assert np.all(np.abs(measured - dist) < 0.05 * dist + 2.0)
        length = np.hypot(*np.diff(partner, axis=0).T).sum()
        assert length <= 2000.0 * 1.05 + 40.0
    # the random network is there too, and the pairs carry dyes like any filament
    assert len(sim.filaments) > 2 * d.size
    assert np.isfinite(sim.localizations.x_nm).all()


def test_parallel_pairs_reproducible_saved_and_off_by_default(tmp_path):
    cfg = SimulationConfig(field_size_nm=3000.0, n_frames=500, parallel_pairs=2, parallel_distance_nm=(50.0, 60.0),
                           seed=9)
    a, b = simulate_microtubules(cfg), simulate_microtubules(cfg)
    np.testing.assert_array_equal(a.parallel_distances_nm, b.parallel_distances_nm)
    np.testing.assert_array_equal(a.localizations.x_nm, b.localizations.x_nm)
    back = load_simulation(save_simulation(a, tmp_path / "f.npz"))
    assert back.config == a.config
    np.testing.assert_array_equal(back.parallel_distances_nm, a.parallel_distances_nm)
    plain = simulate_microtubules(field_size_nm=3000.0, n_frames=500, seed=9)
    assert plain.parallel_distances_nm.size == 0
    # the random network draws come first: adding pairs leaves those filaments as they were
    np.testing.assert_array_equal(plain.filaments[0], a.filaments[0])
    with pytest.raises(ValueError, match="parallel_distance_nm"):
        SimulationConfig(parallel_distance_nm=(50.0, 10.0))
    with pytest.raises(ValueError, match="parallel_pairs"):
        SimulationConfig(parallel_pairs=-1)
