"""The bag-of-words baseline: order is ignored by construction, it learns from the fixture IMDB, its files are
checked on load, the shipped one is listed and scored, and Predict shows it beside the RNN."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnncore.bagofwords.config import BagOfWordsConfig
from rnncore.bagofwords.model import BagOfWords, load_bag_of_words, pair_keys
from rnncore.data.text import Vocabulary
from rnncore.errors import ModelLoadError
from rnncore.paths import REPO_ROOT
from rnncore.store import ModelStore
from rnncore.training.bag_of_words import feature_ids, save_bag_of_words_run, train_bag_of_words
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


def test_a_model_with_word_pairs_reads_neighbours_in_order():
    words = tiny_model()
    not_bad = 2 * words.vocabulary.size + 3  # "not" is id 2, "bad" id 3
    pairs = BagOfWords(words.weights, words.bias, words.vocabulary, np.array([not_bad]), np.array([2.5], np.float32))
    assert pair_keys([2, 3, 1, 2, 3, 0], 6).tolist() == [not_bad]  # distinct, unknown words and padding skipped
    assert pairs.logit("not bad") == pytest.approx(words.logit("not bad") + 2.5)
    assert pairs.logit("bad not") == pytest.approx(words.logit("bad not"))  # a different pair, not weighed
    assert [(row.word, row.weight) for row in pairs.word_weights("not bad")][0] == ("not bad", 2.5)


def test_it_learns_word_pairs_with_naive_bayes_scaling_and_reloads_them(tmp_path):
    config = BagOfWordsConfig(vocab_size=60, steps=80, l2=1e-4, ngrams=2, naive_bayes=True, max_pairs=40)
    result = train_bag_of_words(config)
    assert 0 < len(result.pairs) <= 40 and np.all(np.diff(result.pairs) > 0)
    assert result.metrics["val_accuracy"] >= 0.9
    path = save_bag_of_words_run(tmp_path / "pairs", config, result, "python -m rnncore train bagofwords --ngrams 2")
    loaded = load_bag_of_words(path)
    assert loaded.reads_pairs and len(loaded.pairs) == len(result.pairs)
    texts = ["a great wonderful film", "an awful boring film"]
    size = result.vocabulary.size
    for text in texts:  # what the trainer scored is what the saved model answers (float16 storage aside)
        ids = result.vocabulary.encode(text)
        features = feature_ids(ids, result.pairs, size)
        expected = result.bias + result.weights[features].astype(np.float16).astype(np.float64).sum()
        assert loaded.logit(text) == pytest.approx(expected, abs=1e-4)


def test_predict_compares_with_a_model_of_single_words_and_shows_word_pairs_beside(tiny_store, monkeypatch, tmp_path):
    from tests.test_app_predict_generate import PREDICT, run, set_review
    from ui.order_compare import order_models

    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    pairs = BagOfWordsConfig(vocab_size=60, steps=20, ngrams=2)
    save_bag_of_words_run(tmp_path / "class" / "pairs", pairs, train_bag_of_words(pairs), "test")
    assert order_models() is None  # word pairs see some order: not the "order ignored" side
    words = BagOfWordsConfig(vocab_size=60, steps=20)
    save_bag_of_words_run(tmp_path / "class" / "words", words, train_bag_of_words(words), "test")
    found = order_models()
    assert found.words[0].run.name == "words" and not found.words[1].reads_pairs and found.pairs[1].reads_pairs
    at = set_review(run(PREDICT), "the film was not bad")
    shown = "\n".join(str(element.value) for element in [*at.markdown, *at.caption])
    row = next(line for line in shown.splitlines() if line.startswith("| Neighbours only: pairs (word pairs) |"))
    typed, backwards = row.split("|")[2:4]
    model = found.pairs[1]
    assert f"{model.probability('the film was not bad'):.3f}" in typed
    assert f"{model.probability('bad not was film the'):.3f}" in backwards and "word pairs" in shown


@pytest.mark.parametrize("damage", ["short weights", "no vocabulary", "unsorted pairs"])
def test_a_damaged_model_says_what_is_wrong(tmp_path, damage):
    folder = tmp_path / "bag"
    folder.mkdir()
    (folder / "vocab.json").write_text(json.dumps(["good", "bad"]))
    pairs = {"pairs": np.array([9, 5]), "pair_weights": np.zeros(2)} if damage == "unsorted pairs" else {}
    np.savez(folder / "weights.npz", word_weights=np.zeros(3 if damage == "short weights" else 4), bias=0.0, **pairs)
    if damage == "no vocabulary":
        (folder / "vocab.json").unlink()
    with pytest.raises(ModelLoadError, match="weights for a vocabulary|unreadable|pairs are damaged"):
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
