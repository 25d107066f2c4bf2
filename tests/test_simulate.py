"""Simulator statistics against analytic values and slow references."""

import numpy as np
import pytest
from scipy import stats

from frcnet_lite.simulate import (
    SimulationConfig, load_simulation, localization_precision_nm, render_truth, save_simulation,
    simulate_microtubules, simulate_two_filaments,
)

LENGTH_NM = 20000.0


@pytest.fixture(scope="module")
def pair_sim():
    """Two straight filaments 1 um apart: a long stretch of filament fully inside the field."""
    return simulate_two_filaments(1000.0, length_nm=LENGTH_NM, seed=11)


def _inner_dyes(sim, margin=200.0):
    y = sim.fluorophores_nm[:, 1]
    return (y > margin) & (y < LENGTH_NM - margin)


def test_localizations_per_dye_match_blinking_model(pair_sim):
    cfg = pair_sim.config
    fid = pair_sim.localizations["fluorophore_id"]
    per_dye = np.bincount(fid[fid >= 0], minlength=len(pair_sim.fluorophores_nm))[_inner_dyes(pair_sim)]
    # geometric cycles x geometric on-frames x detection probability of a log-normal photon count
    mu = np.log(cfg.photons_mean) - cfg.photons_log_sd**2 / 2
    p_detect = stats.lognorm(s=cfg.photons_log_sd, scale=np.exp(mu)).sf(cfg.min_photons)
    expected = cfg.blinks_per_fluorophore * cfg.on_frames_mean * p_detect
    sem = per_dye.std() / np.sqrt(per_dye.size)
    assert abs(per_dye.mean() - expected) < 4 * sem
    assert per_dye.size > 3000


def test_dye_density_along_the_filament(pair_sim):
    cfg = pair_sim.config
    n_inner = _inner_dyes(pair_sim).sum()
    expected = 2 * (LENGTH_NM - 400) * cfg.epitopes_per_nm * cfg.labelling_efficiency * cfg.dyes_per_antibody
    assert abs(n_inner - expected) < 5 * np.sqrt(expected * (1 + cfg.dyes_per_antibody))


def test_precision_column_is_the_real_error(pair_sim):
    locs = pair_sim.localizations
    sig = locs["fluorophore_id"] >= 0
    true = pair_sim.fluorophores_nm[locs["fluorophore_id"][sig]]
    for k, col in enumerate(("x_nm", "y_nm")):
        z = (locs[col][sig] - true[:, k]) / locs["precision_nm"][sig]
        assert abs(z.std() - 1) < 0.03 and abs(z.mean()) < 0.03
    assert 7 < np.median(locs["precision_nm"]) < 15  # ~10 nm, as in dSTORM of Alexa 647


def test_precision_formula_limits():
    s, a, n = 130.0, 100.0, np.array([500.0, 2000.0, 8000.0])
    sa2 = s**2 + a**2 / 12
    np.testing.assert_allclose(localization_precision_nm(n, s, a, 0.0), np.sqrt(16 / 9 * sa2 / n))
    p = localization_precision_nm(n, s, a, 20.0)
    assert np.all(np.diff(p) < 0) and np.all(p > localization_precision_nm(n, s, a, 0.0))


def _reference_dye_offsets(cfg, n, rng):
    """Slow reference: epitope on the tube, antibody direction by rejection sampling in the unit ball."""
    out = np.empty(n)
    for i in range(n):
        phi = rng.uniform(0, 2 * np.pi)
        normal = np.array([0.0, np.cos(phi), np.sin(phi)])  # (along, across, z)
        while True:
            v = rng.uniform(-1, 1, 3)
            r = np.linalg.norm(v)
            if 0.05 < r <= 1:
                break
        v /= r
        if v @ normal < 0:
            v = -v
        length = abs(rng.normal(cfg.linker_nm, cfg.linker_sd_nm))
        out[i] = cfg.tube_radius_nm * np.cos(phi) + length * v[1] + rng.normal(0, 2.0)
    return out


def test_antibody_shell_matches_slow_reference(pair_sim):
    cfg = pair_sim.config
    dyes = pair_sim.fluorophores_nm[_inner_dyes(pair_sim)]
    across = np.where(dyes[:, 0] < 1000, dyes[:, 0] - 500.0, dyes[:, 0] - 1500.0)
    ref = _reference_dye_offsets(cfg, 4000, np.random.default_rng(0))
    assert stats.ks_2samp(across, ref).pvalue > 1e-3
    assert abs(across.std() - ref.std()) < 0.05 * ref.std()


