"""One frozen, validated configuration per Sequence Lab run, declared once (rnncore.settings): the checks, the
CLI flags and the page's widgets are derived from these fields."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from rnncore.lab.tasks import TASKS
from rnncore.settings import SettingsDict, check_settings, setting

LAB_TASKS = ("memory", "adding", "parity", "sine", "randomwalk", "chars")
LAB_CELLS = ("simplernn", "lstm", "gru")
# Lab runs one warm worker process runs at once, in threads (the server's RNNCORE_LAB_RUNS_PER_WORKER): a class
# pressing Train together shares one TensorFlow process (~580 MB) instead of queueing for it; each run keeps its
# wall-clock budget and trains fewer rounds when the server is busy (bench/lab.py measures both).
RUNS_PER_WORKER = 20  # ten Translate students comparing attention on and off: twenty runs (BENCHMARKS.md)
LENGTH_HELP = "; ".join(f"{name} {TASKS[name].min_length}–{TASKS[name].max_length}" for name in LAB_TASKS)


@dataclass(frozen=True)
class LabConfig(SettingsDict):
    """What a student chose: the task and its difficulty, the cells to compare and how they train.
    The cells train interleaved (one round each, in turn) and share `time_budget`."""

    task: str = setting("memory", "the toy sequence task", choices=LAB_TASKS)
    cells: tuple[str, ...] = setting(
        LAB_CELLS, "one to three cells, trained side by side", choices=LAB_CELLS, flags=("--cell",), metavar="CELL"
    )
    # the difficulty; each task has its own range (rnncore.lab.tasks.TASKS), so it is checked below
    length: int = setting(0, f"sequence length, the difficulty; 0 = the task's default ({LENGTH_HELP})")
    units: int = setting(16, "units of each cell", 1, 128)
    learning_rate: float = setting(0.01, "Adam's learning rate", 0.0, 1.0, low_open=True)
    epochs: int = setting(40, "rounds per cell (a round is a few batches); the time budget may end a run first", 1, 500)
    seed: int = setting(0, "random seed: the same data and the same start", 0, 9999)
    time_budget: float = setting(
        15.0,
        "seconds for the whole run, all cells together",
        0.0,
        300.0,
        low_open=True,
        unit="seconds",
        flags=("--budget",),
    )

    def __post_init__(self) -> None:
        cells = tuple(self.cells) if isinstance(self.cells, (list, tuple)) else (self.cells,)
        object.__setattr__(self, "cells", cells)
        if self.task not in LAB_TASKS:
            raise ValueError(f"task must be one of {', '.join(LAB_TASKS)}; got {self.task!r}")
        if not 1 <= len(cells) <= 3 or len(set(cells)) != len(cells):
            raise ValueError(f"choose one to three different cells; got {', '.join(map(str, cells)) or 'none'}")
        for cell in cells:
            if cell not in LAB_CELLS:
                raise ValueError(f"cell must be one of {', '.join(LAB_CELLS)}; got {cell!r}")
        check_settings(self, skip=("length",))
        task = TASKS[self.task]
        if isinstance(self.length, numbers.Integral) and not isinstance(self.length, bool) and self.length == 0:
            object.__setattr__(self, "length", task.default_length)
        low, high = task.min_length, task.max_length
        value = self.length
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
            raise ValueError(f"length for {self.task} must be a whole number between {low} and {high}; got {value!r}")
        object.__setattr__(self, "length", int(value))
