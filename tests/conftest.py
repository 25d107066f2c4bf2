"""Test-suite hooks: tests marked ``gpu`` are skipped, with the reason, on a machine without a GPU."""

import functools

import pytest


@functools.lru_cache(maxsize=1)
def _gpus() -> int:
    """Number of GPUs TensorFlow sees (TensorFlow is imported only when a ``gpu`` test is about to run)."""
    from frcnet_lite._tf import tf

    return len(tf().config.list_physical_devices("GPU"))


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") is not None and _gpus() == 0:
        pytest.skip("needs a GPU (marked gpu); TensorFlow sees none here")
