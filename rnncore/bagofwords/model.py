"""Bag-of-words inference in NumPy: P(positive) = sigmoid(bias + the weights of the distinct vocabulary words
in the text). Each word counts once wherever it stands, so "not bad" and "bad not" get the same verdict by
construction, and each word's share of the verdict is exactly its weight.

A model trained with ngrams 2 also weighs each distinct pair of neighbouring words ("not bad"): the least order
there is, enough to score IMDB's long reviews well, not enough for "not at all bad"."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncore.data.text import FIRST_WORD_ID, Vocabulary, tokenize
from rnncore.errors import ModelLoadError
from rnncore.inference.predict import Prediction


def distinct_word_ids(ids: list[int] | tuple[int, ...]) -> np.ndarray:
    """The distinct real-word ids (padding and unknown words carry no weight)."""
    array = np.unique(np.asarray(ids, dtype=np.int64))
    return array[array >= FIRST_WORD_ID]


def pair_keys(ids: list[int] | tuple[int, ...] | np.ndarray, vocab_size: int) -> np.ndarray:
    """The distinct pairs of neighbouring real words as one number each (first id × vocab size + second id)."""
    array = np.asarray(ids, dtype=np.int64)
    first, second = array[:-1], array[1:]
    known = (first >= FIRST_WORD_ID) & (second >= FIRST_WORD_ID)
    return np.unique(first[known] * vocab_size + second[known])


def find_pairs(pairs: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the keys found in the sorted `pairs`, their rows there)."""
    if not len(pairs):
        return keys[:0], np.zeros(0, dtype=np.int64)
    rows = np.minimum(np.searchsorted(pairs, keys), len(pairs) - 1)
    found = pairs[rows] == keys
    return keys[found], rows[found]


@dataclass(frozen=True)
class WordWeight:
    """One distinct word (or pair of words) of a text and how far it pushes the verdict (log-odds; + positive)."""

    word: str
    weight: float


@dataclass(frozen=True)
class BagOfWords:
    """A trained bag-of-words model: one weight per vocabulary id and a bias, and with ngrams 2 one weight per
    kept pair of neighbouring words (`pairs`: sorted pair keys, see pair_keys)."""

    weights: np.ndarray  # float32, shape (vocab size,); ids 0 and 1 are 0
    bias: float
    vocabulary: Vocabulary
    pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pair_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def reads_pairs(self) -> bool:
        """Whether pairs of neighbouring words count (a little order), not single words only."""
        return len(self.pairs) > 0

    def _pair_rows(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(keys, rows in `pairs`) of the text's pairs that the model weighs."""
        return find_pairs(self.pairs, pair_keys(ids, self.vocabulary.size))

    def logit(self, text: str) -> float:
        """Log-odds of a positive review."""
        ids = self.vocabulary.encode(text)
        total = self.bias + self.weights[distinct_word_ids(ids)].sum()
        if self.reads_pairs:
            total += self.pair_weights[self._pair_rows(ids)[1]].sum()
        return float(total)

    def probability(self, text: str) -> float:
        """P(positive)."""
        return float(1.0 / (1.0 + np.exp(-self.logit(text))))

    def predict_batch(self, texts: list[str]) -> list[Prediction]:
        """Predictions for many texts (the interface the dev-suite scoring uses)."""
        return [Prediction(self.probability(text)) for text in texts]

    def word_weights(self, text: str) -> list[WordWeight]:
        """The distinct known words (and weighed pairs) of `text`, strongest push first."""
        index = self.vocabulary.index
        seen = dict.fromkeys(token for token in tokenize(text) if token in index)
        rows = [WordWeight(word, float(self.weights[index[word]])) for word in seen]
        if self.reads_pairs:
            words, size = self.vocabulary.words, self.vocabulary.size
            keys, found = self._pair_rows(self.vocabulary.encode(text))
            for key, row in zip(keys.tolist(), found.tolist()):
                first, second = divmod(key, size)
                pair = f"{words[first - FIRST_WORD_ID]} {words[second - FIRST_WORD_ID]}"
                rows.append(WordWeight(pair, float(self.pair_weights[row])))
        return sorted(rows, key=lambda row: -abs(row.weight))


def save_bag_of_words(folder: Path, model: BagOfWords) -> None:
    """Write weights.npz (float16 weights keep the file small; scoring sums in float32)."""
    np.savez(
        Path(folder) / "weights.npz",
        word_weights=model.weights.astype(np.float16),
        bias=np.float32(model.bias),
        pairs=model.pairs.astype(np.int64),
        pair_weights=model.pair_weights.astype(np.float16),
    )


def load_bag_of_words(folder: Path) -> BagOfWords:
    """Load a run folder (weights.npz + vocab.json). Raises ModelLoadError with the reason."""
    folder = Path(folder)
    try:
        with np.load(folder / "weights.npz") as archive:
            weights = archive["word_weights"].astype(np.float32)
            bias = float(archive["bias"])
            names = set(archive.files)
            pairs = archive["pairs"].astype(np.int64) if "pairs" in names else np.zeros(0, dtype=np.int64)
            pair_weights = (
                archive["pair_weights"].astype(np.float32) if "pair_weights" in names else np.zeros(0, np.float32)
            )
        vocabulary = Vocabulary(tuple(json.loads((folder / "vocab.json").read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(f"Bag-of-words model {folder.name!r} is unreadable: {error}") from error
    if weights.ndim != 1 or len(weights) != vocabulary.size:
        raise ModelLoadError(
            f"Bag-of-words model {folder.name!r}: {len(weights)} weights for a vocabulary of {vocabulary.size}"
        )
    if pairs.shape != pair_weights.shape or pairs.ndim != 1 or np.any(np.diff(pairs) <= 0):
        raise ModelLoadError(f"Bag-of-words model {folder.name!r}: its word pairs are damaged")
    return BagOfWords(weights, bias, vocabulary, pairs, pair_weights)
