"""`python -m rnncore lab TASK …`: a tiny run of every task (JSON last line) and bad values (exit 2)."""

from __future__ import annotations

import pytest

from rnncore.lab.config import LAB_TASKS
from rnncore.lab.tasks import TASKS
from tests.test_cli import assert_bad_input, cli, cli_many, last_json


def test_a_tiny_run_of_every_task_through_the_cli():
    commands = [
        [
            "lab",
            name,
            "--cell",
            "gru",
            "--length",
            str(TASKS[name].min_length),
            "--units",
            "4",
            "--epochs",
            "2",
            "--budget",
            "300",
        ]
        for name in LAB_TASKS
    ]
    for name, done in zip(LAB_TASKS, cli_many(*commands)):
        summary = last_json(done)
        assert summary["task"] == name and summary["cell"] == "gru" and summary["rounds"] == 2
        assert summary["length"] == TASKS[name].min_length
        assert summary["metric_name"] == TASKS[name].metric_name
        assert summary["baseline_name"] == TASKS[name].baseline_name
        assert {"metric", "baseline", "seconds"} <= set(summary)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["lab", "stocks"], "invalid choice"),
        (["lab", "memory", "--length", "1000"], "length for memory"),
        (["lab", "memory", "--units", "0"], "units"),
        (["lab", "memory", "--cell", "transformer"], "invalid choice"),
        (["lab", "memory", "--learning-rate", "5"], "learning_rate"),
        (["lab", "memory", "--budget", "-1"], "time_budget"),
    ],
)
def test_bad_values_exit_2_with_a_message(args, fragment):
    assert_bad_input(cli(*args), fragment)
