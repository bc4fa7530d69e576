"""Blends: two saved sentiment models' log-odds added with weights chosen on the validation reviews both held out;
fitted, saved, listed and used from the CLI; members that held out different reviews, or went missing, are named."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from rnncore.bagofwords.config import BagOfWordsConfig
from rnncore.blend.config import BlendConfig
from rnncore.blend.model import Blend, log_odds
from rnncore.errors import RnncoreError
from rnncore.inference.predict import Prediction
from rnncore.inference.scorers import load_scorer
from rnncore.store import ModelStore
from rnncore.training.bag_of_words import save_bag_of_words_run, train_bag_of_words
from tests.test_cli import cli, last_json


class Fixed:
    """A member that answers the same probability for every text."""

    def __init__(self, probability: float):
        self.probability = probability

    def predict_batch(self, texts):
        return [Prediction(self.probability) for _ in texts]


def test_a_blend_adds_its_members_weighted_log_odds():
    blend = Blend((Fixed(0.9), Fixed(0.2)), (0.25, 0.75), 0.1)
    expected = 0.1 + 0.25 * np.log(0.9 / 0.1) + 0.75 * np.log(0.2 / 0.8)
    assert blend.probability("any") == pytest.approx(1 / (1 + np.exp(-expected)))
    assert blend.predict_batch([]) == []
    assert np.isfinite(log_odds([0.0, 1.0])).all()  # a certain member stays finite


def test_bad_blend_settings_name_the_problem():
    with pytest.raises(ValueError, match="two different members"):
        BlendConfig(first="imdb-lstm", second="imdb-lstm")
    with pytest.raises(ValueError, match="weight_steps must be from 1"):
        BlendConfig(weight_steps=0)


@pytest.fixture
def class_store(tiny_store, tmp_path, monkeypatch):
    """A class store with the tiny RNN and a word-pairs model that held out the same validation movies."""
    store = tmp_path / "class"
    shutil.copytree(tiny_store.root / "tiny-sentiment", store / "tiny-sentiment")
    config = BagOfWordsConfig(vocab_size=60, steps=80, ngrams=2, naive_bayes=True, seed=1)
    save_bag_of_words_run(store / "pairs", config, train_bag_of_words(config), "test")
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(store))
    return store


def test_the_blend_command_chooses_weights_on_validation_and_saves_a_usable_run(class_store):
    out = class_store / "mix"
    done = last_json(
        cli("blend", "--first", "tiny-sentiment", "--second", "pairs", "--weight-steps", "10", "--out", str(out))
    )
    run = ModelStore(class_store).get("mix")
    assert (run.kind, run.error) == ("blend", None)
    members = run.info["members"]
    # the grid holds both members alone (weights 1 and 0), so the chosen blend is never worse on validation
    assert done["val_loss"] <= min(member["val_loss"] for member in members.values()) + 1e-12
    assert sum(done["weights"]) == pytest.approx(1.0) and set(members) == {"tiny-sentiment", "pairs"}
    blend = load_scorer(run)
    texts = ["a great wonderful film", "an awful boring film"]
    assert [p.probability for p in blend.predict_batch(texts)] == pytest.approx(
        [blend.probability(text) for text in texts]
    )
    predicted = last_json(cli("predict", str(out), *texts))["predictions"]
    assert [row["probability"] for row in predicted] == pytest.approx(
        [blend.probability(text) for text in texts], abs=1e-5
    )  # the CLI prints 6 decimals
    kinds = {row["name"]: row["kind"] for row in last_json(cli("models"))["models"]}
    assert kinds["mix"] == "blend" and kinds["pairs"] == "bagofwords"


def test_members_that_held_out_different_reviews_are_refused(class_store):
    config = BagOfWordsConfig(vocab_size=60, steps=10, seed=2)
    save_bag_of_words_run(class_store / "other-seed", config, train_bag_of_words(config), "test")
    done = cli("blend", "--first", "tiny-sentiment", "--second", "other-seed", "--out", str(class_store / "x"))
    assert done.returncode == 2 and "held out different validation reviews" in done.stderr
    assert "Traceback" not in done.stderr and not (class_store / "x").exists()
    done = cli("blend", "--first", "tiny-sentiment", "--second", "no-such-model", "--out", str(class_store / "x"))
    assert done.returncode == 2 and "No model 'no-such-model'" in done.stderr


def test_a_blend_whose_member_is_gone_says_which(class_store):
    last_json(cli("blend", "--first", "tiny-sentiment", "--second", "pairs", "--out", str(class_store / "mix")))
    shutil.rmtree(class_store / "pairs")
    with pytest.raises(RnncoreError, match="No model 'pairs'"):
        load_scorer(ModelStore(class_store).get("mix"))
    done = cli("predict", str(class_store / "mix"), "a fine film")
    assert done.returncode == 2 and "No model 'pairs'" in done.stderr and "Traceback" not in done.stderr
