"""Copy the executed notebooks into the book, add an "Open in Colab" badge to each, and draw the
landing page's three pictures.

The badge points at the executed ``.ipynb`` that the publishing workflow
(``.github/workflows/book.yml``) puts on the ``gh-pages`` branch next to the HTML
(``notebooks/<name>.ipynb``), in the repository named by ``repository.url`` in
``book/_config.yml`` (the one setting); the Colab install cell's repository URL is rewritten to
the same setting. papermill's injected-parameters cell is hidden from the pages and nbval's
``# NBVAL_...`` markers are taken out of the code.

The landing page (``book/index.md``) shows one real region three ways: the sparse input, the
shipped ``cos7`` U-Net's reconstruction, and the dense image. They come from the demo crop of the
held-out COS-7 field spot10 that ships with the package (:mod:`frcnet_lite.datasets`), drawn as
small PNGs into ``<out>/_landing/`` (generated, not committed).

Usage: python scripts/prepare_book.py --executed build/executed --out book/notebooks --config book/_config.yml
       [--run build/executed/run]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import yaml

DEFAULT_REPO = "https://github.com/frcnet-lite/frcnet-lite"


def colab_url(repo_url: str, branch: str, path_in_repo: str) -> str:
    """Colab's address for a notebook file on GitHub."""
    repo_url = repo_url.rstrip("/")
    prefix = "https://github.com/"
    if not repo_url.startswith(prefix):
        raise ValueError(f"repository.url must be a GitHub URL starting with {prefix!r}, got {repo_url!r}")
    return f"https://colab.research.google.com/github/{repo_url[len(prefix):]}/blob/{branch}/{path_in_repo}"


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _references(value) -> set[str]:
    """Model ids a widget state value refers to (``"IPY_MODEL_<id>"`` strings, nested)."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_references(v) for v in value)) if value else set()
    return set()


def _tree(model_id: str, state: dict) -> tuple[set[str], bool]:
    """All model ids reachable from ``model_id`` and whether every one of them is in ``state``."""
    seen: set[str] = set()
    todo = [model_id]
    complete = True
    while todo:
        mid = todo.pop()
        if mid in seen:
            continue
        seen.add(mid)
        if mid not in state:
            complete = False
            continue
        todo.extend(_references(state[mid].get("state", {})))
    return seen, complete


def drop_dangling_widget_views(nb: dict) -> int:
    """Drop widget outputs that cannot render in the static book, and their state.

    papermill stores the state of the widgets still open when the notebook ends; a widget closed
    before (e.g. a finished ``tqdm`` progress bar) leaves a view that no page can render, and its
    ``text/plain`` fallback is its first state (``0%|  | 0/16``), which would mislead. Whether a
    progress bar's state is stored at all depends on timing, and a half-stored one breaks the
    page's widget manager, so progress bars (trees holding a ``*ProgressModel``) are always
    dropped, together with their models. Returns the number of outputs dropped.

    Examples
    --------
    >>> view = {"output_type": "display_data", "metadata": {},
    ...         "data": {WIDGET_VIEW: {"model_id": "gone"}, "text/plain": "0%"}}
    >>> text = {"output_type": "stream", "name": "stdout", "text": "done"}
    >>> nb = {"metadata": {}, "cells": [{"cell_type": "code", "outputs": [view, text]}]}
    >>> drop_dangling_widget_views(nb), nb["cells"][0]["outputs"] == [text]
    (1, True)
    """
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    removed = 0
    dropped_models: set[str] = set()
    for cell in nb.get("cells", []):
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                tree, complete = _tree(data[WIDGET_VIEW].get("model_id"), state)
                progress = any(state.get(m, {}).get("model_name", "").endswith("ProgressModel") for m in tree)
                if not complete or progress:
                    removed += 1
                    dropped_models |= tree
                    continue
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    for mid in dropped_models:
        state.pop(mid, None)
    return removed


#: branch the publishing workflow pushes the HTML and the executed notebooks to
PAGES_BRANCH = "gh-pages"


def clean_for_pages(cell: dict) -> dict:
    r"""Hide papermill's injected-parameters cell (tag ``remove-cell``) and drop ``# NBVAL_`` lines.

    Examples
    --------
    >>> c = {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
    ...      "source": "# NBVAL_IGNORE_OUTPUT\nquick = True\n"}
    >>> out = clean_for_pages(c)
    >>> out["metadata"]["tags"], out["source"]
    (['injected-parameters', 'remove-cell'], 'quick = True\n')
    """
    if cell.get("cell_type") != "code":
        return cell
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if "injected-parameters" in tags and "remove-cell" not in tags:
        tags.append("remove-cell")
    src = "".join(cell.get("source", ""))
    cell["source"] = "".join(line for line in src.splitlines(keepends=True)
                             if not line.lstrip().startswith("# NBVAL_"))
    return cell


def prepare(nb_path: Path, out_path: Path, repo_url: str, branch: str = PAGES_BRANCH) -> None:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    url = colab_url(repo_url, branch, f"{out_path.parent.name}/{out_path.name}")
    badge = {
        "cell_type": "markdown",
        "id": "colab-badge",
        "metadata": {"tags": ["colab-badge"]},
        "source": [f"[![Open in Colab](../_static/colab-badge.svg)]({url})"],
    }
    cells = [c for c in nb["cells"] if "colab-badge" not in c.get("metadata", {}).get("tags", [])]
    # after the title cell (the first markdown cell)
    first_md = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"), -1)
    cells.insert(first_md + 1, badge)
    cells = [clean_for_pages(c) for c in cells]
    for c in cells:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            if DEFAULT_REPO in src and repo_url != DEFAULT_REPO:
                c["source"] = src.replace(DEFAULT_REPO, repo_url.rstrip("/"))
    nb["cells"] = cells
    drop_dangling_widget_views(nb)
    tmp = out_path.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out_path)


LANDING_NAMES = ("sparse", "reconstruction", "blur", "target")
#: the scale bar drawn into each landing picture (nm; the COS-7 pairs have ~10 nm pixels)
LANDING_BAR_NM = 500.0
#: side of the landing pictures (pixels of the patch, cut from its centre)
LANDING_SIDE_PX = 256


def landing_pair(run_dir: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """A real (sparse input, dense image) pair the ``cos7`` model never saw: the shipped demo crop of
    the held-out COS-7 field spot10 (always in the package), and where it came from."""
    from frcnet_lite.datasets import demo_pair

    sparse, dense = demo_pair()
    return sparse, dense, "the demo crop of the held-out real COS-7 field spot10"


def landing_model(run_dir: Path):
    """The shipped model trained on real COS-7 pairs (``cos7``), which never saw the landing field."""
    from frcnet_lite.model import load_model

    return load_model("cos7"), "the shipped cos7 model"


def display_max(image: np.ndarray, percentile: float = 99.5) -> float:
    """Upper end of the display range: a high percentile of the non-zero pixels (1 if none)."""
    nonzero = image[image > 0]
    return float(np.percentile(nonzero, percentile)) if nonzero.size else 1.0


def landing_figures(run_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the landing page's sparse input, reconstruction and dense target as PNGs in ``out_dir``."""
    from frcnet_lite.profiles import busiest_window
    from frcnet_lite.reconstruct import TilingConfig, model_predict_fn, predict_tiled
    from frcnet_lite.widgets import to_png

    sparse, target, source = landing_pair(run_dir)
    model, model_source = landing_model(run_dir)
    reconstruction = predict_tiled(sparse, model_predict_fn(model, tta=True), TilingConfig(), progress=False)
    # the part with most structure: at about a third of the page's width each, whole fields look empty
    crop = busiest_window(target, LANDING_SIDE_PX)
    from frcnet_lite.comparison import best_blur
    from frcnet_lite.kde import gaussian_kde

    # the oracle blur: the width that scores best (MS-SSIM) against the dense image of this very crop
    sigma = best_blur(sparse[crop], target[crop])["ms_ssim"][1]
    blur = gaussian_kde(np.asarray(sparse, np.float32), sigma)[crop]
    sparse, target, reconstruction = sparse[crop], target[crop], reconstruction[crop]
    vmax = display_max(target)
    # sparse: any count shows (most pixels hold 0 or 1); the three densities on one range after a least-squares gain
    gain = lambda img: img * float((img * target).sum() / max((img * img).sum(), 1e-12))  # noqa: E731
    images = {"sparse": (sparse, display_max(sparse, 50.0)), "reconstruction": (gain(reconstruction), vmax),
              "blur": (gain(blur), vmax), "target": (target, vmax)}
    bar_px = int(round(LANDING_BAR_NM / 10.0))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in LANDING_NAMES:
        image, top = images[name]
        path = out_dir / f"{name}.png"
        tmp = path.with_suffix(".png.tmp")
        image = np.array(image, np.float32)
        h, w = image.shape
        image[h - 12:h - 8, w - 8 - bar_px:w - 8] = top  # the scale bar, in the image's brightest colour
        tmp.write_bytes(to_png(image, cmap="magma", vmin=0.0, vmax=top))
        tmp.replace(path)
        written.append(path)
    print(f"landing pictures from {source} and {model_source} -> {out_dir}")
    return written


