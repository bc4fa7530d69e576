"""Seq2seq training within its budget (a tiny model learns to reverse within seconds), its reports and stop
callback, the shared compiled step (equal to Keras's own train_on_batch; traced once for the runs of a shape in
threads), and `python -m rnncore seq2seq …` end to end (JSON last line; bad values exit 2)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.examples import run_examples
from rnncore.seq2seq.scoring import score
from rnncore.seq2seq.tasks import TASKS
from rnncore.training.seq2seq import (
    BATCHES_PER_ROUND,
    CHUNK_BATCHES,
    _examples,
    build_seq2seq_model,
    model_for,
    named_weights,
    train_seq2seq,
)
from rnncore.training.seq2seq_steps import compiled_seq2seq, starting_weights, weight_names
from tests.test_cli import assert_bad_input, cli, last_json

TINY = dict(task="reverse", length=5, units=16, embed_dim=8, learning_rate=0.02, batch_size=32)


def test_a_tiny_model_learns_to_reverse_above_chance_within_seconds():
    config = Seq2seqConfig(**TINY, time_budget=3.0, seed=1)
    compiled_seq2seq(config)  # as in a warm worker that ran this shape before: the budget is all training
    events = []
    result = train_seq2seq(config, on_event=events.append)
    # Chance per position: 1 in 10 symbols; always ending after five gets the end token too: 0.25 in all.
    assert result.char_accuracy > 0.45, result.curve
    assert result.curve[-1]["char_accuracy"] > result.curve[0]["char_accuracy"] + 0.2
    assert result.compile_seconds < 1.5  # examples and model only (0.1 to 0.6 s): the step was traced before
    # the budget ends it: no call starts that would end after it (each of this tiny model's takes ~0.05 s)
    assert 2.5 <= result.compile_seconds + result.seconds < 3.5 and not result.cancelled
    reports = [event for event in events if event.kind == "epoch"]
    assert [event.epoch for event in reports] == [point["round"] for point in result.curve]
    assert reports[0].epoch == 0 and np.isnan(reports[0].metrics["loss"])  # the untrained start
    assert {"loss", "char_accuracy", "exact_match", "seconds"} <= set(reports[-1].metrics)
    assert reports[1].metrics["seconds"] < 1.5  # the first trained report comes within about a second
    assert [point["batches"] for point in result.curve[:3]] == [0, BATCHES_PER_ROUND, 2 * BATCHES_PER_ROUND]
    # the returned weights are the model's: the mirror scores them as the last report did
    data = run_examples("reverse", 5, 20_000, 1_000, seed=1)
    assert score(result.mirror(), data.heldout)["char_accuracy"] == pytest.approx(result.char_accuracy)
    assert len(result.examples) == 5 and {"source", "target", "output"} == set(result.examples[0])


def test_the_budget_includes_tracing_a_new_shape():
    """The first run of a shape in a process traces its step within its budget (a class's runs end on time)."""
    config = Seq2seqConfig(**{**TINY, "units": 7}, cell="gru", time_budget=2.0)  # a shape no other test uses
    started = time.perf_counter()
    result = train_seq2seq(config)
    wall = time.perf_counter() - started
    assert result.compile_seconds > 0.2  # it traced (a moment when the shape is compiled already)
    assert result.curve[-1]["batches"] >= CHUNK_BATCHES  # a run always trains a little, however long it waited
    assert wall < max(config.time_budget, result.compile_seconds) + 1.5, (wall, result.compile_seconds)


def test_should_stop_is_honoured_within_a_round():
    events = []
    # asked from a watcher thread every 0.1 s, also while the step is traced: true once round 1 was reported
    stop = lambda: any(event.kind == "epoch" and event.epoch >= 1 for event in events)  # noqa: E731
    config = Seq2seqConfig(**{**TINY, "length": 30}, time_budget=60.0)  # a round of long inputs takes a while
    result = train_seq2seq(config, on_event=events.append, should_stop=stop)
    assert result.cancelled and result.seconds < 10.0
    assert result.curve[-1]["round"] <= 3 and result.curve[-1]["batches"] < 3 * BATCHES_PER_ROUND, result.curve


def test_a_stop_before_training_returns_the_untrained_start():
    config = Seq2seqConfig(**TINY, time_budget=60.0)
    result = train_seq2seq(config, should_stop=lambda: True)
    assert result.cancelled and [point["round"] for point in result.curve] == [0]
    seeded = named_weights(model_for(config))
    assert result.weights.keys() == seeded.keys()
    assert all(np.array_equal(result.weights[name], weight) for name, weight in seeded.items())
    # Runs of one config share their examples and start (kept per process), never what they return.
    for weight in result.weights.values():
        weight += 1.0
    again = train_seq2seq(config, should_stop=lambda: True)
    assert all(np.array_equal(again.weights[name], weight) for name, weight in seeded.items())
    assert _examples(config)[0] is _examples(config)[0]


@pytest.mark.parametrize("cell, attention", [("lstm", "on"), ("gru", "off")])
def test_the_shared_step_trains_as_keras_train_on_batch_does(cell, attention):
    """The shared compiled round (weights as tensors, Adam written out, embedding gradients included) against a
    compiled Keras model's own `train_on_batch`: the same losses, the same weights after three steps."""
    config = Seq2seqConfig(
        task="dates", length=4, cell=cell, attention=attention, units=8, embed_dim=4, learning_rate=0.05, seed=3
    )
    data = run_examples("dates", 4, 300, 20, seed=3).train
    rows = np.random.default_rng(0).integers(len(data), size=(3, 16))
    model = model_for(config)
    start = starting_weights(model)
    keras_losses = [
        float(model.train_on_batch([data.sources[r], data.decoder_inputs[r]], data.targets[r], data.target_mask[r]))
        for r in rows
    ]
    compiled = compiled_seq2seq(config)
    zeros = [np.zeros_like(weight) for weight in start]
    ids = [np.asarray(array[rows], np.int32) for array in (data.sources, data.decoder_inputs, data.targets)]
    trained, _, _, losses = compiled.train_round(start, zeros, zeros, 0.0, 0.05, *ids, data.target_mask[rows])
    np.testing.assert_allclose(np.asarray(losses), keras_losses, rtol=1e-5)
    assert compiled.names == weight_names(model) and set(compiled.names) == set(named_weights(model))
    for ours, theirs in zip(trained, model.trainable_variables):
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), atol=2e-5)
    # an embedding's rows were looked up more than once in a batch: the sparse gradient path mattered
    assert len(np.unique(data.sources[rows[0]])) < data.sources[rows[0]].size
    assert compiled_seq2seq(config) is compiled  # traced once per process and shape


