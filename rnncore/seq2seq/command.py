"""`python -m rnncore seq2seq TASK …`: train an encoder–decoder live within a time budget; progress on stderr,
the last stdout line a JSON summary."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from rnncore.errors import RnncoreError
from rnncore.events import StopCheck, TrainEvent
from rnncore.seq2seq.config import SEQ2SEQ_TASKS, Seq2seqConfig
from rnncore.settings import add_flags, from_flags


def add_parser(commands: Any) -> None:
    """Register `seq2seq` with the task as its argument and the other flags derived from Seq2seqConfig."""
    parser = commands.add_parser("seq2seq", help="encoder–decoder with optional attention, trained live")
    task = next(item for item in fields(Seq2seqConfig) if item.name == "task")
    parser.add_argument("task", choices=SEQ2SEQ_TASKS, help=task.metadata["help"])
    add_flags(parser, Seq2seqConfig, skip=("task",))


def show(event: TrainEvent) -> None:
    """One stderr line per report or status message."""
    if event.kind == "epoch":
        metrics = event.metrics
        print(
            f"round {event.epoch}: exact match {metrics['exact_match']:.3f}, per-character accuracy "
            f"{metrics['char_accuracy']:.3f}, loss {metrics['loss']:.4f} ({metrics['seconds']:.1f} s)",
            file=sys.stderr,
        )
    elif event.kind == "status":
        print(event.message, file=sys.stderr)


def run(args: argparse.Namespace, should_stop: StopCheck, emit: Callable[[dict[str, Any]], None]) -> int:
    """Train and emit the JSON summary (bad settings: RnncoreError, before TensorFlow is imported)."""
    try:
        config = from_flags(Seq2seqConfig, args)
    except ValueError as error:
        raise RnncoreError(str(error)) from error
    from rnncore.training.seq2seq import train_seq2seq

    result = train_seq2seq(config, on_event=show, should_stop=should_stop)
    last = result.curve[-1]
    emit(
        {
            **config.to_dict(),
            "exact_match": result.exact_match,
            "char_accuracy": result.char_accuracy,
            "seconds": round(result.seconds, 2),
            "train_seconds": round(last["train_seconds"], 2),
            "compile_seconds": round(result.compile_seconds, 2),
            "rounds_done": last["round"],
            "batches": last["batches"],
            "heldout": result.heldout_count,
            "heldout_seen_in_training": result.seen_fraction,
            "cancelled": result.cancelled,
            "curve": [
                {key: (round(value, 4) if isinstance(value, float) else value) for key, value in point.items()}
                for point in result.curve
            ],
            "examples": result.examples,
        }
    )
    return 0
