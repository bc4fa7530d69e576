"""A run's examples as padded id arrays: the held-out set it is scored on and the training pool its batches
come from (no held-out source in the pool, unless the task is too small to keep them apart)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.seq2seq.tasks import TASKS, generate
from rnncore.seq2seq.vocabulary import PAD

HELDOUT_SEED_OFFSET = 1_000_003


@dataclass(frozen=True)
class Examples:
    """sources (N, S) ids padded with 0; decoder_inputs (N, T): start token, then the target (teacher forcing);
    targets (N, T): the target then the end token; the texts alongside."""

    sources: np.ndarray
    decoder_inputs: np.ndarray
    targets: np.ndarray
    source_texts: list[str]
    target_texts: list[str]

    def __len__(self) -> int:
        return len(self.source_texts)

    def rows(self, index: np.ndarray) -> Examples:
        """The examples at `index`."""
        return Examples(
            self.sources[index],
            self.decoder_inputs[index],
            self.targets[index],
            [self.source_texts[i] for i in index],
            [self.target_texts[i] for i in index],
        )

    @property
    def target_mask(self) -> np.ndarray:
        """(N, T) float32: 1 on the target's characters and its end token, 0 on padding."""
        return (self.targets != PAD).astype(np.float32)


def encode(task: str, pairs: list[tuple[str, str]], source_width: int, target_width: int) -> Examples:
    """Pad (source, target) pairs to fixed widths (target_width counts the end token)."""
    spec = TASKS[task]
    sources, targets = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    encoded_targets = spec.target.pad(targets, target_width, end=True)
    decoder_inputs = spec.target.pad(targets, target_width + 1, start=True)[:, :target_width]
    return Examples(spec.source.pad(sources, source_width), decoder_inputs, encoded_targets, sources, targets)


@dataclass(frozen=True)
class RunExamples:
    """train: the pool batches are drawn from; heldout: scored at every report. seen_fraction: the share of
    held-out sources that also occur in the pool (0 unless the task has too few distinct examples)."""

    train: Examples
    heldout: Examples
    seen_fraction: float

    @property
    def target_width(self) -> int:
        """Output steps, the end token included: the longest decoding the model was trained for."""
        return self.train.targets.shape[1]


def run_examples(task: str, length: int, train_count: int, heldout_count: int, seed: int) -> RunExamples:
    """The examples of one run, the same for the same seed. Fixed widths (the longest of either set) keep
    every batch one shape, so the training step is traced once."""
    heldout = generate(task, length, heldout_count, seed + HELDOUT_SEED_OFFSET)
    pool = generate(task, length, train_count, seed)
    held = {source for source, _ in heldout}
    unseen = [pair for pair in pool if pair[0] not in held]
    # A tiny task (numbers of one digit) has fewer distinct examples than the held-out set: keep the pool
    # whole then, and report how much of the held-out set the model saw.
    if len(unseen) >= len(pool) // 2:
        pool = unseen
    in_pool = {source for source, _ in pool}
    seen = sum(source in in_pool for source, _ in heldout) / max(len(heldout), 1)
    source_width = max(len(source) for source, _ in heldout + pool)
    target_width = max(len(target) for _, target in heldout + pool) + 1
    return RunExamples(
        encode(task, pool, source_width, target_width), encode(task, heldout, source_width, target_width), seen
    )
