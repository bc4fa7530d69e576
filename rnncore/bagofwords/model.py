"""Bag-of-words inference in NumPy: P(positive) = sigmoid(bias + the weights of the distinct vocabulary words
in the text). Each word counts once wherever it stands, so "not bad" and "bad not" get the same verdict by
construction, and each word's share of the verdict is exactly its weight."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncore.data.text import FIRST_WORD_ID, Vocabulary, tokenize
from rnncore.errors import ModelLoadError
from rnncore.inference.predict import Prediction


def distinct_word_ids(ids: list[int] | tuple[int, ...]) -> np.ndarray:
    """The distinct real-word ids (padding and unknown words carry no weight)."""
    array = np.unique(np.asarray(ids, dtype=np.int64))
    return array[array >= FIRST_WORD_ID]


@dataclass(frozen=True)
class WordWeight:
    """One distinct word of a text and how far it pushes the verdict (log-odds; + positive, − negative)."""

    word: str
    weight: float


@dataclass(frozen=True)
class BagOfWords:
    """A trained bag-of-words model: one weight per vocabulary id and a bias."""

    weights: np.ndarray  # float32, shape (vocab size,); ids 0 and 1 are 0
    bias: float
    vocabulary: Vocabulary

    def logit(self, text: str) -> float:
        """Log-odds of a positive review."""
        return float(self.bias + self.weights[distinct_word_ids(self.vocabulary.encode(text))].sum())

    def probability(self, text: str) -> float:
        """P(positive)."""
        return float(1.0 / (1.0 + np.exp(-self.logit(text))))

    def predict_batch(self, texts: list[str]) -> list[Prediction]:
        """Predictions for many texts (the interface the dev-suite scoring uses)."""
        return [Prediction(self.probability(text)) for text in texts]

    def word_weights(self, text: str) -> list[WordWeight]:
        """The distinct known words of `text`, strongest push first."""
        index = self.vocabulary.index
        seen = dict.fromkeys(token for token in tokenize(text) if token in index)
        rows = [WordWeight(word, float(self.weights[index[word]])) for word in seen]
        return sorted(rows, key=lambda row: -abs(row.weight))


def save_bag_of_words(folder: Path, weights: np.ndarray, bias: float) -> None:
    """Write weights.npz (float16 keeps the file small; scoring sums in float32)."""
    np.savez(Path(folder) / "weights.npz", word_weights=weights.astype(np.float16), bias=np.float32(bias))


def load_bag_of_words(folder: Path) -> BagOfWords:
    """Load a run folder (weights.npz + vocab.json). Raises ModelLoadError with the reason."""
    folder = Path(folder)
    try:
        with np.load(folder / "weights.npz") as archive:
            weights = archive["word_weights"].astype(np.float32)
            bias = float(archive["bias"])
        vocabulary = Vocabulary(tuple(json.loads((folder / "vocab.json").read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(f"Bag-of-words model {folder.name!r} is unreadable: {error}") from error
    if weights.ndim != 1 or len(weights) != vocabulary.size:
        raise ModelLoadError(
            f"Bag-of-words model {folder.name!r}: {len(weights)} weights for a vocabulary of {vocabulary.size}"
        )
    return BagOfWords(weights, bias, vocabulary)
