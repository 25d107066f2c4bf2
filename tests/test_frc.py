"""numpy FRC: analytic cases, a slow reference implementation, locan, thresholds, resolution of simulated data."""

import numpy as np
import pytest

from frcnet_lite import frc


def slow_frc(img1, img2):
    """Reference FRC written for the test: full complex FFT, explicit loops over every pixel."""
    h, w = img1.shape
    length = min(h, w)
    f1, f2 = np.fft.fft2(img1), np.fft.fft2(img2)
    n_rings = length // 2 + 1
    num, p1, p2 = np.zeros(n_rings), np.zeros(n_rings), np.zeros(n_rings)
    for ky in range(h):
        for kx in range(w):
            sy = ky if ky <= h // 2 else ky - h  # signed frequency index (Nyquist row: +h/2 or -h/2, same |.|)
            sx = kx if kx <= w // 2 else kx - w
            rho = np.hypot(sx / w, sy / h)
            r = int(np.floor(rho * length + 0.5))
            if r >= n_rings:
                continue
            num[r] += (f1[ky, kx] * np.conj(f2[ky, kx])).real
            p1[r] += abs(f1[ky, kx]) ** 2
            p2[r] += abs(f2[ky, kx]) ** 2
    out = np.zeros(n_rings)
    ok = p1 * p2 > 0
    out[ok] = num[ok] / np.sqrt(p1[ok] * p2[ok])
    return out


