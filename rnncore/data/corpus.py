"""Character corpora for the language model: Shakespeare, IMDB review text, or any user text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncore.data.downloads import ProgressFn, locate_or_download
from rnncore.data.text import standardize
from rnncore.errors import RnncoreError

SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
SHAKESPEARE_FILE = "tinyshakespeare.txt"
MIN_CORPUS_CHARS = 200
MAX_CORPUS_BYTES = 5_000_000
IMDB_CORPUS_CHARS = 1_000_000
VALIDATION_SHARE = 0.1
# A user corpus can hold thousands of distinct characters (CJK, emoji, stray symbols), and the alphabet is the
# width of the model's embedding and softmax: every step of training and generation pays for it, and most of
# those characters occur too rarely to learn. Beyond the most frequent ones they all become one character.
MAX_ALPHABET = 200
UNKNOWN_CHAR = "\ufffd"  # "�", Unicode's own replacement character


@dataclass(frozen=True)
class CharVocabulary:
    """The distinct characters of a corpus; ids are positions in `chars` (sorted, so reproducible)."""

    chars: str

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        """Every distinct character of `text`."""
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """Number of distinct characters (the softmax width)."""
        return len(self.chars)

    @property
    def index(self) -> dict[str, int]:
        """Character → id."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {char: i for i, char in enumerate(self.chars)}
            object.__setattr__(self, "_index", cached)
        return cached

    def encode(self, text: str) -> np.ndarray:
        """Ids for text; raises a clear error naming any character the model has never seen."""
        index = self.index
        unknown = sorted({char for char in text if char not in index})
        if unknown:
            shown = "".join(unknown[:20])
            raise RnncoreError(f"These characters are not in the model's alphabet: {shown!r}")
        return np.fromiter((index[char] for char in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        """Text for ids."""
        return "".join(self.chars[int(i)] for i in ids)

    def keep_known(self, text: str) -> tuple[str, str]:
        """(text with unknown characters removed, the removed characters)."""
        index = self.index
        kept = "".join(char for char in text if char in index)
        dropped = "".join(sorted({char for char in text if char not in index}))
        return kept, dropped


@dataclass(frozen=True)
class CharCorpus:
    """A named text, its alphabet, and the train / validation split (last 10 % held out)."""

    name: str
    text: str

    @property
    def vocabulary(self) -> CharVocabulary:
        """Alphabet of the whole text."""
        return CharVocabulary.from_text(self.text)

    @property
    def split_at(self) -> int:
        """Index where validation text starts."""
        return int(len(self.text) * (1 - VALIDATION_SHARE))

    @property
    def train_text(self) -> str:
        """First 90 %."""
        return self.text[: self.split_at]

    @property
    def validation_text(self) -> str:
        """Last 10 %."""
        return self.text[self.split_at :]


def check_user_text(text: str, name: str = "your text") -> str:
    """Validate a user corpus: long enough, not one repeated character, not too large."""
    if len(text.encode("utf-8")) > MAX_CORPUS_BYTES:
        raise RnncoreError(f"{name} is larger than {MAX_CORPUS_BYTES // 1_000_000} MB; use a shorter text")
    if len(text) < MIN_CORPUS_CHARS:
        raise RnncoreError(f"{name} has {len(text)} characters; at least {MIN_CORPUS_CHARS} are needed to learn from")
    if len(set(text)) < 2:
        raise RnncoreError(f"{name} uses only one distinct character; there is nothing to predict")
    return text


def cap_alphabet(text: str, limit: int = MAX_ALPHABET) -> str:
    """`text` with at most `limit` distinct characters: the `limit - 1` most frequent are kept (ties broken by
    character, so the result is reproducible) and every other one becomes UNKNOWN_CHAR. Text within the limit
    comes back unchanged."""
    counts = Counter(text)
    if len(counts) <= limit:
        return text
    counts.pop(UNKNOWN_CHAR, None)  # an unknown character already in the text stays unknown
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rare = {ord(char): UNKNOWN_CHAR for char, _ in ranked[limit - 1 :]}
    return text.translate(rare)


def decode_user_bytes(data: bytes, name: str = "the file") -> str:
    """UTF-8 text from uploaded bytes, with a clear error for binary or non-UTF-8 files."""
    if b"\x00" in data[:4096]:
        raise RnncoreError(f"{name} looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RnncoreError(f"{name} is not UTF-8 text (bad byte at position {error.start})") from error


def load_corpus(source: str, on_progress: ProgressFn | None = None) -> CharCorpus:
    """'shakespeare', 'imdb', or a path to a UTF-8 text file."""
    if source == "shakespeare":
        path = locate_or_download(SHAKESPEARE_FILE, SHAKESPEARE_URL, on_progress)
        return CharCorpus("shakespeare", path.read_text(encoding="utf-8"))
    if source == "imdb":
        from rnncore.data.imdb import load_imdb

        pieces, total = [], 0
        for review in load_imdb(on_progress).train.texts:
            cleaned = " ".join(standardize(review).split())
            pieces.append(cleaned)
            total += len(cleaned) + 1
            if total >= IMDB_CORPUS_CHARS:
                break
        return CharCorpus("imdb", "\n".join(pieces))
    path = Path(source).expanduser()
    if not path.is_file():
        raise RnncoreError(f"Corpus {source!r} is not 'shakespeare', 'imdb' or an existing text file")
    if path.stat().st_size > MAX_CORPUS_BYTES:
        raise RnncoreError(f"{path.name} is larger than {MAX_CORPUS_BYTES // 1_000_000} MB; use a shorter text")
    text = decode_user_bytes(path.read_bytes(), path.name)
    return CharCorpus(path.stem, cap_alphabet(check_user_text(text, path.name)))


def text_corpus(text: str, name: str = "custom") -> CharCorpus:
    """A corpus from a string the user pasted or uploaded (its alphabet capped at MAX_ALPHABET characters)."""
    return CharCorpus(name, cap_alphabet(check_user_text(text)))
