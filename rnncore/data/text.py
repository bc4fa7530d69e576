"""Text → ids for word models: one standardisation for training *and* prediction, a capped vocabulary
with explicit padding / out-of-vocabulary ids, and padding/truncation on a chosen side."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PAD_ID = 0  # never a word: the model masks it (or learns to ignore it)
OOV_ID = 1  # every word outside the vocabulary; never shares an id with a real word
FIRST_WORD_ID = 2

_HTML_TAG = re.compile(r"<[^>]{0,200}>")
# Words keep inner apostrophes ("don't"); "!" and "?" are kept as tokens because they carry sentiment.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[!?]")


def standardize(text: str) -> str:
    """Lowercase, turn HTML tags (IMDB's `<br />`) into spaces and unescape entities like `&amp;`."""
    text = _HTML_TAG.sub(" ", text)
    text = html.unescape(text)
    return text.lower().replace("’", "'")


def tokenize(text: str) -> list[str]:
    """Split standardised text into word tokens (punctuation other than ! and ? is dropped)."""
    return _TOKEN.findall(standardize(text))


@dataclass(frozen=True)
class Vocabulary:
    """Word ↔ id map: id 0 is padding, id 1 is out-of-vocabulary, real words start at 2 by frequency."""

    words: tuple[str, ...]  # words[i] has id i + FIRST_WORD_ID

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], size: int) -> Vocabulary:
        """Keep the `size - 2` most frequent words (ties broken alphabetically, so builds are reproducible)."""
        if size < 3:
            raise ValueError(f"vocabulary size must be at least 3 (padding, unknown, one word); got {size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls(tuple(word for word, _ in ranked[: size - FIRST_WORD_ID]))

    @property
    def size(self) -> int:
        """Number of ids, padding and OOV included (the Embedding's input_dim)."""
        return len(self.words) + FIRST_WORD_ID

    @property
    def index(self) -> dict[str, int]:
        """Word → id (cached on first use)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {word: i + FIRST_WORD_ID for i, word in enumerate(self.words)}
            object.__setattr__(self, "_index", cached)
        return cached

    def encode_tokens(self, tokens: Sequence[str]) -> list[int]:
        """Ids for tokens; unknown words become OOV_ID."""
        index = self.index
        return [index.get(token, OOV_ID) for token in tokens]

    def encode(self, text: str) -> list[int]:
        """Ids for raw text (standardised and tokenised first)."""
        return self.encode_tokens(tokenize(text))

    def word(self, token_id: int) -> str:
        """The word for an id ('<pad>' / '<unk>' for the special ids)."""
        if token_id == PAD_ID:
            return "<pad>"
        if token_id == OOV_ID:
            return "<unk>"
        return self.words[token_id - FIRST_WORD_ID]


def pad_sequences(
    sequences: Sequence[Sequence[int]], maxlen: int, truncating: str = "pre", padding: str = "pre"
) -> np.ndarray:
    """Fixed-length int32 matrix. `truncating="pre"` drops the *start* of long reviews (keeping the
    ending, which is often the verdict); `padding="pre"` puts PAD_IDs before short ones, so an RNN
    without masking reads the real words last."""
    if truncating not in ("pre", "post") or padding not in ("pre", "post"):
        raise ValueError("truncating and padding must be 'pre' or 'post'")
    out = np.full((len(sequences), maxlen), PAD_ID, dtype=np.int32)
    for row, seq in enumerate(sequences):
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if len(kept) == 0:
            continue
        if padding == "pre":
            out[row, maxlen - len(kept) :] = kept
        else:
            out[row, : len(kept)] = kept
    return out
