"""The FRC-vs-fraction study: its trends on a simulation, bad input, the CSV writer and the summary."""

import numpy as np
import pytest

from frcnet_lite import frc_study, simulate
from frcnet_lite.localizations import LocalizationTable


@pytest.fixture(scope="module")
def simulation():
    return simulate.simulate_microtubules(field_size_nm=4000, n_frames=4000, seed=2)


def _points_table(seed=0, n_points=300, per_point=20, fov=2000.0):
    rng = np.random.default_rng(seed)
    xy = np.repeat(rng.uniform(0, fov, (n_points, 2)), per_point, axis=0) + rng.normal(0, 12, (n_points * per_point, 2))
    return LocalizationTable({"x_nm": xy[:, 0], "y_nm": xy[:, 1], "frame": np.arange(len(xy))})


def test_resolution_falls_as_the_fraction_of_localizations_rises(simulation):
    table = frc_study.frc_vs_fraction(simulation.localizations, [0.05, 0.2, 1.0], n_repeats=2, rng=0, progress=False)
    res = table["resolution_nm"].reshape(3, 2).mean(axis=1)
    area = table["area_frc_0.2"].reshape(3, 2).mean(axis=1)
    assert np.all(np.diff(res) < 0), res
    assert np.all(np.diff(area) > 0), area
    assert 10 < res[-1] < 60  # a few tens of nm for dSTORM microtubules
    assert table["area_frc_0.5"][-1] == pytest.approx(1.0)  # the full data against itself


def test_frc_vs_fraction_rejects_bad_fractions_and_cutoffs():
    table = _points_table()
    with pytest.raises(ValueError, match="fractions"):
        frc_study.frc_vs_fraction(table, [0.0, 0.5], progress=False)
    with pytest.raises(ValueError, match="fractions"):
        frc_study.frc_vs_fraction(table, [1.5], progress=False)
    with pytest.raises(ValueError, match="cutoff"):
        frc_study.frc_vs_fraction(table, [0.5], cutoffs=(0.2, 2.0), progress=False)


def test_save_table_csv_is_atomic(tmp_path):
    out = tmp_path / "t.csv"
    frc_study.save_table_csv({"a": [1, 2]}, out)
    before = out.read_text()
    with pytest.raises(ValueError, match="same length"):
        frc_study.save_table_csv({"a": [1, 2], "b": [1]}, out)

    class Boom:
        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        frc_study.save_table_csv({"a": [1, Boom()]}, out)
    assert out.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_fraction_summary_is_the_per_fraction_nan_mean_and_std():
    rng = np.random.default_rng(3)
    fractions = np.repeat([0.05, 0.2, 1.0], 4)
    values = rng.normal(50, 5, fractions.size)
    values[1] = np.nan
    fr, mean, std = frc_study.fraction_summary({"fraction": fractions, "v": values}, "v")
    grid = values.reshape(3, 4)  # the notebook's reshape to (fraction, repeat)
    np.testing.assert_array_equal(fr, [0.05, 0.2, 1.0])
    np.testing.assert_allclose(mean, np.nanmean(grid, axis=1))
    np.testing.assert_allclose(std, np.nanstd(grid, axis=1))
    with pytest.raises(ValueError, match="columns"):
        frc_study.fraction_summary({"fraction": fractions}, "resolution_nm")
