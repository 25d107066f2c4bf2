"""The ``frcnet-lite`` command-line tool.

Each subcommand lives in its own module of this package and exposes two functions::

    def add_parser(subparsers) -> argparse.ArgumentParser   # registers the subcommand
    def run(args: argparse.Namespace) -> int                # runs it, returns an exit code

Subcommand modules are listed in :data:`SUBCOMMANDS`.

User errors never end in a traceback: :func:`main` turns a :class:`ValueError` (which the package raises
for bad input, naming the file or value), an :class:`OSError` (missing, unreadable or unwritable files), a
YAML syntax error and a :class:`MemoryError` into one line ``error: ...`` on stderr and exit code 2
(130 on Ctrl-C; SIGTERM is handled the same way, so temporary files are removed). Set the environment
variable ``FRCNET_LITE_TRACEBACK=1`` to see the traceback instead. Warnings (an unusual input that is
read anyway) are printed as one line ``warning: ...`` on stderr. Shared options and checks:
``frcnet_lite/cli/_common.py``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence

from .._version import __version__

#: Subcommand modules in the order ``--help`` lists them.
SUBCOMMANDS = ("simulate", "render", "frc", "pairs", "train", "reconstruct", "evaluate", "models", "export")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="frcnet-lite",
        description=(
            "Deep-learning reconstruction of sparse SMLM data (Berberich et al. 2021): "
            "simulate data, measure FRC resolution, train and apply a U-Net."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def _user_error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [ValueError, OSError, MemoryError]
    yaml = sys.modules.get("yaml")
    if yaml is not None:
        types.append(yaml.YAMLError)
    return tuple(types)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return ("out of memory: use a larger pixel size, a smaller region (--roi) or a lower --max-pixels "
                f"{exc}".rstrip())
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    return " ".join(text.split())


class _Terminated(Exception):
    """SIGTERM, raised in the main thread so that ``finally`` blocks (temporary files) run."""


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise _Terminated()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    print(f"warning: {' '.join(str(message).split())}", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frcnet-lite`` console script; returns the exit code (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and "error: ..." (or --help, --version)
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    in_main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("error: terminated", file=sys.stderr)
        return 143
    except Exception as exc:
        if not isinstance(exc, _user_error_types()) or os.environ.get("FRCNET_LITE_TRACEBACK"):
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
