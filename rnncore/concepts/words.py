"""What happens to a review's words before and inside an RNN (the Concepts page's padding section): the id row
before and after padding and truncation, a tiny RNN that reads or skips padding, and embedding neighbours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.data.text import OOV_ID, PAD_ID


def run_masked_rnn(ids: list[int], skip_padding: bool, units: int = 3, seed: int = 0) -> np.ndarray:
    """Final state of a tiny random SimpleRNN over token ids. With `skip_padding`, PAD_ID steps keep the
    previous state (what Embedding(mask_zero=True) makes Keras do); without, padding is read like a word."""
    rng = np.random.default_rng(seed)
    embedding = rng.normal(0, 1, (max(ids, default=0) + 1, units))
    embedding[PAD_ID] = 0.0  # even a zero vector changes the state: the bias and W_h h still act
    w_h = rng.normal(0, 0.6, (units, units))
    w_x = rng.normal(0, 0.8, (units, units))
    b = rng.normal(0, 0.5, units)
    h = np.zeros(units)
    for token in ids:
        if skip_padding and token == PAD_ID:
            continue
        h = np.tanh(w_h @ h + w_x @ embedding[token] + b)
    return h


@dataclass(frozen=True)
class PadCell:
    """One position of the id row: kind is word | oov | pad | cut (dropped by truncation)."""

    token: str
    token_id: int
    kind: str


def pad_view(words: list[str], ids: list[int], maxlen: int, truncating: str, padding: str):
    """(before, after): the id row of a text before padding (with cut tokens marked) and after
    pad_sequences, as PadCells for colouring."""
    cut = max(0, len(ids) - maxlen)
    kept = set(range(cut, len(ids))) if truncating == "pre" else set(range(min(len(ids), maxlen)))
    before = [
        PadCell(w, i, "cut" if n not in kept else ("oov" if i == OOV_ID else "word"))
        for n, (w, i) in enumerate(zip(words, ids))
    ]
    real = [cell for cell in before if cell.kind != "cut"]
    pads = [PadCell("<pad>", PAD_ID, "pad")] * (maxlen - len(real))
    after = pads + real if padding == "pre" else real + pads
    return before, after


def nearest_words(embedding: np.ndarray, words: tuple[str, ...], word: str, k: int = 8) -> list[tuple[str, float]]:
    """The k words whose embedding rows are most cosine-similar to `word`'s (ids: 0 pad, 1 OOV, 2+ words)."""
    index = {w: n + 2 for n, w in enumerate(words) if n + 2 < len(embedding)}
    if word not in index:
        raise ValueError(f"{word!r} is not in this model's vocabulary")
    rows = embedding[2 : len(words) + 2]
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
    similarity = unit @ unit[index[word] - 2]
    order = [n for n in np.argsort(-similarity) if n + 2 != index[word]][:k]
    return [(words[n], float(similarity[n])) for n in order]
