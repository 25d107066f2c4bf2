"""``frcnet-lite simulate``: write a simulated dSTORM localization file and its ground truth.

Writes ``OUTPUT`` (``.csv`` or Picasso ``.hdf5`` + ``.yaml``), ``<stem>_truth.tif`` (the
noise-free density at ``--truth-pixel-size-nm``, float32, pixel size in the TIFF tags) and
``<stem>_simulation.npz`` (everything: localizations with fluorophore ids, dye positions,
filament centre lines, config; read it with :func:`frcnet_lite.simulate.load_simulation`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import (
    DEFAULT_MAX_PIXELS, CliError, check_output, finite_float, fraction, positive_float, positive_int, rename_options,
)


def _nonnegative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``simulate`` subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="simulate a dSTORM acquisition of microtubules (localizations + ground truth)",
        description=(
            "Simulate immunostained microtubules imaged by dSTORM: filaments, antibody labelling, blinking, "
            "localization precision, background. Writes the localizations and the ground truth."
        ),
    )
    p.add_argument("output", metavar="OUTPUT", help="localization file to write (.csv or Picasso .hdf5)")
    p.add_argument("--field-size-nm", type=positive_float, default=21000.0, help="side of the square field in nm (default 21000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--n-frames", type=positive_int, default=20000, help="number of camera frames (default 20000)")
    p.add_argument("--labelling-efficiency", type=fraction, default=0.06,
                   help="fraction of epitopes carrying an antibody (default 0.06)")
    p.add_argument("--background-per-um2", type=_nonnegative_float, default=40.0,
                   help="background localizations per um^2 (default 40)")
    p.add_argument("--drift-nm", type=finite_float, nargs=2, default=(0.0, 0.0), metavar=("DX", "DY"),
                   help="total linear drift over the acquisition in nm (default 0 0)")
    p.add_argument("--two-filaments-nm", type=positive_float, metavar="DISTANCE",
                   help="instead of a network: two parallel filaments this far apart (nm)")
    p.add_argument("--truth-pixel-size-nm", type=positive_float, default=5.0,
                   help="pixel size of the ground-truth TIFF in nm (default 5)")
    p.add_argument("--max-pixels", type=positive_int, default=DEFAULT_MAX_PIXELS, metavar="N",
                   help=f"refuse a ground-truth image of more pixels (default {DEFAULT_MAX_PIXELS})")
    return p


_CONFIG_OPTIONS = {name: "--" + name.replace("_", "-") for name in (
    "field_size_nm", "seed", "n_frames", "labelling_efficiency", "background_per_um2", "drift_nm")}


def run(args: argparse.Namespace) -> int:
    """Simulate and write the files; returns 0, or 2 for bad arguments."""
    from ..io import write_localizations, write_tiff
    from ..simulate import SimulationConfig, render_truth, save_simulation, simulate_microtubules, simulate_two_filaments

    out = Path(args.output)
    # every output is checked before the simulation runs (errors: cli.main prints them as one line)
    check_output(out, "OUTPUT", (".csv", ".hdf5", ".h5"))
    if out.suffix.lower() != ".csv":
        check_output(out.with_suffix(".yaml"), "OUTPUT (its Picasso .yaml)", (".yaml",))
    check_output(out.with_name(out.stem + "_truth.tif"), "OUTPUT (its ground truth)", (".tif",))
    check_output(out.with_name(out.stem + "_simulation.npz"), "OUTPUT (its simulation record)", (".npz",))
    truth_px = (args.field_size_nm / args.truth_pixel_size_nm) ** 2
    if truth_px > args.max_pixels:
        raise CliError(f"a {args.field_size_nm:g} nm field at --truth-pixel-size-nm {args.truth_pixel_size_nm:g} "
                       f"needs a {truth_px:.3g}-pixel ground truth, more than --max-pixels {args.max_pixels}: use a "
                       "smaller --field-size-nm or a larger --truth-pixel-size-nm, or raise --max-pixels")
    try:
        cfg = SimulationConfig(field_size_nm=args.field_size_nm, seed=args.seed, n_frames=args.n_frames,
                               labelling_efficiency=args.labelling_efficiency,
                               background_per_um2=args.background_per_um2, drift_nm=tuple(args.drift_nm))
    except ValueError as exc:
        raise CliError(rename_options(str(exc), _CONFIG_OPTIONS)) from None
    if args.two_filaments_nm is not None:
        sim = simulate_two_filaments(args.two_filaments_nm, config=cfg)
    else:
        sim = simulate_microtubules(cfg)
    truth = render_truth(sim, args.truth_pixel_size_nm)
    write_localizations(sim.localizations, out)
    truth_path = write_tiff(out.with_name(out.stem + "_truth.tif"), truth, pixel_size_nm=args.truth_pixel_size_nm)
    sim_path = save_simulation(sim, out.with_name(out.stem + "_simulation.npz"))
    print(f"{len(sim.localizations):,} localizations of {len(sim.fluorophores_nm):,} dyes on "
          f"{len(sim.filaments)} filaments, field {sim.fov_nm[2]:.0f} x {sim.fov_nm[3]:.0f} nm")
    print(f"wrote {out}\n      {truth_path} ({truth.shape[1]} x {truth.shape[0]} px at {args.truth_pixel_size_nm:g} nm)"
          f"\n      {sim_path}")
    return 0
