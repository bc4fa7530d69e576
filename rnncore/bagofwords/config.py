"""Settings of the bag-of-words models: a logistic regression on which vocabulary words (and, with ngrams 2, which
pairs of neighbouring words) a review contains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnncore.settings import SettingsDict, check_settings, setting

TASK = "bagofwords"
MIN_PAIR_REVIEWS = 3  # a pair seen in fewer training examples is noise, not a feature


@dataclass(frozen=True)
class BagOfWordsConfig(SettingsDict):
    """One bag-of-words run. The vocabulary and the validation split (by movie) are built as for the RNNs,
    so the two kinds of model see the same words and data and differ only in reading order."""

    TASK: ClassVar[str] = TASK

    vocab_size: int = setting(20_000, "words kept (from the training reviews, by frequency)", 3, 100_000)
    # Pairs of neighbouring words see a little order ("not bad" is a pair of its own); 1 keeps order out entirely.
    ngrams: int = setting(1, "1: single words only (order ignored); 2: also pairs of neighbouring words", 1, 2)
    max_pairs: int = setting(
        250_000, f"word pairs kept (ngrams 2): the most frequent seen in ≥ {MIN_PAIR_REVIEWS} reviews", 1, 2_000_000
    )
    # Wang & Manning 2012 (NBSVM): each feature scaled by how much more often it is in positive than negative
    # reviews (log-count ratio) before the regression; measured +1.2 points of validation accuracy with pairs.
    naive_bayes: bool = setting(False, "scale features by their positive/negative log-count ratio (NBSVM)")
    l2: float = setting(1e-5, "L2 penalty on the word weights", 0.0, 1.0)
    steps: int = setting(300, "full-batch Adam steps", 1, 100_000)
    learning_rate: float = setting(0.05, "Adam's learning rate", 1e-6, 10.0)
    sentence_crops: float = setting(1.0, "extra 1–2-sentence crops per training review (short input)", 0.0, 2.0)
    limit: int = setting(0, "training reviews to use (0 = all 25,000)", 0, 25_000)
    validation_fraction: float = setting(0.1, "share of training reviews held out, whole movies at a time", 0.01, 0.49)
    seed: int = setting(1, "random seed (the shipped RNNs use 1: the same validation movies)", 0, 2**31 - 1)

    def __post_init__(self) -> None:
        check_settings(self)


def reads_pairs(config: dict) -> bool:
    """Whether a saved bag-of-words run's config (run.json) weighs pairs of neighbouring words too."""
    return config.get("ngrams", 1) == 2
