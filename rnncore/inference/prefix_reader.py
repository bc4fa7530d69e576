"""Reading a review that grows: the states after every word are remembered, so when a student adds a word (or
changes the last one) only the words after the unchanged start are read again.

Why: Predict reruns on every keystroke for thirty students at once, and a forward pass costs one cell step per
word (an LSTM 256 reads 250 words in ~8 ms). The state after word k depends only on words 1…k, so a review that
starts with the same k words resumes from the state remembered after word k, and the result is the same as
reading it whole (tests/test_prefix_reader.py). Only forward-only models without padding tokens qualify: a
bidirectional model's backward direction starts at the last word, and pre-padding shifts every word."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from rnncore.inference.numpy_rnn import NumpyRNN, _sigmoid

DEFAULT_CAPACITY_BYTES = 48 * 2**20  # about 40 students' long reviews with an LSTM 256


@dataclass(frozen=True)
class Reading:
    """One review read word by word: ids, each layer's h and c after every word, the pooled top-layer state so far
    and P(positive) had the review ended at each word."""

    ids: np.ndarray  # (T,)
    hidden: tuple[np.ndarray, ...]  # per layer (T, U)
    cells: tuple[np.ndarray | None, ...]  # per layer (T, U) for LSTM, else None
    pooled: np.ndarray  # (T, U): the top layer pooled over words 1…t (last: h itself, max: running max, mean)
    probabilities: np.ndarray  # (T,)

    @property
    def nbytes(self) -> int:
        """Memory the reading holds."""
        arrays = [self.ids, self.pooled, self.probabilities, *self.hidden, *(c for c in self.cells if c is not None)]
        return sum(array.nbytes for array in arrays)


def can_resume(network: NumpyRNN, padded: bool) -> bool:
    """Whether reads of this network can resume from a remembered prefix (forward-only sentiment model whose
    input carries no padding tokens)."""
    return network.task == "sentiment" and not network.bidirectional and not padded


class PrefixReader:
    """P(positive) after every word of a review, resumed from the longest remembered start. Thread-safe; the
    memory it keeps is bounded (least recently used readings are dropped first)."""

    def __init__(self, network: NumpyRNN, capacity_bytes: int = DEFAULT_CAPACITY_BYTES):
        if not can_resume(network, padded=False):
            raise ValueError("a prefix reader needs a forward-only sentiment model")
        self.network = network
        self.capacity_bytes = capacity_bytes
        self._readings: OrderedDict[bytes, Reading] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def probabilities(self, ids: np.ndarray) -> np.ndarray:
        """P(positive) after each of the (T,) ids (T ≥ 1), equal to NumpyRNN.forward's step probabilities."""
        ids = np.asarray(ids, np.int32)
        key = ids.tobytes()
        with self._lock:
            found = self._readings.get(key)
            if found is not None:
                self._readings.move_to_end(key)
                return found.probabilities
            start, base = self._longest_start(ids)
        reading = self._read(ids, start, base)
        with self._lock:
            self._remember(key, reading)
        return reading.probabilities

    def _longest_start(self, ids: np.ndarray) -> tuple[int, Reading | None]:
        """The remembered reading sharing the most leading words with `ids` (under the lock)."""
        best, best_length = None, 0
        for reading in self._readings.values():
            length = min(len(reading.ids), len(ids))
            if length <= best_length:
                continue
            differs = np.flatnonzero(reading.ids[:length] != ids[:length])
            shared = int(differs[0]) if differs.size else length
            if shared > best_length:
                best, best_length = reading, shared
        return best_length, best

    def _read(self, ids: np.ndarray, start: int, base: Reading | None) -> Reading:
        """Read ids[start:] from the state `base` had after word `start` (from zero when start is 0)."""
        network = self.network
        x = network.embedding[ids[start:]][None]
        hidden, cells = [], []
        for n, layer in enumerate(network.layers):
            cell = layer.forward
            h, c = cell.zero_state(1)
            if start:
                h = base.hidden[n][start - 1][None]
                c = None if c is None else base.cells[n][start - 1][None]
            new_hidden, new_cells = cell.run_from(x, h, c)
            x = new_hidden[None]
            hidden.append(new_hidden if not start else np.concatenate([base.hidden[n][:start], new_hidden]))
            if new_cells is None:
                cells.append(None)
            else:
                cells.append(new_cells if not start else np.concatenate([base.cells[n][:start], new_cells]))
        pooled_new = self._pool(x[0], base.pooled[start - 1] if start else None, start)
        probabilities_new = _sigmoid(pooled_new @ network.dense_kernel + network.dense_bias)[:, 0]
        if start:
            pooled = np.concatenate([base.pooled[:start], pooled_new])
            probabilities = np.concatenate([base.probabilities[:start], probabilities_new])
        else:
            pooled, probabilities = pooled_new, probabilities_new
        return Reading(ids, tuple(hidden), tuple(cells), pooled, probabilities.astype(np.float32))

    def _pool(self, top: np.ndarray, before: np.ndarray | None, start: int) -> np.ndarray:
        """The top layer's states (T', U) pooled with what words 1…start gave (`before`), as NumpyRNN pools."""
        pooling = self.network.pooling
        if pooling == "last":
            return top
        if pooling == "max":
            running = np.maximum.accumulate(top, axis=0)
            return running if before is None else np.maximum(running, before)
        counts = np.arange(start + 1, start + len(top) + 1, dtype=np.float32)[:, None]
        sums = np.cumsum(top, axis=0) + (0.0 if before is None else before * start)
        return sums / counts

    def _remember(self, key: bytes, reading: Reading) -> None:
        """Keep the reading, dropping the least recently used ones past the capacity (under the lock)."""
        if key in self._readings:
            return
        self._readings[key] = reading
        self._bytes += reading.nbytes
        while self._bytes > self.capacity_bytes and len(self._readings) > 1:
            _, dropped = self._readings.popitem(last=False)
            self._bytes -= dropped.nbytes
