"""A movie review written word by word by the pretrained IMDB language model (rnncore.lm), in NumPy: one LSTM
step per word, the state carried, and the next-word distribution from the output tied to the embeddings
(logits = projection(h) · embeddingᵀ + bias). It also scores a sentence, so a student can ask which of two
wordings the model finds more natural."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncore.data.text import OOV_ID, PAD_ID, Vocabulary
from rnncore.errors import ModelLoadError
from rnncore.inference.numpy_rnn import Cell
from rnncore.inference.sample import TOP_KEPT, check_sampling, shape_distribution, top_indices
from rnncore.lm.corpus import END_OF_REVIEW
from rnncore.lm.runs import load_language_model_weights
from rnncore.store import RunInfo, read_vocabulary

MAX_WORDS = 400
END_MARK = "⏹"  # shown where the model ended the review (it learned END_OF_REVIEW after every review)


@dataclass(frozen=True, slots=True)
class WordStep:
    """One written word with the most likely alternatives it was drawn from."""

    word: str  # END_MARK when the model ended the review
    probability: float  # of the chosen word (after temperature and top-k)
    top_words: tuple[str, ...]
    top_probabilities: np.ndarray  # float32, most likely first


class WordWriter:
    """Writes and scores text with a language-model run; every call has its own state, so one writer serves a
    whole class."""

    def __init__(self, weights: dict[str, np.ndarray], vocabulary: Vocabulary):
        expected = vocabulary.size
        if weights["embedding"].shape[0] != expected or weights["output_bias"].shape != (expected,):
            raise ModelLoadError(
                f"the weights are for {weights['embedding'].shape[0]} words, the vocabulary has {expected}"
            )
        self.vocabulary = vocabulary
        self.embedding = weights["embedding"]
        self.cell = Cell("lstm", weights["lstm_kernel"], weights["lstm_recurrent_kernel"], weights["lstm_bias"], None)
        self.projection = weights["projection_kernel"]
        self.projection_bias = weights["projection_bias"]
        self.output_bias = weights["output_bias"]

    @classmethod
    def from_run(cls, run: RunInfo) -> WordWriter:
        """The writer of a stored language-model run (kind "wordlm"). Raises ModelLoadError."""
        if run.error:
            raise ModelLoadError(f"Language model {run.name!r} is broken: {run.error}")
        vocabulary = read_vocabulary(run)
        if not isinstance(vocabulary, Vocabulary):
            raise ModelLoadError(f"{run.name!r} has no word vocabulary")
        return cls(load_language_model_weights(Path(run.path)), vocabulary)

    def _step(self, token_id: int, state: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, tuple]:
        """Feed one word; returns (logits for the next word, new state)."""
        projected = self.cell.project(self.embedding[token_id][None, :])
        h, c = self.cell.step(projected, *state)
        logits = (h @ self.projection + self.projection_bias) @ self.embedding.T
        return logits[0] + self.output_bias, (h, c)

    def prime(self, text: str) -> tuple[np.ndarray, tuple]:
        """Start a review (the model saw END_OF_REVIEW before each one) and feed the priming words."""
        state = self.cell.zero_state(1)
        logits, state = self._step(END_OF_REVIEW, state)
        for token_id in self.vocabulary.encode(text):
            logits, state = self._step(token_id, state)
        return logits, state

    def write(
        self, prime: str, words: int, temperature: float = 0.8, top_k: int = 40, seed: int | None = None
    ) -> Iterator[WordStep]:
        """Stream up to `words` words after `prime`, ending early where the model ends the review. The same seed
        writes the same review."""
        if not 1 <= words <= MAX_WORDS:
            raise ValueError(f"words must be from 1 to {MAX_WORDS}; got {words}")
        check_sampling(words, temperature, top_k, seed)
        rng = np.random.default_rng(seed)
        logits, state = self.prime(prime)
        for _ in range(words):
            logits[OOV_ID] = -np.inf  # "<unk>" is never written: it would show as a gap in the review
            distribution = shape_distribution(logits, temperature, top_k)
            choice = int(rng.choice(len(distribution), p=distribution))
            top = top_indices(distribution, TOP_KEPT)
            yield WordStep(
                self._word(choice),
                float(distribution[choice]),
                tuple(self._word(int(i)) for i in top),
                distribution[top].astype(np.float32),
            )
            if choice == END_OF_REVIEW:
                return
            logits, state = self._step(choice, state)

    def perplexity(self, text: str) -> tuple[float, int]:
        """(perplexity per word, words scored) of `text` read as the start of a review; an unknown word is scored
        as the model's "<unk>", the probability of some rare word."""
        token_ids = self.vocabulary.encode(text)
        if not token_ids:
            raise ValueError("type at least one word")
        logits, state = self.prime("")
        total = 0.0
        for token_id in token_ids:
            shifted = logits.astype(np.float64) - logits.max()
            total += math.log(np.exp(shifted).sum()) - shifted[token_id]
            logits, state = self._step(token_id, state)
        return math.exp(total / len(token_ids)), len(token_ids)

    def _word(self, token_id: int) -> str:
        return END_MARK if token_id == PAD_ID else self.vocabulary.word(token_id)


def join_words(words: list[str]) -> str:
    """Words as readable text: "!" and "?" attached to the word before them, the end mark dropped."""
    text = ""
    for word in words:
        if word == END_MARK:
            break
        text += word if word in {"!", "?"} or not text else " " + word
    return text
