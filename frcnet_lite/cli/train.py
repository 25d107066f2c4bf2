"""``frcnet-lite train CONFIG``: train the U-Net from a YAML/JSON :class:`~frcnet_lite.training.TrainConfig`.

Reads the pairs from ``pairs_dir/<target_kind>/{train,val}.npz`` and writes the model, its
``history.csv`` and checkpoints to ``out_dir``; rerunning the same command resumes an
interrupted run.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand."""
    p = subparsers.add_parser("train", help="train the U-Net from a config file (resumable)",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("config", help="YAML or JSON file with TrainConfig fields (e.g. configs/pretrained_lite.yaml)")
    p.add_argument("--pairs-dir", help="override the config's pairs_dir")
    p.add_argument("--out-dir", help="override the config's out_dir")
    p.add_argument("--epochs", type=int, help="override the config's epochs")
    p.add_argument("--restart", action="store_true", help="ignore an existing checkpoint and start over")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the training; return 0 when all epochs are done."""
    from ..training import read_config, train  # noqa: PLC0415

    config = read_config(args.config)
    changes = {k: v for k, v in (("pairs_dir", args.pairs_dir), ("out_dir", args.out_dir),
                                 ("epochs", args.epochs)) if v is not None}
    config = config.replace(**changes)
    print(config)
    result = train(config, resume=not args.restart)
    last = result.history[-1] if result.history else {}
    print(f"done: {len(result.history)} epochs, validation loss {last.get('val_loss', float('nan')):.4f}, "
          f"model in {result.out_dir}")
    return 0
