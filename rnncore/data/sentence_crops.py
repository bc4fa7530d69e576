"""Short training examples cut from long reviews: one or two consecutive sentences of a review, with the
review's label. Students type single sentences; models that only ever saw 230-word reviews answer them
poorly ("not bad at all" → negative). Crops put short input into the training distribution. The label is
noisy (a positive review can contain a negative sentence), which is why crops are added, not substituted."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Sentence ends: . ! ? followed by space, and IMDB's <br /> line breaks.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|<br\s*/?>(?:\s*<br\s*/?>)*")
MIN_WORDS, MAX_WORDS = 3, 40


def split_sentences(text: str) -> list[str]:
    """The review's sentences (stripped, empty ones dropped)."""
    return [part.strip() for part in SENTENCE_BREAK.split(text) if part and part.strip()]


def sentence_crops(texts: Sequence[str], labels: np.ndarray, count: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """`count` crops of 1–2 consecutive sentences (MIN_WORDS..MAX_WORDS words) from randomly chosen reviews,
    with those reviews' labels; reproducible for a seed. Reviews with no usable sentence are skipped."""
    if count < 0:
        raise ValueError(f"count must be at least 0; got {count}")
    rng = np.random.default_rng(seed)
    crops, crop_labels = [], []
    attempts = 0
    while len(crops) < count and attempts < 20 * count + 100:
        attempts += 1
        row = int(rng.integers(len(texts)))
        sentences = split_sentences(texts[row])
        if not sentences:
            continue
        start = int(rng.integers(len(sentences)))
        size = 1 + int(rng.random() < 0.3)
        crop = " ".join(sentences[start : start + size])
        if MIN_WORDS <= len(crop.split()) <= MAX_WORDS:
            crops.append(crop)
            crop_labels.append(labels[row])
    return crops, np.asarray(crop_labels, dtype=labels.dtype)
