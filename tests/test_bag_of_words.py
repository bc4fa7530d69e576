"""The bag-of-words baseline: order is ignored by construction, it learns from the fixture IMDB, its files are
checked on load, the shipped one is listed and scored, and Predict shows it beside the RNN."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnncore.bagofwords.config import BagOfWordsConfig
from rnncore.bagofwords.model import BagOfWords, load_bag_of_words
from rnncore.data.text import Vocabulary
from rnncore.errors import ModelLoadError
from rnncore.paths import REPO_ROOT
from rnncore.store import ModelStore
from rnncore.training.bag_of_words import save_bag_of_words_run, train_bag_of_words
from tests.test_cli import cli, last_json

SHIPPED = REPO_ROOT / "models" / "imdb-bagofwords"


def tiny_model() -> BagOfWords:
    vocabulary = Vocabulary(("not", "bad", "good", "film"))
    return BagOfWords(np.array([0, 0, -0.2, -1.5, 1.2, 0.1], dtype=np.float32), 0.3, vocabulary)


def test_word_order_and_repeats_do_not_change_the_verdict():
    model = tiny_model()
    assert model.probability("not bad") == model.probability("bad not") == model.probability("bad, bad, NOT bad!")
    assert model.logit("not bad") == pytest.approx(0.3 - 0.2 - 1.5)
    assert model.logit("unknown words only") == pytest.approx(0.3)
    assert [row.word for row in model.word_weights("film not bad film")] == ["bad", "not", "film"]


def test_it_learns_the_fixture_reviews_and_saves_a_listed_run(tmp_path):
    config = BagOfWordsConfig(vocab_size=60, steps=150, l2=1e-4, sentence_crops=0.5)
    result = train_bag_of_words(config)
    assert result.metrics["accuracy"] >= 0.9 and result.metrics["val_accuracy"] >= 0.9
    index = result.vocabulary.index
    assert result.weights[index["great"]] > 0 > result.weights[index["awful"]]
    path = save_bag_of_words_run(tmp_path / "bag", config, result, "python -m rnncore train bagofwords")
    run = ModelStore(tmp_path).get("bag")
    assert (run.kind, run.error, run.path) == ("bagofwords", None, path)
    loaded = load_bag_of_words(path)
    assert loaded.probability("great wonderful") > 0.5 > loaded.probability("awful boring")


@pytest.mark.parametrize("damage", ["short weights", "no vocabulary"])
def test_a_damaged_model_says_what_is_wrong(tmp_path, damage):
    folder = tmp_path / "bag"
    folder.mkdir()
    (folder / "vocab.json").write_text(json.dumps(["good", "bad"]))
    np.savez(folder / "weights.npz", word_weights=np.zeros(3 if damage == "short weights" else 4), bias=0.0)
    if damage == "no vocabulary":
        (folder / "vocab.json").unlink()
    with pytest.raises(ModelLoadError, match="weights for a vocabulary|unreadable"):
        load_bag_of_words(folder)


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="l2 must be from 0 to 1"):
        BagOfWordsConfig(l2=2.0)
    done = cli("train", "bagofwords", "--steps", "0")
    assert done.returncode == 2 and "steps must be from 1" in done.stderr


def test_the_shipped_bag_of_words_model_is_listed_small_and_as_good_as_recorded():
    run = ModelStore(REPO_ROOT / "models").get("imdb-bagofwords")
    assert run.kind == "bagofwords" and run.error is None
    assert run.metrics["accuracy"] >= 0.87  # test accuracy measured once, after choosing l2 on validation
    assert sum(path.stat().st_size for path in SHIPPED.iterdir()) < 1_000_000
    model = load_bag_of_words(SHIPPED)
    assert model.probability("a wonderful, moving film") > 0.5 > model.probability("a boring waste of time")
    assert model.probability("The film was not bad.") == model.probability("bad. not was film the")


def test_cli_models_lists_every_kind():
    kinds = {
        m["name"]: m["kind"] for m in last_json(cli("models", RNNCORE_SHIPPED_DIR=str(REPO_ROOT / "models")))["models"]
    }
    assert kinds["imdb-bagofwords"] == "bagofwords" and kinds["imdb-bigru"] == "sentiment"


def test_predict_shows_the_bag_of_words_verdict_beside_the_rnn(tiny_store, monkeypatch, tmp_path):
    from tests.test_app_predict_generate import PREDICT, run, set_review

    config = BagOfWordsConfig(vocab_size=60, steps=50)
    save_bag_of_words_run(tmp_path / "class" / "bag", config, train_bag_of_words(config), "test")
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    at = set_review(run(PREDICT), "the film was not bad")
    shown = "\n".join(str(element.value) for element in [*at.markdown, *at.caption])
    assert "Order read vs order ignored" in shown and "| Order ignored: bag (bag of words) |" in shown
    assert "Reversed: *bad not was film the*" in shown
    table = [line for line in shown.splitlines() if line.startswith("| Order")]
    assert len(table) == 2 and all(line.count("P(positive) = ") == 2 for line in table)  # typed and reversed
    bag_typed, bag_reversed = table[1].split("|")[2:4]
    assert bag_typed == bag_reversed  # order ignored by construction


def test_concepts_order_tab_explains_without_and_compares_with_a_bag_of_words(tiny_store, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    concepts = str(REPO_ROOT / "pages" / "concepts.py")
    at = AppTest.from_file(concepts, default_timeout=90).run()
    assert not at.exception and "No bag-of-words model" in " ".join(str(info.value) for info in at.info)
    config = BagOfWordsConfig(vocab_size=60, steps=50)
    save_bag_of_words_run(tmp_path / "class" / "bag", config, train_bag_of_words(config), "test")
    at.text_input(key="order_sentence").set_value("not bad").run()
    shown = "\n".join(str(element.value) for element in [*at.markdown, *at.caption])
    assert not at.exception and "Reversed: *bad not*" in shown and "Order ignored: bag (bag of words)" in shown