def glossary_terms(glossary_md: Path) -> list[str]:
    """The terms defined in the book's glossary page (the unindented lines of its glossary blocks)."""
    import re

    terms = []
    for block in re.findall(r"```\{glossary\}\n(.*?)```", glossary_md.read_text(), flags=re.S):
        terms += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith((" ", "\t"))]
    return terms


def link_terms(text: str, terms: list[str]) -> str:
    """Link the first use of each glossary term in generated Markdown to its entry (longest terms first)."""
    import re

    out = text
    for term in sorted(terms, key=len, reverse=True):
        flags = 0 if any(c.isupper() for c in term) else re.IGNORECASE
        words = r"\s+".join(re.escape(w) for w in term.split())
        pattern = re.compile(rf"(?<![\w`<-]){words}(?:s|es)?(?![\w>`-])", flags)
        for m in pattern.finditer(out):
            before = out[:m.start()]
            if before.count("`") % 2:  # inside code or an earlier link
                continue
            role = f"{{term}}`{m.group(0)}`" if m.group(0) == term else f"{{term}}`{m.group(0)} <{term}>`"
            out = before + role + out[m.end():]
            break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--executed", type=Path, required=True, help="folder of executed .ipynb")
    ap.add_argument("--out", type=Path, required=True, help="book folder for the notebooks")
    ap.add_argument("--config", type=Path, required=True, help="the book's _config.yml")
    ap.add_argument("--run", type=Path, default=None,
                    help="the notebooks' run folder, for the landing pictures (default: <executed>/run)")
    args = ap.parse_args(argv)
    cfg = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    repo = cfg.get("repository", {})
    notebooks = sorted(args.executed.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"no executed notebooks in {args.executed}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        prepare(nb, args.out / nb.name, repo.get("url", DEFAULT_REPO))
    # anything the notebooks wrote next to themselves for the book (figures saved as files)
    for extra in args.executed.glob("*.png"):
        shutil.copy2(extra, args.out / extra.name)
    landing_figures(args.run or args.executed / "run", args.out / "_landing")
    from frcnet_lite.reproduction import findings_markdown

    glossary = Path(args.config).parent / "glossary.md"
    (args.out / "_findings.md").write_text(link_terms(findings_markdown(heading="##"), glossary_terms(glossary)))
    print(f"prepared {len(notebooks)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
