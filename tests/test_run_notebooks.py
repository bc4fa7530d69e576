"""Sequence Lab and Translate runs exported as notebooks: valid nbformat, built from the page's results and from the
CLI's JSON, and executed end to end with nbclient on a tiny run, where the notebook's figures come out as the run's
(the same data, starting weights and batches, trained with plain Keras). `python -m rnncore notebook`."""

from __future__ import annotations

import json
import os
import time

import pytest

from rnncore.cli import main as cli_main
from rnncore.lab.config import LabConfig
from rnncore.lab.notebook import lab_notebook, lab_record
from rnncore.lab.notebook import record_from_summary as lab_from_summary
from rnncore.notebook_cells import RESULT_MARK, as_bytes
from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.notebook import record_from_summary as seq2seq_from_summary
from rnncore.seq2seq.notebook import seq2seq_notebook, seq2seq_record

nbformat = pytest.importorskip("nbformat", reason="pip install -r requirements-dev.txt")
nbclient = pytest.importorskip("nbclient", reason="pip install -r requirements-dev.txt")
pytestmark = pytest.mark.notebook

TINY_LAB = LabConfig(task="memory", cells=("gru", "simplernn"), length=6, units=4, epochs=3, time_budget=20.0)
TINY_SEQ2SEQ = Seq2seqConfig(task="reverse", length=5, units=8, embed_dim=4, rounds=2, time_budget=20.0)
CELL_SECONDS = 60  # nbclient's limit per cell: the whole notebook runs in well under a minute


@pytest.fixture(scope="module")
def lab_run():
    from rnncore.training.lab import run_lab

    return run_lab(TINY_LAB)


@pytest.fixture(scope="module")
def seq2seq_run():
    from rnncore.training.seq2seq import train_seq2seq

    return train_seq2seq(TINY_SEQ2SEQ)


@pytest.fixture(autouse=True)
def _inline_plots(monkeypatch):
    """Importing streamlit sets MPLBACKEND=Agg in this process, which the kernel would inherit: no figure then."""
    monkeypatch.delenv("MPLBACKEND", raising=False)


