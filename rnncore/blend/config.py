"""Settings of a blend: two saved sentiment models whose log-odds are added, one weight each, the weights chosen on
the validation reviews both members held out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnncore.settings import SettingsDict, check_settings, setting

TASK = "blend"


@dataclass(frozen=True)
class BlendConfig(SettingsDict):
    """One blend of two runs, by name: an RNN (reads in order) and a bag of words pairs (Mesnil et al. 2014 blended
    an RNN language model with NBSVM for IMDB's long reviews)."""

    TASK: ClassVar[str] = TASK

    first: str = setting("imdb-lstm", "the first member: a sentiment or bag-of-words run (name or folder)")
    second: str = setting("imdb-bigrams", "the second member: a sentiment or bag-of-words run (name or folder)")
    weight_steps: int = setting(20, "first member's weights tried on validation: 0, 1/steps, …, 1", 1, 1_000)

    def __post_init__(self) -> None:
        check_settings(self)
        if not self.first.strip() or not self.second.strip():
            raise ValueError("a blend needs two members: give --first and --second")
        if self.first.strip() == self.second.strip():
            raise ValueError(f"a blend needs two different members, not {self.first!r} twice")
