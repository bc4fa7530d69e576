"""Sequence Lab training (TensorFlow): a tiny run of every task, events for live curves, Stop, the time budget,
the NumPy copy that scores the rounds, and the claims the page makes, reproduced at small size."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest

from rnncore.lab.config import LAB_TASKS, LabConfig
from rnncore.lab.tasks import TASKS, generate
from rnncore.training.lab import _CellRun, _forward, run_lab
from rnncore.training.lab_steps import adam_update, build_lab_model, compiled_shape, starting_weights


@pytest.mark.parametrize("name", LAB_TASKS)
def test_a_tiny_run_of_every_task(name):
    task = TASKS[name]
    config = LabConfig(task=name, cells=("simplernn", "gru"), length=task.min_length + 3, units=4, epochs=2)
    events = []
    result = run_lab(config, events.append)
    assert list(result.outcomes) == ["simplernn", "gru"] and not result.cancelled
    curve_events = [event for event in events if event.kind == "epoch"]
    # round 0 of every cell first (before any compiling), then the rounds interleaved
    assert [(event.cell, event.epoch) for event in curve_events] == [
        ("simplernn", 0),
        ("gru", 0),
        ("simplernn", 1),
        ("gru", 1),
        ("simplernn", 2),
        ("gru", 2),
    ]
    assert all(event.epochs == 2 and {"loss", "metric", "seconds"} <= set(event.metrics) for event in curve_events)
    for outcome in result.outcomes.values():
        assert [point["round"] for point in outcome.curve] == [0, 1, 2]
        assert outcome.curve[0]["seconds"] == 0 < outcome.curve[1]["seconds"] < outcome.curve[2]["seconds"]
        assert outcome.hidden.shape == (config.length, 4)
        assert outcome.step_gradient_norms.shape == (config.length,)
        assert np.all(np.isfinite(outcome.step_gradient_norms)) and outcome.step_gradient_norms.max() > 0
        assert np.isfinite(outcome.metric) and outcome.metric == outcome.curve[-1]["metric"]
        assert outcome.example_prediction.shape == _output_shape(name, config.length)
        assert outcome.compile_seconds >= 0  # 0.0… when this process already traced the shape
        if task.output == "sequence_value":
            start = result.forecast_from
            assert outcome.forecast.shape == (config.length, 1) and np.isnan(outcome.forecast[:start]).all()
            assert np.isfinite(outcome.forecast[start:]).all()
            # up to forecast_from the model reads the true inputs: the same number as the one-step prediction
            assert outcome.forecast[start, 0] == pytest.approx(float(outcome.example_prediction[start, 0]), abs=1e-5)
        else:
            assert outcome.forecast is None and result.forecast_from is None
    assert result.metric_name == task.metric_name and np.isfinite(result.baseline)
    assert result.example_inputs.shape == (config.length, task.input_dim)
    assert pickle.loads(pickle.dumps(result)).outcomes.keys() == result.outcomes.keys()  # travels between processes


def _output_shape(name: str, length: int) -> tuple[int, ...]:
    task = TASKS[name]
    return (length, task.output_dim) if task.output.startswith("sequence") else (task.output_dim,)


@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_the_numpy_copy_that_scores_each_round_equals_keras(cell):
    task = TASKS["chars"]
    model = build_lab_model(task, cell, units=6, length=12, seed=3)
    model.get_layer("rnn").set_weights([w + 0.3 * np.sin(w) for w in model.get_layer("rnn").get_weights()])
    weights = [variable.numpy() for variable in model.trainable_variables]
    inputs = generate("chars", 12, 16, seed=1).inputs
    outputs, hidden = _forward(task, _CellRun(cell, weights, np.random.default_rng(0)), inputs)
    np.testing.assert_allclose(outputs, model(inputs).numpy(), atol=1e-5)
    assert hidden.shape == (16, 12, 6)


def test_same_seed_same_curves():
    config = LabConfig(task="adding", cells=("lstm",), length=12, units=4, epochs=2, seed=4)
    first, second = run_lab(config), run_lab(config)
    metrics = [[point["metric"] for point in run.outcomes["lstm"].curve] for run in (first, second)]
    np.testing.assert_allclose(metrics[0], metrics[1], rtol=1e-4)


def test_stop_ends_the_run_with_what_was_learned():
    events = []
    result = run_lab(
        LabConfig(task="memory", cells=("lstm", "gru"), length=10, units=4, epochs=500, time_budget=60),
        events.append,
        should_stop=lambda: any(event.kind == "epoch" and event.epoch >= 2 for event in events),
    )
    assert result.cancelled and set(result.outcomes) == {"lstm", "gru"}
    rounds = {cell: outcome.curve[-1]["round"] for cell, outcome in result.outcomes.items()}
    assert 2 <= rounds["lstm"] < 10 and rounds["lstm"] - 1 <= rounds["gru"] <= rounds["lstm"]  # stopped mid-round
    assert result.seconds < 20


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_compiled_round_trains_as_keras_adam_with_clipnorm_does(cell):
    """The shared compiled round (weights as tensors, Adam written out) against Keras's own optimizer and model."""
    import tensorflow as tf

    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    task, length, batches = TASKS["adding"], 10, 3
    data = generate("adding", length, batches * 8, seed=5)
    inputs, targets = data.inputs.reshape(batches, 8, length, -1), data.targets.reshape(batches, 8, -1)
    model = build_lab_model(task, cell, units=4, length=length, seed=2)
    optimizer = keras.optimizers.Adam(learning_rate=0.05, clipnorm=1.0)
    for batch in range(batches):
        with tf.GradientTape() as tape:
            batch_loss = tf.reduce_mean(tf.square(model(inputs[batch], training=True) - targets[batch]))
        optimizer.apply_gradients(zip(tape.gradient(batch_loss, model.trainable_variables), model.trainable_variables))
    compiled = compiled_shape(task, cell, 4, length, data)
    weights = starting_weights(task, cell, 4, length, seed=2)
    zeros = [np.zeros_like(weight) for weight in weights]
    trained, _, _ = compiled.train_round(weights, zeros, zeros, 0.0, 0.05, inputs, targets)
    for ours, theirs in zip(trained, model.trainable_variables):
        np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), atol=2e-5)
    assert compiled_shape(task, cell, 4, length, data) is compiled  # traced once per process and shape


