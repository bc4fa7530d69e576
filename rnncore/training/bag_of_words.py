"""Train the bag-of-words models in NumPy (no TensorFlow): logistic regression on which vocabulary words (and, with
ngrams 2, which pairs of neighbouring words) each review contains, full-batch Adam, on the same reviews, vocabulary,
validation movies and sentence crops as the RNNs, so the comparison on Predict is about reading order alone.

Features are numbered words first (their vocabulary ids), then kept pairs (vocab size + row in the sorted pairs)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rnncore.bagofwords.config import MIN_PAIR_REVIEWS, BagOfWordsConfig
from rnncore.bagofwords.model import BagOfWords, distinct_word_ids, find_pairs, pair_keys
from rnncore.data.datasets import short_examples
from rnncore.data.imdb import full_vectorized, load_imdb, split_by_movie, stratified_indices
from rnncore.data.text import Vocabulary
from rnncore.events import EventHandler, TrainEvent, ignore_event


def feature_ids(ids, pairs: np.ndarray, vocab_size: int) -> np.ndarray:
    """The distinct features of one example: its real-word ids, then vocab_size + the rows of its kept pairs."""
    words = distinct_word_ids(ids)
    if not len(pairs):
        return words
    _, rows = find_pairs(pairs, pair_keys(ids, vocab_size))
    return np.concatenate([words, vocab_size + rows])


def kept_pairs(id_lists, vocab_size: int, most: int) -> np.ndarray:
    """Sorted keys of the `most` pairs of neighbouring words found in the most examples (at least
    MIN_PAIR_REVIEWS of them)."""
    keys, counts = np.unique(np.concatenate([pair_keys(ids, vocab_size) for ids in id_lists]), return_counts=True)
    frequent = counts >= MIN_PAIR_REVIEWS
    keys, counts = keys[frequent], counts[frequent]
    return np.sort(keys[np.argsort(-counts, kind="stable")[:most]])


@dataclass(frozen=True)
class Presence:
    """Which features each example contains, as (example row, feature) pairs, plus the labels."""

    rows: np.ndarray
    ids: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, id_lists, labels: np.ndarray, pairs: np.ndarray | None = None, vocab_size: int = 0) -> Presence:
        """From one id list per example (with `pairs`, the kept pairs count as features too)."""
        pairs = np.zeros(0, dtype=np.int64) if pairs is None else pairs
        distinct = [feature_ids(ids, pairs, vocab_size) for ids in id_lists]
        rows = np.repeat(np.arange(len(distinct)), [len(ids) for ids in distinct])
        ids = np.concatenate(distinct) if distinct else np.zeros(0, dtype=np.int64)
        return cls(rows, ids, np.asarray(labels, dtype=np.float64))

    def logits(self, weights: np.ndarray, bias: float) -> np.ndarray:
        """Log-odds per example."""
        return bias + np.bincount(self.rows, weights=weights[self.ids], minlength=len(self.labels))

    def log_count_ratio(self, size: int) -> np.ndarray:
        """Per feature: log of its share among positive examples' features over its share among negative ones'
        (add-one smoothed), the NBSVM scaling; unknown ids (0, 1) get 0."""
        positive = 1.0 + np.bincount(self.ids, weights=self.labels[self.rows], minlength=size)
        negative = 1.0 + np.bincount(self.ids, weights=1.0 - self.labels[self.rows], minlength=size)
        ratio = np.log(positive / positive.sum()) - np.log(negative / negative.sum())
        ratio[:2] = 0.0
        return ratio


def log_loss_and_accuracy(presence: Presence, weights: np.ndarray, bias: float) -> tuple[float, float]:
    """Mean cross-entropy and accuracy at 0.5."""
    logits = presence.logits(weights, bias)
    y = presence.labels
    loss = float(np.mean(np.logaddexp(0.0, logits) - y * logits))
    return loss, float(np.mean((logits >= 0) == (y >= 0.5)))


@dataclass
class BagOfWordsResult:
    """The trained weights and what was measured (validation picks settings; test is reported)."""

    weights: np.ndarray  # per feature: the vocabulary's words, then the kept pairs
    bias: float
    vocabulary: Vocabulary
    metrics: dict[str, float]
    pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    history: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0

    def model(self) -> BagOfWords:
        """The trained model as the NumPy inference uses it."""
        size = self.vocabulary.size
        return BagOfWords(self.weights[:size], self.bias, self.vocabulary, self.pairs, self.weights[size:])


def train_bag_of_words(config: BagOfWordsConfig, on_event: EventHandler = ignore_event) -> BagOfWordsResult:
    """Fit on IMDB (training reviews less the validation movies, plus sentence crops); score validation and test."""
    imdb = load_imdb(lambda message: on_event(TrainEvent("status", message)))
    vocabulary, train, test = full_vectorized(config.vocab_size, imdb.fingerprint)
    rows = stratified_indices(train.labels, config.limit, config.seed)
    val_rows, train_rows = split_by_movie(
        rows, imdb.train.movies, train.labels, config.validation_fraction, config.seed
    )
    id_lists = [train.ids[row] for row in train_rows]
    labels = train.labels[train_rows].astype(np.float64)
    texts, extra_labels = short_examples(
        [imdb.train.texts[row] for row in train_rows], labels, config.sentence_crops, 0.0, config.seed
    )
    id_lists += [vocabulary.encode(text) for text in texts]
    labels = np.concatenate([labels, extra_labels])
    size = vocabulary.size
    pairs = kept_pairs(id_lists, size, config.max_pairs) if config.ngrams == 2 else np.zeros(0, dtype=np.int64)
    fit = Presence.of(id_lists, labels, pairs, size)
    validation = Presence.of([train.ids[row] for row in val_rows], train.labels[val_rows], pairs, size)
    features = size + len(pairs)
    scale = fit.log_count_ratio(features) if config.naive_bayes else np.ones(features)
    started = time.monotonic()
    weights, bias, history = _adam(fit, validation, scale, config, on_event)
    seconds = time.monotonic() - started
    val_loss, val_accuracy = log_loss_and_accuracy(validation, weights, bias)
    scored = Presence.of(test.ids, test.labels, pairs, size)
    test_loss, test_accuracy = log_loss_and_accuracy(scored, weights, bias)
    metrics = {"val_loss": val_loss, "val_accuracy": val_accuracy, "loss": test_loss, "accuracy": test_accuracy}
    return BagOfWordsResult(weights.astype(np.float32), bias, vocabulary, metrics, pairs, history, seconds)


def _adam(fit: Presence, validation: Presence, scale: np.ndarray, config: BagOfWordsConfig, on_event: EventHandler):
    """Full-batch Adam on mean cross-entropy + l2/2·|w|² of the weights of features multiplied by `scale`; returns
    the weights of the plain features (w·scale), so inference only adds them up. Ids 0 and 1 stay at 0."""
    size = len(scale)
    raw = np.zeros(size)
    bias = float(np.log(max(fit.labels.mean(), 1e-6) / max(1 - fit.labels.mean(), 1e-6)))
    moments = [np.zeros(size + 1), np.zeros(size + 1)]
    beta1, beta2, history = 0.9, 0.999, []
    count = len(fit.labels)
    for step in range(1, config.steps + 1):
        weights = raw * scale
        logits = fit.logits(weights, bias)
        error = 1.0 / (1.0 + np.exp(-logits)) - fit.labels
        gradient = np.empty(size + 1)
        gradient[:size] = np.bincount(fit.ids, weights=error[fit.rows], minlength=size) * scale / count
        gradient[:size] += config.l2 * raw
        gradient[size] = error.mean()
        moments[0] = beta1 * moments[0] + (1 - beta1) * gradient
        moments[1] = beta2 * moments[1] + (1 - beta2) * gradient**2
        update = (
            config.learning_rate * (moments[0] / (1 - beta1**step)) / (np.sqrt(moments[1] / (1 - beta2**step)) + 1e-8)
        )
        raw -= update[:size]
        bias -= float(update[size])
        raw[:2] = 0.0
        weights = raw * scale
        if step % 25 == 0 or step == config.steps:
            val_loss, val_accuracy = log_loss_and_accuracy(validation, weights, bias)
            history.append({"step": step, "val_loss": val_loss, "val_accuracy": val_accuracy})
            on_event(
                TrainEvent(
                    "batch",
                    epoch=1,
                    epochs=1,
                    batch=step,
                    batches=config.steps,
                    metrics={
                        "loss": float(np.mean(np.logaddexp(0.0, logits) - fit.labels * logits)),
                        "val_loss": val_loss,
                        "val_accuracy": val_accuracy,
                    },
                )
            )
    return weights, bias, history


def save_bag_of_words_run(folder, config: BagOfWordsConfig, result: BagOfWordsResult, command: str):
    """Write the run folder (weights.npz, vocab.json, run.json with task "bagofwords")."""
    from rnncore.bagofwords.model import save_bag_of_words
    from rnncore.run_folder import write_run_folder

    info = {
        "config": config.to_dict(),
        "vocabulary": {"type": "words", "size": result.vocabulary.size},
        "metrics": result.metrics,
        "history": result.history,
        "parameters": int(result.weights.size + 1),
        "word_pairs": int(len(result.pairs)),
        "train_seconds": result.train_seconds,
        "command": command,
    }
    return write_run_folder(folder, info, result.vocabulary.words, lambda temp: save_bag_of_words(temp, result.model()))
