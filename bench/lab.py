"""Benchmark: `lab_seconds`, ten students pressing Train on the Sequence Lab at the same moment. The runs go
through the server's own job pool (lane "lab", warm worker processes) with the page's default settings;
seconds from submit to finished, p50 / p95, for the default lane size and for a larger one."""

from __future__ import annotations

import time

from bench.common import Row, Section, Settings, verdict
from rnncore.jobs.job import DONE
from rnncore.jobs.pool import JobPool
from rnncore.jobs.requests import LAB_TASK
from rnncore.lab.config import LabConfig

RUNS, QUICK_RUNS = 10, 3
TARGET_P95_SECONDS = 30.0
LANE_SIZES = (1, 5)


def measure(runs: int, workers: int) -> dict:
    """Submit `runs` default lab runs at once to a warm lab lane of `workers` processes."""
    pool = JobPool({"lab": workers})
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
        statuses = [job.status for job in jobs]
        metrics = [max(o.metric for o in job.result.outcomes.values()) for job in jobs if job.status == DONE]
    finally:
        pool.shutdown()
    ordered = sorted(finished)
    return {
        "runs": runs,
        "workers": workers,
        "seconds": [round(value, 1) for value in finished],
        "p50_seconds": round(ordered[len(ordered) // 2], 1),
        "p95_seconds": round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 1),
        "all_done": statuses.count(DONE) == runs,
        "best_cell_accuracy_mean": round(sum(metrics) / max(1, len(metrics)), 3),
    }


def run(settings: Settings) -> Section:
    """Both lane sizes; the row with the default lane carries the target."""
    section = Section("lab")
    runs = QUICK_RUNS if settings.quick else RUNS
    for workers in LANE_SIZES[:1] if settings.quick else LANE_SIZES:
        settings.log(f"lab: {runs} simultaneous runs, lab lane of {workers} worker process(es)")
        result = measure(runs, workers)
        section.details[f"workers_{workers}"] = result
        default = workers == LANE_SIZES[0]
        section.rows.append(
            Row(
                f"{runs} simultaneous Sequence Lab runs, lab lane of {workers}",
                f"p50 {result['p50_seconds']:.1f} s / p95 {result['p95_seconds']:.1f} s",
                "",
                "",
                f"p95 ≤ {TARGET_P95_SECONDS:g} s",
                verdict(result["p95_seconds"] <= TARGET_P95_SECONDS and result["all_done"]),
                f"RNNCORE_LAB_WORKERS={workers}; default memory task, 3 cells, 15 s budget each; best cell's "
                f"accuracy {result['best_cell_accuracy_mean']:.2f} on average",
            )
        )
        key = "lab_p95_seconds" if default else f"lab_p95_seconds_{workers}_workers"
        section.metrics[key] = result["p95_seconds"]
    return section
