"""The target registry: specs complete and round-trip, bad specs are explained, make_target matches the KDEs."""

import json

import numpy as np
import pytest

from frcnet_lite import kde, metrics, pairs, targets
from frcnet_lite.targets import TARGETS, TargetSpec, make_target


def test_every_kind_has_a_summary_and_defaults_and_only_images_are_not_built():
    assert set(TARGETS) == {"histogram", "gaussian", "adaptive", "anisotropic", "images"}
    assert targets.TARGET_KINDS == pairs.TARGET_KINDS == ("histogram", "gaussian", "adaptive", "anisotropic")
    for name, kind in TARGETS.items():
        assert kind.summary, name
        assert TargetSpec(name).params == dict(kind.defaults)


def test_the_one_default_gaussian_width_is_used_by_gaussian_and_adaptive_targets():
    assert TARGETS["gaussian"].defaults["sigma_nm"] == targets.DEFAULT_GAUSSIAN_SIGMA_NM == 10.0
    assert TARGETS["adaptive"].defaults["sigma_nm"] == targets.DEFAULT_GAUSSIAN_SIGMA_NM


@pytest.mark.parametrize("kind, params", [("gaussian", {"sigma_nm": 7.5}), ("anisotropic", {"scale": 2.0}),
                                          ("adaptive", {}), ("histogram", {}), ("images", {})])
def test_specs_round_trip_through_json(kind, params):
    spec = TargetSpec(kind, params)
    back = TargetSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert back == spec and back.params == spec.params
    assert set(spec.params) == set(TARGETS[kind].defaults)  # always complete


def test_specs_keep_integer_windows_and_float_widths():
    spec = TargetSpec("anisotropic", {"window": 7.0, "scale": 2})
    assert spec.params == {"window": 7, "scale": 2.0}
    assert isinstance(spec.params["window"], int) and isinstance(spec.params["scale"], float)


@pytest.mark.parametrize("make, match", [
    (lambda: TargetSpec("median"), "target_kind must be one of"),
    (lambda: TargetSpec("gaussian", {"window": 3}), "unexpected parameters for the gaussian target"),
    (lambda: TargetSpec("gaussian", {"sigma_nm": -1.0}), "sigma_nm must be a finite number >= 0"),
    (lambda: TargetSpec("gaussian", {"sigma_nm": "ten"}), "must be a number"),
    (lambda: TargetSpec("anisotropic", {"window": 8}), "odd number of pixels"),
    (lambda: TargetSpec.from_dict({"params": {}}), "with 'kind'"),
    (lambda: TargetSpec.from_dict({"kind": "gaussian", "sigma_nm": 3.0}), "unexpected keys"),
    (lambda: make_target(np.zeros((4, 4)), "images"), "pre-rendered"),
    (lambda: make_target(np.zeros((4, 4)), TargetSpec(), sigma_nm=3.0), "in the TargetSpec"),
    (lambda: make_target(np.zeros((4, 4)), "gaussian", 0.0), "pixel_size_nm"),
    (lambda: make_target(np.zeros((4, 4, 4)), "gaussian"), "2D image"),
])
def test_bad_specs_and_calls_are_explained(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_a_gaussian_target_of_a_point_is_the_analytic_gaussian_at_any_pixel_size():
    """A point mass spread by sigma_nm: the pixel values are the sampled 2D Gaussian of sigma_nm / pixel_size_nm."""
    for pixel_size_nm in (2.5, 5.0, 10.0):
        h = np.zeros((61, 61))
        h[30, 30] = 1.0
        t = make_target(h, TargetSpec("gaussian", {"sigma_nm": 10.0}), pixel_size_nm)
        s = 10.0 / pixel_size_nm
        r = np.arange(-4, 5)
        g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * s**2))
        np.testing.assert_allclose(t[26:35, 26:35] / t[30, 30], g, rtol=2e-3, atol=1e-6)
        assert float(t.sum()) == pytest.approx(1.0, rel=1e-5)


def test_baselines_use_the_registry_defaults():
    rng = np.random.default_rng(0)
    sparse = rng.poisson(0.3, (32, 32)).astype(np.float32)
    base = metrics.baseline_images(sparse, pixel_size_nm=5.0)
    np.testing.assert_allclose(base["gaussian KDE"], kde.gaussian_kde(sparse, 2.0), rtol=1e-6)
    np.testing.assert_array_equal(base["anisotropic KDE"], kde.anisotropic_kde(sparse, 11, 1.0))
    np.testing.assert_allclose(metrics.baseline_images(sparse, gaussian_sigma_px=1.5)["gaussian KDE"],
                               kde.gaussian_kde(sparse, 1.5), rtol=1e-6)
