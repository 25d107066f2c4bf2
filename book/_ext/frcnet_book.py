"""Sphinx extension of the frcnet-lite book.

* ``frcnet-cli-help`` directive: the help of ``frcnet-lite`` and of each of its subcommands,
  produced by running the installed tool at build time (``python -m frcnet_lite ... --help``),
  so the page always shows what the code says.
* Pages that are generated from the code (the CLI page, the API index) are re-read on every
  build, so new subcommands and modules appear without a clean build.
* No repeated ``<script>`` tags (a repeated ``const`` declaration is a JavaScript error).
* The vendored widget JavaScript (``_static/vendor``) only on the pages that have widgets.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: documents rebuilt every time (their content comes from the code, not from their source)
ALWAYS_REREAD = ("cli", "api/index")

#: argparse wraps help at this width (minus 2): the code blocks of the page show about 80 characters
HELP_COLUMNS = "78"


def subcommands() -> list[str]:
    """Names of the subcommands the installed ``frcnet-lite`` offers, in ``--help`` order."""
    from frcnet_lite.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def help_text(args: list[str]) -> str:
    """The output of ``frcnet-lite <args> --help`` (run as ``python -m frcnet_lite``)."""
    env = {**os.environ, "COLUMNS": HELP_COLUMNS, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-m", "frcnet_lite", *args, "--help"], capture_output=True,
                          text=True, env=env, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"`frcnet-lite {' '.join(args)} --help` failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout.rstrip()


class CliHelp(SphinxDirective):
    """``frcnet-cli-help``: one section per subcommand with its ``--help`` text."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines = ["## Usage", "", "```text", *help_text([]).splitlines(), "```", ""]
        names = subcommands()
        for name in names:
            lines += [f"## `frcnet-lite {name}`", "", "```text", *help_text([name]).splitlines(), "```", ""]
        if not names:
            lines += ["This version of frcnet-lite has no subcommands yet.", ""]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(lines, source="frcnet-lite --help"), container)
        return container.children


def always_reread(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    return [doc for doc in ALWAYS_REREAD if doc in env.found_docs]


def keep_main_module_out() -> None:
    """Stop autosummary's recursive walk from running ``frcnet_lite/__main__.py``.

    The walk imports every submodule; importing ``__main__`` would start the command-line tool
    (with the arguments of jupyter-book). A stand-in module takes its place while the book is
    built; it is private and not documented anyway.
    """
    name = "frcnet_lite.__main__"
    if name not in sys.modules:
        stand_in = types.ModuleType(name, "Runs the frcnet-lite command-line tool (python -m frcnet_lite).")
        sys.modules[name] = stand_in


def public_modules(package: str = "frcnet_lite") -> list[str]:
    """Public submodules of ``package`` (names without a leading underscore), found without importing them.

    The package's ``__all__`` names its API, not its modules, so autosummary's own module list
    (which follows ``__all__``) would be empty: the API index gets this list instead.
    """
    import importlib.util
    import pkgutil

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"cannot find the package {package!r}: is frcnet-lite installed?")
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(spec.submodule_search_locations)
            if not m.name.startswith("_")]


def add_module_list(app: Sphinx, config: Any) -> None:
    context = dict(config.autosummary_context or {})
    context["frcnet_modules"] = public_modules()
    config.autosummary_context = context


def widget_js_only_on_widget_pages(app: Sphinx, config: Any) -> None:
    """Jupyter Book adds every ``.js`` file under ``_static`` to every page, including the
    vendored widget JavaScript: take those out again (myst-nb adds them to widget pages)."""
    config.html_js_files = [js for js in config.html_js_files
                            if not str(js[0] if isinstance(js, tuple) else js).startswith("vendor/")]


def dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Drop repeated ``<script>`` tags.

    Sphinx 7.4 registers inline scripts added before the build (e.g. sphinx-thebe's
    ``const THEBE_JS_URL = ...``) twice (filename ``None`` and ``''``); the second ``const``
    declaration is a JavaScript SyntaxError on every page.
    """
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for js in context.get("script_files", []):
        attrs = getattr(js, "attributes", {})
        key = (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict[str, Any]:
    keep_main_module_out()
    app.connect("config-inited", add_module_list)
    app.connect("config-inited", widget_js_only_on_widget_pages)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.add_directive("frcnet-cli-help", CliHelp)
    app.connect("env-get-outdated", always_reread)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
