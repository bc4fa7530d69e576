"""Benchmark 7: 30 sessions predicting at once — 30 threads sharing one Predictor, each on its own review —
alone, and while a real training job runs in the same process in a worker process (rnncore.jobs)."""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.common import (
    Row,
    Section,
    Settings,
    describe_run,
    ms,
    pick_sentiment_runs,
    ratio,
    review_text,
    stats_ms,
    verdict,
)

SESSIONS = 30
WORDS = 250
TARGET_P95_MS = 150.0
TARGET_TRAINING_P95_MS = 300.0
# A small real job: long enough (many epochs) to outlast the workload; it is cancelled afterwards.
TRAINING_JOB = dict(
    task="sentiment",
    cell="gru",
    units=32,
    embed_dim=32,
    vocab_size=10_000,
    maxlen=200,
    limit=2_000,
    epochs=100,
    batch_size=64,
    patience=0,
    seed=1,
)


def measure(predictor: Any, sessions: int = SESSIONS, iterations: int = 20, words: int = WORDS) -> dict:
    """Per-call latency of `sessions` threads each calling predictor.predict `iterations` times."""
    vocabulary = tuple(predictor.vocabulary.words)
    texts = [review_text(vocabulary, words, seed=1_000 + n) for n in range(sessions)]
    samples: list[list[float]] = [[] for _ in range(sessions)]
    start = threading.Barrier(sessions + 1)

    def session(n: int) -> None:
        start.wait()
        for _ in range(iterations):
            began = time.perf_counter()
            predictor.predict(texts[n])
            samples[n].append(time.perf_counter() - began)

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(sessions)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    result = stats_ms([s for per_session in samples for s in per_session])
    return {**result, "sessions": sessions, "iterations": iterations, "predictions_per_s": round(result["n"] / wall, 1)}


def _start_training(settings: Settings):
    """Submit the training job and wait until batches are running (data loading excluded)."""
    from rnncore.config import RunConfig
    from rnncore.jobs import JobPool
    from rnncore.jobs.requests import TRAIN_TASK, TrainingRequest

    worker = JobPool({"train": 1})  # a worker process, as on the server
    config = RunConfig(**TRAINING_JOB)
    job = worker.submit(TRAIN_TASK, TrainingRequest(config), owner="bench", label="bench load", config=config)
    deadline = time.monotonic() + 300
    while job.last_event("batch") is None and not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
    return worker, job


def run(settings: Settings) -> Section:
    """Both workloads on the best bidirectional model when there is one (the costliest), else the first."""
    section = Section("concurrency")
    runs = pick_sentiment_runs(settings.store, settings.models)
    if not runs:
        section.rows.append(Row("30 concurrent sessions", "no sentiment model", status="SKIP"))
        return section
    from rnncore.inference.predict import Predictor

    info = next((r for r in runs if r.config.bidirectional), runs[0])
    predictor = Predictor(settings.load(info))
    measure(predictor, SESSIONS, 1)  # untimed round: thread start-up and first allocations are not the workload
    iterations = 5 if settings.quick else 20
    settings.log(f"concurrency: {SESSIONS} threads x {iterations} on {info.name}")
    idle = measure(predictor, SESSIONS, iterations)
    settings.log("concurrency: starting a training job in this process")
    worker, job = _start_training(settings)
    loaded = None
    if job.status == "running":
        loaded = measure(predictor, SESSIONS, iterations)
        batch = job.last_event("batch")
        loaded["training_examples_per_s"] = round(batch.examples_per_second, 1) if batch else None
    job.cancel()
    job.wait(120)
    worker.shutdown()
    section.details.update(model=describe_run(info), idle=idle, training=loaded, training_job=TRAINING_JOB)
    section.rows.append(
        Row(
            f"{SESSIONS} concurrent sessions — {info.name}",
            f"{ms(idle['p50_ms'])} / {ms(idle['p95_ms'])}",
            "",
            "",
            f"p95 ≤ {TARGET_P95_MS:g} ms",
            verdict(idle["p95_ms"] <= TARGET_P95_MS),
            f"{iterations} predictions each, {WORDS} words; {idle['predictions_per_s']:,.0f} predictions/s",
        )
    )
    if loaded is None:
        section.rows.append(Row("… while training", "training job did not start", "", "", "", "SKIP", job.error[:120]))
    else:
        section.rows.append(
            Row(
                f"… while a training job runs — {info.name}",
                f"{ms(loaded['p50_ms'])} / {ms(loaded['p95_ms'])}",
                f"idle: {ms(idle['p50_ms'])} / {ms(idle['p95_ms'])}",
                f"{ratio(loaded['p95_ms'], idle['p95_ms'])}× idle p95",
                f"p95 ≤ {TARGET_TRAINING_P95_MS:g} ms",
                verdict(loaded["p95_ms"] <= TARGET_TRAINING_P95_MS),
                f"GRU-32 job on {TRAINING_JOB['limit']:,} reviews in a worker process",
            )
        )
    section.metrics.update(
        concurrent_model=info.name,
        concurrent_p50_ms=idle["p50_ms"],
        concurrent_p95_ms=idle["p95_ms"],
        concurrent_training_p50_ms=loaded["p50_ms"] if loaded else None,
        concurrent_training_p95_ms=loaded["p95_ms"] if loaded else None,
    )
    return section
