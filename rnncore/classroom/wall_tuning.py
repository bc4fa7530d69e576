"""Teaching a copy of a model with the class wall (TensorFlow-free: the server side). The sentences the class sees
are split once, in the order they were written: every HOLD_BACK_EVERY-th one is held back, the rest train a copy
of the model in a worker job (rnncore/training/wall_tuning.py; the model itself is never changed), and the wall
shows, for each held-back sentence, whether the model got it right before and whether the copy gets it right now.

The latest result is kept in the class database's settings (one short row per held-back sentence, under PREFIX), so
every session and replica shows it and a restart keeps it."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from rnncore.classroom.database import ClassDB, WallEntry

WALL_TUNING_TASK = "rnncore.training.wall_tuning:run_wall_tuning_job"  # payload: a WallTuning
HOLD_BACK_EVERY = 4  # a quarter of the sentences test the copy; it never trains on them
MIN_SENTENCES = HOLD_BACK_EVERY  # at least one held back and three to learn from
MAX_SENTENCES = 400  # the newest ones: a few seconds of training for the largest classroom model
EPOCHS, LEARNING_RATE, BATCH_SIZE = 20, 0.003, 16  # a few sentences: many passes, a small step
PREFIX = "wall_tuning:"
_ABOUT, _HELD = f"{PREFIX}about", f"{PREFIX}held:"


@dataclass(frozen=True)
class WallTuning:
    """What a worker needs: the run to copy, the sentences to learn from and those held back (entry id, text,
    the label meant). Picklable and small."""

    run_path: str
    model: str  # the label the class knows the model by
    train: tuple[tuple[str, str], ...]
    held_back: tuple[tuple[int, str, str], ...]
    epochs: int = EPOCHS
    learning_rate: float = LEARNING_RATE
    batch_size: int = BATCH_SIZE
    seed: int = 0

    def reuse_key(self) -> str:
        """The same model and the same sentences: the same job, shared by every student who asks for it."""
        parts = [self.run_path, *(f"{meant}:{text}" for text, meant in self.train)]
        parts += [f"{entry_id}:{meant}:{text}" for entry_id, text, meant in self.held_back]
        return "wall-tuning:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class HeldBack:
    """One held-back sentence's verdicts: P(positive) from the model and from the fine-tuned copy."""

    entry_id: int
    before: float
    after: float


@dataclass(frozen=True)
class TuningResult:
    """The latest fine-tuning of a copy, as the wall shows it."""

    model: str
    trained_on: int
    finished: float
    held_back: tuple[HeldBack, ...]


def split(entries: list[WallEntry]) -> tuple[list[WallEntry], list[WallEntry]]:
    """(to learn from, held back) among the wall's sentences, the newest MAX_SENTENCES in the order they were
    written: a sentence keeps its side as the wall grows, so successive results test on the same sentences."""
    ordered = sorted(entries, key=lambda entry: entry.id)[-MAX_SENTENCES:]
    held = [entry for number, entry in enumerate(ordered, start=1) if number % HOLD_BACK_EVERY == 0]
    return [entry for entry in ordered if entry not in held], held


def tuning_request(run_path: str, model: str, entries: list[WallEntry]) -> WallTuning | None:
    """The job for these wall sentences, or None while there are fewer than MIN_SENTENCES."""
    if len(entries) < MIN_SENTENCES:
        return None
    train, held = split(entries)
    return WallTuning(
        run_path,
        model,
        tuple((entry.text, entry.meant) for entry in train),
        tuple((entry.id, entry.text, entry.meant) for entry in held),
    )


def save_result(database: ClassDB, model: str, trained_on: int, held_back: list[HeldBack]) -> None:
    """Replace the stored result by this one (the rows of the previous one are deleted first)."""
    for name in database.settings_named(PREFIX):
        database.delete_setting(name)
    for held in held_back:
        database.set_setting(f"{_HELD}{held.entry_id}", f"{held.before:.4f} {held.after:.4f}")
    # written last: a reader that sees it sees every row before it
    database.set_setting(_ABOUT, f"{trained_on} {time.time():.0f} {model}"[:200])


def latest_result(database: ClassDB) -> TuningResult | None:
    """The stored result (one query), or None when no copy was fine-tuned yet."""
    rows = database.settings_named(PREFIX)
    if _ABOUT not in rows:
        return None
    trained_on, finished, model = rows[_ABOUT].split(" ", 2)
    held = []
    for name, value in rows.items():
        if name.startswith(_HELD):
            before, after = value.split()
            held.append(HeldBack(int(name[len(_HELD) :]), float(before), float(after)))
    return TuningResult(model, int(trained_on), float(finished), tuple(sorted(held, key=lambda h: h.entry_id)))
