"""Feed reviews to a masked sentiment model in batches of similar length, cut to that length.

Reviews are padded to `maxlen` (500 ids for the shipped models) but most are far shorter, and a masked
RNN still steps through every padded position on a CPU. Grouping reviews of similar length and cutting
each batch to its longest review halves training and scoring time without changing what is computed:
the mask already made the padding invisible to the model.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import numpy as np

LENGTH_STEP = 32  # batch lengths are rounded up to a multiple of this, so few shapes get compiled
CHUNK_BATCHES = 50  # reviews are shuffled, then sorted by length within chunks of this many batches


def review_lengths(x: np.ndarray) -> np.ndarray:
    """Ids per row that are not padding (id 0 is only ever padding)."""
    return np.count_nonzero(x, axis=1)


def cut_to_length(x: np.ndarray, length: int, padding: str) -> np.ndarray:
    """The columns that hold the last `length` positions of pre-padded rows (first, if post-padded)."""
    length = min(x.shape[1], max(1, -(-length // LENGTH_STEP) * LENGTH_STEP))
    return x[:, x.shape[1] - length :] if padding == "pre" else x[:, :length]


def length_grouped_order(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Row indices as batches of similar length, in random order. Sorting only within chunks of a random
    permutation keeps batches different from epoch to epoch."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * CHUNK_BATCHES
    batches = []
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        rows = rows[np.argsort(lengths[rows], kind="stable")]
        batches.extend(rows[i : i + batch_size] for i in range(0, len(rows), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


class LengthGroupedBatches:
    """Iterable of (ids, labels) batches for `fit`; every pass over it is a fresh shuffle."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, padding: str, seed: int = 0):
        self.x, self.y, self.batch_size, self.padding = x, y, batch_size, padding
        self.lengths = review_lengths(x)
        self.rng = np.random.default_rng(seed)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for rows in length_grouped_order(self.lengths, self.batch_size, self.rng):
            yield cut_to_length(self.x[rows], int(self.lengths[rows].max()), self.padding), self.y[rows]

    def as_dataset(self):
        """A tf.data pipeline over this iterable whose sequence length may change from batch to batch."""
        import tensorflow as tf

        signature = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.float32))
        dataset = tf.data.Dataset.from_generator(lambda: iter(self), output_signature=signature)
        # a known length lets Keras count the steps of the first epoch too
        return dataset.apply(tf.data.experimental.assert_cardinality(len(self))).prefetch(2)

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)


_compiled_forward: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forward(model):
    """The model's inference pass compiled once for any batch size and length (predict_on_batch would
    compile again for every new shape)."""
    if model not in _compiled_forward:
        import tensorflow as tf

        signature = [tf.TensorSpec((None, None), tf.int32)]
        held = weakref.ref(model)  # a strong reference here would keep every model trained on a server alive
        _compiled_forward[model] = tf.function(lambda ids: held()(ids, training=False), input_signature=signature)
    return _compiled_forward[model]


def predict_by_length(model, x: np.ndarray, padding: str, batch_size: int = 512) -> np.ndarray:
    """P(positive) for every row of `x`, in the original order, computed in length-grouped batches."""
    forward = _forward(model)
    lengths = review_lengths(x)
    order = np.argsort(lengths, kind="stable")
    probabilities = np.empty(len(x), dtype=np.float32)
    for start in range(0, len(x), batch_size):
        rows = order[start : start + batch_size]
        batch = cut_to_length(x[rows], int(lengths[rows].max()), padding)
        probabilities[rows] = np.asarray(forward(batch)).reshape(-1)
    return probabilities
