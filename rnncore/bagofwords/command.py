"""`python -m rnncore train bagofwords …`: fit the bag-of-words baseline (seconds, NumPy only)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnncore.bagofwords.config import BagOfWordsConfig
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.run_folder import new_folder
from rnncore.settings import add_flags, from_flags


def add_parser(tasks: Any) -> None:
    """Register `train bagofwords` with flags derived from BagOfWordsConfig."""
    parser = tasks.add_parser("bagofwords", help="bag-of-words logistic regression (order ignored), as a baseline")
    add_flags(parser, BagOfWordsConfig)
    parser.add_argument("--out", help="folder to save the model in (default: class store, auto-named)")


def run(
    args: argparse.Namespace,
    printer: Callable[[TrainEvent], None],
    default_store: Path,
    emit: Callable[[dict[str, Any]], None],
) -> int:
    """Train, save and emit the metrics as JSON."""
    try:
        config = from_flags(BagOfWordsConfig, args)
    except ValueError as error:
        raise RnncoreError(str(error)) from error
    out = new_folder(args.out, default_store, "bagofwords")
    from rnncore.training.bag_of_words import save_bag_of_words_run, train_bag_of_words

    result = train_bag_of_words(config, printer)
    command = "python -m rnncore " + " ".join(shlex.quote(arg) for arg in args.argv)
    path = save_bag_of_words_run(out, config, result, command)
    emit({"path": str(path), "train_seconds": round(result.train_seconds, 2), **result.metrics})
    return 0
