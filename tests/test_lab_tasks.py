"""Sequence Lab task generators (NumPy): shapes, labels, determinism, baselines, scoring, settings."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.lab.config import LAB_TASKS, LabConfig
from rnncore.lab.tasks import CHARS_ALPHABET, TASKS, baseline, best_possible, generate, loss, score


@pytest.mark.parametrize("name", LAB_TASKS)
def test_every_task_has_the_documented_shapes_and_is_deterministic(name):
    task = TASKS[name]
    data = generate(name, task.default_length, 64, seed=5)
    assert data.inputs.shape == (64, task.default_length, task.input_dim) and data.inputs.dtype == np.float32
    if task.output == "class":
        assert data.targets.shape == (64,) and data.targets.dtype == np.int64
        assert set(np.unique(data.targets)) <= set(range(task.output_dim))
    elif task.output == "sequence_class":
        assert data.targets.shape == (64, task.default_length)
    elif task.output == "value":
        assert data.targets.shape == (64, 1) and data.targets.dtype == np.float32
    else:
        assert data.targets.shape == (64, task.default_length, 1)
    again = generate(name, task.default_length, 64, seed=5)
    assert np.array_equal(again.inputs, data.inputs) and np.array_equal(again.targets, data.targets)
    other = generate(name, task.default_length, 64, seed=6)
    assert not np.array_equal(other.inputs, data.inputs)
    for length in (task.min_length, task.max_length):
        assert generate(name, length, 2, seed=0).inputs.shape[1] == length


def test_memory_answer_is_the_first_symbol_and_the_rest_are_distractors():
    data = generate("memory", 30, 200, seed=1)
    assert np.array_equal(data.inputs[:, 0, :4].argmax(axis=1), data.targets)
    assert data.inputs[:, 1:, :4].sum() == 0 and np.all(data.inputs[:, 1:, 4:].sum(axis=2) == 1)


def test_adding_target_is_the_sum_of_the_two_marked_values():
    data = generate("adding", 50, 100, seed=2)
    values, markers = data.inputs[..., 0], data.inputs[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.allclose((values * markers).sum(axis=1), data.targets[:, 0])
    assert baseline("adding", generate("adding", 50, 5_000, seed=3)) == pytest.approx(1 / 6, abs=0.01)


def test_parity_and_chars_targets():
    data = generate("parity", 12, 100, seed=3)
    assert np.array_equal(data.inputs[..., 0].sum(axis=1) % 2, data.targets)
    chars = generate("chars", 10, 20, seed=4)
    text = "".join(CHARS_ALPHABET[i] for i in chars.inputs[0].argmax(axis=1))
    following = "".join(CHARS_ALPHABET[i] for i in chars.targets[0])
    assert text[1:] == following[:-1] and text in "hello world. hello rnn. " * 3


def test_forecast_targets_are_the_next_value_and_persistence_is_the_baseline():
    for name in ("sine", "randomwalk"):
        data = generate(name, 40, 50, seed=0)
        assert np.array_equal(data.inputs[:, 1:, 0], data.targets[:, :-1, 0])
    walk = generate("randomwalk", 100, 2_000, seed=0)
    persistence = baseline("randomwalk", walk)
    assert persistence == pytest.approx(0.01, rel=0.05)  # the step noise: nothing can do better on average
    mean_guess = float(np.mean((walk.targets - walk.targets.mean()) ** 2))
    assert persistence < mean_guess / 10


def test_baselines_and_scores():
    memory = generate("memory", 10, 1_000, seed=0)
    assert baseline("memory", memory) == 0.25
    # chance is fair: the answers are spread evenly, so always naming one symbol also scores about 1 in 4
    assert np.allclose(np.bincount(memory.targets) / 1_000, 0.25, atol=0.04)
    parity = generate("parity", 10, 1_000, seed=0)
    assert baseline("parity", parity) == 0.5 and abs(parity.targets.mean() - 0.5) < 0.05
    perfect = np.eye(4)[memory.targets]
    assert score("memory", memory, perfect) == 1.0
    assert score("memory", memory, np.roll(perfect, 1, axis=1)) == 0.0
    sine = generate("sine", 20, 10, seed=0)
    assert score("sine", sine, sine.targets) == 0.0
    assert score("sine", sine, sine.inputs) == pytest.approx(baseline("sine", sine))
    chars = generate("chars", 20, 200, seed=0)
    assert 0.1 < baseline("chars", chars) < 0.4  # the most frequent next character
    assert score("chars", chars, np.eye(len(CHARS_ALPHABET))[chars.targets]) == 1.0
    adding = generate("adding", 20, 10, seed=0)
    assert score("adding", adding, adding.targets) == 0.0 == loss("adding", adding, adding.targets)


def test_loss_is_the_training_loss():
    memory = generate("memory", 10, 100, seed=0)
    assert loss("memory", memory, np.full((100, 4), 0.25)) == pytest.approx(np.log(4))
    assert loss("memory", memory, np.eye(4)[memory.targets]) == pytest.approx(0.0, abs=1e-6)
    assert loss("memory", memory, np.roll(np.eye(4)[memory.targets], 1, axis=1)) == pytest.approx(-np.log(1e-7))
    sine = generate("sine", 20, 10, seed=0)
    assert loss("sine", sine, sine.inputs) == pytest.approx(baseline("sine", sine))


def test_bad_arguments_are_refused_with_clear_messages():
    with pytest.raises(ValueError, match="task must be one of"):
        generate("stock", 10, 1, 0)
    with pytest.raises(ValueError, match="between 5 and 200"):
        generate("memory", 4, 1, 0)
    with pytest.raises(ValueError, match="count"):
        generate("memory", 10, 0, 0)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"task": "stocks"}, "task must be one of"),
        ({"cells": ()}, "one to three"),
        ({"cells": ("gru", "gru")}, "one to three different"),
        ({"cells": ("transformer",)}, "cell must be one of"),
        ({"length": 3}, "length for memory must be a whole number between 5 and 200; got 3"),
        ({"task": "parity", "length": 51}, "length for parity must be a whole number between 2 and 50"),
        ({"length": 20.5}, "length for memory must be a whole number"),
        ({"units": 0}, "units"),
        ({"learning_rate": 0.0}, "learning_rate must be more than 0 and at most 1"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": "fast"}, "learning_rate must be a number"),
        ({"epochs": 0}, "epochs"),
        ({"time_budget": 0}, "time_budget"),
        ({"time_budget": 301}, "at most 300 seconds"),
        ({"seed": -1}, "seed"),
    ],
)
def test_lab_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        LabConfig(**changes)


def test_lab_config_round_trips_and_takes_lists_and_numpy_numbers():
    config = LabConfig(task="sine", cells=["gru", "lstm"], length=30)
    assert config.cells == ("gru", "lstm")
    assert LabConfig.from_dict({**config.to_dict(), "unknown": 1}) == config
    numpy_made = LabConfig(length=np.int64(30), units=np.int32(8), learning_rate=np.float32(0.5), time_budget=10)
    assert type(numpy_made.length) is int and type(numpy_made.learning_rate) is float and numpy_made.units == 8
    assert LabConfig().epochs == 40 and LabConfig().cells == ("simplernn", "lstm", "gru")


def test_every_task_is_listed_with_a_consistent_description():
    assert tuple(TASKS) == LAB_TASKS
    for name, task in TASKS.items():
        assert task.name == name and task.min_length <= task.default_length <= task.max_length
        assert task.shape == ("many-to-many" if task.output.startswith("sequence") else "many-to-one")
        assert task.higher_is_better == (task.metric_name == "accuracy")
        assert 2 <= task.look_for.count(". ") + 1 <= 5


def test_best_possible_chars_accuracy_matches_the_best_guess_on_generated_windows():
    for length in (5, 20):
        data = generate("chars", length, 4_000, seed=0)
        ids = np.concatenate([data.inputs.argmax(axis=-1), data.targets[:, -1:]], axis=1)
        correct = 0
        for step in range(length):
            prefixes, inverse = np.unique(ids[:, : step + 1], axis=0, return_inverse=True)
            for group in range(len(prefixes)):
                correct += np.bincount(ids[inverse.reshape(-1) == group, step + 1]).max()
        assert correct / ids[:, 1:].size == pytest.approx(best_possible("chars", length), abs=0.01)
    assert best_possible("chars", 5) < best_possible("chars", 20) < best_possible("chars", 60) < 1
    assert best_possible("memory", 50) == 1.0 and best_possible("adding", 50) == 0.0
    walk = generate("randomwalk", 50, 2_000, seed=1)
    assert baseline("randomwalk", walk) == pytest.approx(best_possible("randomwalk", 50), rel=0.05)
