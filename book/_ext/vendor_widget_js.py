"""Serve the ipywidgets JavaScript (and MathJax) from the book itself, so the book works offline.

myst-nb puts two ``<script>`` tags on every page that holds widget state: RequireJS and
``@jupyter-widgets/html-manager``'s ``embed-amd.js`` (which renders the widgets from the state
stored in the page). By default both come from a CDN. This script takes them from the npm
registry (``npm pack``, pinned versions, integrity checked by npm) and copies them, with their
licences, into ``book/_static/vendor/``; ``book/_config.yml`` (``nb_ipywidgets_js``) points
the pages there.

``widgets-config.js`` (written here) tells RequireJS where the bundle's modules live, so that
their icon fonts load from the book too. Jupyter Book adds every ``.js`` file under ``_static``
to every page; ``book/_ext/frcnet_book.py`` takes these back out, so only widget pages load them.

``embed-amd.js`` bundles ``@jupyter-widgets/base``, ``controls`` and ``output``, so the core
widgets (sliders, images, boxes, ``Stack``) need nothing from a CDN; only third-party widget
libraries would (the book does not use any). Its icon fonts are loaded relative to the script,
so they are copied next to it.

MathJax (``vendor/mathjax``, ``mathjax_path`` in ``_config.yml``) likewise: Sphinx would load it
from a CDN on every page that shows or links to an equation.

Usage: python book/_ext/vendor_widget_js.py [--out book/_static/vendor] [--cache build/npm]
Re-running is cheap: nothing is fetched when the folder already holds these versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

#: ``@jupyter-widgets/html-manager`` 1.0.x is the embed manager of ipywidgets 8.1.x
#: (it bundles ``@jupyter-widgets/controls`` 5.0.x, the JS side of ipywidgets 8.1).
HTML_MANAGER = ("@jupyter-widgets/html-manager", "1.0.15")
REQUIREJS = ("requirejs", "2.3.7")
#: MathJax, which Sphinx otherwise loads from a CDN on every page with (or linking to) math
MATHJAX = ("mathjax", "3.2.2")
#: the parts of MathJax's es5 build a page can load: the combined component, its fonts, and the
#: pieces it loads on demand (TeX extensions, the menu, accessibility); not the speech rule maps
MATHJAX_PARTS = ("es5/tex-mml-chtml.js", "es5/output/chtml/fonts/woff-v2/", "es5/input/tex/extensions/",
                 "es5/ui/", "es5/a11y/")

#: file in ``--out`` recording what is there
STAMP = "VERSIONS.json"

FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")

#: Loaded between require.js and embed-amd.js. The bundle's modules find their icon fonts
#: relative to their RequireJS module URL, which defaults to the page's folder; these paths put
#: every module next to the fonts in vendor/html-manager/.
CONFIG_JS = """// frcnet-lite book: ipywidgets embed modules and their fonts come from the book itself
(function () {
  var dir = document.currentScript.src.replace(/[^/]*([?#].*)?$/, "") + "html-manager/";
  window.__jupyter_widgets_assets_path__ = dir;
  var paths = {};
  ["base", "base7", "controls", "controls7", "output", "html-manager"].forEach(function (m) {
    paths["@jupyter-widgets/" + m] = dir + m;
  });
  paths["@jupyter-widgets/html-manager/dist/libembed-amd"] = dir + "libembed-amd";
  window.requirejs.config({paths: paths});
})();
// The embed bundle typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue) whenever
// window.MathJax exists; the book loads MathJax 3, which has no Hub: without this shim every widget
// on a page with equations fails ("Cannot read properties of undefined (reading 'Queue')").
(function () {
  var hub = {Queue: function (job) {
    var mj = window.MathJax, el = Array.isArray(job) ? job[2] : undefined;
    if (mj && typeof mj.typesetPromise === "function") {
      mj.typesetPromise(el ? [el] : undefined).catch(function () {});
    }
  }};
  function patch(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      try { Object.defineProperty(mj, "Hub", {value: hub, configurable: true, enumerable: false}); } catch (e) {}
    }
  }
  var current = window.MathJax;
  patch(current);
  try {  // MathJax 3 may (re)define window.MathJax when it loads: patch that object too
    Object.defineProperty(window, "MathJax", {configurable: true, enumerable: true,
      get: function () { return current; }, set: function (v) { current = v; patch(v); }});
  } catch (e) {}
})();
"""


def tarball_name(package: str, version: str) -> str:
    """The file name ``npm pack`` gives a package's tarball.

    Examples
    --------
    >>> tarball_name("@jupyter-widgets/html-manager", "1.0.15")
    'jupyter-widgets-html-manager-1.0.15.tgz'
    """
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"


def fetch(package: str, version: str, cache: Path) -> Path:
    """Download ``package@version`` from the npm registry into ``cache`` (once) and return the tarball."""
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / tarball_name(package, version)
    if tgz.exists():
        return tgz
    if shutil.which("npm") is None:
        raise RuntimeError(
            f"npm is needed to fetch {package}@{version} for the book's widgets "
            "(install Node.js/npm, e.g. `apt-get install npm`)"
        )
    print(f"npm pack {package}@{version}", file=sys.stderr)
    subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=cache, check=True,
                   stdout=subprocess.DEVNULL)
    if not tgz.exists():
        raise RuntimeError(f"npm pack did not produce {tgz}")
    return tgz


def extract(tgz: Path, members: dict[str, Path]) -> None:
    """Copy the files ``members`` (path inside the package -> destination) out of an npm tarball."""
    with tarfile.open(tgz, "r:gz") as tar:
        names = {PurePosixPath(m.name).relative_to("package").as_posix(): m for m in tar.getmembers()
                 if m.isfile() and m.name.startswith("package/")}
        for inner, dest in members.items():
            if inner not in names:
                raise RuntimeError(f"{tgz.name} has no file {inner!r}")
            src = tar.extractfile(names[inner])
            assert src is not None  # a regular file
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read())


def package_files(tgz: Path, prefix: str, suffixes: tuple[str, ...]) -> list[str]:
    """Paths (inside the package) of the files under ``prefix`` ending in one of ``suffixes``."""
    with tarfile.open(tgz, "r:gz") as tar:
        return sorted(m.name[len("package/"):] for m in tar.getmembers()
                      if m.isfile() and m.name.startswith("package/" + prefix) and m.name.endswith(suffixes))


def licence_text(tgz: Path) -> str:
    """The package's licence: its LICENSE file, else its ``package.json`` licence field plus the
    licence notes webpack wrote next to the bundles (``dist/*.LICENSE.txt``)."""
    with tarfile.open(tgz, "r:gz") as tar:
        files = {m.name[len("package/"):]: m for m in tar.getmembers() if m.isfile()}

        def read(name: str) -> str:
            f = tar.extractfile(files[name])
            assert f is not None
            return f.read().decode("utf-8")

        for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
            if name in files:
                return read(name)
        meta = json.loads(read("package.json"))
        if not meta.get("license"):
            raise RuntimeError(f"{tgz.name} states no licence: refusing to vendor it")
        author = meta.get("author", "its authors")
        author = author.get("name", "its authors") if isinstance(author, dict) else author
        parts = [f"{meta['name']} {meta['version']}: licence {meta['license']} (from its package.json)",
                 f"Copyright (c) {author}", ""]
        for name in sorted(n for n in files if n.startswith("dist/") and n.endswith(".LICENSE.txt")):
            parts += [f"--- {name} (licences of bundled code) ---", read(name)]
        return "\n".join(parts) + "\n"


def vendor(out: Path, cache: Path) -> bool:
    """Fill ``out`` with require.js, embed-amd.js and its fonts, MathJax, and their licences.

    Returns True when it changed anything."""
    wanted = dict([HTML_MANAGER, REQUIREJS, MATHJAX])
    stamp = out / STAMP
    wanted["widgets-config.js"] = hashlib.sha256(CONFIG_JS.encode()).hexdigest()[:16]
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and (out / "require.js").exists():
        return False
    hm = fetch(*HTML_MANAGER, cache)
    rq = fetch(*REQUIREJS, cache)
    mj = fetch(*MATHJAX, cache)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".vendor-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    try:
        hm_files = {"dist/embed-amd.js": tmp / "html-manager" / "embed-amd.js"}
        for font in package_files(hm, "dist/", FONT_SUFFIXES):
            hm_files[font] = tmp / "html-manager" / PurePosixPath(font).name
        extract(hm, hm_files)
        (tmp / "html-manager" / "LICENSE.txt").write_text(licence_text(hm), encoding="utf-8")
        extract(rq, {"require.js": tmp / "require.js"})
        (tmp / "requirejs-LICENSE.txt").write_text(licence_text(rq), encoding="utf-8")
        mj_files = [f for part in MATHJAX_PARTS for f in package_files(mj, part, (".js", ".woff"))]
        extract(mj, {f: tmp / "mathjax" / PurePosixPath(f).relative_to("es5") for f in mj_files})
        (tmp / "mathjax" / "LICENSE.txt").write_text(licence_text(mj), encoding="utf-8")
        (tmp / "widgets-config.js").write_text(CONFIG_JS, encoding="utf-8")
        (tmp / STAMP).write_text(json.dumps(wanted, indent=1) + "\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("book/_static/vendor"), help="the book's vendor folder")
    ap.add_argument("--cache", type=Path, default=Path("build/npm"), help="where npm tarballs are kept")
    args = ap.parse_args(argv)
    changed = vendor(args.out, args.cache)
    print(f"widget JavaScript {'written to' if changed else 'up to date in'} {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
