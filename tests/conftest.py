"""Test-suite hooks: tests marked ``gpu`` are skipped, with the reason, on a machine without a GPU."""

import functools
import importlib
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(scope="session")
def import_script():
    """``import_script("train_simulated")``: a module of ``scripts/`` (which import each other by name)."""

    def load(name: str):
        sys.path.insert(0, str(SCRIPTS))
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(str(SCRIPTS))

    return load


@functools.lru_cache(maxsize=1)
def _gpus() -> int:
    """Number of GPUs TensorFlow sees (TensorFlow is imported only when a ``gpu`` test is about to run)."""
    from frcnet_lite._tf import tf

    return len(tf().config.list_physical_devices("GPU"))


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") is not None and _gpus() == 0:
        pytest.skip("needs a GPU (marked gpu); TensorFlow sees none here")
