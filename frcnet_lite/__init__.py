"""frcnet-lite: deep-learning SMLM reconstruction with anisotropic KDE targets and an area-FRC loss.

The package is the machine behind the tutorial notebooks. Its modules are small and named for
what they hold; the numpy-only modules import without TensorFlow, the TensorFlow ones
(`losses`, `model`, `training`, ...) import it when they are first used.

Modules
-------
localizations, io      the localization table and file readers / writers
simulate               realistic microtubule dSTORM simulator with ground truth
rendering, subsets     histograms, Gaussian rendering, sparse time-window subsets, FRC splits
pairs                  training pairs (sparse input, dense target) on disk
kde                    Gaussian, adaptive and anisotropic adaptive kernel density estimates
frc, frc_tf            Fourier ring correlation (numpy) and its differentiable TensorFlow twin
losses, model, pipeline, training   the U-Net, its losses and training
metrics, resolution, reconstruct, trust   evaluation and whole-field reconstruction
widgets                ipywidgets that also work in the static book
"""

from ._version import __version__

__all__ = ["__version__"]
