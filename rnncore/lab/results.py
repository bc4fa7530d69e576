"""What a Sequence Lab run sends back from its worker process: plain NumPy and Python, no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.lab.config import LabConfig


@dataclass(frozen=True)
class CellOutcome:
    """One cell's run.

    metric: the validation metric after the cell's last round (not the best so far), the curve's last point.
    seconds: training seconds (train steps and the per-round validation); one-time compilation excluded and
    reported as compile_seconds. curve: one point per round, {"round", "seconds", "loss", "metric"}, round 0
    scored before any training; "seconds" is this cell's training time so far.
    """

    cell: str
    metric: float
    seconds: float
    curve: list[dict]
    example_prediction: np.ndarray  # the output on validation example 0: probabilities (classes) or values
    hidden: np.ndarray  # (T, units): the hidden state h over validation example 0 (for an LSTM, h, not c)
    step_gradient_norms: np.ndarray  # (T,): mean over validation examples of ‖∂loss/∂x_t‖ (that example's loss)
    compile_seconds: float = 0.0  # tracing the compiled train step, once, before round 1
    # Forecast tasks only ("sequence_value"), else None: (T, 1), aligned with example_targets. NaN before
    # LabResult.forecast_from; the network reads the true inputs up to that step, then its own previous
    # prediction in place of each later input (free-running), so its errors can pile up.
    forecast: np.ndarray | None = None


@dataclass(frozen=True)
class LabResult:
    """A whole run: every cell's outcome and the task's baseline on the same validation data."""

    config: LabConfig
    metric_name: str
    higher_is_better: bool
    baseline_name: str
    baseline: float  # the baseline's metric on the validation data
    outcomes: dict[str, CellOutcome]  # by cell, in config order
    example_inputs: np.ndarray  # validation example 0: (T, input_dim)
    example_targets: np.ndarray  # its target: () class, (1,) value, (T,) classes or (T, 1) values
    seconds: float  # the whole run, wall clock
    cancelled: bool = False
    forecast_from: int | None = None  # first free-running step of CellOutcome.forecast (forecast tasks only)
    batches_per_round: int = 0
    batch_size: int = 0
    best_possible: float | None = None  # rnncore.lab.tasks.best_possible: what no cell can beat on average
