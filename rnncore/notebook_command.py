"""`python -m rnncore notebook RUN --out FILE.ipynb`: any run as a Jupyter notebook that reproduces it.

RUN is a saved IMDB run (a run folder, or a name from `python -m rnncore models`), or a JSON file holding the last
stdout line of `python -m rnncore lab …` or `python -m rnncore seq2seq …` (a Sequence Lab or Translate run), or a
notebook record saved from the app. The last stdout line is one JSON object: {"notebook", "kind", "cells"}."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnncore.errors import RnncoreError


def add_parser(commands: Any) -> None:
    """Register `notebook`."""
    parser = commands.add_parser("notebook", help="export a run as a Jupyter notebook that reproduces it")
    parser.add_argument(
        "run",
        metavar="RUN",
        help="a saved IMDB run (folder or name), or a JSON file: the last stdout line of `lab` or `seq2seq`",
    )
    parser.add_argument("--out", required=True, metavar="FILE.ipynb", help="where to write the notebook")


def notebook_for(reference: str) -> tuple[str, dict[str, Any]]:
    """(kind, notebook) of a run reference (see the module's docstring); RnncoreError when it is none of them."""
    path = Path(reference)
    if path.is_file() and path.suffix.lower() in (".json", ".jsonl", ".txt"):
        return _from_json(path)
    from rnncore.notebooks import run_notebook
    from rnncore.store import run_candidates

    runs = [run for run in run_candidates(reference) if not run.error]
    if not runs:
        raise RnncoreError(
            f"No run {reference!r}: give a run folder, a name from `python -m rnncore models`, or a JSON file with "
            "the last line `python -m rnncore lab` or `seq2seq` printed"
        )
    try:
        return "sentiment", run_notebook(runs[0].name, runs[0].info)
    except (ValueError, KeyError) as error:
        raise RnncoreError(f"{reference!r}: {error}") from error


def _from_json(path: Path) -> tuple[str, dict[str, Any]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        summary = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError as error:
        raise RnncoreError(f"{path}: the last line is not JSON ({error.msg})") from error
    if not isinstance(summary, dict):
        raise RnncoreError(f"{path}: expected a JSON object (the last line of `lab` or `seq2seq`)")
    try:
        if summary.get("kind") == "lab" or "metric_name" in summary:
            from rnncore.lab.notebook import lab_notebook, record_from_summary

            record = summary if summary.get("kind") == "lab" else record_from_summary(summary)
            return "lab", lab_notebook(record)
        if summary.get("kind") == "seq2seq" or "exact_match" in summary:
            from rnncore.seq2seq.notebook import record_from_summary, seq2seq_notebook

            record = summary if summary.get("kind") == "seq2seq" else record_from_summary(summary)
            return "seq2seq", seq2seq_notebook(record)
    except (KeyError, TypeError, ValueError) as error:
        raise RnncoreError(f"{path}: not a complete run ({type(error).__name__}: {error})") from error
    raise RnncoreError(f"{path}: neither a Sequence Lab nor a Translate run (no metric_name, no exact_match)")


def run(args: argparse.Namespace, emit: Callable[[dict[str, Any]], None]) -> int:
    """Write the notebook; bad input is an RnncoreError (exit status 2, one line)."""
    from rnncore.notebook_cells import as_bytes

    out = Path(args.out)
    if out.suffix.lower() != ".ipynb":
        raise RnncoreError(f"--out must name a .ipynb file; got {args.out!r}")
    kind, book = notebook_for(args.run)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(as_bytes(book))
    emit({"notebook": str(out), "kind": kind, "cells": len(book["cells"])})
    return 0
