"""End-to-end smoke test of the engine on fixture data: train, save, load, predict, generate."""

import numpy as np

from rnncore.inference.predict import Predictor
from rnncore.inference.sample import CharSampler


def test_sentiment_run_predicts_fixture_words(sentiment_run):
    predictor = Predictor(sentiment_run)
    good = predictor.predict("great wonderful loved excellent brilliant fun")
    bad = predictor.predict("awful terrible boring worst hated waste")
    assert good.probability > bad.probability
    assert sentiment_run.info.metrics["n"] == 48


def test_char_run_generates_from_its_alphabet(char_run):
    sampler = CharSampler(char_run)
    text = "".join(step.char for step in sampler.generate("First", 50, temperature=0.8, seed=3))
    assert len(text) == 50 and set(text) <= set(char_run.vocabulary.chars)
    again = "".join(step.char for step in sampler.generate("First", 50, temperature=0.8, seed=3))
    assert text == again
    assert np.isfinite(sampler.nats_per_char("First Citizen:\nSpeak, speak.\n"))
