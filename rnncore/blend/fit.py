"""Choose a blend's weights: both members score the validation reviews they held out (the same movies: the
members must share seed, limit and validation fraction), the first member's weight w runs over a grid and the
second's is 1 − w; the w with the lowest validation log loss is kept. The test set is scored once, at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from rnncore.blend.config import BlendConfig
from rnncore.blend.model import Blend
from rnncore.data.imdb import load_imdb, split_by_movie, stratified_indices
from rnncore.errors import RnncoreError
from rnncore.events import EventHandler, TrainEvent, ignore_event
from rnncore.inference.scorers import load_scorer
from rnncore.store import RunInfo

SHARED_SPLIT = ("seed", "limit", "validation_fraction")  # what fixes the validation movies


@dataclass
class BlendResult:
    """The chosen weights and what was measured, for each member and for the blend."""

    weights: tuple[float, float]
    metrics: dict[str, float]
    members: dict[str, dict[str, float]]
    seconds: float


def shared_split(members: list[RunInfo]) -> dict[str, float]:
    """The members' common validation settings; RnncoreError when they held out different reviews."""
    settings = [{key: run.info["config"].get(key) for key in SHARED_SPLIT} for run in members]
    if settings[0] != settings[1]:
        raise RnncoreError(
            f"{members[0].name!r} and {members[1].name!r} held out different validation reviews "
            f"({settings[0]} vs {settings[1]}): train them with the same seed, limit and validation fraction"
        )
    return settings[0]


def scores(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Mean cross-entropy and accuracy of log-odds against 0/1 labels."""
    y = np.asarray(labels, dtype=np.float64)
    return {
        "loss": float(np.mean(np.logaddexp(0.0, logits) - y * logits)),
        "accuracy": float(np.mean((logits >= 0) == (y >= 0.5))),
    }


def fit_blend(config: BlendConfig, members: list[RunInfo], on_event: EventHandler = ignore_event) -> BlendResult:
    """Weights chosen on validation, then validation and test figures of the blend and of each member."""
    split = shared_split(members)
    status = lambda message: on_event(TrainEvent("status", message))  # noqa: E731
    started = time.monotonic()
    imdb = load_imdb(status)
    rows = stratified_indices(imdb.train.labels, int(split["limit"] or 0), int(split["seed"]))
    val_rows, _ = split_by_movie(
        rows, imdb.train.movies, imdb.train.labels, float(split["validation_fraction"]), int(split["seed"])
    )
    scorers = [load_scorer(run) for run in members]
    blend = Blend(tuple(scorers), (1.0, 1.0), 0.0)
    status(f"Scoring {len(val_rows):,} validation reviews with both members …")
    val_logits = blend.member_log_odds([imdb.train.texts[row] for row in val_rows])
    val_labels = imdb.train.labels[val_rows]
    grid = np.linspace(0.0, 1.0, config.weight_steps + 1)
    losses = [scores(w * val_logits[0] + (1 - w) * val_logits[1], val_labels)["loss"] for w in grid]
    w = float(grid[int(np.argmin(losses))])
    status(f"Scoring {len(imdb.test.texts):,} test reviews with both members …")
    test_logits = blend.member_log_odds(list(imdb.test.texts))
    test_labels = imdb.test.labels

    def measured(val: np.ndarray, test: np.ndarray) -> dict[str, float]:
        validation = scores(val, val_labels)
        return {"val_loss": validation["loss"], "val_accuracy": validation["accuracy"], **scores(test, test_labels)}

    metrics = measured(w * val_logits[0] + (1 - w) * val_logits[1], w * test_logits[0] + (1 - w) * test_logits[1])
    metrics["n"] = len(test_labels)
    by_member = {run.name: measured(val_logits[i], test_logits[i]) for i, run in enumerate(members)}
    return BlendResult((w, 1.0 - w), metrics, by_member, time.monotonic() - started)
