"""Length-grouped review batches: every review once per pass, nothing real cut off, same predictions."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.text import pad_sequences
from rnncore.training.model import build_model
from rnncore.training.review_batches import (
    LENGTH_STEP,
    LengthGroupedBatches,
    cut_to_length,
    length_grouped_order,
    predict_by_length,
    review_lengths,
)


def _reviews(count: int, maxlen: int, padding: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, maxlen + 20, size=count)  # some empty, some longer than maxlen
    return pad_sequences([list(rng.integers(1, 50, size=n)) for n in lengths], maxlen, "pre", padding)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_cutting_keeps_every_real_id(padding):
    x = _reviews(40, 100, padding)
    lengths = review_lengths(x)
    cut = cut_to_length(x, int(lengths.max()), padding)
    assert cut.shape[1] % LENGTH_STEP == 0 or cut.shape[1] == 100
    assert np.array_equal(review_lengths(cut), lengths)
    short = cut_to_length(x[:1], 3, padding)
    assert short.shape == (1, LENGTH_STEP)
    assert (short[0, -3:] if padding == "pre" else short[0, :3]).tolist() == (
        x[0, -3:] if padding == "pre" else x[0, :3]
    ).tolist()


def test_batches_cover_every_row_once_and_group_similar_lengths():
    lengths = np.random.default_rng(1).integers(1, 500, size=1000)
    rng = np.random.default_rng(0)
    first = length_grouped_order(lengths, 10, rng)
    second = length_grouped_order(lengths, 10, rng)
    for batches in (first, second):
        assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
        spread = np.mean([np.ptp(lengths[rows]) for rows in batches])
        assert spread < 0.2 * np.ptp(lengths)  # random batches would spread over nearly the whole range
    assert [rows.tolist() for rows in first] != [rows.tolist() for rows in second]  # reshuffled every pass


def test_the_iterable_yields_cut_batches_with_their_labels():
    x = _reviews(30, 64, "pre", seed=2)
    y = (review_lengths(x) % 2).astype(np.float32)  # a label the test can recompute from the ids
    batches = LengthGroupedBatches(x, y, batch_size=8, padding="pre")
    seen = []
    for ids, labels in batches:
        assert ids.shape[1] <= 64 and len(ids) == len(labels) <= 8
        assert np.array_equal(labels, review_lengths(ids) % 2)
        seen.append(len(ids))
    assert sum(seen) == 30 and len(seen) == len(batches) == 4
    several_chunks = LengthGroupedBatches(np.ones((2 * 8 * 50 + 1, 4), np.int32), np.zeros(801), 8, "pre")
    assert len(several_chunks) == sum(1 for _ in several_chunks) == 101


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_predictions_match_scoring_the_full_padded_rows(padding):
    config = RunConfig(
        task="sentiment", cell="gru", units=4, embed_dim=4, vocab_size=50, maxlen=100, pooling="max", padding=padding
    )
    model = build_model(config, 50)
    x = _reviews(70, 100, padding, seed=3)
    full = model.predict(x, batch_size=16, verbose=0).reshape(-1)
    assert np.allclose(predict_by_length(model, x, padding, batch_size=16), full, atol=1e-5)
