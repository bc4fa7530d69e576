"""Teaching computations: hand RNN (rnncore.concepts), parameter formula (rnncore.architecture), padding view,
time estimate and Keras code."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.architecture import count_parameters, parameter_rows
from rnncore.concepts.rnn_step import tiny_rnn_steps, tiny_rnn_weights
from rnncore.concepts.words import nearest_words, pad_view, run_masked_rnn
from rnncore.config import RunConfig
from rnncore.jobs.bounds import estimate_seconds
from rnncore.notebooks import keras_code


def test_tiny_rnn_terms_add_up():
    w_h, w_x, b = tiny_rnn_weights(0.9, 1.1, 0.2)
    xs = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])
    steps = tiny_rnn_steps(xs, w_h, w_x, b)
    assert len(steps) == 3
    for previous, step in zip([None, *steps], steps):
        assert np.allclose(step.pre_activation, w_h @ step.h_prev + w_x @ step.x + b)
        assert np.allclose(step.h, np.tanh(step.pre_activation))
        if previous is not None:
            assert np.allclose(step.h_prev, previous.h)


def test_masking_changes_the_final_state():
    ids = [0, 0, 0, 5, 7, 3]
    assert not np.allclose(run_masked_rnn(ids, True), run_masked_rnn(ids, False))
    assert np.allclose(run_masked_rnn(ids, True), run_masked_rnn([5, 7, 3], True))


@pytest.mark.parametrize(
    "changes",
    [
        dict(cell="simplernn", units=32, embed_dim=32),
        dict(cell="lstm", units=16, layers=2, bidirectional=True),
        dict(cell="gru", units=8, layers=3, embed_dim=5),
        dict(task="chars", cell="lstm", units=12),
    ],
)
def test_parameter_rows_sum_to_the_count(changes):
    config = RunConfig(**changes)
    rows = parameter_rows(config, 1000)
    assert sum(row["parameters"] for row in rows) == count_parameters(config, 1000)


def test_simplernn_32_on_32_dim_embeddings_has_2080_parameters():
    rows = parameter_rows(RunConfig(cell="simplernn", units=32, embed_dim=32), 10_000)
    assert rows[1]["parameters"] == 2080
    assert rows[0]["parameters"] == 320_000


def test_pad_view_marks_cut_pad_and_oov():
    words = ["a", "b", "zzz", "c", "d"]
    ids = [2, 3, 1, 4, 5]
    before, after = pad_view(words, ids, 3, "pre", "pre")
    assert [c.kind for c in before] == ["cut", "cut", "oov", "word", "word"]
    assert [c.token for c in after] == ["zzz", "c", "d"]
    before, after = pad_view(words, ids, 7, "post", "post")
    assert [c.kind for c in after][-2:] == ["pad", "pad"] and len(after) == 7
    _, after = pad_view(words, ids, 2, "post", "pre")
    assert [c.token for c in after] == ["a", "b"]


def test_nearest_words_by_cosine():
    embedding = np.array([[0, 0], [0, 0], [1, 0], [0.9, 0.1], [0, 1]], float)
    assert nearest_words(embedding, ("x", "y", "z"), "x", 2)[0][0] == "y"
    with pytest.raises(ValueError):
        nearest_words(embedding, ("x", "y", "z"), "nope")


def test_estimate_grows_with_work():
    small = estimate_seconds(RunConfig(cell="gru", units=32, maxlen=200), 9000)
    assert 0 < small < estimate_seconds(RunConfig(cell="gru", units=32, maxlen=500), 9000)
    assert small < estimate_seconds(RunConfig(cell="gru", units=32, maxlen=200, bidirectional=True), 9000)


@pytest.mark.parametrize(
    "changes",
    [
        dict(cell="simplernn", units=32, embed_dim=32, mask_padding=False),
        dict(cell="gru", units=6, bidirectional=True, pooling="max", dropout=0.3, layers=2),
        dict(cell="lstm", units=5, pooling="mean", embedding_dropout=0.2),
        dict(cell="gru", units=3, embedding_init="cooccurrence"),
    ],
)
def test_keras_code_builds_a_model_with_the_same_parameter_count(changes):
    config = RunConfig(**{"embed_dim": 4, **changes})
    namespace: dict = {"word_vectors": np.zeros((50, 4), dtype="float32")}
    exec(keras_code(config, 50, include_training=False), namespace)  # noqa: S102 - our own generated code
    assert namespace["model"].count_params() == count_parameters(config, 50)
    full = keras_code(config.with_changes(clipnorm=1.0, patience=2), 50)
    compile(full, "<keras_code>", "exec")
    assert "clipnorm=1.0" in full and "EarlyStopping" in full
    assert ("SpatialDropout1D" in full) == (config.embedding_dropout > 0)
    assert ("Constant(word_vectors)" in full) == (config.embedding_init == "cooccurrence")
