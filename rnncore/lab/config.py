"""One frozen, validated configuration per Sequence Lab run."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from rnncore.lab.tasks import TASKS

LAB_TASKS = ("memory", "adding", "parity", "sine", "randomwalk", "chars")
LAB_CELLS = ("simplernn", "lstm", "gru")
# Lab runs one warm worker process runs at once, in threads (the server's RNNCORE_LAB_RUNS_PER_WORKER): a class
# pressing Train together shares one TensorFlow process (~580 MB) instead of queueing for it; each run keeps its
# wall-clock budget and trains fewer rounds when the server is busy (bench/lab.py measures both).
RUNS_PER_WORKER = 10


@dataclass(frozen=True)
class LabConfig:
    """What a student chose: the task and its difficulty, the cells to compare and how they train.
    The cells train interleaved (one round each, in turn) and share `time_budget`."""

    task: str = "memory"
    cells: tuple[str, ...] = LAB_CELLS
    length: int = 20  # sequence length: the difficulty; each task has its own range (rnncore.lab.tasks.TASKS)
    units: int = 16
    learning_rate: float = 0.01
    epochs: int = 40  # rounds per cell (a round is a few batches); the time budget may end a run first
    seed: int = 0
    time_budget: float = 15.0  # seconds for the whole run, all cells together

    def __post_init__(self) -> None:
        if self.task not in LAB_TASKS:
            raise ValueError(f"task must be one of {', '.join(LAB_TASKS)}; got {self.task!r}")
        cells = tuple(self.cells) if isinstance(self.cells, (list, tuple)) else (self.cells,)
        object.__setattr__(self, "cells", cells)
        if not 1 <= len(cells) <= 3 or len(set(cells)) != len(cells):
            raise ValueError(f"choose one to three different cells; got {', '.join(map(str, cells)) or 'none'}")
        for cell in cells:
            if cell not in LAB_CELLS:
                raise ValueError(f"cell must be one of {', '.join(LAB_CELLS)}; got {cell!r}")
        task = TASKS[self.task]
        self._whole("length", task.min_length, task.max_length, f" for {self.task}")
        self._whole("units", 1, 128)
        self._whole("epochs", 1, 500)
        self._whole("seed", 0, 2**31 - 1)
        self._number("learning_rate")
        self._number("time_budget")
        if not 0.0 < self.learning_rate <= 1.0:
            raise ValueError(f"learning_rate must be more than 0 and at most 1; got {self.learning_rate!r}")
        if not 0.0 < self.time_budget <= 300.0:
            raise ValueError(f"time_budget must be more than 0 and at most 300 seconds; got {self.time_budget!r}")

    def _whole(self, name: str, low: int, high: int, where: str = "") -> None:
        """Check a whole-number setting (NumPy integers welcome, stored as int)."""
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
            raise ValueError(f"{name}{where} must be a whole number between {low} and {high}; got {value!r}")
        object.__setattr__(self, name, int(value))

    def _number(self, name: str) -> None:
        """Check a real-number setting (stored as float; NaN fails the range checks that follow)."""
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a number; got {value!r}")
        object.__setattr__(self, name, float(value))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        values = asdict(self)
        values["cells"] = list(self.cells)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LabConfig:
        """Build from a dict, ignoring unknown keys."""
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})
