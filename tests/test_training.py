"""Training: the event stream, early stopping with best-weight restore, cancellation, seeds, clipping."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.corpus import CharVocabulary
from rnncore.data.datasets import prepare_chars, prepare_sentiment
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.inference.sample import negative_log_likelihoods
from rnncore.training.train import ShiftingWindows, _optimizer, sentiment_metrics, train
from tests.conftest import TINY_CHARS, TINY_SENTIMENT

BASE = RunConfig(**TINY_SENTIMENT).with_changes(epochs=2, patience=0)


@pytest.fixture(scope="module")
def data():
    """Tiny IMDB arrays for BASE (43 training reviews → 6 batches of 8)."""
    return prepare_sentiment(BASE)


@pytest.fixture(scope="module")
def reference_run():
    """BASE trained with data loaded by train() itself, with every event recorded."""
    events: list[TrainEvent] = []
    result = train(BASE, on_event=events.append)
    return result, events


def _val_loss(model, data) -> float:
    return float(model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["loss"])


def test_event_sequence(reference_run, data):
    result, events = reference_run
    kinds = "".join(event.kind[0] for event in events)  # s(tatus) b(atch) e(poch) d(one)
    batches = math.ceil(len(data.x_train) / BASE.batch_size)
    assert batches > 1
    assert re.fullmatch(rf"s+(b{{{batches}}}e){{2}}s+d", kinds), kinds
    assert events[0].message.startswith("Loading data")
    assert events[-1].kind == "done" and events[-1].message == "Finished"
    assert all(event.kind != "sample" for event in events)


def test_batch_event_fields(reference_run, data):
    _, events = reference_run
    batch_events = [event for event in events if event.kind == "batch"]
    batches = math.ceil(len(data.x_train) / BASE.batch_size)
    assert [(e.epoch, e.batch) for e in batch_events] == [(ep, b) for ep in (1, 2) for b in range(1, batches + 1)]
    progress = [event.progress for event in batch_events]
    assert all(0 < p <= 1 for p in progress) and progress == sorted(progress) and len(set(progress)) == len(progress)
    assert progress[-1] == 1.0
    for event in batch_events:
        assert event.epochs == 2 and event.batches == batches
        assert {"loss", "accuracy"} <= set(event.metrics)
        assert all(math.isfinite(value) for value in event.metrics.values())
        assert event.examples_per_second > 0 and event.eta_seconds >= 0 and event.elapsed_seconds >= 0
    elapsed = [event.elapsed_seconds for event in batch_events]
    assert elapsed == sorted(elapsed)
    assert batch_events[-1].eta_seconds == pytest.approx(0, abs=1e-6)


def test_epoch_events_match_history_and_done_carries_metrics(reference_run, data):
    result, events = reference_run
    epoch_events = [event for event in events if event.kind == "epoch"]
    assert [event.epoch for event in epoch_events] == [1, 2]
    assert [event.metrics for event in epoch_events] == result.history
    for metrics in result.history:
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(metrics)
    for event in epoch_events:
        assert event.progress == 1.0 if event.epoch == 2 else event.progress == 0.5
        assert event.to_dict()["kind"] == "epoch"
    done = events[-1]
    assert done.metrics["n"] == len(data.y_test) == 48
    assert done.metrics["accuracy"] == result.metrics["accuracy"]
    assert "confusion" not in done.metrics  # only scalars travel in events


def test_result_metrics_and_misclassified_examples(reference_run, data):
    result, _ = reference_run
    metrics = result.metrics
    assert 0 <= metrics["accuracy"] <= 1 and metrics["loss"] > 0 and metrics["n"] == 48
    assert sum(metrics["confusion"].values()) == 48
    assert "_probabilities" not in metrics
    assert result.fingerprint == data.fingerprint
    assert result.train_seconds > 0 and not result.cancelled and not result.stopped_early
    assert result.vocabulary == data.vocabulary
    wrong = result.extras["misclassified"]
    assert len(wrong) == round((1 - metrics["accuracy"]) * 48) or len(wrong) == 20
    confidence = [abs(example["probability"] - 0.5) for example in wrong]
    assert confidence == sorted(confidence, reverse=True)
    for example in wrong:
        assert (example["probability"] >= 0.5) != (example["label"] == 1)
        assert example["text"] in data.test_texts


def test_same_seed_gives_identical_weights(reference_run, data):
    first, _ = reference_run
    second = train(BASE, data)  # data given instead of loaded: must not change anything
    for a, b in zip(first.model.get_weights(), second.model.get_weights()):
        assert np.array_equal(a, b)
    assert first.history == second.history


def test_early_stopping_restores_the_best_weights(data):
    # validation labels are the training labels flipped: the better the model learns, the worse val_loss gets
    flipped = dataclasses.replace(data, x_val=data.x_train[:16], y_val=1 - data.y_train[:16])
    events: list[TrainEvent] = []
    config = BASE.with_changes(epochs=8, patience=1, learning_rate=0.05)
    result = train(config, flipped, on_event=events.append)
    losses = [metrics["val_loss"] for metrics in result.history]
    assert result.stopped_early and len(result.history) < 8
    assert losses[-1] >= min(losses)
    assert _val_loss(result.model, flipped) == pytest.approx(min(losses), rel=1e-4, abs=1e-5)
    last_epoch = [event for event in events if event.kind == "epoch"][-1]
    assert "Early stop" in last_epoch.message and last_epoch.eta_seconds == 0


def test_cancel_after_the_first_batch(data):
    events: list[TrainEvent] = []
    result = train(
        BASE.with_changes(epochs=5),
        data,
        on_event=events.append,
        should_stop=lambda: any(event.kind == "batch" for event in events),
    )
    assert result.cancelled and not result.stopped_early
    assert sum(event.kind == "batch" for event in events) == 1  # fit stopped after that batch
    assert not any(event.kind == "epoch" for event in events)
    assert result.history == [] and result.metrics == {}
    assert "misclassified" not in result.extras
    assert events[-1].kind == "done" and events[-1].message == "Cancelled"


def test_cancel_in_the_second_epoch_keeps_the_first(data):
    batches = math.ceil(len(data.x_train) / BASE.batch_size)
    seen: list[TrainEvent] = []
    result = train(
        BASE.with_changes(epochs=5, clipnorm=0.5, optimizer="rmsprop"),  # clipping on: training still works
        data,
        on_event=seen.append,
        should_stop=lambda: sum(event.kind == "batch" for event in seen) > batches,
    )
    assert result.cancelled and len(result.history) == 1
    assert sum(event.kind == "batch" for event in seen) == batches + 1
    assert _val_loss(result.model, data) == pytest.approx(result.history[0]["val_loss"], rel=1e-4, abs=1e-5)
    assert result.metrics["n"] == 48
    assert result.model.optimizer.clipnorm == 0.5


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_clipnorm_reaches_the_optimizer(optimizer):
    built = _optimizer(BASE.with_changes(clipnorm=0.5, optimizer=optimizer))
    assert type(built).__name__.lower() == optimizer and built.clipnorm == 0.5
    assert _optimizer(BASE.with_changes(optimizer=optimizer)).clipnorm is None  # 0 = off


def test_initial_weights_continue_from_a_run(reference_run, data):
    start, _ = reference_run
    result = train(BASE.with_changes(epochs=1, learning_rate=1e-6), data, initial_weights=start.model.get_weights())
    # a tiny learning rate barely moves the weights away from where they started
    for a, b in zip(start.model.get_weights(), result.model.get_weights()):
        assert np.allclose(a, b, atol=1e-3)
    with pytest.raises(RnncoreError, match="different architecture"):
        train(BASE.with_changes(units=3, epochs=1), data, initial_weights=start.model.get_weights())


def test_char_training_reports_validation_loss_in_nats_and_bits():
    config = RunConfig(**TINY_CHARS).with_changes(epochs=1)
    events: list[TrainEvent] = []
    result = train(config, on_event=events.append)
    assert isinstance(result.vocabulary, CharVocabulary)
    assert set(result.metrics) == {"val_loss", "val_bits_per_char", "val_loss_stateful"}
    # the stateful figure reads the held-out text as one sequence (it is shorter than a 2,000-char chunk)
    data = prepare_chars(config)
    ids = data.validation_ids
    assert len(ids) < 4_000
    logits = result.model.predict(ids[None, :-1], verbose=0)
    expected = negative_log_likelihoods(logits, ids[None, 1:]).mean()
    assert result.metrics["val_loss_stateful"] == pytest.approx(expected, abs=1e-4)
    assert result.metrics["val_bits_per_char"] == pytest.approx(result.metrics["val_loss"] / math.log(2))
    assert 0 < result.metrics["val_loss"] < math.log(result.vocabulary.size) + 1
    assert "val_loss" in result.history[0] and result.extras == {}
    assert events[-1].metrics["val_loss"] == result.metrics["val_loss"]


def test_sentiment_metrics_by_hand():
    metrics = sentiment_metrics(np.array([0.9, 0.2, 0.6, 0.4]), np.array([1, 0, 0, 1]))
    assert metrics["accuracy"] == 0.5 and metrics["n"] == 4
    assert metrics["confusion"] == {"true_positive": 1, "false_positive": 1, "true_negative": 1, "false_negative": 1}
    expected = -np.mean(np.log([0.9, 0.8, 0.4, 0.4]))
    assert metrics["loss"] == pytest.approx(expected)
    # certain, wrong predictions are clipped rather than infinite
    assert math.isfinite(sentiment_metrics(np.array([0.0, 1.0]), np.array([1, 0]))["loss"])


def test_char_windows_move_every_epoch_and_stay_inside_the_text():
    text = np.arange(1, 402, dtype=np.int32)  # 401 "characters": 40 windows of 10 at offset 0
    x, y = text[:400].reshape(40, 10), text[1:401].reshape(40, 10)
    windows = ShiftingWindows(x, y, batch_size=16, seed=3)
    assert windows.count == 39 and len(windows) == 3
    offsets = set()
    for _ in range(6):
        batches = [windows[i] for i in range(len(windows))]
        xs = np.concatenate([bx for bx, _ in batches])
        ys = np.concatenate([by for _, by in batches])
        assert xs.shape == (39, 10) and np.array_equal(ys, xs + 1)  # targets are the next characters
        assert xs.min() >= 1 and ys.max() <= 401  # never past the text
        assert np.all(np.diff(xs, axis=1) == 1)  # each window is one contiguous stretch
        offsets.add(int(xs.min() - 1) % 10)
        windows.on_epoch_end()
    assert len(offsets) > 1  # the cut moves between epochs
    single = ShiftingWindows(x[:1], y[:1], batch_size=4)
    assert np.array_equal(single[0][0], x[:1]) and len(single) == 1  # too short to shift: the one window


def test_char_training_sees_every_window_once_per_epoch():
    config = RunConfig(**TINY_CHARS).with_changes(epochs=2, batch_size=16)
    data = prepare_chars(config)
    events: list[TrainEvent] = []
    result = train(config, data, on_event=events.append)
    batches = [event for event in events if event.kind == "batch"]
    expected = math.ceil((len(data.x_train) - 1) / 16)
    assert len(batches) == 2 * expected and {event.batches for event in batches} == {expected}
    assert math.isfinite(result.metrics["val_loss"])