def test_adam_update_clips_each_gradient_to_norm_one():
    import tensorflow as tf

    weights, gradients = [tf.zeros(4)], [tf.constant([30.0, 40.0, 0.0, 0.0])]  # norm 50 → (0.6, 0.8, 0, 0)
    zeros = [tf.zeros(4)]
    _, first, second = adam_update(weights, gradients, zeros, zeros, 0.0, 0.1)
    np.testing.assert_allclose(first[0].numpy(), [0.06, 0.08, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(second[0].numpy(), [0.00036, 0.00064, 0, 0], rtol=1e-5)


def test_runs_in_threads_start_from_their_own_seed():
    """A lab worker runs several students' runs at once: each start must depend on its seed alone."""
    import threading

    task = TASKS["memory"]
    alone = {seed: starting_weights(task, "gru", 4, 6, seed) for seed in range(4)}
    together: dict[int, list] = {}
    threads = [
        threading.Thread(target=lambda s=seed: together.__setitem__(s, starting_weights(task, "gru", 4, 6, s)))
        for seed in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in range(4):
        assert all(np.array_equal(a, b) for a, b in zip(alone[seed], together[seed]))
    assert not np.array_equal(alone[0][0], alone[1][0])


def test_the_time_budget_ends_a_run():
    started = time.perf_counter()
    result = run_lab(LabConfig(task="sine", cells=("gru",), length=100, units=8, epochs=500, time_budget=4.0))
    assert 1 <= result.outcomes["gru"].curve[-1]["round"] < 500 and not result.cancelled
    assert result.seconds < 5.5 and time.perf_counter() - started < 6


def test_claim_memory_at_length_5_is_learned_well_above_chance():
    result = run_lab(LabConfig(task="memory", cells=("simplernn", "gru"), length=5, epochs=10, seed=0))
    assert max(outcome.metric for outcome in result.outcomes.values()) > 0.9 > 0.3 > result.baseline


def test_claim_no_cell_beats_persistence_on_a_random_walk():
    result = run_lab(LabConfig(task="randomwalk", cells=("gru",), length=30, epochs=15, seed=0))
    assert result.outcomes["gru"].metric > 0.97 * result.baseline


def test_claim_a_network_beats_persistence_on_a_sine_wave():
    result = run_lab(LabConfig(task="sine", cells=("gru",), length=20, epochs=10, seed=0))
    assert result.outcomes["gru"].metric < 0.5 * result.baseline
