"""``frcnet-lite export --format bioimageio``: the packages pass the BioImage Model Zoo's own test, offline.

Both shipped models are exported once (module fixture); the zoo's test (``bioimageio test``, from
``bioimageio.core``) runs on each in a fresh process with every network route closed, and the
package's test output is checked against ``frcnet-lite reconstruct --no-tta`` run here on the test
input (an independent run of the command the package claims to reproduce).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from frcnet_lite import export as export_mod
from frcnet_lite.cli import main
from frcnet_lite.model import read_model_info, shipped_models

MODELS = ("cos7", "simulated")

# every network route closed: proxies that refuse connections, a private cache, no proxy exceptions
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "all_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "", "no_proxy": "", "BIOIMAGEIO_HTTP_TIMEOUT": "2", "BIOIMAGEIO_KERAS_BACKEND": "tensorflow",
           "TF_CPP_MIN_LOG_LEVEL": "2", "CI": "true"}


def _bioimageio_cli() -> str:
    exe = Path(sys.executable).with_name("bioimageio")
    if not exe.is_file():
        pytest.fail(f"the bioimageio command of bioimageio.core is missing next to {sys.executable}: "
                    "install the test extra (pip install -e '.[test]')")
    return str(exe)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    env = {k: os.environ.get(k) for k in OFFLINE}
    os.environ.update(OFFLINE)
    try:
        out = {}
        (root / "cos7").mkdir()  # an existing empty folder is accepted (and replaced by the package)
        for name in MODELS:
            assert main(["export", name, "--format", "bioimageio", "-o", str(root / name)]) == 0
            out[name] = root / name
    finally:
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


@pytest.mark.parametrize("name", MODELS)
def test_zoo_test_passes_offline(packages, name, tmp_path):
    """``bioimageio test`` (all weight formats, the test tile and tiles of 256-384 px, batch 1 and 2) passes."""
    summary = tmp_path / "summary.json"
    proc = subprocess.run([_bioimageio_cli(), "test", str(packages[name] / "bioimageio.yaml"), "--summary", str(summary)],
                          cwd=tmp_path, env={**os.environ, **OFFLINE, "BIOIMAGEIO_CACHE_PATH": str(tmp_path / "cache")},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(summary.read_text())
    assert result["status"] == "passed", json.dumps(result, indent=1)[:3000]
    details = result["details"]
    assert all(d["status"] == "passed" for d in details), [d["name"] for d in details if d["status"] != "passed"]
    reproduced = {d["loc"][1] for d in details if d["name"].startswith("Reproduce test outputs")}
    assert reproduced == {"keras_v3", "tensorflow_saved_model_bundle", "onnx"}


@pytest.mark.parametrize("name", MODELS)
def test_test_output_is_reconstruct_no_tta(packages, name, tmp_path):
    """The package's test output is what ``frcnet-lite reconstruct --no-tta`` writes for its test input."""
    import tifffile

    from frcnet_lite.reconstruct import write_float_tiff

    pkg = packages[name]
    tile = np.load(pkg / "test_input.npy")
    expected = np.load(pkg / "test_output.npy")
    assert tile.shape == expected.shape == (1, 256, 256, 1) and tile.dtype == expected.dtype == np.float32
    assert tile.min() >= 0 and tile.sum() > 100 and np.all(tile == np.round(tile))  # counts of localizations
    px = read_model_info(name).pixel_size_nm
    write_float_tiff(tmp_path / "tile.tif", tile[0, ..., 0], px)
    rc = main(["reconstruct", str(tmp_path / "tile.tif"), "--model", name, "--no-tta", "--pixel-size-nm", str(px),
               "-o", str(tmp_path / "out.tif")])
    assert rc == 0
    ours = tifffile.imread(tmp_path / "out.tif")
    scale = float(np.abs(expected).max())
    assert scale > 0
    assert float(np.abs(ours - expected[0, ..., 0]).max()) <= 1e-4 * scale


@pytest.mark.parametrize("name", MODELS)
def test_description(packages, name):
    pkg = packages[name]
    rdf = yaml.safe_load((pkg / "bioimageio.yaml").read_text())
    assert rdf["format_version"].startswith("0.5.") and rdf["type"] == "model"
    assert len(rdf["description"]) <= 512 and f"{read_model_info(name).pixel_size_nm:g} nm" in rdf["description"]
    px = read_model_info(name).pixel_size_nm
    for tensor in rdf["inputs"] + rdf["outputs"]:
        space = [a for a in tensor["axes"] if a["type"] == "space"]
        assert [a["id"] for a in space] == ["y", "x"]
        assert all(a["unit"] == "nanometer" and a["scale"] == px for a in space)
    assert set(rdf["weights"]) == {"keras_v3", "tensorflow_saved_model_bundle", "onnx"}
    assert [w for w, e in rdf["weights"].items() if "parent" not in e] == ["keras_v3"]
    dois = [c.get("doi") for c in rdf["cite"]]
    assert export_mod.PAPER_DOI in dois and len(rdf["cite"]) >= 3  # the paper, the training data, pix2pix
    card = (pkg / rdf["documentation"]["source"]).read_text()
    assert card.startswith((shipped_models()[name] / "README.md").read_text().rstrip())
    assert rdf["license"] == "MIT" and (pkg / "LICENSE").read_text().startswith("MIT License")
    for f in [rdf["documentation"], *rdf["covers"], *rdf["attachments"], *rdf["weights"].values()]:
        assert (pkg / f["source"]).is_file(), f["source"]
    assert not [p.name for p in pkg.parent.iterdir() if "partial" in p.name]


def test_refusals_name_the_value(tmp_path, capsys):
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("keep")
    cases = [
        (["export", "no-such-model", "-o", str(tmp_path / "a")], "'no-such-model'"),
        (["export", "cos7", "--format", "onnx", "-o", str(tmp_path / "a")], "'onnx': expected one of bioimageio"),
        (["export", "cos7", "-o", str(full)], "not empty"),
        (["export", "cos7", "-o", str(full / "x.txt")], "is a file"),
    ]
    for argv, words in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and words in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"] and (full / "x.txt").read_text() == "keep"


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("simulated failure")

    monkeypatch.setattr(export_mod, "_validate_and_write", broken)
    with pytest.raises(ValueError, match="simulated failure"):
        export_mod.export_model("cos7", tmp_path / "pkg", onnx=False)
    assert list(tmp_path.iterdir()) == []

