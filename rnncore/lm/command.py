"""`python -m rnncore train lm …`: pretrain (or resume) the word-level language model on IMDB's text."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnncore.errors import RnncoreError
from rnncore.events import StopCheck, TrainEvent
from rnncore.lm.config import LanguageModelConfig
from rnncore.run_folder import new_folder
from rnncore.settings import add_flags, from_flags


def add_parser(tasks: Any) -> None:
    """Register `train lm` with flags derived from LanguageModelConfig."""
    parser = tasks.add_parser("lm", help="word-level LSTM language model on IMDB train + unlabelled reviews")
    add_flags(parser, LanguageModelConfig)
    parser.add_argument("--name", default="imdb-lm", help="checkpoint name in the cache (default imdb-lm)")
    parser.add_argument("--resume", action="store_true", help="continue the named run from its last checkpoint")
    parser.add_argument("--out", help="folder to save the finished model in (default: class store, auto-named)")
    parser.add_argument("--max-minutes", type=float, default=0, help="stop after this long (a checkpoint is kept)")


def run(
    args: argparse.Namespace,
    printer: Callable[[TrainEvent], None],
    stop_requests: Callable[[float], StopCheck],
    default_store: Path,
    emit: Callable[[dict[str, Any]], None],
) -> int:
    """Train, save the model when all epochs are done, and emit a JSON summary."""
    try:
        config = from_flags(LanguageModelConfig, args)
    except ValueError as error:
        raise RnncoreError(str(error)) from error
    if args.max_minutes < 0:
        raise RnncoreError("--max-minutes must be 0 (no limit) or positive")
    out = new_folder(args.out, default_store, "wordlm")
    from rnncore.training.language_model import checkpoint_dir, pretrain

    result = pretrain(
        config, args.name, resume=args.resume, on_event=printer, should_stop=stop_requests(args.max_minutes)
    )
    state = result.state
    summary: dict[str, Any] = {
        "checkpoint": str(checkpoint_dir(args.name)),
        "finished": result.finished,
        "epochs_done": state.epoch,
        "step": state.step,
        "train_seconds": round(state.seconds, 1),
        "tokens_per_second": round(state.tokens / max(state.seconds, 1e-9), 1),
        "heldout_perplexity": state.history[-1]["heldout_perplexity"] if state.history else None,
    }
    if result.finished:
        from rnncore.lm.runs import save_language_model

        command = "python -m rnncore " + " ".join(shlex.quote(arg) for arg in args.argv)
        extra = {"history": state.history, "train_seconds": state.seconds, "command": command, "tokens": state.tokens}
        summary["path"] = str(save_language_model(out, config, result.weights, result.vocabulary_words, extra))
    else:
        print(f"not finished: continue with the same command plus --resume (name {args.name})", file=sys.stderr)
    emit(summary)
    return 0
