"""The pretrained models in models/ load (safe_mode) and give sensible answers on obvious inputs.
Fast: no dataset needed."""

from __future__ import annotations

import pytest

from rnncore.inference.predict import Predictor
from rnncore.inference.sample import CharSampler
from rnncore.paths import REPO_ROOT
from rnncore.store import ModelStore
from rnncore.training.keras_io import load_keras_run

SHIPPED = ModelStore(REPO_ROOT / "models")
SENTIMENT = ["imdb-bigru", "imdb-lstm", "imdb-simplernn"]
OBVIOUS = {
    "This movie was wonderful, brilliant acting and a beautiful story. I loved every minute of it.": "positive",
    "One of the best films I have ever seen. A masterpiece, highly recommended!": "positive",
    "Terrible, boring and badly acted. The worst movie I have seen in years, a total waste of time.": "negative",
    "Awful script, awful acting. I hated it and walked out.": "negative",
}


@pytest.fixture(scope="module", params=SENTIMENT)
def predictor(request) -> Predictor:
    return Predictor(load_keras_run(SHIPPED.get(request.param)))


def test_every_shipped_run_is_listed_and_healthy():
    runs = {run.name: run for run in SHIPPED.list_runs()}
    for name in [*SENTIMENT, "shakespeare-lstm"]:
        assert name in runs, f"shipped model {name} is missing"
        assert runs[name].error is None, runs[name].error
        assert (runs[name].path / "model.keras").stat().st_size < 6_000_000


def test_shipped_sentiment_models_label_obvious_reviews(predictor):
    for text, label in OBVIOUS.items():
        assert predictor.predict(text).label == label, (predictor.name, text)


def test_shipped_sentiment_models_record_their_test_accuracy(predictor):
    metrics = predictor.run.info.metrics
    assert metrics["n"] == 25_000 and metrics["accuracy"] > 0.8


def test_the_shipped_models_record_the_targets_of_issue_4():
    # the figures `python -m rnncore evaluate` reproduces on the full test set / held-out text
    best = max(SHIPPED.get(name).metrics["accuracy"] for name in SENTIMENT)
    assert best >= 0.90
    assert SHIPPED.get("shakespeare-lstm").metrics["val_loss_stateful"] <= 1.45


def test_shipped_char_model_writes_shakespeare_like_text():
    sampler = CharSampler(load_keras_run(SHIPPED.get("shakespeare-lstm")))
    text = "".join(step.char for step in sampler.generate("ROMEO:\n", 300, temperature=0.5, seed=0))
    words = text.split()
    common = {"the", "and", "to", "of", "i", "my", "you", "a", "that", "in", "is", "not", "me", "with"}
    assert len(words) > 30 and sum(word.lower().strip(",.;:!?") in common for word in words) >= 5
    assert sampler.nats_per_char("First Citizen:\nBefore we proceed any further, hear me speak.\n") < 2.0
