"""The package as users install it: a built wheel holds what the CLI needs and runs outside the source tree.

The wheel is built from a copy of the package sources (no build isolation, so no network: the
test extra brings the build backend), installed without dependencies into a fresh virtual
environment that borrows its dependencies (numpy, TensorFlow, ...) from this environment through a
``.pth`` file, and run from a folder outside the source tree: ``frcnet-lite models`` and one
``frcnet-lite reconstruct`` of the shipped demo crop, whose result must equal the source tree's.
What is checked is the wheel's own content: the frcnet_lite it imports is the wheel's, and every
data file of the source package (shipped models, demo crop, stored studies) is in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "frcnet_lite"
#: package data the CLI and the notebooks read at run time
DATA_FOLDERS = ("pretrained", "data", "studies")
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", ".*")


def _data_files() -> list[str]:
    """Every data file of the source package, as a path inside the wheel (``frcnet_lite/...``)."""
    files = []
    for folder in DATA_FOLDERS:
        for f in sorted((PACKAGE / folder).rglob("*")):
            rel = f.relative_to(ROOT)
            if f.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                files.append(rel.as_posix())
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "frcnet_lite", ignore=_JUNK)
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(dist)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(dist.glob("frcnet_lite-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; its other imports come from this environment's site-packages."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # after the venv's own site-packages on sys.path; the .pth files there (the editable install of the
    # source tree among them) are not processed, so frcnet_lite can only come from the wheel
    (site / "zz_borrow_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                           "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return venv


def _run(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg", PYTHONNOUSERSITE="1")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return proc


def test_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = _data_files()
    assert any(n.endswith("pretrained/cos7/model.keras") for n in data)  # the check below has teeth
    assert any(n.endswith("data/cos7_demo/spot10_crop_sub.png") for n in data)
    assert any(n.endswith("pretrained/simulated/results.json") for n in data)
    missing = [f for f in data if f not in names]
    assert not missing, f"package data left out of the wheel (declare it in pyproject.toml): {missing}"
    modules = [f.relative_to(ROOT).as_posix() for f in PACKAGE.rglob("*.py") if "__pycache__" not in f.parts]
    assert not [m for m in modules if m not in names]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc"))]


def test_installed_wheel_runs_outside_the_source_tree(installed, tmp_path):
    from frcnet_lite.datasets import DEMO_DIR
    from frcnet_lite.reconstruct import reconstruct_file

    work = tmp_path / "work"
    work.mkdir()
    python, cli = installed / "bin" / "python", installed / "bin" / "frcnet-lite"
    where = _run(installed, [str(python), "-c", "import frcnet_lite; print(frcnet_lite.__file__)"], work).stdout
    assert Path(where.strip()).is_relative_to(installed), where

    listing = _run(installed, [str(cli), "models"], work).stdout
    for name in ("cos7", "simulated"):
        assert f"{name}" in listing
    folders = [line.split("folder:", 1)[1].strip() for line in listing.splitlines() if "folder:" in line]
    assert len(folders) == 2 and all(Path(f).is_relative_to(installed) for f in folders), listing

    demo = _run(installed, [str(python), "-c", "from frcnet_lite.datasets import DEMO_DIR; print(DEMO_DIR)"],
                work).stdout.strip()
    assert Path(demo).is_relative_to(installed)
    _run(installed, [str(cli), "reconstruct", str(Path(demo) / "spot10_crop_sub.png"), "--pixel-size-nm", "10",
                     "--model", "cos7", "--no-tta", "-o", "recon.tif"], work)
    import tifffile

    from_wheel = tifffile.imread(work / "recon.tif")
    reconstruct_file(DEMO_DIR / "spot10_crop_sub.png", tmp_path / "here.tif", model="cos7", pixel_size_nm=10.0,
                     tta=False, progress=False)
    from_source = tifffile.imread(tmp_path / "here.tif")
    assert from_wheel.shape == from_source.shape == (512, 512)
    np.testing.assert_allclose(from_wheel, from_source, rtol=0, atol=1e-4 * float(np.abs(from_source).max()))

    from frcnet_lite import reproduction

    studies = _run(installed, [str(python), "-c", "from frcnet_lite import reproduction; "
                               "print(len(reproduction.load_runs()))"], work).stdout
    assert int(studies.strip()) == len(reproduction.load_runs())  # every stored study run travels
