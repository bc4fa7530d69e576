"""Benchmark 1: single-review prediction latency, Predictor.predict vs a naive `model.predict` per call."""

from __future__ import annotations

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

LENGTHS = (20, 250, 1_000)
TARGET_P95_MS = 5.0


def measure(
    run: Any, keras_model: Any, lengths: tuple[int, ...] = LENGTHS, repeats: int = 200, naive_repeats: int = 30
) -> dict:
    """Latency stats per review length for one LoadedRun: ours (NumPy Predictor) and naive Keras predict
    on the same ids padded to maxlen, as the model was trained."""
    from rnncore.data.text import pad_sequences
    from rnncore.inference.predict import Predictor

    predictor = Predictor(run)
    config = run.config
    result: dict[str, Any] = {}
    for length in lengths:
        text = review_text(tuple(run.vocabulary.words), length, seed=length)
        ids = [t.token_id for t in predictor.tokens(text) if not t.truncated]
        padded = pad_sequences([ids], config.maxlen, config.truncating, config.padding)
        ours = stats_ms(time_calls(lambda text=text: predictor.predict(text), repeats, warmup=3))
        naive = stats_ms(
            time_calls(lambda padded=padded: keras_model.predict(padded, verbose=0), naive_repeats, warmup=3)
        )
        result[str(length)] = {
            "words": length,
            "tokens_read": len(ids),
            "ours": ours,
            "naive": naive,
            "speedup_p50": ratio(naive["p50_ms"], ours["p50_ms"]),
            "speedup_p95": ratio(naive["p95_ms"], ours["p95_ms"]),
        }
    return result


def run(settings: Settings) -> Section:
    """Measure every picked sentiment model; the flat keys report the slowest model at 250 words."""
    section = Section("latency")
    runs = pick_sentiment_runs(settings.store, settings.models)
    if not runs:
        section.rows.append(Row("prediction latency", "no sentiment model", status="SKIP"))
        return section
    repeats, naive_repeats = (40, 10) if settings.quick else (300, 40)
    worst = None
    for info in runs:
        settings.log(f"latency: {info.name}")
        details = measure(settings.load(info), settings.keras_model(info), LENGTHS, repeats, naive_repeats)
        section.details[info.name] = {"model": describe_run(info), "lengths": details}
        for key, entry in details.items():
            ours, naive = entry["ours"], entry["naive"]
            ok = ours["p95_ms"] <= TARGET_P95_MS
            section.rows.append(
                Row(
                    f"predict {key} words — {info.name}",
                    f"{ms(ours['p50_ms'])} / {ms(ours['p95_ms'])}",
                    f"{ms(naive['p50_ms'])} / {ms(naive['p95_ms'])}",
                    f"{times(entry['speedup_p50'])} / {times(entry['speedup_p95'])} faster",
                    f"p95 ≤ {TARGET_P95_MS:g} ms" if key == "250" else "",
                    verdict(ok) if key == "250" else "INFO",
                    f"{describe_run(info)}; reads {entry['tokens_read']} tokens",
                )
            )
        mid = details["250"]
        if worst is None or mid["ours"]["p95_ms"] > worst[1]["ours"]["p95_ms"]:
            worst = (info.name, mid)
    name, mid = worst
    section.metrics.update(
        predict_model=name,
        predict_p50_ms=mid["ours"]["p50_ms"],
        predict_p95_ms=mid["ours"]["p95_ms"],
        predict_naive_p50_ms=mid["naive"]["p50_ms"],
        predict_naive_p95_ms=mid["naive"]["p95_ms"],
        predict_speedup_p95=mid["speedup_p95"],
    )
    return section
