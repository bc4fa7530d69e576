"""The pretrained models in models/ load TensorFlow-free from weights.npz, equal their Keras models, and give
sensible answers on obvious inputs. Fast: no dataset needed."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.inference.predict import Predictor
from rnncore.inference.runs import load_network_run
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
    return Predictor(load_network_run(SHIPPED.get(request.param)))  # what the server loads


def test_every_shipped_run_is_listed_and_healthy():
    runs = {run.name: run for run in SHIPPED.list_runs()}
    for name in [*SENTIMENT, "shakespeare-lstm"]:
        assert name in runs, f"shipped model {name} is missing"
        assert runs[name].error is None, runs[name].error
        assert runs[name].has_weights, f"{name} has no weights.npz: run `python -m rnncore export models/{name}`"
        # one weights format per shipped model: float16 weights.npz (workers rebuild the Keras model from it)
        assert not (runs[name].path / "model.keras").exists(), "run scripts/ship_weights_only.py"
        assert (runs[name].path / "weights.npz").stat().st_size < 6_000_000
    total = sum(path.stat().st_size for path in (REPO_ROOT / "models").rglob("*") if path.is_file())
    assert total <= 40_000_000, f"all shipped models together take {total:,} bytes"


@pytest.mark.parametrize("name", [*SENTIMENT, "shakespeare-lstm"])
def test_the_archive_mirror_equals_keras_on_every_shipped_model(name):
    """weights.npz (what the server reads) gives the same outputs as the Keras model rebuilt from it, to 1e-5."""
    keras_run, archive_run = load_keras_run(SHIPPED.get(name)), load_network_run(SHIPPED.get(name))
    rng = np.random.default_rng(0)
    ids = rng.integers(2, keras_run.vocabulary.size, (3, 60)).astype(np.int32)
    expected = np.asarray(keras_run.model(ids, training=False))
    got = archive_run.network.forward(ids).outputs
    assert got.size == expected.size  # sentiment: (3,) vs Keras's (3, 1); chars: (3, 60, alphabet) both
    if name == "shakespeare-lstm":  # compare what is sampled from: probabilities (logits reach ~±20 in float32)
        got, expected = _next_char_probabilities(got), _next_char_probabilities(expected)
    np.testing.assert_allclose(got.reshape(expected.shape), expected, atol=1e-5)


def _next_char_probabilities(logits: np.ndarray) -> np.ndarray:
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def test_shipped_sentiment_models_label_obvious_reviews(predictor):
    for text, label in OBVIOUS.items():
        assert predictor.predict(text).label == label, (predictor.name, text)


def test_shipped_sentiment_models_record_their_test_accuracy(predictor):
    metrics = predictor.run.info.metrics
    assert metrics["n"] == 25_000 and metrics["accuracy"] > 0.8


def test_the_shipped_models_record_the_targets_of_issue_4():
    # the figures `python -m rnncore evaluate` reproduces on the full test set / held-out text
    best = max(SHIPPED.get(name).metrics["accuracy"] for name in SENTIMENT)
    # Issue 4 shipped a BiGRU at 0.9040. Issue 19's counterfactual fine-tuning, which teaches what "not" and "but"
    # do, costs it 0.7 points on IMDB (0.8967) for +6.8 points on the 459-sentence short-review suite: a trade
    # made on purpose, so the floor is the new figure less a margin, not the old target.
    assert best >= 0.89
    assert SHIPPED.get("shakespeare-lstm").metrics["val_loss_stateful"] <= 1.45


def test_shipped_char_model_writes_shakespeare_like_text():
    sampler = CharSampler(load_network_run(SHIPPED.get("shakespeare-lstm")))
    text = "".join(step.char for step in sampler.generate("ROMEO:\n", 300, temperature=0.5, seed=0))
    words = text.split()
    common = {"the", "and", "to", "of", "i", "my", "you", "a", "that", "in", "is", "not", "me", "with"}
    assert len(words) > 30 and sum(word.lower().strip(",.;:!?") in common for word in words) >= 5
    assert sampler.nats_per_char("First Citizen:\nBefore we proceed any further, hear me speak.\n") < 2.0
