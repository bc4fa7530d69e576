"""Plain progress events that training emits through a callback; any UI (CLI bar, Streamlit page) renders them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainEvent:
    """One progress report.

    kind: "status" (a message), "batch" (after a training batch), "epoch" (after an epoch, with
    validation metrics; for a Sequence Lab run, after a round of one cell, named in `cell`), "sample" (generated
    text after an epoch of a char model), "done".
    """

    kind: str
    message: str = ""
    epoch: int = 0  # 1-based
    epochs: int = 0
    batch: int = 0  # 1-based within the epoch
    batches: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    examples_per_second: float = 0.0
    eta_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    cell: str = ""  # the cell a Sequence Lab event is about (simplernn | lstm | gru); "" for one-model training

    @property
    def progress(self) -> float:
        """Fraction of all training batches done, 0..1."""
        if not self.epochs or not self.batches:
            return 0.0
        return min(1.0, ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


EventHandler = Callable[[TrainEvent], None]
StopCheck = Callable[[], bool]


def ignore_event(event: TrainEvent) -> None:
    """Default handler: drop the event."""


def never_stop() -> bool:
    """Default stop check."""
    return False
