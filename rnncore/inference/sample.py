"""Character generation with a stateful, one-step-at-a-time RNN: each new character costs one cell step
per layer (the state is carried; the growing text is never re-fed). Also scores text in nats/char."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnncore.errors import RnncoreError
from rnncore.inference.numpy_rnn import NumpyRNN
from rnncore.inference.runs import NetworkRun

MAX_GENERATE = 20_000
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 5.0
MAX_TOP_K = 100_000  # larger than any alphabet (a larger k simply keeps every character)
MAX_SEED = 2**32 - 1


# Alternatives kept per generated character: the Generate page shows this many bars. A step keeps only these,
# not the whole distribution, because a session holds every step of its last generation (2,000 characters on a
# 200-character alphabet would be 3.2 MB of float64 per student).
TOP_KEPT = 15


@dataclass(frozen=True, slots=True)
class SampleStep:
    """One generated character with the most likely alternatives it was drawn from."""

    char: str
    probability: float  # of the chosen character (after temperature and top-k)
    top_chars: str  # the TOP_KEPT most likely characters, most likely first
    top_probabilities: np.ndarray  # (len(top_chars),) float32, their probabilities after temperature and top-k


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Numerically stable softmax with temperature."""
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max()
    weights = np.exp(scaled)
    return weights / weights.sum()


def shape_distribution(logits: np.ndarray, temperature: float, top_k: int) -> np.ndarray:
    """Temperature, then keep only the k most likely characters (0 = all)."""
    probabilities = softmax(logits, temperature)
    if 0 < top_k < len(probabilities):
        cutoff = np.partition(probabilities, -top_k)[-top_k]
        probabilities = np.where(probabilities >= cutoff, probabilities, 0.0)
        probabilities /= probabilities.sum()
    return probabilities


def top_indices(probabilities: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` largest probabilities, largest first (ties by index, so it is reproducible)."""
    if count < len(probabilities):
        candidates = np.argpartition(probabilities, -count)[-count:]  # O(alphabet), not a full sort
    else:
        candidates = np.arange(len(probabilities))
    return candidates[np.lexsort((candidates, -probabilities[candidates]))]


class CharSampler:
    """Generates and scores text with a loaded char model. Each generate() call has its own state,
    so one sampler serves many users at once."""

    def __init__(self, run: NetworkRun | Any):
        if run.config.task != "chars":
            raise RnncoreError(f"{run.info.name!r} is a {run.config.task} model, not a character model")
        self.run = run
        self.vocabulary = run.vocabulary
        # The server passes a NetworkRun (weights.npz); TensorFlow-side tools may pass a Keras LoadedRun.
        self.network = run.network if isinstance(run, NetworkRun) else NumpyRNN.from_keras(run.model, "chars")

    @property
    def nbytes(self) -> int:
        """Memory the sampler's weights hold."""
        return self.network.nbytes

    def prime(self, text: str) -> tuple[np.ndarray, list]:
        """Feed the priming text; returns (logits for the next character, state)."""
        state = self.network.initial_state()
        # With no priming text, start from a newline: the most natural "beginning" in most corpora.
        ids = (
            self.vocabulary.encode(text)
            if text
            else self.vocabulary.encode("\n" if "\n" in self.vocabulary.chars else self.vocabulary.chars[0])
        )
        logits = None
        for token in ids:
            logits, state = self.network.step(int(token), state)
        return logits, state

    def generate(
        self,
        prime: str,
        length: int,
        temperature: float = 1.0,
        top_k: int = 0,
        greedy: bool = False,
        seed: int | None = None,
    ) -> Iterator[SampleStep]:
        """Stream `length` characters after `prime`. The same seed replays the same text exactly."""
        check_sampling(length, temperature, top_k, seed)
        rng = np.random.default_rng(seed)
        logits, state = self.prime(prime)
        for _ in range(length):
            distribution = shape_distribution(logits, temperature, top_k)
            choice = int(np.argmax(distribution)) if greedy else int(rng.choice(len(distribution), p=distribution))
            top = top_indices(distribution, TOP_KEPT)
            chars = self.vocabulary.chars
            yield SampleStep(
                chars[choice],
                float(distribution[choice]),
                "".join(chars[i] for i in top),
                distribution[top].astype(np.float32),
            )
            logits, state = self.network.step(choice, state)

    def nats_per_char(self, text: str, chunk: int = 2_000) -> float:
        """Average negative log-likelihood of `text` (nats per character), the state carried through
        chunks of `chunk` characters processed as one batch. Divide by ln 2 for bits per character."""
        return stateful_nats_per_char(self.network, self.vocabulary.encode(text), chunk)


def stateful_nats_per_char(network: NumpyRNN, ids: np.ndarray, chunk: int = 2_000) -> float:
    """Mean next-character loss (nats) over `ids`, read in chunks of about `chunk` characters with the
    state carried from each character to the next (the chunks run side by side as one batch)."""
    if len(ids) < 2:
        raise RnncoreError("Need at least two characters to score")
    rows = max(1, (len(ids) - 1) // chunk)
    width = (len(ids) - 1) // rows
    inputs = ids[: rows * width].reshape(rows, width)
    targets = ids[1 : rows * width + 1].reshape(rows, width)
    return float(negative_log_likelihoods(network.forward(inputs).outputs, targets).mean())


def negative_log_likelihoods(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """-log softmax(logits)[target] at every position (nats), computed stably in float64."""
    logits = logits.astype(np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    log_probabilities = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probabilities, targets[..., None], axis=-1)[..., 0]


def check_sampling(length: int, temperature: float, top_k: int, seed: int | None = None) -> None:
    """Clear errors for out-of-range sampling settings (numpy's own errors, e.g. for a negative seed, would
    reach the user as a traceback)."""
    if not 1 <= length <= MAX_GENERATE:
        raise RnncoreError(f"length must be from 1 to {MAX_GENERATE:,}; got {length}")
    if not (math.isfinite(temperature) and MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE):
        raise RnncoreError(f"temperature must be from {MIN_TEMPERATURE} to {MAX_TEMPERATURE:g}; got {temperature}")
    if not 0 <= top_k <= MAX_TOP_K:
        raise RnncoreError(f"top-k must be 0 (off) or a number of characters up to {MAX_TOP_K:,}; got {top_k}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise RnncoreError(f"seed must be from 0 to {MAX_SEED:,} (or left out for a random one); got {seed}")
