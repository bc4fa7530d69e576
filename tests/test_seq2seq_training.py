"""Seq2seq training within its budget (a tiny model learns to reverse within seconds), its reports and stop
callback, and `python -m rnncore seq2seq …` end to end (JSON last line; bad values exit 2)."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.examples import run_examples
from rnncore.seq2seq.scoring import score
from rnncore.training.seq2seq import train_seq2seq
from tests.test_cli import assert_bad_input, cli, last_json

TINY = dict(task="reverse", length=5, units=16, embed_dim=8, learning_rate=0.02, batch_size=32)


def test_a_tiny_model_learns_to_reverse_above_chance_within_seconds():
    events = []
    result = train_seq2seq(Seq2seqConfig(**TINY, time_budget=3.0, seed=1), on_event=events.append)
    # Chance per position: 1 in 10 symbols; always ending after five gets the end token too: 0.25 in all.
    assert result.char_accuracy > 0.45, result.curve
    assert result.curve[-1]["char_accuracy"] > result.curve[0]["char_accuracy"] + 0.2
    assert 3.0 <= result.seconds < 7.0 and not result.cancelled
    reports = [event for event in events if event.kind == "epoch"]
    assert [event.epoch for event in reports] == [point["round"] for point in result.curve]
    assert reports[0].epoch == 0 and np.isnan(reports[0].metrics["loss"])  # the untrained start
    assert {"loss", "char_accuracy", "exact_match", "seconds"} <= set(reports[-1].metrics)
    assert reports[1].metrics["seconds"] < 1.5  # the first trained report comes within about a second
    # the returned weights are the model's: the mirror scores them as the last report did
    data = run_examples("reverse", 5, 20_000, 1_000, seed=1)
    assert score(result.mirror(), data.heldout)["char_accuracy"] == pytest.approx(result.char_accuracy)
    assert len(result.examples) == 5 and {"source", "target", "output"} == set(result.examples[0])


def test_should_stop_is_honoured_between_batches():
    calls = []
    stop = lambda: calls.append(1) or len(calls) > 3  # noqa: E731
    result = train_seq2seq(Seq2seqConfig(**TINY, time_budget=60.0), should_stop=stop)
    assert result.cancelled and result.curve[-1]["batches"] == 4 and result.seconds < 5.0


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
