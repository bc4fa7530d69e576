"""Pretrained word vectors from co-occurrence counts: positive PMI plus a truncated SVD.

A sentiment model sees each rare word in only a handful of labelled reviews, too few to learn what it
means. Counting which words appear near which in *all* the text we may read (training reviews plus
IMDB's 50,000 unlabelled ones, never the test set) places "dreadful" near "awful" before training
starts; the Embedding then begins from those vectors instead of random noise. This is the classic
count-based cousin of word2vec (Levy & Goldberg, 2014), cheap enough for a CPU: a few minutes once,
then cached on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np

from rnncore.data.downloads import ProgressFn
from rnncore.data.text import FIRST_WORD_ID

WINDOW = 5  # words on each side that count as context
CONTEXT_SMOOTHING = 0.75  # flattens the context distribution so rare contexts do not dominate PMI


def cooccurrence_counts(sequences: Iterable[Sequence[int]], vocab_size: int, window: int = WINDOW) -> np.ndarray:
    """Symmetric (vocab_size × vocab_size) float32 counts of word pairs at most `window` apart inside one
    sequence, each pair weighted 1/distance. Padding and out-of-vocabulary ids are not counted."""
    sequences = list(sequences)
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    ids = np.fromiter(chain.from_iterable(sequences), dtype=np.int64, count=int(lengths.sum()))
    sequence_of = np.repeat(np.arange(len(sequences)), lengths)
    counts = np.zeros(vocab_size * vocab_size, dtype=np.float32)
    for distance in range(1, window + 1):
        left, right = ids[:-distance], ids[distance:]
        keep = (sequence_of[:-distance] == sequence_of[distance:]) & (left >= FIRST_WORD_ID) & (right >= FIRST_WORD_ID)
        # Summing over the distinct pairs (not np.bincount over all vocab² cells) keeps memory at one table.
        pairs, repeats = np.unique(left[keep] * vocab_size + right[keep], return_counts=True)
        counts[pairs] += repeats.astype(np.float32) / distance
    counts = counts.reshape(vocab_size, vocab_size)
    counts += counts.T  # a word's left context is its neighbour's right context
    return counts


def positive_pmi(counts: np.ndarray, smoothing: float = CONTEXT_SMOOTHING) -> np.ndarray:
    """max(0, log P(w, c) / (P(w) P_smoothed(c))), computed in place on `counts` to save memory."""
    total = float(counts.sum())
    if total == 0:
        return counts
    word_totals = counts.sum(axis=1, dtype=np.float64)
    context_weights = counts.sum(axis=0, dtype=np.float64) ** smoothing
    context_probability = context_weights / context_weights.sum()
    with np.errstate(divide="ignore"):
        np.log(counts, out=counts)
        counts -= np.log(np.maximum(word_totals, 1e-12)).astype(np.float32)[:, None]
        counts -= np.log(np.maximum(context_probability, 1e-30)).astype(np.float32)[None, :]
    np.maximum(counts, 0.0, out=counts)  # also turns the log(0) = -inf of unseen pairs into 0
    return counts


def truncated_svd_vectors(matrix: np.ndarray, dim: int, seed: int = 0, power_iterations: int = 3) -> np.ndarray:
    """Rows of U·sqrt(S) for the top `dim` singular values (randomised SVD: a few large matrix products,
    fast even for a 20,000² matrix), each row scaled to unit length so frequent and rare words start on
    the same footing. All-zero rows (words never seen) stay zero."""
    rng = np.random.default_rng(seed)
    size = matrix.shape[0]
    rank = min(dim, size)
    probe = rng.standard_normal((size, min(size, rank + 16))).astype(np.float32)
    basis, _ = np.linalg.qr(matrix @ probe)
    for _ in range(power_iterations):  # sharpen the basis towards the top singular vectors
        basis, _ = np.linalg.qr(matrix.T @ basis)
        basis, _ = np.linalg.qr(matrix @ basis)
    small_u, singular_values, _ = np.linalg.svd(basis.T @ matrix, full_matrices=False)
    vectors = (basis @ small_u[:, :rank]) * np.sqrt(singular_values[:rank])
    vectors = np.pad(vectors, ((0, 0), (0, dim - rank)))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def word_vectors(sequences: Iterable[Sequence[int]], vocab_size: int, dim: int, seed: int = 0) -> np.ndarray:
    """(vocab_size × dim) vectors for the ids in `sequences`: co-occurrence → positive PMI → SVD."""
    return truncated_svd_vectors(positive_pmi(cooccurrence_counts(sequences, vocab_size)), dim, seed)


def imdb_word_vectors(vocab_size: int, dim: int, fingerprint: str, on_progress: ProgressFn | None = None) -> np.ndarray:
    """Vectors for the IMDB vocabulary of `vocab_size` ids (the one training uses), from the training and
    unlabelled reviews (never the test set), cached on disk per (vocabulary, dimension, data) because
    counting takes minutes."""
    from rnncore.data.imdb import full_vectorized, load_unlabelled_texts
    from rnncore.paths import cache_dir

    path = cache_dir() / f"imdb_vectors_v{vocab_size}_d{dim}_{fingerprint}.npy"
    vocabulary, train, _ = full_vectorized(vocab_size, fingerprint)
    if path.is_file():
        try:
            vectors = np.load(path)
            if vectors.shape == (vocabulary.size, dim):
                return vectors
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    unlabelled = load_unlabelled_texts(on_progress)
    if on_progress:
        on_progress(f"Counting word co-occurrences in {len(train.ids) + len(unlabelled):,} reviews (once) …")
    sequences = [*train.ids, *(np.asarray(vocabulary.encode(text), dtype=np.int32) for text in unlabelled)]
    vectors = word_vectors(sequences, vocabulary.size, dim)
    try:
        temporary = path.with_suffix(".tmp.npy")
        np.save(temporary, vectors)
        temporary.replace(path)
    except OSError:
        pass  # a cache we cannot write only costs time
    return vectors
