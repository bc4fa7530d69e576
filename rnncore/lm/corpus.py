"""IMDB's training + unlabelled reviews as one stream of word ids for the language model (never the test
set). Each review ends with PAD_ID, which the model learns as "end of review". A few whole reviews are held
out for perplexity. The stream is cached on disk per vocabulary size and data."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import numpy as np

from rnncore.data.downloads import ProgressFn
from rnncore.data.imdb import full_vectorized, load_imdb, load_unlabelled_texts
from rnncore.data.text import PAD_ID, Vocabulary
from rnncore.paths import cache_dir

END_OF_REVIEW = PAD_ID


@dataclass(frozen=True)
class TokenStream:
    """Word ids for training and held-out scoring, and the vocabulary they index."""

    train: np.ndarray  # int32, reviews joined, each ended by END_OF_REVIEW
    heldout: np.ndarray  # int32, the same for the held-out reviews
    vocabulary: Vocabulary
    reviews: int  # reviews in the training stream


def imdb_token_stream(vocab_size: int, heldout_fraction: float, on_progress: ProgressFn | None = None) -> TokenStream:
    """The stream for `vocab_size` words; the held-out reviews are drawn with a fixed seed."""
    data = load_imdb(on_progress)
    vocabulary, train_encoded, _ = full_vectorized(vocab_size, data.fingerprint)
    path = cache_dir() / f"lm_stream_v{vocab_size}_h{heldout_fraction:g}_{data.fingerprint}.npz"
    if path.is_file():
        try:
            with np.load(path) as archive:
                return TokenStream(archive["train"], archive["heldout"], vocabulary, int(archive["reviews"]))
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt
    if on_progress:
        on_progress("Encoding the unlabelled reviews for the language model (once) …")
    unlabelled = [vocabulary.encode(text) for text in load_unlabelled_texts(on_progress)]
    reviews = [list(ids) for ids in train_encoded.ids] + unlabelled
    stream = split_stream(reviews, heldout_fraction)
    _save(path, stream.train, stream.heldout, stream.reviews)
    return TokenStream(stream.train, stream.heldout, vocabulary, stream.reviews)


@dataclass(frozen=True)
class _Split:
    train: np.ndarray
    heldout: np.ndarray
    reviews: int


def split_stream(reviews: list[list[int]], heldout_fraction: float, seed: int = 0) -> _Split:
    """Hold out whole reviews (a review's words are never on both sides), shuffle the rest's order
    reproducibly, and join each side into one id stream with END_OF_REVIEW after every review."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(reviews))
    held = max(1, int(round(len(reviews) * heldout_fraction)))
    return _Split(_join(reviews, order[held:]), _join(reviews, order[:held]), len(order) - held)


def _join(reviews: list[list[int]], rows: np.ndarray) -> np.ndarray:
    total = sum(len(reviews[row]) + 1 for row in rows)
    out = np.empty(total, dtype=np.int32)
    position = 0
    for row in rows:
        ids = reviews[row]
        out[position : position + len(ids)] = ids
        out[position + len(ids)] = END_OF_REVIEW
        position += len(ids) + 1
    return out


def _save(path, train: np.ndarray, heldout: np.ndarray, reviews: int) -> None:
    handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(handle)
    try:
        with open(temp_name, "wb") as out:
            np.savez(out, train=train, heldout=heldout, reviews=np.array(reviews))
        os.replace(temp_name, path)
    except OSError:
        pass  # an unwritable cache only costs time next run
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def batched(stream: np.ndarray, batch_size: int, offset: int = 0) -> np.ndarray:
    """The stream from `offset` cut into `batch_size` parallel rows of equal length (the tail is dropped):
    row r continues in the next window where it stopped, so the LSTM state can carry over."""
    usable = (len(stream) - offset) // batch_size * batch_size
    if usable < batch_size * 2:
        raise ValueError(f"the text is too short for {batch_size} parallel streams")
    return stream[offset : offset + usable].reshape(batch_size, -1)


def windows(rows: np.ndarray, window: int) -> int:
    """How many (input, target) windows of `window` steps the batched rows give."""
    return (rows.shape[1] - 1) // window
