"""Measure the Sequence Lab: which cell learns which task at which length within the default time budget.

Runs each setting of a small grid as the page does (all three cells interleaved, default units, learning rate
and budget) for a few seeds, prints a markdown table and writes it to docs/lab_table.md, which the page shows.
Takes many minutes; run it niced in the background:

    nice python scripts/lab_table.py                  # the default grid, seeds 0 and 1
    nice python scripts/lab_table.py --seeds 0 --grid memory:10 adding:50 --out /tmp/table.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnncore.architecture import CELL_CLASS  # noqa: E402
from rnncore.lab.config import LabConfig  # noqa: E402
from rnncore.lab.results import LabResult  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRID = (
    "memory:10",
    "memory:20",
    "memory:50",
    "memory:100",
    "adding:50",
    "parity:4",
    "parity:5",
    "parity:10",
    "sine:50",
    "randomwalk:50",
    "chars:20",
)
HEADER = [
    "| task | length | cell | metric | baseline | seconds | seed | rounds |",
    "|---|---:|---|---:|---:|---:|---:|---:|",
]


def measure(task: str, length: int, seed: int) -> LabResult:
    """One run with the page's defaults: three cells, 16 units, learning rate 0.01, 15-second budget."""
    from rnncore.training.lab import run_lab

    return run_lab(LabConfig(task=task, length=length, seed=seed))


def rows(result: LabResult) -> list[str]:
    """One markdown row per cell."""
    config = result.config
    lines = []
    for cell, outcome in result.outcomes.items():
        lines.append(
            f"| {config.task} | {config.length} | {CELL_CLASS[cell]} | {result.metric_name} "
            f"{_number(outcome.metric, result.metric_name)} | {_number(result.baseline, result.metric_name)} "
            f"({result.baseline_name}) | {outcome.seconds:.1f} | {config.seed} | {outcome.curve[-1]['round']} |"
        )
    return lines


def _number(value: float, metric_name: str) -> str:
    return f"{value:.3f}" if metric_name == "accuracy" else f"{value:.4g}"  # MSE: four significant digits


def preamble(seconds: float) -> str:
    """How the numbers were made, so a reader can judge them."""
    defaults = LabConfig()
    return (
        f"Measured with `python scripts/lab_table.py` on {os.cpu_count()} shared CPU cores ({platform.machine()}, "
        f"TensorFlow on one thread), {time.strftime('%Y-%m-%d')}, in {seconds / 60:.0f} minutes. Every run trains "
        f"all three cells interleaved as the page does: {defaults.units} units, learning rate "
        f"{defaults.learning_rate}, at most {defaults.epochs} rounds, a {defaults.time_budget:.0f}-second budget "
        "for the whole run. *metric*: validation score after the last round; *seconds*: that cell's training "
        "time; *rounds*: rounds completed (fewer than the maximum: the budget ended the run). Accuracy: higher is "
        "better; MSE: lower is better. One seed is one draw: compare seeds before trusting a difference.\n"
    )


def main(argv: list[str]) -> int:
    """Run the grid, print the table, write it to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", nargs="+", default=GRID, help="task:length settings")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "lab_table.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lines = list(HEADER)
    for setting in args.grid:
        task, _, length = setting.partition(":")
        for seed in args.seeds:
            result = measure(task, int(length), seed)
            lines.extend(rows(result))
            print(f"{setting} seed {seed}: {result.seconds:.1f} s", file=sys.stderr, flush=True)
    table = preamble(time.perf_counter() - started) + "\n" + "\n".join(lines) + "\n"
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
