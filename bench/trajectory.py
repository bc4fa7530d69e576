"""Benchmark 2: the probability after every word — Predictor.trajectory (one pass for forward-only models)
vs one Predictor.predict per prefix, and vs a single prediction of the whole review."""

from __future__ import annotations

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
    time_calls,
    times,
    verdict,
)

WORDS = 250
TARGET_RATIO = 2.0


def measure(run: Any, words: int = WORDS, repeats: int = 50, prefix_rounds: int = 2) -> dict:
    """Trajectory vs single prediction (same text) vs predicting every prefix separately."""
    from rnncore.inference.predict import Predictor

    predictor = Predictor(run)
    text = review_text(tuple(run.vocabulary.words), words, seed=words)
    single = stats_ms(time_calls(lambda: predictor.predict(text), repeats, warmup=3))
    trajectory = stats_ms(time_calls(lambda: predictor.trajectory(text), repeats, warmup=3))
    tokens, _ = predictor.trajectory(text)
    prefixes = [" ".join(t.text for t in tokens[: n + 1]) for n in range(len(tokens))]
    rounds = []
    for _ in range(prefix_rounds):  # one round is hundreds of predictions: a few rounds suffice
        started = time.perf_counter()
        for prefix in prefixes:
            predictor.predict(prefix)
        rounds.append(time.perf_counter() - started)
    per_prefix = stats_ms(rounds)
    return {
        "words": words,
        "steps": len(tokens),
        "bidirectional": run.config.bidirectional,
        "single": single,
        "trajectory": trajectory,
        "prefixes": per_prefix,
        "trajectory_ratio": ratio(trajectory["p50_ms"], single["p50_ms"]),
        "trajectory_ratio_p95": ratio(trajectory["p95_ms"], single["p95_ms"]),
        "trajectory_vs_prefixes_speedup": ratio(per_prefix["p50_ms"], trajectory["p50_ms"]),
    }


def run(settings: Settings) -> Section:
    """Measure the picked models; flat keys come from the unidirectional one (the target applies there)."""
    section = Section("trajectory")
    runs = pick_sentiment_runs(settings.store, settings.models)
    if not runs:
        section.rows.append(Row("trajectory", "no sentiment model", status="SKIP"))
        return section
    repeats, rounds = (15, 1) if settings.quick else (60, 3)
    reported = []
    for info in runs:
        settings.log(f"trajectory: {info.name}")
        # A bidirectional trajectory re-reads every prefix (O(T²), ~1 s) and has no target: fewer repeats.
        bi_repeats = max(3, repeats // 3) if info.config.bidirectional else repeats
        result = measure(settings.load(info), WORDS, bi_repeats, rounds)
        section.details[info.name] = {"model": describe_run(info), **result}
        uni = not result["bidirectional"]
        tr, single = result["trajectory"], result["single"]
        section.rows.append(
            Row(
                f"trajectory {WORDS} words — {info.name}",
                f"{ms(tr['p50_ms'])} / {ms(tr['p95_ms'])}",
                f"1 predict: {ms(single['p50_ms'])} / {ms(single['p95_ms'])}",
                f"{times(result['trajectory_ratio'])} / {times(result['trajectory_ratio_p95'])} one prediction",
                f"≤ {TARGET_RATIO:g}× one prediction" if uni else "(bidirectional: no target)",
                verdict(result["trajectory_ratio"] <= TARGET_RATIO) if uni else "INFO",
                f"{result['steps']} prefixes one by one: {ms(result['prefixes']['p50_ms'])} "
                f"({times(result['trajectory_vs_prefixes_speedup'])} slower than trajectory)",
            )
        )
        reported.append((uni, info.name, result))
    uni, name, result = max(reported, key=lambda item: item[0])  # first forward-only model, else the first
    section.metrics.update(
        trajectory_model=name,
        trajectory_ratio=result["trajectory_ratio"],
        trajectory_p95_ms=result["trajectory"]["p95_ms"],
        trajectory_vs_prefixes_speedup=result["trajectory_vs_prefixes_speedup"],
    )
    return section
