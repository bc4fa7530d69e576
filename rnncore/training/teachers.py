"""Learn from trained models ("teachers") on IMDB's 50,000 unlabelled reviews: knowledge distillation.

Models with different settings (cell, size, regularisation) disagree on hard reviews, and their average
is more accurate than any one of them. Their averaged P(positive) on the unlabelled reviews become soft
training labels, so one new model of the same size learns what the group knows, from three times as many
reviews. Only the training split grows: validation and test reviews are never labelled by a teacher.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnncore.config import RunConfig
from rnncore.data.datasets import SentimentData
from rnncore.data.downloads import ProgressFn
from rnncore.data.imdb import load_unlabelled_texts
from rnncore.data.text import Vocabulary, pad_sequences, tokenize
from rnncore.errors import RnncoreError
from rnncore.store import LoadedRun

SPLIT_SETTINGS = ("seed", "limit", "validation_fraction")


def check_same_split(before: RunConfig, now: RunConfig, role: str) -> None:
    """Refuse a run that would learn from a model whose validation reviews differ from its own: the other
    model trained on some of them, and what it learned would leak into the validation score."""
    if now.task != "sentiment" or before.task != "sentiment":
        return
    changed = [name for name in SPLIT_SETTINGS if getattr(before, name) != getattr(now, name)]
    if changed:
        raise RnncoreError(
            f"{role} was trained with a validation split from another {', '.join(changed)}; "
            "use the same values, or its validation reviews would include ones it trained on"
        )


def check_teachers(teachers: list[LoadedRun], config: RunConfig) -> None:
    """Teachers must be sentiment models that held out the same validation reviews as the new run."""
    for teacher in teachers:
        if teacher.config.task != "sentiment":
            raise RnncoreError(f"Teacher {teacher.info.name!r} is not a sentiment model")
        check_same_split(teacher.config, config, f"Teacher {teacher.info.name!r}")


def recorded_teachers(info: dict) -> dict:
    """The teachers summary of a saved run's info, or of the earlier stage it continued (empty if none)."""
    return info.get("teachers") or info.get("init_from", {}).get("teachers") or {}


def lineage(info: dict) -> list[str]:
    """Every command that produced a saved run, in order: its teachers' (and theirs), its earlier stages'
    (--init-from), then its own."""
    earlier = info.get("init_from", {}).get("commands", [])
    return [*recorded_teachers(info).get("commands", []), *earlier, info.get("command", "")]


def _lineage_seconds(info: dict) -> float:
    earlier = info.get("init_from", {}).get("train_seconds", 0)
    return info.get("train_seconds", 0) + earlier + recorded_teachers(info).get("train_seconds", 0)


def teacher_probabilities(teachers: list[LoadedRun], texts: tuple[str, ...]) -> np.ndarray:
    """The teachers' mean P(positive) for each text; each teacher reads with its own vocabulary and length."""
    return _mean_probabilities(teachers, [tokenize(text) for text in texts])


def _mean_probabilities(teachers: list[LoadedRun], tokens: list[list[str]]) -> np.ndarray:
    from rnncore.training.train import sentiment_probabilities

    total = np.zeros(len(tokens), dtype=np.float64)
    for teacher in teachers:
        x = _padded(tokens, teacher.vocabulary, teacher.config)
        total += sentiment_probabilities(teacher.model, teacher.config, x)
    return (total / len(teachers)).astype(np.float32)


def _padded(tokens: list[list[str]], vocabulary: Vocabulary, config: RunConfig) -> np.ndarray:
    ids = [vocabulary.encode_tokens(review) for review in tokens]
    return pad_sequences(ids, config.maxlen, config.truncating, config.padding)


def with_teacher_labels(
    data: SentimentData, config: RunConfig, teachers: list[LoadedRun], on_progress: ProgressFn | None = None
) -> tuple[SentimentData, dict]:
    """`data` with the unlabelled reviews added to its training split, labelled by the teachers; plus a
    summary for the run's card."""
    check_teachers(teachers, config)
    texts = load_unlabelled_texts(on_progress)
    if not texts:
        raise RnncoreError("This copy of IMDB has no unlabelled reviews (train/unsup) for teachers to label")
    if on_progress:
        on_progress(f"{len(teachers)} teacher(s) labelling {len(texts):,} unlabelled reviews …")
    tokens = [tokenize(text) for text in texts]  # once: every teacher and the new run read the same words
    soft_labels = _mean_probabilities(teachers, tokens)
    x_extra = _padded(tokens, data.vocabulary, config)
    summary = {
        "paths": [str(teacher.info.path) for teacher in teachers],
        "commands": list(dict.fromkeys(command for teacher in teachers for command in lineage(teacher.info.info))),
        "train_seconds": sum(_lineage_seconds(teacher.info.info) for teacher in teachers),
        "teachers": len(teachers),
        "unlabelled_reviews": len(texts),
        "mean_confidence": float(np.mean(np.abs(soft_labels - 0.5) * 2)),
    }
    grown = replace(
        data,
        x_train=np.concatenate([data.x_train, x_extra]),
        y_train=np.concatenate([data.y_train, soft_labels]),
    )
    return grown, summary