def test_apparent_filament_width_is_50_to_60_nm(pair_sim):
    locs = pair_sim.localizations
    x = locs.x_nm[(locs.x_nm < 1000) & (locs["fluorophore_id"] >= 0)] - 500.0
    hist, edges = np.histogram(x, bins=np.arange(-150, 151, 2.0))
    from scipy.ndimage import gaussian_filter1d

    prof = gaussian_filter1d(hist.astype(float), 1.5)
    above = np.flatnonzero(prof >= prof.max() / 2)
    fwhm = (above[-1] - above[0] + 1) * 2.0
    assert 45 <= fwhm <= 70, fwhm


def test_worm_like_chain_tangent_correlation():
    cfg = SimulationConfig(field_size_nm=20000, persistence_length_nm=5000, filament_density_um_per_um2=4,
                           labelling_efficiency=0.0, background_per_um2=0, seed=3)
    sim = simulate_microtubules(cfg)
    lag = 100  # vertices: s = 2000 nm
    cos = []
    for f in sim.filaments:
        d = np.diff(f, axis=0)
        theta = np.arctan2(d[:, 1], d[:, 0])
        if theta.size > lag:
            cos.append(np.cos(theta[lag:] - theta[:-lag]))
    c = np.concatenate(cos).mean()
    # 2D worm-like chain: <t(s) . t(0)> = exp(-s / (2 Lp))
    assert c == pytest.approx(np.exp(-lag * cfg.step_nm / (2 * cfg.persistence_length_nm)), abs=0.04)


def test_background_and_frames():
    cfg = SimulationConfig(field_size_nm=5000, background_per_um2=200, seed=5, n_frames=4000)
    sim = simulate_microtubules(cfg)
    locs = sim.localizations
    mu = np.log(cfg.photons_mean) - cfg.photons_log_sd**2 / 2
    p_detect = stats.lognorm(s=cfg.photons_log_sd, scale=np.exp(mu)).sf(cfg.min_photons)
    expected = cfg.background_per_um2 * 25 * p_detect
    n_bg = np.count_nonzero(locs["fluorophore_id"] < 0)
    assert abs(n_bg - expected) < 5 * np.sqrt(expected)
    assert np.all(np.diff(locs.frame) >= 0) and locs.frame.min() >= 0 and locs.frame.max() < cfg.n_frames
    assert abs(np.mean(locs.frame < cfg.n_frames / 2) - 0.5) < 0.02  # blinks spread over the acquisition
    assert locs.meta.n_frames == 4000 and locs.meta.fov_nm == (0.0, 0.0, 5000.0, 5000.0)
    x0, y0, x1, y1 = locs.meta.fov_nm
    assert locs.x_nm.min() >= x0 and locs.x_nm.max() < x1


def test_linear_drift():
    sim = simulate_two_filaments(1000.0, length_nm=8000, config=SimulationConfig(drift_nm=(80.0, -40.0), n_frames=1000),
                                 seed=2)
    locs = sim.localizations
    sig = locs["fluorophore_id"] >= 0
    true = sim.fluorophores_nm[locs["fluorophore_id"][sig]]
    t = locs.frame[sig] / 999
    for k, col, total in ((0, "x_nm", 80.0), (1, "y_nm", -40.0)):
        slope = np.polyfit(t, locs[col][sig] - true[:, k], 1)[0]
        assert slope == pytest.approx(total, abs=3.0)


def test_seed_reproducibility_overrides_and_validation():
    a = simulate_microtubules(field_size_nm=2000, seed=4)
    b = simulate_microtubules(SimulationConfig(field_size_nm=2000, seed=4))
    c = simulate_microtubules(field_size_nm=2000, seed=5)
    np.testing.assert_array_equal(a.localizations.x_nm, b.localizations.x_nm)
    assert len(a.localizations) != len(c.localizations) or not np.array_equal(a.localizations.x_nm, c.localizations.x_nm)
    with pytest.raises(ValueError, match="labelling_efficiency"):
        SimulationConfig(labelling_efficiency=1.5)
    with pytest.raises(ValueError, match="field_size_nm"):
        SimulationConfig(field_size_nm=0)
    with pytest.raises(ValueError, match="distance_nm"):
        simulate_two_filaments(-3.0)
    assert "persistence_length_nm" in str(SimulationConfig())


