"""Character vocabularies with the three special tokens every seq2seq model needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD, START, END = 0, 1, 2
SPECIALS = ("<pad>", "<s>", "</s>")


@dataclass(frozen=True)
class Vocabulary:
    """Ids 0, 1, 2 are padding, start and end; the characters follow in the order given."""

    chars: str

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("a vocabulary lists every character once")
        object.__setattr__(self, "_ids", {char: index + len(SPECIALS) for index, char in enumerate(self.chars)})

    @property
    def size(self) -> int:
        """Number of ids, special tokens included."""
        return len(SPECIALS) + len(self.chars)

    def token(self, index: int) -> str:
        """The character (or special token's name) of an id."""
        return SPECIALS[index] if index < len(SPECIALS) else self.chars[index - len(SPECIALS)]

    def encode(self, text: str) -> list[int]:
        """Ids of the characters of `text` (ValueError naming a character outside the vocabulary)."""
        try:
            return [self._ids[char] for char in text]
        except KeyError as error:
            raise ValueError(f"character {error.args[0]!r} is not in this task's vocabulary") from None

    def decode(self, ids: np.ndarray | list[int]) -> str:
        """The text of output ids, up to the first end token (padding and start skipped)."""
        chars = []
        for index in map(int, ids):
            if index == END:
                break
            if index >= len(SPECIALS):
                chars.append(self.chars[index - len(SPECIALS)])
        return "".join(chars)

    def pad(self, texts: list[str], width: int, start: bool = False, end: bool = False) -> np.ndarray:
        """(N, width) int32 ids, padded at the end; with `start`/`end` the text is wrapped in those tokens."""
        rows = np.zeros((len(texts), width), np.int32)
        for row, text in enumerate(texts):
            ids = ([START] if start else []) + self.encode(text) + ([END] if end else [])
            if len(ids) > width:
                raise ValueError(f"{text!r} needs {len(ids)} positions; the width is {width}")
            rows[row, : len(ids)] = ids
        return rows
