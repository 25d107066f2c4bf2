"""The ``frcnet-lite`` command-line tool.

Each subcommand lives in its own module of this package and exposes two functions::

    def add_parser(subparsers) -> argparse.ArgumentParser   # registers the subcommand
    def run(args: argparse.Namespace) -> int                # runs it, returns an exit code

Subcommand modules are listed in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__

#: Subcommand modules in the order ``--help`` lists them.
SUBCOMMANDS = ("simulate", "frc", "train", "reconstruct", "evaluate")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frcnet-lite`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    return int(args._run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
