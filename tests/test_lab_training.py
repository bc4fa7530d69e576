"""Sequence Lab training (TensorFlow): a tiny run of every task, events for live curves, Stop, the time budget,
the NumPy copy that scores the rounds, and the claims the page makes, reproduced at small size."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest

from rnncore.lab.config import LAB_TASKS, LabConfig
from rnncore.lab.tasks import TASKS, generate
from rnncore.training.lab import _CellRun, _forward, build_lab_model, compiled_train_step, run_lab


@pytest.mark.parametrize("name", LAB_TASKS)
def test_a_tiny_run_of_every_task(name):
    task = TASKS[name]
    config = LabConfig(task=name, cells=("simplernn", "gru"), length=task.min_length + 3, units=4, epochs=2)
    events = []
    result = run_lab(config, events.append)
    assert list(result.outcomes) == ["simplernn", "gru"] and not result.cancelled
    curve_events = [event for event in events if event.kind == "epoch"]
    # round 0 of every cell first (before any compiling), then the rounds interleaved
    assert [(event.message, event.epoch) for event in curve_events] == [
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
        assert outcome.compile_seconds > 0
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
    inputs = generate("chars", 12, 16, seed=1).inputs
    outputs, hidden = _forward(task, _CellRun(cell, model, np.random.default_rng(0)), inputs)
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


def test_compiling_leaves_the_weights_as_they_were():
    task = TASKS["adding"]
    model = build_lab_model(task, "gru", units=4, length=10, seed=0)
    before = [weight.copy() for weight in model.get_weights()]
    compiled_train_step(task, model, 0.1, generate("adding", 10, 100, seed=0))  # runs one batch to warm up
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


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
