"""The word-level language model: its settings, token stream, pretraining with checkpoints and resume
(tiny sizes on the fixture IMDB), and `train lm` from the command line."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from rnncore.errors import RnncoreError
from rnncore.lm.config import LanguageModelConfig
from rnncore.lm.corpus import END_OF_REVIEW, batched, imdb_token_stream, split_stream, windows
from rnncore.settings import add_flags, from_flags
from tests.test_cli import cli, last_json

TINY = dict(
    vocab_size=80,
    embed_dim=8,
    units=12,
    window=8,
    batch_size=4,
    sampled=20,
    epochs=2,
    heldout_fraction=0.05,
    heldout_tokens=2000,
    learning_rate=0.01,
)
TINY_FLAGS = [f"--{key.replace('_', '-')}={value}" for key, value in TINY.items()]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"units": 0}, "units must be from 8 to 2048"),
        ({"window": 2.5}, "window must be a whole number"),
        ({"dropout": "0.1"}, "dropout must be a number"),
        ({"vocab_size": 100, "sampled": 100}, "sampled must be below vocab_size"),
        ({"heldout_fraction": 0.9}, "heldout_fraction must be from"),
    ],
)
def test_bad_settings_name_the_setting(changes, message):
    with pytest.raises(ValueError, match=message):
        LanguageModelConfig(**changes)


def test_flags_come_from_the_dataclass_with_defaults_and_limits():
    parser = argparse.ArgumentParser()
    add_flags(parser, LanguageModelConfig)
    assert from_flags(LanguageModelConfig, parser.parse_args([])) == LanguageModelConfig()
    config = from_flags(LanguageModelConfig, parser.parse_args(["--units", "32", "--learning-rate", "0.01"]))
    assert (config.units, config.learning_rate) == (32, 0.01)
    assert "[8–2048]" in parser.format_help()


def test_held_out_reviews_are_whole_and_every_review_ends_with_the_marker():
    reviews = [[2 + i, 3 + i, 4 + i] for i in range(100)]
    split = split_stream(reviews, 0.1)
    assert split.reviews == 90
    assert (split.train == END_OF_REVIEW).sum() == 90 and (split.heldout == END_OF_REVIEW).sum() == 10
    held = {
        tuple(part) for part in np.split(split.heldout, np.flatnonzero(split.heldout == END_OF_REVIEW) + 1) if len(part)
    }
    trained = {
        tuple(part) for part in np.split(split.train, np.flatnonzero(split.train == END_OF_REVIEW) + 1) if len(part)
    }
    assert len(held) == 10 and not held & trained


def test_batched_rows_continue_the_stream():
    stream = np.arange(103, dtype=np.int32)
    rows = batched(stream, 4, offset=3)
    assert rows.shape == (4, 25) and rows[1, 0] == 28 and rows[0, -1] == 27
    assert windows(rows, 8) == 3
    with pytest.raises(ValueError, match="too short"):
        batched(stream[:5], 4)


def test_the_stream_uses_train_and_unlabelled_reviews_but_never_the_test_set():
    stream = imdb_token_stream(80, 0.05)
    from rnncore.data.imdb import load_imdb, load_unlabelled_texts

    data = load_imdb()
    assert stream.reviews + max(1, round(0.05 * (len(data.train) + len(load_unlabelled_texts())))) == len(
        data.train
    ) + len(load_unlabelled_texts())
    assert stream.train.dtype == np.int32 and stream.train.max() < 80


def test_pretraining_learns_checkpoints_and_resumes_where_it_stopped():
    from rnncore.training.language_model import STATE_FILE, checkpoint_dir, pretrain

    config = LanguageModelConfig(**TINY)
    steps = {"n": 0}

    def stop_after_ten() -> bool:
        steps["n"] += 1
        return steps["n"] > 10

    first = pretrain(config, "resume-test", should_stop=stop_after_ten)
    assert not first.finished and first.state.step == 10
    saved = json.loads((checkpoint_dir("resume-test") / STATE_FILE).read_text())
    assert (saved["epoch"], saved["window"], saved["step"]) == (0, 10, 10)
    with pytest.raises(RnncoreError, match="add --resume"):
        pretrain(config, "resume-test")
    with pytest.raises(RnncoreError, match="settings the run started with"):
        pretrain(LanguageModelConfig(**{**TINY, "units": 16}), "resume-test", resume=True)
    done = pretrain(config, "resume-test", resume=True)
    assert done.finished and done.state.epoch == 2
    per_epoch = done.state.step // 2
    assert done.state.step == 2 * per_epoch  # no window trained twice or skipped
    history = done.state.history
    assert len(history) == 2 and history[1]["heldout_perplexity"] < history[0]["heldout_perplexity"] < 80
    assert done.weights["embedding"].shape == (80, 8) and done.weights["lstm_kernel"].shape == (8, 48)
    with pytest.raises(RnncoreError, match="No checkpoint"):
        pretrain(config, "never-started", resume=True)


def test_train_lm_from_the_command_line_saves_a_listed_language_model(tmp_path):
    out = tmp_path / "tiny-lm"
    summary = last_json(cli("train", "lm", *TINY_FLAGS, "--name", "cli-test", "--out", str(out)))
    assert summary["finished"] and summary["path"] == str(out) and summary["heldout_perplexity"] < 80
    info = json.loads((out / "run.json").read_text())
    assert info["config"]["task"] == "wordlm" and len(info["history"]) == 2
    listed = last_json(cli("models", RNNCORE_STORE_DIR=str(tmp_path)))["models"]
    assert [(m["name"], m["kind"], m["error"]) for m in listed if m["source"] == "class"] == [
        ("tiny-lm", "wordlm", None)
    ]
    bad = cli("train", "lm", "--units", "0")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: units must be")


def _random_language_model(folder, vocab_size=60, embed_dim=8, units=12):
    """A saved language model with random weights (what fine-tuning copies does not depend on training)."""
    from rnncore.lm.runs import save_language_model

    rng = np.random.default_rng(0)
    shapes = {
        "embedding": (vocab_size, embed_dim),
        "lstm_kernel": (embed_dim, 4 * units),
        "lstm_recurrent_kernel": (units, 4 * units),
        "lstm_bias": (4 * units,),
        "projection_kernel": (units, embed_dim),
        "projection_bias": (embed_dim,),
        "output_bias": (vocab_size,),
    }
    weights = {name: rng.normal(0, 0.3, shape).astype(np.float32) for name, shape in shapes.items()}
    config = LanguageModelConfig(vocab_size=vocab_size, embed_dim=embed_dim, units=units, sampled=10)
    words = tuple(f"w{i}" for i in range(vocab_size - 2))
    return save_language_model(folder, config, weights, words, {"history": []}), weights


def test_a_sentiment_model_starts_from_the_language_model_and_refuses_other_shapes(tmp_path):
    from rnncore.config import RunConfig
    from rnncore.training.model import build_model, start_from_language_model

    folder, weights = _random_language_model(tmp_path / "lm")
    config = RunConfig(cell="lstm", units=12, embed_dim=8, vocab_size=60, language_model=str(folder))
    model = build_model(config, 60)
    start_from_language_model(model, config, lambda event: None)
    np.testing.assert_allclose(model.get_layer("embedding").get_weights()[0], weights["embedding"], atol=1e-3)
    kernel, recurrent, bias = model.get_layer("lstm_1").get_weights()
    np.testing.assert_allclose(recurrent, weights["lstm_recurrent_kernel"], atol=1e-3)  # stored as float16
    wrong = config.with_changes(units=16)
    with pytest.raises(RnncoreError, match=r"needs the same units \(12\)"):
        start_from_language_model(build_model(wrong, 60), wrong, lambda event: None)
    with pytest.raises(RnncoreError, match="No language model 'nowhere'"):
        start_from_language_model(model, config.with_changes(language_model="nowhere"), lambda event: None)


def test_the_train_page_offers_the_language_model_preset_only_with_a_language_model(tiny_store, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from rnncore.paths import REPO_ROOT

    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    train_page = str(REPO_ROOT / "pages" / "train.py")
    preset = "Start from the pretrained language model ≈ 1 min (LSTM 256, 10,000 reviews)"
    at = AppTest.from_file(train_page, default_timeout=90).run()
    at.selectbox(key="tr_preset").set_value(preset).run()
    assert not at.exception and at.selectbox(key="tr_language_model").value == ""  # none on this server
    _random_language_model(tmp_path / "class" / "imdb-lm", vocab_size=20_000, embed_dim=128, units=256)
    at.selectbox(key="tr_preset").set_value("Quick ≈ 1 min (GRU 32, max pooling, 2 epochs)").run()
    at.selectbox(key="tr_preset").set_value(preset).run()
    assert not at.exception and at.selectbox(key="tr_language_model").value == "imdb-lm"
    assert at.session_state["tr_units"] == 256 and at.session_state["tr_cell"] == "lstm"
