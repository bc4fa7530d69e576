"""`python -m rnncore blend --first A --second B --out F`: blend two saved sentiment models (NumPy only; about two
minutes for an LSTM 256 on IMDB's validation and test reviews)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnncore.blend.config import BlendConfig
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.run_folder import new_folder, write_run_folder
from rnncore.settings import add_flags, from_flags


def add_parser(commands: Any) -> None:
    """Register `blend` with flags derived from BlendConfig."""
    parser = commands.add_parser("blend", help="add two sentiment models' log-odds, weights chosen on validation")
    add_flags(parser, BlendConfig)
    parser.add_argument("--out", help="folder to save the blend in (default: class store, auto-named)")


def run(
    args: argparse.Namespace,
    printer: Callable[[TrainEvent], None],
    default_store: Path,
    find_run: Callable[[str], Any],  # a usable run by name or folder; RnncoreError for a missing or broken one
    emit: Callable[[dict[str, Any]], None],
) -> int:
    """Fit, save and emit the metrics as JSON."""
    try:
        config = from_flags(BlendConfig, args)
    except ValueError as error:
        raise RnncoreError(str(error)) from error
    out = new_folder(args.out, default_store, "blend")
    members = [find_run(config.first), find_run(config.second)]
    for member in members:
        if member.kind not in ("sentiment", "bagofwords"):
            raise RnncoreError(f"{member.name!r} is a {member.kind} model: a blend's members score reviews")
    from rnncore.blend.fit import fit_blend
    from rnncore.blend.model import save_blend_weights

    result = fit_blend(config, members, printer)
    info = {
        "config": config.to_dict(),
        "vocabulary": {"type": "words", "size": 0},
        "metrics": result.metrics,
        "members": result.members,
        "member_weights": list(result.weights),
        "parameters": len(result.weights),
        "train_seconds": result.seconds,
        "command": "python -m rnncore " + " ".join(shlex.quote(arg) for arg in args.argv),
    }
    path = write_run_folder(out, info, (), lambda temp: save_blend_weights(temp, result.weights, 0.0))
    emit({"path": str(path), "weights": list(result.weights), **result.metrics})
    return 0
