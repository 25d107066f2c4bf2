"""The training curves Berberich et al. (2021) published for their Figure 3, next to ours.

:func:`paper_traces` reads the paper's MS-SSIM and area-FRC training losses (logged every 250
steps of their runs) when their figure data are on this machine; notebook 4 draws them beside the
stored reproduction study (:mod:`frcnet_lite.reproduction`).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path


__all__ = ["PAPER_TRACES", "paper_traces"]

#: The paper's Figure 3 training traces: file name -> the run it is (by the authors' file names).
PAPER_TRACES = {
    "fig3_trace_ssim_only.csv": "MS-SSIM + L1",
    "fig3_trace_frc_only.csv": "area-FRC + L1",
    "fig3_trace_frc_ssim.csv": "MS-SSIM + area-FRC + L1",
    "fig3_trace_frc_ssim_nokde.csv": "MS-SSIM + area-FRC + L1, Gaussian targets",
}


def paper_traces(folder: str | os.PathLike | None) -> dict[str, dict[str, list[float]]]:
    """The paper's Figure 3 training traces: ``run -> {"step", "ms_ssim_loss", "frc_loss"}`` (empty without data).

    ``folder`` is the paper's figure data (:func:`frcnet_lite.tutorial.find_paper_figures`); the
    columns used are ``gen_loss_SSIM`` (their MS-SSIM loss) and ``gen_loss_frc_mean`` (their
    area-FRC loss), one row every 250 steps.
    """
    if folder is None:
        return {}
    out = {}
    for fname, label in PAPER_TRACES.items():
        path = Path(folder) / fname
        if not path.is_file():
            continue
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        out[label] = {"step": [float(r["step"]) for r in rows],
                      "ms_ssim_loss": [float(r["gen_loss_SSIM"]) for r in rows],
                      "frc_loss": [float(r["gen_loss_frc_mean"]) for r in rows]}
    return out
