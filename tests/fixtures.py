"""Tiny datasets written by the tests, so the real loaders run without the network or the shared datasets."""

from __future__ import annotations

import io
import random
import tarfile
from pathlib import Path

POSITIVE = ["great", "wonderful", "loved", "excellent", "brilliant", "fun", "superb", "moving"]
NEGATIVE = ["awful", "terrible", "boring", "worst", "hated", "waste", "dull", "bad"]
NEUTRAL = ["movie", "film", "the", "a", "plot", "actors", "story", "was", "and", "it", "this", "of"]


def review(rng: random.Random, positive: bool) -> str:
    """A short fake review whose sentiment words give its label away."""
    words = POSITIVE if positive else NEGATIVE
    body = " ".join(rng.choice(NEUTRAL + words * 2) for _ in range(rng.randint(6, 30)))
    return f"{body.capitalize()}.<br /><br />I {'really liked' if positive else 'did not like'} it &amp; more!"


def movie_url(split: str, review_number: int) -> str:
    """The fixture's movie page for a review: every three reviews share one."""
    return f"http://www.imdb.com/title/tt{split}{review_number // 3}/usercomments"


def make_imdb_archive(path: Path, per_class: int = 24, seed: int = 0) -> Path:
    """A miniature aclImdb_v1.tar.gz with the official layout (train/test × pos/neg, plus unsup)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, text: str) -> None:
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        for split in ("train", "test"):
            for label in ("pos", "neg"):
                for n in range(per_class):
                    add(f"aclImdb/{split}/{label}/{n}_{rng.randint(1, 10)}.txt", review(rng, label == "pos"))
                # line n: the movie of review n; three reviews per movie, the same movies for pos and neg
                add(f"aclImdb/{split}/urls_{label}.txt", "".join(movie_url(split, n) + "\n" for n in range(per_class)))
        add("aclImdb/train/unsup/0_0.txt", "unlabelled reviews must never be used as labelled data")
        add("aclImdb/README", "fixture")
    return path


def make_corpus(path: Path, repeats: int = 40) -> Path:
    """A small Shakespeare-like text with plenty of repetition (learnable in seconds)."""
    lines = [
        "First Citizen:\nBefore we proceed any further, hear me speak.\n\n",
        "All:\nSpeak, speak.\n\n",
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\n",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines) * repeats, encoding="utf-8")
    return path
