"""The prefix reader (rnncore/inference/prefix_reader.py) must give exactly what a whole read gives, however the
review changed since the reading it resumes from: a word added, the last word changed, words removed, a new start."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnncore.inference.numpy_rnn import Cell, Layer, NumpyRNN
from rnncore.inference.prefix_reader import PrefixReader

VOCAB, EMBED, UNITS = 30, 5, 7
GATES = {"simplernn": 1, "lstm": 4, "gru": 3}


def _network(cell: str, pooling: str, layers: int = 1, bidirectional: bool = False, seed: int = 0) -> NumpyRNN:
    """Random weights (not zeros: a zero bias would hide a wrong offset)."""
    rng = np.random.default_rng(seed)

    def make(inputs: int) -> Cell:
        width = GATES[cell] * UNITS
        recurrent_bias = rng.normal(0, 0.5, width).astype(np.float32) if cell == "gru" else None
        return Cell(
            cell,
            rng.normal(0, 0.5, (inputs, width)).astype(np.float32),
            rng.normal(0, 0.5, (UNITS, width)).astype(np.float32),
            rng.normal(0, 0.5, width).astype(np.float32),
            recurrent_bias,
        )

    stack, inputs = [], EMBED
    for _ in range(layers):
        stack.append(Layer(make(inputs), make(inputs) if bidirectional else None))
        inputs = UNITS * (2 if bidirectional else 1)
    embedding = rng.normal(0, 1, (VOCAB, EMBED)).astype(np.float32)
    dense = rng.normal(0, 0.5, (inputs, 1)).astype(np.float32)
    return NumpyRNN("sentiment", embedding, tuple(stack), pooling, dense, np.float32([0.1]))


def _whole(network: NumpyRNN, ids: np.ndarray) -> np.ndarray:
    return network.forward(ids[None]).step_probabilities[0]


@pytest.mark.parametrize(
    ("cell", "pooling", "layers"),
    list(itertools.product(("simplernn", "lstm", "gru"), ("last", "max", "mean"), (1, 2))),
)
def test_every_edit_reads_the_same_as_a_whole_read(cell, pooling, layers):
    network = _network(cell, pooling, layers)
    reader = PrefixReader(network)
    rng = np.random.default_rng(1)
    review = rng.integers(1, VOCAB, 12).astype(np.int32)
    edits = [
        review[:5],  # first read
        review[:6],  # a word added
        review[:9],  # three more
        np.r_[review[:8], 3],  # the last word changed
        review[:4],  # words removed: all remembered
        np.r_[7, review[1:9]],  # a new first word: nothing to resume from
        review,  # the whole review
    ]
    for ids in edits:
        expected = _whole(network, ids)
        got = reader.probabilities(ids)
        np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=f"after {ids.tolist()}")
        assert got.dtype == np.float32


def test_a_resumed_read_does_only_the_new_steps(monkeypatch):
    network = _network("lstm", "max")
    reader = PrefixReader(network)
    ids = np.arange(1, 21, dtype=np.int32)
    reader.probabilities(ids[:19])
    steps = []
    original = Cell.step
    monkeypatch.setattr(Cell, "step", lambda self, *args, **kw: steps.append(1) or original(self, *args, **kw))
    reader.probabilities(ids)
    assert len(steps) == 1  # one word added: one cell step, not twenty
    steps.clear()
    reader.probabilities(ids)
    assert steps == []  # read before: nothing to do


def test_memory_is_bounded_and_the_least_recent_goes_first():
    network = _network("gru", "last")
    one = PrefixReader(network)._read(np.arange(1, 11, dtype=np.int32), 0, None).nbytes
    reader = PrefixReader(network, capacity_bytes=3 * one)
    rng = np.random.default_rng(2)
    reviews = [rng.integers(1, VOCAB, 10).astype(np.int32) for _ in range(6)]
    for review in reviews:
        reader.probabilities(review)
    assert len(reader._readings) == 3 and reader._bytes <= 3 * one
    assert reviews[-1].tobytes() in reader._readings and reviews[0].tobytes() not in reader._readings


def test_bidirectional_models_are_refused():
    with pytest.raises(ValueError, match="forward-only"):
        PrefixReader(_network("gru", "max", bidirectional=True))


def test_the_shipped_lstm_typed_word_by_word_answers_as_a_whole_read():
    from pathlib import Path

    from rnncore.inference.predict import Predictor
    from rnncore.inference.runs import load_network_run
    from rnncore.store import ModelStore

    predictor = Predictor(load_network_run(ModelStore(Path(__file__).parents[1] / "models").get("imdb-lstm")))
    assert predictor.reads_on  # the default model is forward-only and unpadded
    words = "i expected to hate it but it was not bad at all and the endin ending was lovely".split()
    for n in range(1, len(words) + 1):
        text = " ".join(words[:n])
        whole = predictor.network.forward(predictor._ids(text))
        assert predictor.predict_typed(text).probability == pytest.approx(float(whole.outputs[0]), abs=1e-5)
        _, steps = predictor.trajectory(text)
        np.testing.assert_allclose(steps, whole.step_probabilities[0], atol=1e-5)
