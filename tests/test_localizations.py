"""LocalizationTable and LocalizationMeta: construction, validation, selection."""

import numpy as np
import pytest

from frcnet_lite.localizations import LocalizationMeta, LocalizationTable


def _table(n=10):
    return LocalizationTable({"x_nm": np.arange(n, dtype=float), "y_nm": np.arange(n) * 2.0,
                              "frame": np.arange(n) // 2, "photons": np.full(n, 100.0)})


def test_columns_dtypes_and_accessors():
    t = _table()
    assert len(t) == 10 and t.columns == ("x_nm", "y_nm", "frame", "photons")
    assert t.x_nm.dtype == np.float64 and t.frame.dtype == np.int64
    np.testing.assert_array_equal(t.xy[:, 1], t.y_nm)
    assert "photons" in t and "z_nm" not in t
    with pytest.raises(KeyError, match="z_nm"):
        t["z_nm"]


def test_missing_columns_and_length_mismatch_are_named():
    with pytest.raises(ValueError, match="frame"):
        LocalizationTable({"x_nm": [1.0], "y_nm": [1.0]})
    with pytest.raises(ValueError, match="same length"):
        LocalizationTable({"x_nm": [1.0, 2.0], "y_nm": [1.0], "frame": [0]})
    with pytest.raises(ValueError, match="whole numbers"):
        LocalizationTable({"x_nm": [1.0], "y_nm": [1.0], "frame": [0.5]})


def test_meta_validation():
    with pytest.raises(ValueError, match="pixel_size_nm"):
        LocalizationMeta(pixel_size_nm=-1)
    with pytest.raises(ValueError, match="fov_nm"):
        LocalizationMeta(fov_nm=(0, 0, -5, 10))
    assert LocalizationMeta(fov_nm=(0, 0, 5, 10)).fov_nm == (0.0, 0.0, 5.0, 10.0)


def test_select_crop_and_concatenate():
    t = _table()
    sub = t.select(t.frame >= 3)
    np.testing.assert_array_equal(sub.x_nm, [6.0, 7.0, 8.0, 9.0])
    crop = t.crop((2.0, 0.0, 5.0, 100.0), shift_origin=True)
    np.testing.assert_array_equal(crop.x_nm, [0.0, 1.0, 2.0])
    assert crop.meta.fov_nm == (0.0, 0.0, 3.0, 100.0)
    both = LocalizationTable.concatenate([t, sub])
    assert len(both) == 14
    with pytest.raises(ValueError, match="boolean mask"):
        t.select(np.ones(3, bool))


def test_bounds_from_data_include_the_maximum():
    t = _table()
    x0, y0, x1, y1 = t.bounds_nm()
    assert (x0, y0) == (0.0, 0.0) and x1 > 9.0 and y1 > 18.0
    assert t.with_meta(fov_nm=(0, 0, 50, 50)).bounds_nm() == (0.0, 0.0, 50.0, 50.0)


def test_data_modules_import_without_tensorflow():
    import subprocess
    import sys

    code = ("import sys, frcnet_lite.localizations, frcnet_lite.io, frcnet_lite.simulate, frcnet_lite.rendering, "
            "frcnet_lite.subsets, frcnet_lite.pairs, frcnet_lite.cli.simulate; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
