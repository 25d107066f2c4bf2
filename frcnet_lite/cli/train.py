"""``frcnet-lite train CONFIG``: train the U-Net from a YAML/JSON :class:`~frcnet_lite.training.TrainConfig`.

Reads simulated pairs from ``pairs_dir/<target_kind>/{train,val}.npz``, or a folder of image
pairs (``image_pairs_dir`` with ``val_fields`` held out), and writes the model, its
``history.csv`` and checkpoints to ``out_dir``; one line per epoch shows the losses, the
validation metrics and the time left. Rerunning the same command resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["add_parser", "run", "epoch_line", "scaled_decay"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand."""
    p = subparsers.add_parser("train", help="train the U-Net from a config file (resumable)",
                              description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    p.add_argument("config", help="YAML or JSON file with TrainConfig fields (e.g. configs/cos7.yaml)")
    p.add_argument("--pairs-dir", help="override the config's pairs_dir")
    p.add_argument("--image-pairs-dir", help="override the config's image_pairs_dir")
    p.add_argument("--out-dir", help="override the config's out_dir")
    p.add_argument("--epochs", type=int,
                   help="override the config's epochs (the learning-rate decay is scaled to match)")
    p.add_argument("--restart", action="store_true", help="ignore an existing checkpoint and start over")
    return p


def scaled_decay(decay_epochs: int, old_epochs: int, new_epochs: int) -> int:
    """The decay length that keeps the same share of a run that is shortened or lengthened.

    Examples
    --------
    >>> scaled_decay(45, 90, 10), scaled_decay(0, 90, 10), scaled_decay(15, 30, 60)
    (5, 0, 30)
    """
    if decay_epochs <= 0 or old_epochs <= 0:
        return 0
    return max(1, min(new_epochs, round(decay_epochs * new_epochs / old_epochs)))


def epoch_line(row: dict, epochs: int, elapsed_s: float, done_in_call: int) -> str:
    """One line of training progress: :func:`frcnet_lite.report.epoch_line` and the time left.

    Examples
    --------
    >>> print(epoch_line({"epoch": 2, "train_loss": 0.5, "val_loss": 0.6, "val_ms_ssim_index": 0.71,
    ...                   "val_frc": 0.3, "seconds": 30.0}, 10, 62.0, 2))
    epoch 2/10: train loss 0.5000, validation loss 0.6000, area-FRC 0.700, MS-SSIM 0.710 (30 s), ~4.1 min left
    """
    from ..report import epoch_line as line  # noqa: PLC0415

    per = elapsed_s / max(done_in_call, 1)
    left = per * (epochs - int(row["epoch"]))
    return f"{line(row, epochs)}, ~{left / 60:.1f} min left"


def run(args: argparse.Namespace) -> int:
    """Run the training; return 0 when all epochs are done, 2 for a bad config (one line on stderr)."""
    from ..training import read_config, train  # noqa: PLC0415

    try:
        config = read_config(args.config)
        changes = {k: v for k, v in (("pairs_dir", args.pairs_dir), ("image_pairs_dir", args.image_pairs_dir),
                                     ("out_dir", args.out_dir)) if v is not None}
        if args.epochs is not None:
            if args.epochs < 1:
                raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
            decay = scaled_decay(config.decay_epochs, config.epochs, args.epochs)
            if decay != config.decay_epochs:
                print(f"--epochs {args.epochs}: learning-rate decay over the last {decay} epochs "
                      f"(the config's {config.decay_epochs} of {config.epochs}, scaled)")
            changes.update(epochs=args.epochs, decay_epochs=decay)
        config = config.replace(**changes)
    except (ValueError, FileNotFoundError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(config)
    start, ran = time.perf_counter(), [0]

    def report(row: dict) -> None:
        ran[0] += 1
        print(epoch_line(row, config.epochs, time.perf_counter() - start, ran[0]), flush=True)

    try:
        result = train(config, resume=not args.restart, on_epoch_end=report)
    except (ValueError, FileNotFoundError) as exc:  # the library's advice in the command line's words
        print(f"error: {' '.join(str(exc).replace('resume=False', '--restart').split())}", file=sys.stderr)
        return 2
    last = result.history[-1] if result.history else {}
    print(f"done: {len(result.history)} epochs, validation loss {last.get('val_loss', float('nan')):.4f}, "
          f"model in {result.out_dir}")
    return 0
