"""Held-out scores of a mirror: greedy decoding in NumPy, no TensorFlow call."""

from __future__ import annotations

import numpy as np

from rnncore.seq2seq.examples import Examples
from rnncore.seq2seq.inference import Seq2seqMirror


def score(mirror: Seq2seqMirror, examples: Examples) -> dict[str, float]:
    """{"exact_match", "char_accuracy"} of greedy decoding: outputs equal to the target, and target positions
    (its end token included) where the decoded id is right."""
    decoded = mirror.greedy(examples.sources)
    width = min(decoded.shape[1], examples.targets.shape[1])
    mask = examples.target_mask[:, :width]
    right = (decoded[:, :width] == examples.targets[:, :width]) * mask
    outputs = [mirror.target.decode(row) for row in decoded]
    exact = np.mean([output == target for output, target in zip(outputs, examples.target_texts)])
    return {"exact_match": float(exact), "char_accuracy": float(right.sum() / max(examples.target_mask.sum(), 1.0))}
