"""`python -m rnncore lab TASK …`: a tiny run of every task (JSON last line) and bad values (exit 2)."""

from __future__ import annotations

import pytest

from rnncore.lab.config import LAB_TASKS
from rnncore.lab.tasks import TASKS
from tests.test_cli import assert_bad_input, cli, last_json

TINY = ["--cell", "gru", "--units", "4", "--epochs", "2", "--budget", "300", "--seed", "3"]


@pytest.mark.parametrize("name", LAB_TASKS)
def test_a_tiny_run_of_every_task_through_the_cli(name):
    task = TASKS[name]
    done = cli("lab", name, "--length", str(task.min_length), *TINY)
    summary = last_json(done)
    assert summary["task"] == name and summary["cell"] == "gru" and summary["length"] == task.min_length
    assert summary["rounds"] == 2 and summary["epochs"] == 2 and summary["units"] == 4 and summary["seed"] == 3
    assert summary["metric_name"] == task.metric_name and summary["baseline_name"] == task.baseline_name
    assert summary["higher_is_better"] == task.higher_is_better and summary["best_possible"] is not None
    assert summary["seconds"] > 0 and summary["baseline"] > 0 and summary["metric"] >= 0
    if task.metric_name == "accuracy":
        assert 0 <= summary["metric"] <= 1
    assert "round 2/2" in done.stderr  # progress goes to stderr, one line per round


def test_the_length_defaults_to_the_tasks_own():
    summary = last_json(cli("lab", "parity", "--cell", "simplernn", "--units", "4", "--epochs", "1"))
    assert summary["length"] == TASKS["parity"].default_length and summary["cell"] == "simplernn"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["lab", "stocks"], "invalid choice"),
        (["lab", "memory", "--length", "1000"], "length for memory must be a whole number between 5 and 200"),
        (["lab", "parity", "--length", "1"], "length for parity"),
        (["lab", "memory", "--units", "0"], "units"),
        (["lab", "memory", "--epochs", "0"], "epochs"),
        (["lab", "memory", "--units", "many"], "invalid int value"),
        (["lab", "memory", "--cell", "transformer"], "invalid choice"),
        (["lab", "memory", "--learning-rate", "5"], "learning_rate"),
        (["lab", "memory", "--budget", "-1"], "time_budget"),
        (["lab", "memory", "--seed", "-1"], "seed"),
    ],
)
def test_bad_values_exit_2_with_a_message(args, fragment):
    assert_bad_input(cli(*args), fragment)
