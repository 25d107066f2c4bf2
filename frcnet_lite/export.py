"""Export a trained model as a BioImage Model Zoo package (``bioimageio``, format 0.5).

A package is a folder that zoo consumers (``bioimageio.core`` in Python, and the plugins of
Fiji, napari, QuPath, ilastik, ... that read the zoo's format) open without frcnet-lite. It holds

* ``bioimageio.yaml``: the description, written and validated with ``bioimageio.spec``: the
  input ``counts`` (batch, y, x, channel; raw counts of localizations per pixel, float32) and the
  output ``density`` (the same shape, in the model's target units), the pixel size as the scale of
  the space axes in nanometres, authors, citations (the paper and the training data), licence,
  tags and the tolerance to which every weight format must reproduce the test output;
* the weights, one model in up to three formats: ``model.keras`` (the original, Keras 3),
  ``tf_saved_model.zip`` (a TensorFlow SavedModel: endpoint ``serve`` and signature
  ``serving_default``, input ``counts``, output ``density``) and ``model.onnx`` (converted with
  ``tf2onnx`` when it is installed and its output agrees; skipped otherwise);
* ``test_input.npy`` / ``test_output.npy``: a 256 px test tile of sparse counts and what
  ``frcnet-lite reconstruct --no-tta`` writes for it (the shipped demo crop for models trained on
  real image pairs, a simulated field for models trained on simulated pairs), the same two as 2-D
  TIFFs (``sample_input.tif``, ``sample_output.tif``, for viewers), ``cover.png``
  (the tile beside its reconstruction), the model card ``README.md`` (the model folder's, with a
  section on the package added), ``LICENSE`` and the model folder's training record
  (``model.json``, ``train_config.yaml``, ``history.csv``, ``training_curves.png``).

Everything the model needs between raw counts and the density is inside the saved graph (the
scaling of counts and output, and the local-density normalisation of models trained with
``local_sigma_px``: built-in Keras layers, exported as plain TensorFlow / ONNX operations), so
the description asks consumers for no pre- or post-processing beyond float32. A 256 px tile is
one forward pass of ``reconstruct`` (one tile, no blending), so a consumer that feeds the whole
test tile gets the same output. What the description cannot say: ``reconstruct`` averages over
the 8 rotations and flips of each tile by default (``--no-tta`` turns that off), and it blends
overlapping 256 px tiles of a large field, discarding 16 px next to each tile edge; a consumer
that tiles a large image itself should use tiles of at least 256 px with overlap.

``bioimageio.spec`` (and for the ONNX weights ``tf2onnx`` and ``onnxruntime``) are imported only
when :func:`export_model` runs (``pip install "frcnet-lite[bioimageio]"``).

Examples
--------
>>> FORMATS
('bioimageio',)
>>> check_format("onnx")
Traceback (most recent call last):
...
ValueError: unknown export format 'onnx': expected one of bioimageio
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ._tf import tf as _tf
from ._version import __version__

__all__ = [
    "FORMATS",
    "TEST_TILE_PX",
    "TOLERANCE",
    "PAPER_DOI",
    "check_format",
    "check_output_folder",
    "make_test_tile",
    "export_model",
]

#: Export formats :func:`export_model` writes.
FORMATS = ("bioimageio",)

#: Side of the test tile in pixels (the training crop size and ``reconstruct``'s tile size).
TEST_TILE_PX = 256

#: Every weight format must reproduce the test output to this fraction of its maximum.
TOLERANCE = 1e-4

#: The paper of the method (Berberich et al. 2021, Front. Bioinform. 1:752788).
PAPER_DOI = "10.3389/fbinf.2021.752788"

_PAPER = ("Berberich, A., Kurz, A., Reinhard, S., Paul, T. J., Burd, P. R., Sauer, M. and Kollmannsberger, P. (2021). "
          "Fourier Ring Correlation and Anisotropic Kernel Density Estimation Improve Deep Learning Based SMLM "
          "Reconstruction of Microtubules. Frontiers in Bioinformatics 1:752788.")
_COS7_DATA = ("Training data: COS-7 dSTORM image pairs (alpha-tubulin, Alexa 647) published with Berberich et al. 2021 "
              "in the repository CIA-CCTB/FRCnet (MIT licence).")
_COS7_URL = "https://github.com/CIA-CCTB/FRCnet"
_SIMULATED_DATA = ("Training data: simulated microtubule dSTORM fields (frcnet-lite's simulator, "
                   "frcnet_lite.simulate), sparse inputs from 10 % time windows.")
_PIX2PIX = ("Isola, P., Zhu, J.-Y., Zhou, T. and Efros, A. A. (2017). Image-to-Image Translation with Conditional "
            "Adversarial Networks (pix2pix). CVPR 2017.")
_PIX2PIX_URL = "https://arxiv.org/abs/1611.07004"
_HOMEPAGE = "https://github.com/frcnet-lite/frcnet-lite"
_RECORD_FILES = ("model.json", "train_config.yaml", "history.csv", "training_curves.png")
_INPUT_ID, _OUTPUT_ID = "counts", "density"
_SIMULATED_SEED = 3000  # the simulated model's test-set seed: a field it was not trained on
_ONNX_OPSET = 17


def check_format(format: str) -> str:  # noqa: A002
    """Return ``format`` if :func:`export_model` writes it, else raise ``ValueError`` naming the known ones."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}: expected one of {', '.join(FORMATS)}")
    return format


