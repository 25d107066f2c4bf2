"""Copy the executed notebooks into the book and add an "Open in Colab" badge to each.

The badge points at the generated ``.ipynb`` in the repository named by ``repository.url`` /
``repository.branch`` / ``repository.path_to_book`` in ``book/_config.yml`` (the one setting).
The Colab install cell's repository URL is rewritten to the same setting.

Usage: python scripts/prepare_book.py --executed build/executed --out book/notebooks --config book/_config.yml
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import yaml

DEFAULT_REPO = "https://github.com/frcnet-lite/frcnet-lite"


def colab_url(repo_url: str, branch: str, path_in_repo: str) -> str:
    """Colab's address for a notebook file on GitHub."""
    repo_url = repo_url.rstrip("/")
    prefix = "https://github.com/"
    if not repo_url.startswith(prefix):
        raise ValueError(f"repository.url must be a GitHub URL starting with {prefix!r}, got {repo_url!r}")
    return f"https://colab.research.google.com/github/{repo_url[len(prefix):]}/blob/{branch}/{path_in_repo}"


def prepare(nb_path: Path, out_path: Path, repo_url: str, branch: str, path_to_book: str) -> None:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    url = colab_url(repo_url, branch, f"{path_to_book}/{out_path.parent.name}/{out_path.name}")
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
    for c in cells:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            if DEFAULT_REPO in src and repo_url != DEFAULT_REPO:
                c["source"] = src.replace(DEFAULT_REPO, repo_url.rstrip("/"))
    nb["cells"] = cells
    tmp = out_path.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out_path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--executed", type=Path, required=True, help="folder of executed .ipynb")
    ap.add_argument("--out", type=Path, required=True, help="book folder for the notebooks")
    ap.add_argument("--config", type=Path, required=True, help="the book's _config.yml")
    args = ap.parse_args(argv)
    cfg = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    repo = cfg.get("repository", {})
    notebooks = sorted(args.executed.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print(f"no executed notebooks in {args.executed}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        prepare(nb, args.out / nb.name, repo.get("url", DEFAULT_REPO), repo.get("branch", "main"),
                repo.get("path_to_book", "book"))
    # anything the notebooks wrote next to themselves for the book (figures saved as files)
    for extra in args.executed.glob("*.png"):
        shutil.copy2(extra, args.out / extra.name)
    print(f"prepared {len(notebooks)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
