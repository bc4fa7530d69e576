"""One frozen, validated configuration per seq2seq run, declared once (rnncore.settings): the checks and the
CLI flags are derived from these fields."""

from __future__ import annotations

from dataclasses import dataclass

from rnncore.seq2seq.tasks import TASKS
from rnncore.settings import SettingsDict, check_settings, setting

SEQ2SEQ_TASKS = tuple(TASKS)
SEQ2SEQ_CELLS = ("simplernn", "lstm", "gru")
ON_OFF = ("on", "off")
LENGTH_HELP = "; ".join(
    f"{task.name}: {task.length_means} ({task.min_length}–{task.max_length})" for task in TASKS.values()
)


@dataclass(frozen=True)
class Seq2seqConfig(SettingsDict):
    """What a student chose: the task and its difficulty, the encoder–decoder and how long it trains."""

    task: str = setting("dates", "what to translate", choices=SEQ2SEQ_TASKS)
    cell: str = setting("lstm", "recurrent cell of the encoder and of the decoder", choices=SEQ2SEQ_CELLS)
    attention: str = setting("on", "dot-product (Luong) attention over the encoder's outputs", choices=ON_OFF)
    length: int = setting(0, f"difficulty, 0 = the task's default; {LENGTH_HELP}", 0, 40)
    units: int = setting(64, "units of the encoder and of the decoder", 2, 512)
    embed_dim: int = setting(32, "character embedding size", 2, 256)
    learning_rate: float = setting(0.01, "Adam's learning rate (gradients clipped to norm 1)", 1e-5, 1.0)
    rounds: int = setting(
        10_000, "most rounds (a few batches, then a held-out score); the budget ends most runs", 1, 1_000_000
    )
    batch_size: int = setting(64, "examples per batch", 1, 1024)
    time_budget: float = setting(
        20.0, "seconds for the whole run (its examples, model and the first trace of its step included)", 0.1, 600.0
    )
    seed: int = setting(0, "random seed: the same examples, starting weights and batches", 0, 2**31 - 1)

    def __post_init__(self) -> None:
        check_settings(self)
        task = TASKS[self.task]
        if self.length == 0:
            object.__setattr__(self, "length", task.default_length)
        if not task.min_length <= self.length <= task.max_length:
            raise ValueError(
                f"length for {self.task} ({task.length_means}) must be from {task.min_length} to "
                f"{task.max_length}; got {self.length}"
            )

    @property
    def uses_attention(self) -> bool:
        """Whether the decoder attends over the encoder's outputs."""
        return self.attention == "on"