def check_output_folder(path: str | os.PathLike) -> Path:
    """The output folder of an export: refused when it is a file or a folder that is not empty.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> check_output_folder(d) == Path(d)
    True
    >>> _ = open(os.path.join(d, "x"), "w").close()
    >>> check_output_folder(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: output folder ... exists and is not empty: give a new or empty folder
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"output {str(out)!r} exists and is a file: give a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"output folder {str(out)!r} exists and is not empty: give a new or empty folder")
    return out


def _trained_on_simulation(info) -> bool:
    return (info.data or {}).get("source") == "simulated" or (info.data or {}).get("kind") == "simulated pairs"


def make_test_tile(info) -> tuple[np.ndarray, str]:
    """The test tile of a model: ``(counts (256, 256) float32, where it comes from)``.

    A model trained on simulated pairs gets a simulated field of 256 px at its pixel size (default
    simulation parameters, seed 3000, not a training seed) seen through a 10 % time window; any
    other model gets the central 256 px of the shipped real demo crop (held-out COS-7 field
    ``spot10``, ~10 nm pixels), resampled to the model's pixel size when that differs.
    """
    px = float(info.pixel_size_nm)
    if _trained_on_simulation(info):
        from .rendering import render_histogram  # noqa: PLC0415
        from .simulate import simulate_microtubules  # noqa: PLC0415
        from .subsets import time_window_subset  # noqa: PLC0415

        sim = simulate_microtubules(field_size_nm=TEST_TILE_PX * px, seed=_SIMULATED_SEED)
        sparse = time_window_subset(sim.localizations, 0.1, np.random.default_rng(0))
        tile = render_histogram(sparse, px, fov_nm=sim.fov_nm)[:TEST_TILE_PX, :TEST_TILE_PX]
        source = (f"a simulated microtubule field ({TEST_TILE_PX * px / 1000:g} um, default simulation parameters, "
                  f"seed {_SIMULATED_SEED}), 10 % time window, histogram at {px:g} nm")
    else:
        from .datasets import central_crop, demo_pair  # noqa: PLC0415
        from .reconstruct import rescale_counts  # noqa: PLC0415

        demo_px = 10.0
        sparse = rescale_counts(demo_pair()[0], demo_px, px)
        tile = central_crop(sparse, TEST_TILE_PX)
        source = (f"the central {TEST_TILE_PX} px of the shipped demo crop (held-out COS-7 field spot10, sparse "
                  f"histogram, ~{demo_px:g} nm pixels" + (f", resampled to {px:g} nm)" if px != demo_px else ")"))
    tile = np.asarray(tile, dtype=np.float32)
    if tile.shape != (TEST_TILE_PX, TEST_TILE_PX):
        raise ValueError(f"the test tile has shape {tile.shape}, expected {TEST_TILE_PX} x {TEST_TILE_PX} px")
    return tile, source


def _reconstruct_no_tta(keras_model, tile: np.ndarray, px: float, work: Path) -> np.ndarray:
    """What ``frcnet-lite reconstruct --no-tta`` writes for the tile (through the same function)."""
    import tifffile  # noqa: PLC0415

    from .reconstruct import reconstruct_file, write_float_tiff  # noqa: PLC0415

    write_float_tiff(work / "tile.tif", tile, px)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # density notes: the tile is the model's own kind of input
        reconstruct_file(work / "tile.tif", work / "tile_reconstructed.tif", model=keras_model, pixel_size_nm=px,
                         tta=False, progress=False)
    return np.asarray(tifffile.imread(work / "tile_reconstructed.tif"), dtype=np.float32)


def _max_error(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """``(max |actual - expected|, that / max |expected|)``."""
    diff = float(np.max(np.abs(np.asarray(actual, np.float64) - np.asarray(expected, np.float64))))
    scale = float(np.max(np.abs(expected))) or 1.0
    return diff, diff / scale


def _write_saved_model(keras_model, folder: Path) -> None:
    import keras  # noqa: PLC0415

    tf = _tf()
    archive = keras.export.ExportArchive()
    archive.track(keras_model)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 1], tf.float32, name=_INPUT_ID)])
    def serve(counts):
        return {_OUTPUT_ID: keras_model(counts, training=False)}

    archive.add_endpoint("serve", serve)
    archive.write_out(str(folder), verbose=False)


def _run_saved_model(folder: Path, batch: np.ndarray) -> np.ndarray:
    import keras  # noqa: PLC0415

    layer = keras.layers.TFSMLayer(str(folder), call_endpoint="serve")
    return np.asarray(layer(batch)[_OUTPUT_ID])


def _zip_folder(folder: Path, zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())


def _write_onnx(keras_model, path: Path, batch: np.ndarray, expected: np.ndarray) -> tuple[str | None, dict]:
    """Convert to ONNX with tf2onnx and check it with onnxruntime: ``(None, facts)`` or ``(why not, {})``."""
    try:
        import onnxruntime  # noqa: PLC0415
        import tf2onnx  # noqa: PLC0415
    except ImportError as exc:
        return f"ONNX weights skipped: {exc.name} is not installed (pip install tf2onnx onnxruntime)", {}
    tf = _tf()

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 1], tf.float32, name=_INPUT_ID)])
    def serve(counts):
        return {_OUTPUT_ID: keras_model(counts, training=False)}

    try:
        tf2onnx.convert.from_function(serve, input_signature=serve.input_signature, opset=_ONNX_OPSET,
                                      output_path=str(path))
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        out = session.run([_OUTPUT_ID], {_INPUT_ID: batch})[0]
    except Exception as exc:  # noqa: BLE001  (any converter failure means: no ONNX weights)
        path.unlink(missing_ok=True)
        return f"ONNX weights skipped: tf2onnx {tf2onnx.__version__} failed ({type(exc).__name__}: {exc})", {}
    diff, rel = _max_error(out, expected)
    if not rel <= TOLERANCE:
        path.unlink(missing_ok=True)
        return (f"ONNX weights skipped: the converted model differs from reconstruct by {rel:.2g} of the output's "
                f"maximum (tolerance {TOLERANCE:g})"), {}
    return None, {"tf2onnx": tf2onnx.__version__, "max_abs_diff": diff, "relative": rel}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _grey(image: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image  # noqa: PLC0415

    img = np.asarray(image, np.float64)
    hi = float(np.percentile(img, 99.5)) or float(img.max()) or 1.0
    u8 = (np.clip(img / hi, 0, 1) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(u8).resize((size, size), Image.Resampling.BILINEAR))


def _write_cover(path: Path, tile: np.ndarray, output: np.ndarray) -> None:
    """Input (left, a 1 px blur so that single counts show) beside the output (right): 2:1, PNG."""
    from PIL import Image  # noqa: PLC0415
    from scipy import ndimage  # noqa: PLC0415

    side = 384
    canvas = np.concatenate([_grey(ndimage.gaussian_filter(tile, 1.0), side), _grey(output, side)], axis=1)
    canvas[:, side - 2:side + 2] = 255
    with open(path, "wb") as f:
        Image.fromarray(canvas).save(f, format="PNG", optimize=True)


def _license_text() -> str | None:
    """The package's licence text (from its installed metadata, or the source tree's ``LICENSE``)."""
    from importlib import metadata  # noqa: PLC0415

    try:
        dist = metadata.distribution("frcnet-lite")
        for name in ("licenses/LICENSE", "LICENSE"):
            text = dist.read_text(name)
            if text:
                return text
    except metadata.PackageNotFoundError:
        pass
    local = Path(__file__).resolve().parents[1] / "LICENSE"
    return local.read_text() if local.is_file() else None


def _model_card(folder: Path, name: str, info, tile_source: str, weights: list[str], notes: list[str]) -> str:
    readme = folder / "README.md"
    card = readme.read_text() if readme.is_file() else f"# {name}\n\nA frcnet-lite model.\n"
    px = float(info.pixel_size_nm)
    lines = [
        "", "## This BioImage Model Zoo package", "",
        f"Written by `frcnet-lite export {name} --format bioimageio` (frcnet-lite {__version__}).", "",
        f"- Input `{_INPUT_ID}`: (batch, y, x, 1) float32, raw counts of localizations per {px:g} nm pixel "
        "(a histogram of a sparse subset, as the model was trained on); sides a multiple of 64 px, at least "
        f"{TEST_TILE_PX} px. No normalisation is needed: the scaling of the counts"
        + (" and the division by their local density" if info.normalisation.local_sigma_px else "")
        + " are layers of the network.",
        f"- Output `{_OUTPUT_ID}`: the same shape, the dense reconstruction in the model's target units "
        f"(`{info.target_kind}` targets).",
        f"- Weights: {', '.join(weights)}; all reproduce the test output to {TOLERANCE:g} of its maximum.",
        f"- Test tile: {tile_source}; the test output is what `frcnet-lite reconstruct --no-tta` writes for it "
        f"(one {TEST_TILE_PX} px tile is one forward pass).",
        "- Not in the package: `frcnet-lite reconstruct` by default averages each tile over its 8 rotations and "
        f"flips, and blends overlapping {TEST_TILE_PX} px tiles of a large field (discarding 16 px next to each "
        "tile edge); tile large images with overlap, or use frcnet-lite for whole fields.",
    ]
    lines += [f"- {n}" for n in notes]
    return card.rstrip() + "\n" + "\n".join(lines) + "\n"


def _description_text(info) -> str:
    data = info.data or {}
    px = float(info.pixel_size_nm)
    text = (f"Reconstructs a dense super-resolution image of microtubules from a histogram of sparse SMLM "
            f"(dSTORM) localizations, counts per {px:g} nm pixel (frcnet-lite, method of Berberich et al. 2021).")
    trained = str(data.get("description") or "")
    if len(text) + len(trained) > 490:  # the zoo asks for at most 512 characters: drop the details in brackets
        trained = re.sub(r"\s*\([^()]*\)", "", trained)
    if trained:
        text += f" Trained on {trained}."
    return text if len(text) <= 512 else text[:509].rsplit(" ", 1)[0] + "..."


def _cite(info) -> list[dict]:
    cite = [{"text": _PAPER, "doi": PAPER_DOI}]
    data = info.data or {}
    if _trained_on_simulation(info):
        cite.append({"text": _SIMULATED_DATA, "url": _HOMEPAGE})
    elif str(data.get("source", "")).rstrip("/").endswith("frcnet-cos7-microtubules"):
        cite.append({"text": _COS7_DATA, "url": _COS7_URL})
    cite.append({"text": _PIX2PIX, "url": _PIX2PIX_URL})
    return cite


def _axes(px: float, tensor: str) -> list[dict]:
    axes: list[dict] = [{"type": "batch"}]
    for axis in ("y", "x"):
        size: dict[str, Any] = ({"min": TEST_TILE_PX, "step": 64} if tensor == _INPUT_ID
                                else {"tensor_id": _INPUT_ID, "axis_id": axis})
        axes.append({"type": "space", "id": axis, "size": size, "unit": "nanometer", "scale": px})
    axes.append({"type": "channel", "channel_names": [tensor]})
    return axes


def _file(root: Path, name: str) -> dict:
    return {"source": name, "sha256": _sha256(root / name)}


def _description(root: Path, name: str, info, weights: dict, attachments: list[str], atol: float) -> dict:
    import keras  # noqa: PLC0415

    tf = _tf()
    px = float(info.pixel_size_nm)
    entries: dict[str, dict] = {
        "keras_v3": {**_file(root, "model.keras"), "keras_version": keras.__version__,
                     "backend": ["tensorflow", tf.__version__],
                     "comment": "the original: the model folder's model.keras (built-in Keras layers only)"},
        "tensorflow_saved_model_bundle": {
            **_file(root, "tf_saved_model.zip"), "tensorflow_version": tf.__version__, "parent": "keras_v3",
            "comment": (f"keras.export.ExportArchive: endpoint 'serve' and signature 'serving_default', input "
                        f"'{_INPUT_ID}', output dict {{'{_OUTPUT_ID}': ...}}")},
    }
    if "onnx" in weights:
        entries["onnx"] = {**_file(root, "model.onnx"), "opset_version": _ONNX_OPSET, "parent": "keras_v3",
                           "comment": f"converted with tf2onnx {weights['onnx']['tf2onnx']}"}
    float32 = [{"id": "ensure_dtype", "kwargs": {"dtype": "float32"}}]
    return {
        "format_version": "0.5.12",
        "type": "model",
        "name": f"frcnet-lite {name}",
        "description": _description_text(info),
        "authors": [{"name": "frcnet-lite developers"}],
        "cite": _cite(info),
        "license": "MIT",
        "git_repo": _HOMEPAGE,
        "version": __version__,
        "tags": ["smlm", "dstorm", "super-resolution", "microtubules", "2d", "image-reconstruction", "u-net",
                 "tensorflow", "keras", "frcnet-lite"],
        "documentation": _file(root, "README.md"),
        "covers": [_file(root, "cover.png")],
        "attachments": [_file(root, a) for a in attachments],
        "inputs": [{
            "id": _INPUT_ID,
            "description": f"raw counts of localizations per {px:g} nm pixel; scaled inside the network",
            "axes": _axes(px, _INPUT_ID),
            "test_tensor": _file(root, "test_input.npy"),
            "sample_tensor": _file(root, "sample_input.tif"),
            "data": {"type": "float32", "range": [0.0, None], "unit": "arbitrary unit"},
            "preprocessing": float32,
        }],
        "outputs": [{
            "id": _OUTPUT_ID,
            "description": f"dense reconstruction in the model's target units ({info.target_kind} targets)"[:128],
            "axes": _axes(px, _OUTPUT_ID),
            "test_tensor": _file(root, "test_output.npy"),
            "sample_tensor": _file(root, "sample_output.tif"),
            "data": {"type": "float32", "unit": "arbitrary unit"},
            "postprocessing": float32,
        }],
        "weights": entries,
        "config": {
            "bioimageio": {
                "reproducibility_tolerance": [{"relative_tolerance": 0.0, "absolute_tolerance": atol,
                                               "mismatched_elements_per_million": 0}],
                "architecture_type": "U-Net",
                "modality": "SMLM (dSTORM)",
                "target_structure": ["microtubules"],
            },
            "frcnet_lite": {"version": __version__, "pixel_size_nm": px, "target_kind": info.target_kind,
                            "tolerance_of_output_max": TOLERANCE},
        },
    }


def _validate_and_write(root: Path, content: dict, offline_urls: list[str]):
    """Validate the description with ``bioimageio.spec`` (files and hashes checked) and write ``bioimageio.yaml``."""
    from bioimageio.spec import ValidationContext, build_description, save_bioimageio_yaml_only  # noqa: PLC0415
    from bioimageio.spec.model.v0_5 import ModelDescr  # noqa: PLC0415

    # the URLs are checked by consumers: the export itself needs no network
    context = ValidationContext(root=root, file_name="bioimageio.yaml", perform_io_checks=True,
                                known_files={u: None for u in offline_urls}, log_warnings=False)
    descr = build_description(content, context=context)
    if not isinstance(descr, ModelDescr):
        summary = descr.validation_summary
        errors = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in summary.errors) or summary.status
        raise ValueError(f"bioimageio.spec rejected the description: {errors}")
    save_bioimageio_yaml_only(descr, root / "bioimageio.yaml")
    return descr


def export_model(model: str | os.PathLike | None, out_dir: str | os.PathLike, format: str = "bioimageio",  # noqa: A002
                 onnx: bool = True) -> dict:
    """Export a model (a shipped name or a model folder) as a BioImage Model Zoo package folder.

    The package is built in a temporary folder next to ``out_dir`` and renamed to it when complete
    and valid, so a failed export leaves nothing behind.

    Parameters
    ----------
    model : str, os.PathLike or None
        A shipped model's name (``"cos7"``, ``"simulated"``), a model folder, or None (the default model).
    out_dir : path-like
        The package folder to create (must not exist, or be empty).
    format : str
        ``"bioimageio"`` (:data:`FORMATS`).
    onnx : bool
        Also convert the weights to ONNX (needs ``tf2onnx`` and ``onnxruntime``; skipped with a
        note when they are missing or the converted model does not agree).

    Returns
    -------
    dict
        ``{"folder", "weights" (format -> {"max_abs_diff", "relative"} against reconstruct --no-tta),
        "notes", "test_output_max", "tile"}``.
    """
    import tifffile  # noqa: PLC0415

    from .model import load_model, model_folder, read_model_info  # noqa: PLC0415

    check_format(format)
    out = check_output_folder(out_dir)
    folder = model_folder(model)
    info = read_model_info(folder)
    if not (folder / "model.keras").is_file():
        raise FileNotFoundError(f"no model.keras in {str(folder)!r}: expected a folder written by save_model")
    try:
        import bioimageio.spec  # noqa: F401, PLC0415
    except ImportError as exc:
        raise ModuleNotFoundError("exporting to the BioImage Model Zoo format needs bioimageio.spec: "
                                  "pip install \"frcnet-lite[bioimageio]\"") from exc
    name = folder.name
    px = float(info.pixel_size_nm)
    keras_model = load_model(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would make the package private
    try:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            tile, tile_source = make_test_tile(info)
            expected = _reconstruct_no_tta(keras_model, tile, px, work)
            batch = tile[None, :, :, None]
            np.save(staging / "test_input.npy", batch)
            np.save(staging / "test_output.npy", expected[None, :, :, None])
            tifffile.imwrite(staging / "sample_input.tif", tile)
            tifffile.imwrite(staging / "sample_output.tif", expected)
            atol = TOLERANCE * float(np.max(np.abs(expected)))
            if not (math.isfinite(atol) and atol > 0):
                raise ValueError(f"the model's output for the test tile is {'all zero' if atol == 0 else 'not finite'}; "
                                 "cannot set a reproduction tolerance")

            checks: dict[str, dict] = {}
            out_keras = keras_model(batch, training=False).numpy()
            checks["keras_v3"] = dict(zip(("max_abs_diff", "relative"), _max_error(out_keras, expected[None, ..., None])))
            shutil.copy2(folder / "model.keras", staging / "model.keras")

            _write_saved_model(keras_model, work / "saved_model")
            diff, rel = _max_error(_run_saved_model(work / "saved_model", batch), expected[None, ..., None])
            if not rel <= TOLERANCE:
                raise ValueError(f"the SavedModel export differs from reconstruct by {rel:.2g} of the output's maximum "
                                 f"(tolerance {TOLERANCE:g})")
            checks["tensorflow_saved_model_bundle"] = {"max_abs_diff": diff, "relative": rel}
            _zip_folder(work / "saved_model", staging / "tf_saved_model.zip")

            notes: list[str] = []
            if onnx:
                why_not, facts = _write_onnx(keras_model, staging / "model.onnx", batch, expected[None, ..., None])
                if why_not:
                    notes.append(why_not)
                else:
                    checks["onnx"] = facts
            else:
                notes.append("ONNX weights not written (--no-onnx)")

        _write_cover(staging / "cover.png", tile, expected)
        attachments = []
        for f in _RECORD_FILES:
            if (folder / f).is_file():
                shutil.copy2(folder / f, staging / f)
                attachments.append(f)
        license_text = _license_text()
        if license_text:
            (staging / "LICENSE").write_text(license_text)
            attachments.append("LICENSE")
        weight_names = {"keras_v3": "Keras 3 (`model.keras`)",
                        "tensorflow_saved_model_bundle": "TensorFlow SavedModel (`tf_saved_model.zip`)",
                        "onnx": f"ONNX opset {_ONNX_OPSET} (`model.onnx`)"}
        (staging / "README.md").write_text(_model_card(folder, name, info, tile_source,
                                                        [weight_names[w] for w in checks], notes))
        content = _description(staging, name, info, checks, attachments, atol)
        urls = [c["url"] for c in content["cite"] if "url" in c] + [content["git_repo"]]
        _validate_and_write(staging, content, urls)
        if out.is_dir():
            out.rmdir()  # empty (checked above); rename onto it
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"folder": str(out), "weights": checks, "notes": notes,
            "test_output_max": float(np.max(expected)), "tile": tile_source}
