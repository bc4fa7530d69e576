"""Benchmark: `lab_seconds`, ten students pressing Train on the Sequence Lab at the same moment. The runs go
through the server's own job pool (lane "lab", warm worker processes) with the page's default settings;
seconds from submit to finished, p50 / p95, for the server's default lab lane (one process running up to
RNNCORE_LAB_RUNS_PER_WORKER runs at once, in threads) and for the old one-run-per-process lane.

The budget is wall-clock (a run ends within ~15 s whatever the load), so on a busy server a run trains fewer
rounds: the rows also say how many rounds the cells trained and how accurate the best cell was, next to a run
alone on a quiet machine."""

from __future__ import annotations

import time

from bench.common import Row, Section, Settings, verdict
from rnncore.jobs.job import DONE
from rnncore.jobs.pool import JobPool
from rnncore.jobs.requests import LAB_TASK
from rnncore.lab.config import RUNS_PER_WORKER, LabConfig

RUNS, QUICK_RUNS = 10, 3
TARGET_P95_SECONDS = 30.0
LANES = ((1, RUNS_PER_WORKER), (1, 1))  # (processes, runs at once in each): the default first


def measure(runs: int, workers: int, slots: int) -> dict:
    """Submit `runs` default lab runs (seeds 0…runs-1) at once to a warm lab lane of `workers` processes with
    `slots` runs at once in each."""
    pool = JobPool({"lab": workers}, slots={"lab": slots})
    try:
        if not pool.wait_ready(180):
            raise RuntimeError("the lab workers did not start")
        started = time.perf_counter()
        configs = [LabConfig(seed=n) for n in range(runs)]
        jobs = [
            pool.submit(LAB_TASK, config, lane="lab", owner=f"student-{n}", config=config)
            for n, config in enumerate(configs)
        ]
        finished = []
        for job in jobs:
            job.wait(600)
            finished.append(time.perf_counter() - started)
        done = [job.result for job in jobs if job.status == DONE]
    finally:
        pool.shutdown()
    ordered = sorted(finished)
    outcomes = [outcome for result in done for outcome in result.outcomes.values()]
    return {
        "runs": runs,
        "workers": workers,
        "slots": slots,
        "seconds": [round(value, 1) for value in finished],
        "p50_seconds": round(ordered[len(ordered) // 2], 1),
        "p95_seconds": round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 1),
        "all_done": len(done) == runs,
        "mean_rounds_per_cell": round(sum(o.curve[-1]["round"] for o in outcomes) / max(1, len(outcomes)), 1),
        "best_cell_accuracy_mean": round(
            sum(max(o.metric for o in r.outcomes.values()) for r in done) / max(1, len(done)), 3
        ),
    }


def _describe(result: dict, alone: dict | None) -> str:
    text = (
        f"default memory task, 3 cells, 15 s budget; cells trained {result['mean_rounds_per_cell']:g} rounds on "
        f"average, best cell's accuracy {result['best_cell_accuracy_mean']:.2f}"
    )
    if alone:
        text += (
            f" (a run alone: {alone['mean_rounds_per_cell']:g} rounds, {alone['best_cell_accuracy_mean']:.2f},"
            f" {alone['p50_seconds']:.1f} s)"
        )
    return text


def run(settings: Settings) -> Section:
    """A run alone, then the simultaneous runs on each lane; the default lane's row carries the target."""
    section = Section("lab")
    runs = QUICK_RUNS if settings.quick else RUNS
    settings.log("lab: one run alone (the reference)")
    alone = measure(1, 1, 1)
    section.details["alone"] = alone
    for workers, slots in LANES[:1] if settings.quick else LANES:
        settings.log(f"lab: {runs} simultaneous runs, {workers} process(es) × {slots} run(s) at once")
        result = measure(runs, workers, slots)
        section.details[f"workers_{workers}_slots_{slots}"] = result
        default = (workers, slots) == LANES[0]
        section.rows.append(
            Row(
                f"{runs} simultaneous Sequence Lab runs, lab lane of {workers} process × {slots} at once",
                f"p50 {result['p50_seconds']:.1f} s / p95 {result['p95_seconds']:.1f} s",
                "",
                "",
                f"p95 ≤ {TARGET_P95_SECONDS:g} s",
                verdict(result["p95_seconds"] <= TARGET_P95_SECONDS and result["all_done"]),
                _describe(result, alone if default else None),
            )
        )
        key = "lab_p95_seconds" if default else f"lab_p95_seconds_{workers}x{slots}"
        section.metrics[key] = result["p95_seconds"]
    return section
