"""Score a saved run: sentiment on the IMDB test set, char models on their corpus's held-out 10 %. Also the
lesson's test sample: which test reviews a training job scores when the server asks for a sample."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnncore.data.downloads import ProgressFn
from rnncore.store import LoadedRun

EVAL_BATCH = 512
# The lesson's test sample (RNNCORE_TEST_SAMPLE on the server): 2,500 positive and 2,500 negative reviews of the
# 25,000 in IMDB's test set, drawn with this fixed seed, so every student's model is scored on the same reviews
# (their standard error on an accuracy near 0.87 is about 0.005). The CLI always scores the whole test set.
LESSON_SAMPLE = 5_000
SAMPLE_SEED = 0


def lesson_sample_rows(labels: np.ndarray, size: int = 0, seed: int = SAMPLE_SEED) -> np.ndarray:
    """Rows of the test set to score, in the order they are scored (a fixed shuffle, so reviews scored before
    a Stop are a fair part of the whole): `size` of them, half positive and half negative, or every row when
    `size` is 0 or not below the set's size. The same labels, size and seed always give the same rows."""
    rng = np.random.default_rng(seed)
    if size <= 0 or size >= len(labels):
        return rng.permutation(len(labels))
    positive, negative = np.flatnonzero(labels >= 0.5), np.flatnonzero(labels < 0.5)
    take_positive = min(len(positive), max(size // 2, size - len(negative)))
    chosen = np.concatenate(
        [rng.choice(positive, take_positive, replace=False), rng.choice(negative, size - take_positive, replace=False)]
    )
    return rng.permutation(chosen)


def evaluate_run(run: LoadedRun, limit: int = 0, on_progress: ProgressFn | None = None) -> dict[str, Any]:
    """Sentiment: {"accuracy", "loss", "n"} on the first `limit` test reviews (all when 0, fixed order).
    Chars: {"val_loss"} in nats/char over the held-out text (windowed as in training) plus the
    stateful figure, where the state is carried across 2,000-character chunks."""
    config = run.config
    if config.task == "sentiment":
        from rnncore.data.imdb import encode_reviews, load_imdb
        from rnncore.training.train import sentiment_metrics, sentiment_probabilities

        test = load_imdb(on_progress).test
        rows = range(len(test)) if limit <= 0 else range(min(limit, len(test)))
        subset = type(test)(tuple(test.texts[i] for i in rows), test.labels[list(rows)])
        x = encode_reviews(subset, run.vocabulary).padded(config.maxlen, config.truncating, config.padding)
        probabilities = sentiment_probabilities(run.model, config, x)
        metrics = sentiment_metrics(probabilities, subset.labels)
        return {
            "accuracy": metrics["accuracy"],
            "loss": metrics["loss"],
            "n": metrics["n"],
            "confusion": metrics["confusion"],
        }
    from rnncore.data.corpus import load_corpus
    from rnncore.data.datasets import char_windows
    from rnncore.inference.sample import CharSampler, negative_log_likelihoods

    corpus = load_corpus(config.corpus, on_progress)
    held_out = corpus.validation_text
    x, y = char_windows(run.vocabulary.encode(held_out), min(config.seq_len, len(held_out) - 1))
    losses = [
        negative_log_likelihoods(
            run.model.predict(x[start : start + EVAL_BATCH], verbose=0), y[start : start + EVAL_BATCH]
        )
        for start in range(0, len(x), EVAL_BATCH)
    ]
    val_loss = float(np.concatenate(losses).mean())
    stateful = CharSampler(run).nats_per_char(held_out)
    return {
        "val_loss": val_loss,
        "val_bits_per_char": val_loss / math.log(2),
        "val_loss_stateful": stateful,
        "n_chars": len(held_out),
    }
