"""What a finished training run produced. Kept free of TensorFlow so the store and tools can use the type
without paying for importing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rnncore.config import RunConfig


@dataclass
class TrainResult:
    """What a finished run produced; `ModelStore.save` turns it into a saved run."""

    config: RunConfig
    model: Any  # keras.Model; None once the result has left the worker process
    vocabulary: Any  # Vocabulary (words) or CharVocabulary
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    train_seconds: float
    fingerprint: str
    stopped_early: bool = False
    cancelled: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    saved: Any = None  # the RunInfo, once a job saved the model into a store