def test_seeding_a_build_as_keras_does_without_clearing_tensorflow_caches(monkeypatch):
    """seed_keras builds the weights keras.utils.set_random_seed would (the seed generators' states included)."""
    from rnncore.training import seq2seq
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    task = TASKS["dates"]
    shapes = [("lstm", True), ("gru", False)]
    ours = [build_seq2seq_model(cell, on, 6, 4, task.source.size, task.target.size, seed=5) for cell, on in shapes]
    monkeypatch.setattr(seq2seq, "seed_keras", keras.utils.set_random_seed)  # the same builds, seeded by Keras
    for model, (cell, attention) in zip(ours, shapes):
        keras_seeded = build_seq2seq_model(cell, attention, 6, 4, task.source.size, task.target.size, seed=5)
        assert len(model.variables) == len(keras_seeded.variables) > len(model.trainable_variables)
        for a, b in zip(model.variables, keras_seeded.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_the_trace_is_shared_by_runs_of_one_shape_in_threads(monkeypatch):
    """A lab worker runs several students' runs at once: they trace one step between them, and each run trains
    as it would alone (same seed, same curve and weights; another seed, another start)."""
    import threading

    from rnncore.training import seq2seq_steps

    traces = []
    original = seq2seq_steps._compile
    monkeypatch.setattr(seq2seq_steps, "_compile", lambda *key: traces.append(key) or original(*key))
    configs = [Seq2seqConfig(**{**TINY, "units": 9}, attention="off", rounds=2, seed=seed) for seed in (0, 1, 0)]
    results: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda i=i, c=c: results.__setitem__(i, train_seq2seq(c)))
        for i, c in enumerate(configs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(traces) == 1  # one trace for the three runs
    alone = train_seq2seq(configs[0])
    assert len(traces) == 1
    for together in (results[0], results[2]):
        assert [point["batches"] for point in together.curve] == [0, BATCHES_PER_ROUND, 2 * BATCHES_PER_ROUND]
        for name, weight in alone.weights.items():
            np.testing.assert_allclose(together.weights[name], weight, atol=1e-5)
        np.testing.assert_allclose(
            [point["loss"] for point in together.curve[1:]], [point["loss"] for point in alone.curve[1:]], rtol=1e-5
        )
    first_layer = "encoder_embedding/embeddings"
    assert not np.allclose(results[1].weights[first_layer], results[0].weights[first_layer])


def test_the_cli_end_to_end():
    args = ["--length", "5", "--units", "8", "--cell", "simplernn", "--attention", "off", "--rounds", "2"]
    done = cli("seq2seq", "reverse", *args)
    summary = last_json(done)
    assert summary["task"] == "reverse" and summary["cell"] == "simplernn" and summary["attention"] == "off"
    assert summary["length"] == 5 and summary["units"] == 8
    assert 0 <= summary["exact_match"] <= 1 and 0 < summary["char_accuracy"] <= 1 and summary["seconds"] > 0
    # the rounds limit ends the run (the 20-second budget would come much later)
    assert [point["round"] for point in summary["curve"]] == [0, 1, 2] and summary["rounds_done"] == 2
    assert "round 1: exact match" in done.stderr  # progress goes to stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["seq2seq", "poems"], "invalid choice"),
        (["seq2seq", "dates", "--attention", "maybe"], "invalid choice"),
        (["seq2seq", "dates", "--cell", "transformer"], "invalid choice"),
        (["seq2seq", "reverse", "--length", "3"], "length for reverse (symbols per sequence) must be from 5 to 40"),
        (["seq2seq", "numbers", "--units", "1"], "units must be from 2 to 512"),
        (["seq2seq", "dates", "--units", "many"], "invalid int value"),
        (["seq2seq", "dates", "--time-budget", "0"], "time_budget"),
    ],
)
def test_bad_values_exit_2_with_a_message(args, fragment):
    assert_bad_input(cli(*args), fragment)
