"""Sentence crops: short training examples cut from reviews, with the review's label."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.sentence_crops import sentence_crops, split_sentences

REVIEWS = [
    "A superb film. The acting is wonderful and warm!<br /><br />I loved every minute of it. Go.",
    "Dreadful from start to end. The plot makes no sense at all? Avoid this one.",
]


def test_split_sentences_on_punctuation_and_line_breaks():
    assert split_sentences(REVIEWS[0]) == [
        "A superb film.",
        "The acting is wonderful and warm!",
        "I loved every minute of it.",
        "Go.",
    ]


def test_crops_are_short_sentences_of_their_review_with_its_label():
    labels = np.array([1, 0], dtype=np.int8)
    crops, crop_labels = sentence_crops(REVIEWS, labels, 40, seed=3)
    assert len(crops) == 40 and crop_labels.dtype == np.int8
    for crop, label in zip(crops, crop_labels):
        assert 3 <= len(crop.split()) <= 40
        assert crop in REVIEWS[1 - label] or all(part in REVIEWS[1 - label] for part in split_sentences(crop))
    again, again_labels = sentence_crops(REVIEWS, labels, 40, seed=3)
    assert again == crops and np.array_equal(again_labels, crop_labels)  # reproducible for a seed
    assert sentence_crops(REVIEWS, labels, 40, seed=4)[0] != crops


def test_reviews_without_usable_sentences_give_no_crops_and_no_endless_loop():
    crops, labels = sentence_crops(["Go.", "Ok!"], np.array([1, 0]), 5)
    assert crops == [] and len(labels) == 0


def test_config_checks_the_fraction():
    assert RunConfig(sentence_crops=0.5).sentence_crops == 0.5
    with pytest.raises(ValueError, match="sentence_crops"):
        RunConfig(sentence_crops=-0.1)


def test_prepare_sentiment_adds_crops_to_training_only():
    from rnncore.data.datasets import prepare_sentiment
    from tests.conftest import TINY_SENTIMENT

    plain = prepare_sentiment(RunConfig(**TINY_SENTIMENT))
    cropped = prepare_sentiment(RunConfig(**TINY_SENTIMENT, sentence_crops=1.0))
    assert len(cropped.x_train) > len(plain.x_train)
    assert np.array_equal(cropped.x_train[: len(plain.x_train)], plain.x_train)
    assert np.array_equal(cropped.x_val, plain.x_val) and np.array_equal(cropped.x_test, plain.x_test)
