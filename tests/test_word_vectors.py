"""Pretrained word vectors (co-occurrence → positive PMI → SVD), the unlabelled reviews they are counted
on, and training that starts from them."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.imdb import UNLABELLED_CACHE_NAME, full_vectorized, load_imdb, load_unlabelled_texts
from rnncore.data.word_vectors import (
    cooccurrence_counts,
    imdb_word_vectors,
    positive_pmi,
    truncated_svd_vectors,
    word_vectors,
)
from rnncore.events import TrainEvent
from rnncore.training.train import train
from tests.conftest import TINY_SENTIMENT


def test_cooccurrence_counts_weigh_by_distance_within_one_sequence():
    counts = cooccurrence_counts([[2, 3, 4], [4, 5], [0, 1, 5, 0]], vocab_size=6, window=2)
    assert counts[2, 3] == counts[3, 2] == 1.0
    assert counts[2, 4] == counts[4, 2] == 0.5  # two words apart
    assert counts[4, 5] == 1.0  # from the second sequence only: pairs never cross sequences
    assert counts[3, 5] == 0.0
    assert counts[:2].sum() == counts[:, :2].sum() == 0.0  # padding and unknown words are not counted
    assert counts.dtype == np.float32 and np.array_equal(counts, counts.T)


def test_positive_pmi_by_hand():
    counts = np.array([[0, 2], [2, 4]], dtype=np.float32)
    word_totals = np.array([[2.0], [6.0]])
    smoothed_context = np.array([[2.0, 6.0]]) ** 0.75
    context_probability = smoothed_context / smoothed_context.sum()
    result = positive_pmi(counts.copy())
    assert result[0, 0] == 0.0  # never seen together: 0, not -inf
    expected = np.log(counts[1] / (word_totals[1] * context_probability[0]))  # log P(w,c) / (P(w) P(c))
    assert np.allclose(result[1], np.maximum(expected, 0), atol=1e-6)
    assert np.allclose(result[0, 1], max(np.log(2 / (2 * context_probability[0, 1])), 0), atol=1e-6)
    assert np.all(result >= 0)


def test_truncated_svd_matches_an_exact_svd_on_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    factors = rng.standard_normal((40, 3)).astype(np.float32)
    matrix = factors @ factors.T  # symmetric, rank 3
    vectors = truncated_svd_vectors(matrix, dim=3)
    u, s, _ = np.linalg.svd(matrix)
    exact = u[:, :3] * np.sqrt(s[:3])
    exact /= np.linalg.norm(exact, axis=1, keepdims=True)
    # same geometry (cosine similarities), whatever the signs of the singular vectors
    assert np.allclose(vectors @ vectors.T, exact @ exact.T, atol=1e-4)
    padded = truncated_svd_vectors(np.zeros((5, 5), dtype=np.float32), dim=8)
    assert padded.shape == (5, 8) and not padded.any()  # unseen words stay zero; dim above rank is padded


def test_words_used_in_the_same_contexts_get_similar_vectors():
    rng = np.random.default_rng(1)
    # ids 2, 3 appear between 6 and 7; ids 4, 5 between 8 and 9
    sequences = []
    for _ in range(300):
        left, right, word = (6, 7, rng.choice([2, 3])) if rng.random() < 0.5 else (8, 9, rng.choice([4, 5]))
        sequences.append([left, word, right])
    vectors = word_vectors(sequences, vocab_size=10, dim=4)
    assert np.isfinite(vectors).all()
    assert vectors[2] @ vectors[3] > 0.9 and vectors[4] @ vectors[5] > 0.9
    assert abs(vectors[2] @ vectors[4]) < 0.2


def test_unlabelled_reviews_are_read_once_and_kept_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCORE_CACHE_DIR", str(tmp_path / "cache"))
    messages: list[str] = []
    texts = load_unlabelled_texts(messages.append)
    assert texts == ("unlabelled reviews must never be used as labelled data",)
    assert (tmp_path / "cache" / UNLABELLED_CACHE_NAME).is_file() and messages
    assert texts[0] not in load_imdb().train.texts + load_imdb().test.texts
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(tmp_path / "nowhere"))  # the cache alone is enough now
    assert load_unlabelled_texts() == texts


def test_imdb_word_vectors_cover_the_training_vocabulary_and_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCORE_CACHE_DIR", str(tmp_path / "cache"))
    fingerprint = load_imdb().fingerprint
    messages: list[str] = []
    vectors = imdb_word_vectors(60, 8, fingerprint, messages.append)
    vocabulary, _, _ = full_vectorized(60, fingerprint)
    assert vectors.shape == (vocabulary.size, 8) and vectors.dtype == np.float32
    assert any("co-occurrences" in message for message in messages)
    index = vocabulary.index
    assert np.linalg.norm(vectors[index["wonderful"]]) == pytest.approx(1.0, abs=1e-5)
    messages.clear()
    assert np.array_equal(imdb_word_vectors(60, 8, fingerprint, messages.append), vectors)
    assert not any("co-occurrences" in message for message in messages)  # second call reads the cache


def test_training_starts_from_the_word_vectors():
    config = RunConfig(**TINY_SENTIMENT).with_changes(embedding_init="cooccurrence", epochs=1, learning_rate=1e-5)
    events: list[TrainEvent] = []
    result = train(config, on_event=events.append)
    assert any("word vectors" in event.message for event in events)
    vectors = imdb_word_vectors(config.vocab_size, config.embed_dim, result.fingerprint)
    learned = result.model.get_layer("embedding").get_weights()[0]
    assert vectors.shape == learned.shape and np.abs(vectors).sum() > 0
    # a tiny learning rate leaves the embedding where the vectors put it
    assert np.allclose(learned, vectors, atol=1e-3)
