"""frcnet-lite: deep-learning SMLM reconstruction with anisotropic KDE targets and an area-FRC loss.

The package is the machine behind the tutorial notebooks. Its modules are small and named for
what they hold. The numpy-only modules import without TensorFlow; the TensorFlow ones
(``frc_tf``, ``losses``, ``model``, ``pipeline``, ``training``, ``reconstruct``) import it when
they are first used. Every module is reachable as an attribute (``frcnet_lite.kde``), imported on
first access.

The modules, by topic:

- ``localizations``, ``io``, ``formats``: the localization table, file readers / writers, one reader
  module per SMLM format (detected by content);
- ``simulate``: a realistic microtubule dSTORM simulator with ground truth;
- ``rendering``, ``subsets``: histograms, Gaussian rendering, sparse time-window subsets, FRC splits;
- ``targets``: the one registry of training-target kinds (histogram, Gaussian / adaptive /
  anisotropic KDE, pre-rendered images), their parameters and defaults;
- ``pairs``: training pairs (sparse input, dense target) on disk;
- ``kde``: Gaussian, adaptive and anisotropic adaptive kernel density estimates;
- ``frc``, ``frc_tf``: Fourier ring correlation of two images (numpy) and its differentiable
  TensorFlow twin;
- ``frc_study``: the FRC-vs-fraction study (paper Fig. 2): resolution and area-FRC against the data;
- ``losses``, ``model``, ``pipeline``, ``training``: the U-Net (and the shipped models, by name), its
  losses and training, from simulated pairs or real image pairs;
- ``metrics``, ``resolution``, ``reconstruct``, ``trust``: evaluation (resolution: FRC of
  localizations, two filaments) and whole-field reconstruction;
- ``validation``, ``comparison``, ``modelcard``: the one validation protocol (one intensity fit, the
  oracle blur, margins paired and counted over independent units), a reconstruction against the
  baselines field by field, and what is stored beside a model and its card;
- ``reproduction``, ``study``, ``two_filaments``: the paper's claims tested (the stored study's
  verdicts), the paper's own training curves, the two-filament test;
- ``datasets``: the real COS-7 data and the shipped demo crop;
- ``export``: a model as a BioImage Model Zoo package (Fiji, napari, bioimageio.core, ...);
- ``hallucination``: what the network draws where the truth is empty (gaps, empty fields, unseen
  structures) and how well each trust map flags it, on simulations with known truth;
- ``profiles``, ``plotting``, ``report``, ``widgets``, ``tutorial``: what the notebooks show and say
  (cross-sections, figures with scale bars, sentences computed from results, sliders that work in
  the static book, a run folder made at quick scale when a notebook runs alone).
"""

from __future__ import annotations

import importlib

from ._version import __version__

#: The public modules (imported lazily on first attribute access).
MODULES = (
    "localizations", "io", "simulate", "rendering", "subsets", "targets", "pairs", "kde", "frc", "frc_tf",
    "frc_study",
    "losses", "model", "pipeline", "training", "metrics", "resolution", "reconstruct", "trust",
    "widgets", "profiles", "plotting", "report", "tutorial", "comparison", "datasets", "study", "formats", "cli",
    "export", "hallucination", "validation", "modelcard", "reproduction", "two_filaments",
)

__all__ = ["__version__", *MODULES]


def __getattr__(name: str):
    if name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'frcnet_lite' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(MODULES))