@pytest.mark.parametrize("shape", [(32, 32), (31, 33), (24, 40), (17, 16)])
def test_matches_slow_reference(shape):
    rng = np.random.default_rng(0)
    a = rng.poisson(2.0, shape).astype(float)
    b = a + rng.normal(0, 2.0, shape)
    freq, curve = frc.frc_curve(a, b, pixel_size_nm=10.0)
    np.testing.assert_allclose(curve, slow_frc(a, b), atol=1e-10)
    length = min(shape)
    np.testing.assert_allclose(freq, np.arange(length // 2 + 1) / (length * 10.0))
    assert freq[-1] == pytest.approx(1 / (2 * 10.0), rel=0.07)  # the last ring is Nyquist


@pytest.mark.parametrize("window", ["none", "tukey", "hamming"])
def test_identical_images_give_one_at_every_ring(window):
    rng = np.random.default_rng(1)
    img = rng.poisson(3.0, (40, 56)).astype(np.float32)
    _, curve = frc.frc_curve(img, img, window=window)
    np.testing.assert_allclose(curve, 1.0, atol=1e-6)
    _, scaled = frc.frc_curve(img, 5 * img)
    np.testing.assert_allclose(scaled, 1.0, atol=1e-6)


def test_independent_noise_is_zero_within_one_over_sqrt_ring_pixels():
    rng = np.random.default_rng(2)
    z = []
    for _ in range(10):
        a, b = rng.normal(size=(2, 128, 128))
        c = frc.compute_frc(a, b)
        z.append(c.frc[2:] * np.sqrt(c.n_pixels[2:]))  # normalised by the expected spread
    z = np.concatenate(z)
    assert abs(z.mean()) < 4 / np.sqrt(z.size)
    assert 0.85 < z.std() < 1.15
    assert np.mean(np.abs(z) > 3) < 0.01


@pytest.mark.parametrize("snr", [0.25, 1.0, 4.0])
def test_signal_plus_independent_noise_gives_snr_over_one_plus_snr(snr):
    """Same white pattern + independent white noise: FRC = SNR / (1 + SNR) at every ring."""
    rng = np.random.default_rng(3)
    values = []
    for _ in range(4):
        signal = rng.normal(0, np.sqrt(snr), (128, 128))
        a = signal + rng.normal(0, 1, signal.shape)
        b = signal + rng.normal(0, 1, signal.shape)
        values.append(frc.frc_curve(a, b)[1][10:])
    assert np.mean(values) == pytest.approx(snr / (1 + snr), abs=0.01)


def test_band_limited_pattern_is_correlated_only_inside_its_band():
    rng = np.random.default_rng(4)
    spectrum = np.fft.fft2(rng.normal(size=(128, 128)))
    spectrum[frc.ring_index((128, 128)) > 20] = 0
    signal = np.fft.ifft2(spectrum).real
    signal /= signal.std()
    a = signal + rng.normal(0, 0.5, signal.shape)
    b = signal + rng.normal(0, 0.5, signal.shape)
    _, curve = frc.frc_curve(a, b)
    # per-ring SNR inside the band: the signal power is spread over the band only
    in_band = frc.ring_index((128, 128)) <= 20
    snr = (1.0 / 0.25) * (signal.size / np.count_nonzero(in_band))
    assert np.mean(curve[3:19]) == pytest.approx(snr / (1 + snr), abs=0.01)
    assert abs(np.mean(curve[25:])) < 0.03


def test_zero_images_give_zero_not_nan():
    z = np.zeros((16, 16))
    _, curve = frc.frc_curve(z, z)
    assert np.all(curve == 0)
    one = np.zeros((16, 16))
    one[3, 3] = 1
    assert np.all(np.isfinite(frc.frc_curve(one, z)[1]))
    assert frc.area_frc(z, z) == 0.0


@pytest.mark.parametrize("shape", [(64, 64), (65, 65)])
def test_matches_locan_with_floor_binning(shape):
    fourier = pytest.importorskip("locan.analysis.fourier_ring_correlation")
    rng = np.random.default_rng(5)
    a = rng.poisson(1.0, shape).astype(float)
    b = 0.5 * a + rng.poisson(1.0, shape)
    ref = fourier.compute_fourier_ring_correlation(a, b, bin_size=10.0)
    freq, curve = frc.frc_curve(a, b, pixel_size_nm=10.0, binning="floor")
    n = ref.correlation.size  # locan: rings 1 .. N/2 - 1
    np.testing.assert_allclose(curve[1 : n + 1], ref.correlation, atol=1e-10)
    np.testing.assert_allclose(freq[1 : n + 1], ref.frequency, rtol=1e-12)
    # and the crossing (both interpolate linearly)
    ours = frc.threshold_crossing(frc.FRCCurve(freq[1 : n + 1], curve[1 : n + 1], np.ones(n)), 0.3)
    theirs = fourier.get_frequency_at_threshold(ref.frequency, ref.correlation, 0.3)
    assert ours == pytest.approx(theirs, rel=1e-9) or (np.isnan(ours) and np.isnan(theirs))


def test_cutoff_means_fraction_of_nyquist():
    assert frc.cutoff_ring((256, 256), 0.2) == 25
    assert frc.cutoff_ring((256, 256), 0.5) == 64
    assert frc.cutoff_ring((100, 300), 1.0) == 50  # Nyquist ring of the shorter side
    assert frc.cutoff_ring((16, 16), 0.01) == 1  # at least one ring
    rng = np.random.default_rng(6)
    a, b = rng.poisson(2.0, (2, 64, 64)).astype(float)
    _, curve = frc.frc_curve(a, b)
    assert frc.area_frc(a, b, 0.5) == pytest.approx(curve[1:17].mean(), abs=1e-12)
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="cutoff"):
            frc.area_frc(a, b, bad)


def test_threshold_crossing_interpolates_linearly_and_half_bit_formula():
    f = np.linspace(0, 0.1, 11)
    curve = frc.FRCCurve(f, 1 - 10 * f, np.arange(11) * 8 + 1, 1.0)  # FRC = 1 - 10 f: crosses 1/7 at f = 0.6/7
    assert frc.threshold_crossing(curve, 1 / 7) == pytest.approx((6 / 7) / 10)
    n = np.array([4.0, 400.0])
    expected = (0.2071 + 1.9102 / np.sqrt(n)) / (1.2071 + 0.9102 / np.sqrt(n))
    np.testing.assert_allclose(frc.half_bit_threshold(n), expected)
    hb = frc.half_bit_threshold(curve.n_pixels)
    crossing = frc.threshold_crossing(curve, "half-bit")
    r = np.flatnonzero(curve.frc - hb < 0)[0]
    assert f[r - 1] <= crossing <= f[r]
    never = frc.FRCCurve(f, np.ones(11), np.ones(11), 1.0)
    assert np.isnan(frc.threshold_crossing(never))
    with pytest.raises(ValueError, match="half-bit"):
        frc.threshold_crossing(curve, "one-bit")


def test_smoothing_is_a_moving_average():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(2, 32, 32))
    _, raw = frc.frc_curve(a, b)
    _, smooth = frc.frc_curve(a, b, smooth_rings=1)
    assert smooth[5] == pytest.approx(raw[4:7].mean())
    assert smooth[0] == pytest.approx(raw[:2].mean())


def test_bad_input_is_reported():
    a = np.zeros((8, 8))
    with pytest.raises(ValueError, match="same shape"):
        frc.frc_curve(a, np.zeros((8, 9)))
    with pytest.raises(ValueError, match="2D"):
        frc.frc_curve(np.zeros(8), np.zeros(8))
    with pytest.raises(ValueError, match="NaN"):
        frc.frc_curve(a, np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="pixel_size_nm"):
        frc.frc_curve(a, a, pixel_size_nm=0)
    with pytest.raises(ValueError, match="window"):
        frc.frc_curve(a, a, window="hann")
    with pytest.raises(ValueError, match="binning"):
        frc.frc_curve(a, a, binning="ceil")
