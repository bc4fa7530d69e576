"""Measure Translate: which encoder–decoder (cell × attention) rewrites which task at which length within the
page's time budget.

Runs each setting of a small grid as the page does (64 units, learning rate 0.01, a 20-second training budget),
for every cell, with attention on and off, for a few seeds; prints a summary (exact match per cell, seed by seed)
and every run, and writes both to docs/translate_table.md, which the page shows. Takes about 25 minutes:

    nice python scripts/translate_table.py                  # the default grid, seeds 0 and 1
    python scripts/translate_table.py --seeds 0 --grid reverse:10 --cells gru --budget 3 --out /tmp/table.md
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
from rnncore.seq2seq.config import ON_OFF, SEQ2SEQ_CELLS, Seq2seqConfig  # noqa: E402
from rnncore.seq2seq.tasks import TASKS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRID = ("dates:8", "reverse:10", "reverse:30", "numbers:6")
RUN_HEADER = [
    "| task | length | attention | cell | exact match | per character | seconds | batches | seed |",
    "|---|---:|---|---|---:|---:|---:|---:|---:|",
]


def measure(task: str, length: int, cell: str, attention: str, seed: int, budget: float) -> dict:
    """One run with the page's defaults for this task, length, cell, attention and seed."""
    from rnncore.training.seq2seq import train_seq2seq

    config = Seq2seqConfig(task=task, length=length, cell=cell, attention=attention, seed=seed, time_budget=budget)
    result = train_seq2seq(config)
    return {
        "task": task,
        "length": length,
        "attention": attention,
        "cell": cell,
        "seed": seed,
        "exact_match": result.exact_match,
        "char_accuracy": result.char_accuracy,
        "seconds": result.seconds,
        "batches": result.curve[-1]["batches"],
    }


def run_row(run: dict) -> str:
    """One markdown row per run."""
    return (
        f"| {run['task']} | {run['length']} | {run['attention']} | {CELL_CLASS[run['cell']]} | "
        f"{run['exact_match']:.3f} | {run['char_accuracy']:.3f} | {run['seconds']:.1f} | {run['batches']} | "
        f"{run['seed']} |"
    )


def summary(runs: list[dict], cells: list[str], seeds: list[int]) -> str:
    """Task × length × attention rows, one column per cell: exact match seed by seed ("0.98 / 1.00")."""
    lines = [
        "| task | length | attention | " + " | ".join(CELL_CLASS[cell] for cell in cells) + " |",
        "|---|---:|---|" + "---:|" * len(cells),
    ]
    settings = dict.fromkeys((run["task"], run["length"], run["attention"]) for run in runs)
    for task, length, attention in settings:
        figures = []
        for cell in cells:
            by_seed = {
                run["seed"]: run["exact_match"]
                for run in runs
                if (run["task"], run["length"], run["attention"], run["cell"]) == (task, length, attention, cell)
            }
            figures.append(" / ".join(f"{by_seed[seed]:.2f}" if seed in by_seed else "–" for seed in seeds))
        label = f"{task} ({TASKS[task].length_means})"
        lines.append(f"| {label} | {length} | {attention} | " + " | ".join(figures) + " |")
    return "\n".join(lines)


def preamble(seconds: float, seeds: list[int], budget: float, load: str) -> str:
    """How the numbers were made, so a reader can judge them."""
    defaults = Seq2seqConfig()
    return (
        f"Measured with `python scripts/translate_table.py` on {os.cpu_count()} shared CPU cores "
        f"({platform.machine()}), {time.strftime('%Y-%m-%d')}, in {seconds / 60:.0f} min (load average "
        f"{load}). Every run is one run of the page: an encoder–decoder of {defaults.units} units per cell, "
        f"embeddings of {defaults.embed_dim}, Adam at {defaults.learning_rate}, batches of {defaults.batch_size}, "
        f"a {budget:g}-second budget per run (building the model and tracing its step included). *Exact match*: "
        "greedy outputs equal to the target on 1,000 held-out inputs, never seen in training; seeds "
        f"{' / '.join(map(str, seeds))} side by side. One seed is one draw: compare seeds before trusting a "
        "difference.\n"
    )


def main(argv: list[str]) -> int:
    """Run the grid, print the tables, write them to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", nargs="+", default=GRID, help="task:length settings")
    parser.add_argument("--cells", nargs="+", default=list(SEQ2SEQ_CELLS), choices=SEQ2SEQ_CELLS)
    parser.add_argument("--attention", nargs="+", default=list(ON_OFF), choices=ON_OFF)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--budget", type=float, default=Seq2seqConfig().time_budget, help="training seconds")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "translate_table.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    runs = []
    for setting in args.grid:
        task, _, length = setting.partition(":")
        for attention in args.attention:
            for cell in args.cells:
                for seed in args.seeds:
                    runs.append(measure(task, int(length), cell, attention, seed, args.budget))
                    loads.append(os.getloadavg()[0])
                    print(run_row(runs[-1]), file=sys.stderr, flush=True)
    load = f"{min(loads):.1f}–{max(loads):.1f}"
    text = (
        preamble(time.perf_counter() - started, args.seeds, args.budget, load)
        + "\n"
        + summary(runs, args.cells, args.seeds)
        + "\n\nEvery run:\n\n"
        + "\n".join(RUN_HEADER + [run_row(run) for run in runs])
        + "\n"
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