def executed_figures(book: dict, tmp_path) -> dict:
    """Run the notebook in a fresh kernel; the figures its RESULT line printed."""
    parsed = nbformat.reads(as_bytes(book).decode("utf-8"), as_version=4)
    nbformat.validate(parsed)
    started = time.perf_counter()
    client = nbclient.NotebookClient(parsed, timeout=CELL_SECONDS, kernel_name="python3")
    # the kernel gets this process's environment without MPLBACKEND (importing streamlit sets it to Agg, and with
    # it a notebook draws no inline figure), whatever another test imported before this one
    kernel_env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    client.execute(cwd=str(tmp_path), env=kernel_env)
    printed = "".join(
        output.get("text", "") for cell in parsed.cells if cell.cell_type == "code" for output in cell.outputs
    )
    line = next(line for line in printed.splitlines() if line.startswith(RESULT_MARK))
    figures = json.loads(line[len(RESULT_MARK) :])
    images = [o for cell in parsed.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the plot cell drew no figure"
    figures["seconds"] = time.perf_counter() - started
    return figures


def test_the_sizes_match_the_training_code():
    from rnncore.lab import notebook as lab_book
    from rnncore.seq2seq import notebook as seq2seq_book
    from rnncore.seq2seq.examples import HELDOUT_SEED_OFFSET
    from rnncore.training import lab, seq2seq

    assert (lab_book.TRAIN_EXAMPLES, lab_book.VALIDATION_EXAMPLES) == (lab.TRAIN_EXAMPLES, lab.VALIDATION_EXAMPLES)
    assert lab_book.VALIDATION_SEED_OFFSET == HELDOUT_SEED_OFFSET == 1_000_003  # lab.py's validation seed offset
    assert (seq2seq_book.TRAIN_EXAMPLES, seq2seq_book.HELDOUT_EXAMPLES) == (
        seq2seq.TRAIN_EXAMPLES,
        seq2seq.HELDOUT_EXAMPLES,
    )


def test_a_lab_notebook_runs_and_reproduces_the_runs_figures(lab_run, tmp_path):
    record = lab_record(lab_run)
    book = lab_notebook(json.loads(json.dumps(record)))  # what the page's download and the CLI write
    figures = executed_figures(book, tmp_path)
    assert set(figures["notebook"]) == {"gru", "simplernn"}
    for cell, outcome in lab_run.outcomes.items():
        assert figures["run"][cell] == pytest.approx(outcome.metric)
        assert figures["notebook"][cell] == pytest.approx(outcome.metric, abs=0.02), cell
    assert figures["seconds"] < 60


def test_a_translate_notebook_runs_and_reproduces_the_runs_figures(seq2seq_run, tmp_path):
    book = seq2seq_notebook(json.loads(json.dumps(seq2seq_record(seq2seq_run))))
    figures = executed_figures(book, tmp_path)
    assert figures["run"]["exact_match"] == pytest.approx(seq2seq_run.exact_match)
    assert figures["notebook"]["exact_match"] == pytest.approx(seq2seq_run.exact_match, abs=0.03)
    assert figures["notebook"]["char_accuracy"] == pytest.approx(seq2seq_run.char_accuracy, abs=0.02)
    assert figures["seconds"] < 60


def test_the_cli_writes_notebooks_from_lab_and_seq2seq_json(lab_run, seq2seq_run, tmp_path, capsys):
    outcome = lab_run.outcomes["gru"]
    lab_summary = {  # the keys `python -m rnncore lab` prints
        "task": "memory",
        "cell": "gru",
        "length": 6,
        "units": 4,
        "learning_rate": 0.01,
        "epochs": 3,
        "rounds": outcome.curve[-1]["round"],
        "batches_per_round": lab_run.batches_per_round,
        "seed": 0,
        "metric_name": "accuracy",
        "metric": outcome.metric,
        "baseline_name": "chance (1 in 4)",
        "baseline": 0.25,
        "budget": 20.0,
    }
    assert lab_from_summary(lab_summary)["cells"]["gru"]["rounds"] == outcome.curve[-1]["round"]
    both = {"gru": {"metric": 0.5, "rounds": 2}, "simplernn": {"metric": 0.75, "rounds": 3}}
    record = lab_from_summary({**lab_summary, "outcomes": both})  # `lab --cell gru simplernn`
    assert record["config"]["cells"] == ["gru", "simplernn"] and record["cells"]["simplernn"]["rounds"] == 3
    seq_summary = {**TINY_SEQ2SEQ.to_dict(), "exact_match": 0.5, "char_accuracy": 0.7, "batches": 40, "curve": []}
    assert seq2seq_from_summary(seq_summary)["batches"] == 40
    for name, summary, kind in (("lab", lab_summary, "lab"), ("seq", seq_summary, "seq2seq")):
        source = tmp_path / f"{name}.json"
        source.write_text("progress line\n" + json.dumps(summary) + "\n", encoding="utf-8")
        out = tmp_path / f"{name}.ipynb"
        assert cli_main(["notebook", str(source), "--out", str(out)]) == 0
        last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert last["kind"] == kind and last["notebook"] == str(out)
        nbformat.validate(nbformat.read(str(out), as_version=4))


def test_the_cli_writes_a_sentiment_notebook_and_refuses_bad_input(tiny_store, monkeypatch, tmp_path, capsys):
    run = tiny_store.get("tiny-sentiment")
    out = tmp_path / "imdb.ipynb"
    assert cli_main(["notebook", str(run.path), "--out", str(out)]) == 0
    nbformat.validate(nbformat.read(str(out), as_version=4))
    capsys.readouterr()
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}\n', encoding="utf-8")
    for argv in (
        ["notebook", "no-such-run", "--out", str(tmp_path / "x.ipynb")],
        ["notebook", str(bad), "--out", str(tmp_path / "x.ipynb")],
        ["notebook", str(run.path), "--out", str(tmp_path / "x.txt")],
        ["notebook", str(tiny_store.get("tiny-chars").path), "--out", str(tmp_path / "x.ipynb")],
    ):
        assert cli_main(argv) == 2, argv
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and error[0].startswith("error: "), error
