"""`python -m rnncore …` run as a user would: real subprocesses on the fixture data.

Each command that loads TensorFlow costs seconds, so independent commands are started together."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# Imported here, not under capsys: ProgressPrinter's default stream is the sys.stderr of import time.
from rnncore import cli as cli_module
from rnncore.training.keras_io import load_keras_run

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 240

SENTIMENT_FLAGS = (
    "--cell gru --units 8 --embed-dim 8 --vocab-size 60 --maxlen 40 --epochs 2 --batch-size 8 "
    "--learning-rate 0.01 --seed 1"
).split()
CHAR_FLAGS = "--cell lstm --units 8 --embed-dim 8 --seq-len 40 --epochs 1 --batch-size 16 --learning-rate 0.01".split()


def _env(**extra: str) -> dict[str, str]:
    """The test session's environment (fixture data, private cache and store) plus overrides."""
    env = dict(os.environ)
    env.setdefault("RNNCORE_SHIPPED_DIR", str(REPO / "tests" / "no-shipped-models"))  # never the real models/
    env.update(extra)
    return env


def _start(args: list[str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rnncore", *args],
        cwd=REPO,
        env=_env(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def cli(*args: str, **extra: str) -> subprocess.CompletedProcess:
    """Run one command."""
    return _finish(_start(list(args), **extra))


def cli_many(*commands: list[str], **extra: str) -> list[subprocess.CompletedProcess]:
    """Run independent commands at the same time."""
    return [_finish(process) for process in [_start(args, **extra) for args in commands]]


def last_json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# TensorFlow 2.21 writes these from C++ at import, whatever TF_CPP_MIN_LOG_LEVEL says; they are not rnncore's.
_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|[IWE]\d{4} \S+ +\d+ \S+\.cc:\d+\])")


def assert_bad_input(done: subprocess.CompletedProcess, *fragments: str, only_line: bool = True) -> None:
    """Exit status 2, one clear `error:` line on stderr, no traceback, nothing on stdout."""
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip() and not _TF_NOISE.match(line)]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], done.stderr
    if only_line:
        assert lines == errors, done.stderr
    for fragment in fragments:
        assert fragment.lower() in errors[0].lower(), errors[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A sentiment and a char model trained through the CLI (at the same time), plus their outputs."""
    root = tmp_path_factory.mktemp("cli-runs")
    sentiment, chars = cli_many(
        ["train", "sentiment", *SENTIMENT_FLAGS, "--out", str(root / "sent")],
        ["train", "chars", *CHAR_FLAGS, "--corpus", "shakespeare", "--out", str(root / "chars")],
    )
    return root, sentiment, chars


def test_train_sentiment_prints_a_json_summary(trained):
    root, done, _ = trained
    summary = last_json(done)
    assert {"accuracy", "loss", "train_seconds", "path", "epochs", "n", "confusion"} <= set(summary)
    assert 0 <= summary["accuracy"] <= 1 and summary["n"] == 48 and summary["epochs"] == 2
    assert summary["train_seconds"] > 0
    assert Path(summary["path"]) == root / "sent"
    info = json.loads((root / "sent" / "run.json").read_text(encoding="utf-8"))
    assert info["config"]["units"] == 8 and info["config"]["task"] == "sentiment"
    assert info["command"].startswith("python -m rnncore train sentiment")
    assert "epoch 2/2" in done.stderr  # human progress goes to stderr


def test_train_chars_reports_validation_loss(trained):
    root, _, done = trained
    summary = last_json(done)
    assert summary["val_loss"] > 0 and summary["val_bits_per_char"] > summary["val_loss"]
    assert Path(summary["path"]) == root / "chars" and summary["epochs"] == 1


def test_evaluate_both_kinds(trained):
    root, _, _ = trained
    sentiment, chars = cli_many(
        ["evaluate", "sent", "--limit", "10"],  # by name, found in the class store
        ["evaluate", str(root / "chars")],  # by folder
        RNNCORE_STORE_DIR=str(root),
    )
    scores = last_json(sentiment)
    assert scores["n"] == 10 and 0 <= scores["accuracy"] <= 1 and scores["loss"] > 0
    char_scores = last_json(chars)
    assert char_scores["val_loss"] > 0 and char_scores["n_chars"] > 0
    assert abs(char_scores["val_loss"] - last_json(trained[2])["val_loss"]) < 1e-3


def test_predict_texts_and_file(trained, tmp_path):
    root, _, _ = trained
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("great wonderful loved it\n\n   \nawful terrible boring\n", encoding="utf-8")
    done = cli("predict", str(root / "sent"), "brilliant superb 😀", "映画", "--file", str(reviews))
    predictions = last_json(done)["predictions"]
    assert [p["text"] for p in predictions] == [
        "brilliant superb 😀",
        "映画",
        "great wonderful loved it",
        "awful terrible boring",
    ]
    for prediction in predictions:
        assert 0 <= prediction["probability"] <= 1
        assert prediction["label"] == ("positive" if prediction["probability"] >= 0.5 else "negative")


def test_generate_json_is_reproducible_with_a_seed(trained):
    from rnncore.inference.sample import CharSampler
    from rnncore.store import ModelStore

    root, _, _ = trained
    done = cli("generate", str(root / "chars"), "--prime", "First", "--length", "40", "--seed", "3", "--json")
    generated = last_json(done)
    assert generated["text"].startswith("First") and len(generated["text"]) == 45
    assert generated["chars_per_second"] > 0
    # the same seed gives the same text in another process (here: this one, with the CLI's defaults)
    sampler = CharSampler(load_keras_run(ModelStore(root).get("chars")))
    again = "".join(step.char for step in sampler.generate("First", 40, temperature=0.8, seed=3))
    assert generated["text"] == "First" + again


def test_models_lists_class_and_shipped_runs(trained, tmp_path):
    root, _, _ = trained
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "broken-run").mkdir()  # no run.json: listed with its error, never a crash
    summary = last_json(cli("models", RNNCORE_STORE_DIR=str(root), RNNCORE_SHIPPED_DIR=str(shipped)))
    models = {(m["source"], m["name"]): m for m in summary["models"]}
    assert set(models) == {("class", "sent"), ("class", "chars"), ("shipped", "broken-run")}
    assert models[("class", "sent")]["kind"] == "sentiment" and models[("class", "sent")]["error"] is None
    assert models[("shipped", "broken-run")]["error"]


def test_models_with_empty_stores(tmp_path):
    empty = tmp_path / "nothing"
    summary = last_json(cli("models", RNNCORE_STORE_DIR=str(empty), RNNCORE_SHIPPED_DIR=str(empty)))
    assert summary == {"models": []}


def test_data_commands_report_counts():
    imdb, shakespeare = cli_many(["data", "imdb"], ["data", "shakespeare"])
    counts = last_json(imdb)
    assert counts["train"] == 48 and counts["test"] == 48 and counts["dataset"] == "imdb"
    text = last_json(shakespeare)
    assert text["characters"] > 1000 and text["alphabet"] > 10


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "sentiment", "--cell", "transformer"], "cell"),
        (["train", "sentiment", "--units", "0"], "units"),
        (["train", "sentiment", "--units", "eight"], "units"),
        (["train", "sentiment", "--learning-rate", "-1"], "learning_rate"),
        (["train", "sentiment", "--maxlen", "10000000"], "maxlen"),
        (["train", "sentiment", "--epochs", "1000000"], "epochs"),
        (["train", "chars", "--dropout", "1.5"], "dropout"),
        (["train"], "required"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["evaluate", "no-such-model"], "no model"),
        (["predict", "no-such-model", "great"], "no model"),
        (["generate", "no-such-model"], "no model"),
        (["data", "mnist"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment):
    assert_bad_input(cli(*args), fragment)


def test_bad_input_needing_a_model(trained, tmp_path):
    root, _, _ = trained
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.keras").write_bytes(b"not a zip file")  # and no run.json
    no_text, bad_file, broken_run, wrong_kind = cli_many(
        ["predict", str(root / "sent")],
        ["predict", str(root / "sent"), "--file", str(tmp_path / "missing.txt")],
        ["predict", str(broken), "great"],
        ["predict", str(root / "chars"), "great"],  # loads the model (TensorFlow) before refusing it
    )
    assert_bad_input(no_text, "at least one review")
    assert_bad_input(bad_file, "cannot read")
    assert_bad_input(broken_run, "broken", "run.json is missing")
    assert_bad_input(wrong_kind, "not a sentiment model")


def test_bad_corpus_exits_2():
    done = cli("train", "chars", *CHAR_FLAGS, "--corpus", str(REPO / "no" / "such" / "corpus.txt"))
    # training prints "Loading data …" first; the error is still a single line, and the last one
    assert_bad_input(done, "existing text file", only_line=False)


# --- the same rules, checked in this process (each TensorFlow-loading subprocess costs seconds) ---


@pytest.fixture
def main_in_process(monkeypatch, capsys):
    """Run rnncore.cli.main here; train's Ctrl-C handler must not replace pytest's."""
    monkeypatch.setattr(signal, "signal", lambda *args: None)

    def run(*args: str) -> subprocess.CompletedProcess:
        code = cli_module.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def test_bad_corpora_in_process(main_in_process, tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    short = tmp_path / "short.txt"
    short.write_text("too short to learn from", encoding="utf-8")
    same = tmp_path / "same.txt"
    same.write_text("a" * 1000, encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café crème ".encode("latin-1") * 50)
    for path, fragment in ((binary, "binary"), (short, "at least"), (same, "one distinct"), (latin1, "UTF-8")):
        assert_bad_input(main_in_process("train", "chars", "--corpus", str(path)), fragment, only_line=False)


def test_bad_settings_needing_a_model_in_process(main_in_process, trained):
    root, _, _ = trained
    chars = str(root / "chars")
    assert_bad_input(main_in_process("generate", chars, "--prime", "Zebra 😀"), "alphabet")
    assert_bad_input(main_in_process("generate", chars, "--length", "0"), "length")
    assert_bad_input(main_in_process("generate", chars, "--temperature", "0"), "temperature")
    assert_bad_input(main_in_process("generate", chars, "--top-k", "-2"), "top-k")
    assert_bad_input(main_in_process("train", "sentiment", "--max-minutes", "-1"), "max-minutes")
    assert_bad_input(main_in_process("train", "sentiment", "--init-from", "no-such-run"), "no model")


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--seed", "-1"], "seed must be from 0"),
        (["--seed", str(2**64)], "seed must be from 0"),
        (["--length", "0"], "length must be from 1"),
        (["--length", "20001"], "length must be from 1"),
        (["--temperature", "nan"], "temperature"),
        (["--temperature", "inf"], "temperature"),
        (["--temperature", "-0.5"], "temperature"),
        (["--top-k", "-1"], "top-k"),
        (["--top-k", str(10**12)], "top-k"),
    ],
)
def test_generate_flags_out_of_range_exit_2_with_one_line(main_in_process, flags, fragment):
    # the shipped model named in the bug report; the flags are refused before it would be loaded
    done = main_in_process("generate", str(REPO / "models" / "shakespeare-lstm"), *flags)
    assert_bad_input(done, fragment)


def test_init_from_keeps_every_earlier_stage(main_in_process, tmp_path):
    stages = [tmp_path / "stage1", tmp_path / "stage2", tmp_path / "stage3"]
    for index, out in enumerate(stages):
        start = ["--init-from", str(stages[index - 1])] if index else []
        done = main_in_process("train", "chars", *CHAR_FLAGS, "--corpus", "shakespeare", *start, "--out", str(out))
        assert done.returncode == 0, done.stderr[-2000:]
    info = json.loads((stages[2] / "run.json").read_text(encoding="utf-8"))
    lineage = info["init_from"]
    assert lineage["path"] == str(stages[1]) and lineage["epochs"] == 2  # one epoch in each earlier stage
    assert [command.split("--out ")[-1] for command in lineage["commands"]] == [str(stages[0]), str(stages[1])]
    assert "--init-from" not in lineage["commands"][0] and f"--init-from {stages[0]}" in lineage["commands"][1]


def test_continuing_a_sentiment_run_keeps_its_validation_split(main_in_process, tmp_path):
    first = tmp_path / "first"
    assert main_in_process("train", "sentiment", *SENTIMENT_FLAGS, "--out", str(first)).returncode == 0
    flags = [flag if flag != "1" else "2" for flag in SENTIMENT_FLAGS]  # --seed 1 → --seed 2
    done = main_in_process("train", "sentiment", *flags, "--init-from", str(first), "--out", str(tmp_path / "second"))
    assert_bad_input(done, "seed", "validation")
    assert not (tmp_path / "second").exists()


def test_a_teacher_labels_the_unlabelled_reviews_for_a_new_run(main_in_process, tmp_path):
    teacher, student = tmp_path / "teacher", tmp_path / "student"
    assert main_in_process("train", "sentiment", *SENTIMENT_FLAGS, "--out", str(teacher)).returncode == 0
    teaching = ["--teacher", str(teacher), "--teacher", str(teacher)]
    done = main_in_process("train", "sentiment", *SENTIMENT_FLAGS, *teaching, "--out", str(student))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "labelling 1 unlabelled reviews" in done.stderr
    info = json.loads((student / "run.json").read_text(encoding="utf-8"))
    assert info["teachers"]["paths"] == [str(teacher)] * 2 and info["teachers"]["unlabelled_reviews"] == 1
    assert f"--out {teacher}" in info["teachers"]["commands"][0]
    tuned = tmp_path / "tuned"  # a later stage still names the teachers, so its card can list their commands
    assert (
        main_in_process(
            "train", "sentiment", *SENTIMENT_FLAGS, "--init-from", str(student), "--out", str(tuned)
        ).returncode
        == 0
    )
    assert json.loads((tuned / "run.json").read_text(encoding="utf-8"))["init_from"]["teachers"] == info["teachers"]
    flags = [flag if flag != "1" else "2" for flag in SENTIMENT_FLAGS]  # another seed: another validation split
    refused = main_in_process("train", "sentiment", *flags, "--teacher", str(teacher), "--out", str(tmp_path / "x"))
    assert_bad_input(refused, "seed", "validation")
    assert_bad_input(main_in_process("train", "sentiment", "--teacher", "no-such-run"), "no model")


def test_out_with_a_dotted_name_is_refused_before_training(tmp_path):
    """`--out m.keras` used to save silently to `m-keras`, and the next command naming `m.keras` failed."""
    out = tmp_path / "some" / "m.keras"
    done = cli("train", "sentiment", "--limit", "40", "--epochs", "1", "--out", str(out))
    assert_bad_input(done, "--out", "'m-keras'")
    assert not (tmp_path / "some").exists()


def test_out_that_exists_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    assert_bad_input(
        cli("train", "sentiment", "--limit", "40", "--epochs", "1", "--out", str(tmp_path / "taken")), "already exists"
    )


@pytest.mark.parametrize("review", ["", "   \n\t"])
def test_predict_refuses_an_empty_review(tiny_store, review):
    done = cli("predict", str(tiny_store.root / "tiny-sentiment"), "a fine film", review)
    assert_bad_input(done, "Review 2 is empty")
