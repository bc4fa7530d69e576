"""Distillation data: the unlabelled reviews join the training split with the teachers' mean P(positive)."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.data.datasets import prepare_sentiment
from rnncore.data.imdb import load_unlabelled_texts
from rnncore.errors import RnncoreError
from rnncore.inference.predict import Predictor
from rnncore.training.teachers import lineage, teacher_probabilities, with_teacher_labels


def test_unlabelled_reviews_join_only_the_training_split(sentiment_run, char_run):
    config = sentiment_run.config
    data = prepare_sentiment(config)
    grown, summary = with_teacher_labels(data, config, [sentiment_run, sentiment_run])
    (text,) = load_unlabelled_texts()
    expected = Predictor(sentiment_run).predict(text).probability  # the NumPy path: an independent reading
    assert len(grown.x_train) == len(data.x_train) + 1
    assert np.array_equal(grown.x_train[:-1], data.x_train) and np.array_equal(grown.y_train[:-1], data.y_train)
    assert grown.y_train[-1] == pytest.approx(expected, abs=1e-4)
    assert np.array_equal(grown.x_val, data.x_val) and np.array_equal(grown.x_test, data.x_test)
    assert summary["unlabelled_reviews"] == 1 and len(summary["paths"]) == 2
    assert summary["mean_confidence"] == pytest.approx(abs(expected - 0.5) * 2, abs=1e-4)
    with pytest.raises(RnncoreError, match="not a sentiment model"):
        with_teacher_labels(data, config, [char_run])
    with pytest.raises(RnncoreError, match="limit"):
        with_teacher_labels(data, config.with_changes(limit=20), [sentiment_run])


def test_teachers_are_averaged(sentiment_run):
    texts = ("I loved it, wonderful and brilliant", "awful, boring, the worst")
    one = teacher_probabilities([sentiment_run], texts)
    assert np.allclose(teacher_probabilities([sentiment_run] * 3, texts), one, atol=1e-6)
    assert one[0] > one[1]


def test_lineage_lists_teachers_then_earlier_stages_then_the_run():
    tuned = {"command": "tune", "init_from": {"commands": ["learn"], "teachers": {"commands": ["t1", "t2"]}}}
    assert lineage(tuned) == ["t1", "t2", "learn", "tune"]
    assert lineage({"command": "alone"}) == ["alone"]
    assert lineage({"command": "taught", "teachers": {"commands": ["t1"]}}) == ["t1", "taught"]
