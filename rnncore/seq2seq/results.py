"""What a seq2seq run sends back from its worker process: plain NumPy and Python, no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.inference import Seq2seqMirror
from rnncore.seq2seq.tasks import TASKS


@dataclass(frozen=True)
class Seq2seqResult:
    """One trained encoder–decoder and how it got there.

    curve: one point per report, {"round", "batches", "seconds", "train_seconds", "loss", "char_accuracy",
    "exact_match"}; round 0 is the untrained start. "seconds" is wall clock since the first batch (the held-out
    scoring included), "train_seconds" the batches alone; "loss" is the mean training loss of the round's
    batches (NaN for round 0). The scores are greedy decoding on the held-out set: exact_match, the share of
    outputs equal to the target; char_accuracy, the share of target positions (end token included) right.
    """

    config: Seq2seqConfig
    weights: dict[str, np.ndarray]  # by "layer/variable" name, for Seq2seqMirror.from_weights
    curve: list[dict]
    exact_match: float  # the last report's
    char_accuracy: float
    seconds: float  # wall clock of the training loop (compile_seconds not included)
    compile_seconds: float  # the run's start to its first batch: examples, model, shared step (traced or reused)
    max_output: int  # output steps, the end token included
    heldout_count: int
    seen_fraction: float  # share of held-out inputs that were also in the training pool (0 unless tiny)
    examples: list[dict] = field(default_factory=list)  # a few held-out {"source", "target", "output"}
    cancelled: bool = False

    def mirror(self) -> Seq2seqMirror:
        """The trained model as a NumPy mirror, for decoding without TensorFlow."""
        task = TASKS[self.config.task]
        return Seq2seqMirror.from_weights(self.config.cell, self.weights, task.source, task.target, self.max_output)
