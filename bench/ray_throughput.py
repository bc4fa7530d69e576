"""Training throughput, local worker pool vs Ray: `python -m bench.ray_throughput [--jobs 30] [--quick]
[--workers N]`. Submits N Quick-preset jobs at once (a class pressing Train together) to the warm local JobPool
and to a RayJobPool on a Ray cluster of this one machine, with the same number of workers, and times until the
last one finishes. On one machine Ray cannot be faster; the difference is its overhead (actor calls, event
polls, its own processes). Prints progress to stderr and one JSON line to stdout.

--quick: a tiny config (500 reviews, 1 epoch, maxlen 100) and 4 jobs: about a minute on 2 cores.
The IMDB caches are filled before any timing, so neither pool pays for building them."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

from bench.common import REPO_ROOT, Row, Section, Settings, ratio, verdict

QUICK_CONFIG = dict(limit=500, epochs=1, maxlen=100)  # --quick: the overhead, not the accuracy
QUICK_JOBS = 4
MAX_OVERHEAD = 1.10  # Ray on one machine may take at most 10 % longer than the local pool


def job_config(quick: bool) -> Any:
    """The Train page's Quick preset (reduced with --quick)."""
    from rnncore.config import RunConfig
    from rnncore.presets import QUICK

    return RunConfig(**{**QUICK, **(QUICK_CONFIG if quick else {})})


def make_pool(backend: str, workers: int) -> Any:
    """A warm pool with `workers` training workers: "local" (JobPool) or "ray" (RayJobPool, local cluster)."""
    if backend == "local":
        from rnncore.jobs.pool import JobPool

        return JobPool({"train": workers})
    from rnncore.jobs.ray_pool import RayJobPool

    return RayJobPool({"train": workers}, address="local", num_cpus=workers)


def measure(backend: str, jobs: int, workers: int, quick: bool, log=print) -> dict:
    """Warm a pool, submit `jobs` training jobs at once, wait for all; seconds per job and in total."""
    from rnncore.jobs.job import DONE
    from rnncore.jobs.requests import TRAIN_TASK, TrainingRequest

    config = job_config(quick)
    began = time.perf_counter()
    pool = make_pool(backend, workers)
    try:
        if not pool.wait_ready(300):
            raise RuntimeError(f"the {backend} workers did not start within 300 s")
        warm_up = time.perf_counter() - began
        log(f"{backend}: {workers} warm workers in {warm_up:.1f} s; submitting {jobs} jobs")
        with tempfile.TemporaryDirectory(prefix="rnncore-bench-store-") as store:
            submitted = time.time()
            handles = [
                pool.submit(TRAIN_TASK, TrainingRequest(config, None, store, f"{backend}-{n}"), label=f"job {n}")
                for n in range(jobs)
            ]
            for job in handles:
                job.wait()
            total = max(job.finished_at for job in handles) - submitted
    finally:
        pool.shutdown()
        if backend == "ray":
            import ray

            ray.shutdown()  # ends the local cluster this benchmark started
    failed = [f"{job.label}: {job.status} {job.error}" for job in handles if job.status != DONE]
    if failed:
        raise RuntimeError(f"{backend}: {len(failed)} job(s) did not finish: {failed[:3]}")
    seconds = [round(job.finished_at - job.started, 2) for job in handles]
    log(f"{backend}: {jobs} jobs in {total:.1f} s (median job {statistics.median(seconds):.1f} s)")
    return {
        "warm_up_s": round(warm_up, 2),
        "total_s": round(total, 2),
        "job_s": seconds,
        "median_job_s": round(statistics.median(seconds), 2),
        "jobs_per_hour": round(3600 * jobs / total, 1),
    }


def fill_caches(quick: bool) -> None:
    """Vectorise IMDB once for the config (the jobs then load the cached ids), untimed."""
    from rnncore.data.datasets import prepare_sentiment

    prepare_sentiment(job_config(quick))


def compare(jobs: int, workers: int, quick: bool, log=print) -> dict:
    """Both backends, one after the other (never at once: they would share the cores)."""
    fill_caches(quick)
    # Ray sets OMP_NUM_THREADS=1 in its workers (= their CPU count); local worker processes inherit the server's
    # environment, where OpenBLAS starts one thread per core: two workers on two cores then oversubscribe and
    # take twice as long. Give both the same setting, so the difference is Ray's overhead.
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = saved or "1"
    try:
        results = {backend: measure(backend, jobs, workers, quick, log) for backend in ("local", "ray")}
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS")
    return {
        "benchmark": "ray_throughput",
        "jobs": jobs,
        "workers": workers,
        "quick": quick,
        "omp_num_threads": saved or "1",
        "config": job_config(quick).to_dict(),
        **results,
        "ray_overhead": ratio(results["ray"]["total_s"], results["local"]["total_s"]),
    }


def run(settings: Settings) -> Section:
    """For `python -m bench`: the comparison as one table row (a few tiny jobs with --quick)."""
    section = Section("ray_throughput")
    try:
        import ray  # noqa: F401
    except ImportError:
        section.rows.append(Row("train: 30 jobs, Ray vs local pool", "Ray not installed", status="SKIP"))
        return section
    jobs = QUICK_JOBS if settings.quick else 30
    report = compare(jobs, os.cpu_count() or 1, settings.quick, settings.log)
    section.details.update(report)
    section.metrics.update(ray_overhead=report["ray_overhead"], ray_total_s=report["ray"]["total_s"])
    section.rows.append(
        Row(
            f"train: {jobs} jobs at once, Ray on this machine",
            f"{report['ray']['total_s']:.1f} s",
            f"{report['local']['total_s']:.1f} s local pool",
            f"{report['ray_overhead']:.2f}×",
            f"≤ {MAX_OVERHEAD:.2f}× the local pool",
            verdict(report["ray_overhead"] <= MAX_OVERHEAD),
            f"{report['workers']} workers each; median job {report['ray']['median_job_s']:.1f} s vs "
            f"{report['local']['median_job_s']:.1f} s" + (" (--quick: tiny config)" if settings.quick else ""),
        )
    )
    return section


def main(argv: list[str] | None = None) -> int:
    """Command line: run the comparison and print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.ray_throughput", description=__doc__)
    parser.add_argument("--jobs", type=int, default=None, help=f"jobs (default 30, {QUICK_JOBS} with --quick)")
    parser.add_argument("--quick", action="store_true", help="a tiny config: measures the overhead in ~1 min")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers per pool (default: cores)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    shared = (REPO_ROOT / ".." / "shared" / "data").resolve()
    if shared.is_dir():
        os.environ.setdefault("RNNCORE_DATA_DIR", str(shared))  # the real IMDB, when it sits beside the repo
    jobs = args.jobs or (QUICK_JOBS if args.quick else 30)
    report = compare(jobs, args.workers, args.quick, lambda message: print(f"[bench] {message}", file=sys.stderr))
    print(json.dumps(report, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
