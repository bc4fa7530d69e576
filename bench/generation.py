"""Benchmark 3: generating 1,000 characters — the stateful CharSampler (one cell step per layer per char)
vs naively re-feeding the whole text through the Keras model for every new character."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench.common import Row, Section, Settings, describe_run, pick_char_run, ratio, times, verdict

LENGTH = 1_000
PRIME = "ROMEO:\n"
TARGET_CHARS_PER_S = 2_000


def measure(run: Any, keras_model: Any, length: int = LENGTH, repeats: int = 3, naive_steps: int = 100) -> dict:
    """Chars/s for `repeats` generations of `length` chars, and a naive estimate from `naive_steps` steps
    spread evenly over the same generation (so growing-context cost is averaged, not just the cheap start)."""
    from rnncore.inference.sample import CharSampler, softmax

    sampler = CharSampler(run)
    prime = PRIME if all(c in sampler.vocabulary.chars for c in PRIME) else sampler.vocabulary.chars[0]
    seconds, text = [], ""
    for seed in range(repeats):
        started = time.perf_counter()
        text = "".join(step.char for step in sampler.generate(prime, length, temperature=0.8, seed=seed))
        seconds.append(time.perf_counter() - started)
    rng = np.random.default_rng(0)
    positions = np.linspace(0, length - 1, num=min(naive_steps, length)).astype(int)
    contexts = [sampler.vocabulary.encode(prime + text[:p]) for p in positions]
    keras_model.predict(np.asarray(contexts[0])[None, :], verbose=0)  # build the predict function once
    started = time.perf_counter()
    for ids in contexts:
        logits = keras_model.predict(np.asarray(ids)[None, :], verbose=0)[0, -1]
        probabilities = softmax(logits, 0.8)
        rng.choice(len(probabilities), p=probabilities)
    naive_seconds = time.perf_counter() - started
    per_run = np.asarray(seconds)
    ours = length / float(np.median(per_run))
    naive = len(contexts) / naive_seconds
    return {
        "length": length,
        "repeats": repeats,
        "seconds_p50": round(float(np.median(per_run)), 4),
        "seconds_max": round(float(per_run.max()), 4),
        "chars_per_s": round(ours, 1),
        "chars_per_s_worst": round(length / float(per_run.max()), 1),
        "naive_steps": len(contexts),
        "naive_chars_per_s": round(naive, 2),
        "naive_seconds_for_length_estimate": round(length / naive, 1),
        "speedup": ratio(ours, naive),
    }


def run(settings: Settings) -> Section:
    """Measure the picked char model."""
    section = Section("generation")
    info = pick_char_run(settings.store, settings.char_model)
    if info is None:
        section.rows.append(Row("char generation", "no char model", status="SKIP"))
        return section
    settings.log(f"generation: {info.name}")
    result = measure(
        settings.load(info),
        settings.keras_model(info),
        LENGTH,
        2 if settings.quick else 5,
        30 if settings.quick else 100,
    )
    section.details[info.name] = {"model": describe_run(info), **result}
    section.rows.append(
        Row(
            f"generate {LENGTH:,} chars — {info.name}",
            f"{result['chars_per_s']:,.0f} chars/s (worst {result['chars_per_s_worst']:,.0f})",
            f"{result['naive_chars_per_s']:,.1f} chars/s",
            f"{times(result['speedup'])} faster",
            f"≥ {TARGET_CHARS_PER_S:,} chars/s",
            verdict(result["chars_per_s"] >= TARGET_CHARS_PER_S),
            f"{describe_run(info)}; naive = Keras predict on the whole text per char "
            f"({result['naive_steps']} steps sampled; ≈{result['naive_seconds_for_length_estimate']} s per {LENGTH:,})",
        )
    )
    section.metrics.update(
        generate_model=info.name,
        generate_chars_per_s=result["chars_per_s"],
        generate_naive_chars_per_s=result["naive_chars_per_s"],
        generate_speedup=result["speedup"],
    )
    return section