def test_truth_totals_and_positions():
    sim = simulate_two_filaments(300.0, length_nm=2000.0, seed=1)
    n_sig = np.count_nonzero(sim.localizations["fluorophore_id"] >= 0)
    inside = (sim.fluorophores_nm[:, 1] >= 0) & (sim.fluorophores_nm[:, 1] < 2000)
    fl = render_truth(sim, 5.0, kind="fluorophores")
    assert fl.sum() == pytest.approx(inside.sum() * n_sig / len(sim.fluorophores_nm), rel=1e-4)
    dens = render_truth(sim, 5.0)
    assert dens.sum() == pytest.approx(fl.sum(), rel=0.02)
    prof = render_truth(sim, 5.0, kind="filaments").sum(axis=0)
    assert set(np.flatnonzero(prof)) == {100, 160}  # x = 500 and 800 nm at 5 nm pixels
    with pytest.raises(ValueError, match="kind"):
        render_truth(sim, kind="nope")


def test_save_load_round_trip(tmp_path):
    sim = simulate_microtubules(field_size_nm=2000, seed=1, drift_nm=(5.0, 0.0))
    path = save_simulation(sim, tmp_path / "f.npz")
    back = load_simulation(path)
    assert back.config == sim.config and back.fov_nm == sim.fov_nm
    for c in sim.localizations.columns:
        np.testing.assert_array_equal(back.localizations[c], sim.localizations[c])
    assert len(back.filaments) == len(sim.filaments)
    np.testing.assert_array_equal(back.filaments[-1], sim.filaments[-1])
    assert [p.name for p in tmp_path.iterdir()] == ["f.npz"]
    with pytest.raises(FileNotFoundError):
        load_simulation(tmp_path / "missing.npz")


def test_cli_simulate_writes_localizations_and_truth(tmp_path, capsys):
    from frcnet_lite.cli import main
    from frcnet_lite.io import read_image, read_localizations, read_tiff_pixel_size_nm

    out = tmp_path / "sim.csv"
    assert main(["simulate", str(out), "--field-size-nm", "2000", "--seed", "3", "--truth-pixel-size-nm", "10"]) == 0
    locs = read_localizations(out)
    ref = simulate_microtubules(field_size_nm=2000, seed=3)
    np.testing.assert_allclose(locs.x_nm, ref.localizations.x_nm, rtol=1e-9)
    truth = read_image(tmp_path / "sim_truth.tif")
    assert truth.shape == (200, 200) and read_tiff_pixel_size_nm(tmp_path / "sim_truth.tif") == 10.0
    assert load_simulation(tmp_path / "sim_simulation.npz").config.seed == 3
    assert "localizations" in capsys.readouterr().out
    assert main(["simulate", str(tmp_path / "x.txt")]) == 2
    assert main(["simulate", str(tmp_path / "y.hdf5"), "--field-size-nm", "-5"]) == 2
    assert "--field-size-nm" in capsys.readouterr().err  # the command-line option, not the Python name
    assert not (tmp_path / "y.hdf5").exists()


def test_bleaching_makes_the_rate_decay():
    n, tau = 10000, 4000.0
    sim = simulate_microtubules(field_size_nm=4000, n_frames=n, bleach_time_frames=tau, background_per_um2=0, seed=8)
    frames = sim.localizations.frame
    # mean of an exponential truncated at n (the on-periods add ~0.25 frames on average)
    expected = tau - n * np.exp(-n / tau) / (1 - np.exp(-n / tau))
    assert frames.mean() == pytest.approx(expected, rel=0.03)
    with pytest.raises(ValueError, match="bleach_time_frames"):
        SimulationConfig(bleach_time_frames=0)


def test_truth_density_matches_the_average_localization_profile(pair_sim):
    """Averaged along 20 um of filament, the localization histogram converges to the truth density."""
    px = 4.0
    fov = (300.0, 0.0, 700.0, LENGTH_NM)  # the first filament only
    locs = pair_sim.localizations
    sig = locs.select(locs["fluorophore_id"] >= 0)
    from frcnet_lite.rendering import render_histogram

    measured = render_histogram(sig, px, fov).sum(axis=0)
    truth = render_truth(pair_sim, px, fov).sum(axis=0)
    sharp = render_truth(pair_sim, px, fov, kind="fluorophores").sum(axis=0)
    assert truth.sum() == pytest.approx(measured.sum(), rel=0.03)
    x = (np.arange(measured.size) + 0.5) * px - 200.0

    def rms_width(p):
        return np.sqrt((p * x**2).sum() / p.sum())

    assert rms_width(truth) == pytest.approx(rms_width(measured), rel=0.03)
    assert rms_width(sharp) < 0.85 * rms_width(measured)  # without the localization error: too narrow
    # point by point, within the blinking noise (~100 dyes per bin: ~10 %)
    assert np.abs(truth - measured).max() < 0.15 * measured.max()
