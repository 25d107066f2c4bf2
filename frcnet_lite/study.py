"""The stored results of the paper's comparisons (which loss, which target), and the paper's own curves.

``scripts/loss_study.py --full`` trains every run of the study and stores its results in the
package (``frcnet_lite/studies/``: ``study.json`` with every run's curves and final metrics,
``loss_study.csv``, ``target_study.csv`` and two figures), so that the book shows them without
retraining. This module reads them back:

* :func:`load` the whole study; :func:`summary` one part's ``group -> metric -> MetricSummary``
  (mean ± SEM over seeds and held-out fields or patches), for :func:`frcnet_lite.report.metric_table`;
* :func:`curves` each run's held-out MS-SSIM and area-FRC losses per epoch;
* :func:`paper_traces` the training curves Berberich et al. (2021) published for their Figure 3
  (MS-SSIM and area-FRC losses every 250 steps of their runs), when their data are on this machine.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from .metrics import MetricSummary

__all__ = ["STUDY_DIR", "PAPER_TRACES", "load", "summary", "curves", "paper_traces"]

#: Where ``scripts/loss_study.py --full`` stores the study.
#:
#: :meta hide-value:
STUDY_DIR = Path(__file__).parent / "studies"

#: The paper's Figure 3 training traces: file name -> the run it is (by the authors' file names).
PAPER_TRACES = {
    "fig3_trace_ssim_only.csv": "MS-SSIM + L1",
    "fig3_trace_frc_only.csv": "area-FRC + L1",
    "fig3_trace_frc_ssim.csv": "MS-SSIM + area-FRC + L1",
    "fig3_trace_frc_ssim_nokde.csv": "MS-SSIM + area-FRC + L1, Gaussian targets",
}


def load(folder: str | os.PathLike | None = None) -> dict:
    """The stored study (``study.json``); ``folder`` defaults to :data:`STUDY_DIR`.

    Raises
    ------
    FileNotFoundError
        When no study was stored there (run ``python scripts/loss_study.py --full``).
    """
    path = Path(folder or STUDY_DIR) / "study.json"
    if not path.is_file():
        raise FileNotFoundError(f"no stored study at {str(path)!r}: run python scripts/loss_study.py --full")
    return json.loads(path.read_text())


def summary(study: dict, part: str = "loss") -> dict[str, dict[str, MetricSummary]]:
    """``group -> metric -> MetricSummary`` of one part (``"loss"`` or ``"target"``) of the study.

    Examples
    --------
    >>> s = {"loss": {"summary": {"MS-SSIM + L1": {"psnr_db": [20.0, 0.1, 4]}}}}
    >>> summary(s)["MS-SSIM + L1"]["psnr_db"]
    MetricSummary(mean=20.0, sem=0.1, n=4)
    """
    if part not in study:
        raise KeyError(f"the stored study has no {part!r} part (it has {sorted(k for k in study if k in ('loss', 'target'))})")
    return {g: {k: MetricSummary(float(v[0]), float(v[1]), int(v[2])) for k, v in row.items()}
            for g, row in study[part]["summary"].items()}


def curves(study: dict, part: str = "loss") -> dict[str, dict[str, list[float]]]:
    """Each run's curves: ``run -> {"group", "seed", "step", "val_ms_ssim", "val_frc"}``.

    ``step`` counts training steps (epoch x steps per epoch), to put them next to the paper's.
    """
    out = {}
    for name, run in study[part]["runs"].items():
        steps = int(run["config"]["steps_per_epoch"])
        h = run["history"]
        out[name] = {"group": run["group"], "seed": run["seed"], "step": [e["epoch"] * steps for e in h],
                     "val_ms_ssim": [e["val_ms_ssim"] for e in h], "val_frc": [e["val_frc"] for e in h]}
    return out


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
