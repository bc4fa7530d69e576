"""Benchmark: the word language model — pretraining speed (tokens/s over a short run of the default settings on
IMDB's real text, in a fresh checkpoint folder) and the held-out perplexity recorded by the shipped one."""

from __future__ import annotations

import os
import shutil
import time

from bench.common import Row, Section, Settings, usable_runs

STEPS, QUICK_STEPS = 120, 40
SETTINGS: dict = {"epochs": 1}  # the default model otherwise (LanguageModelConfig)
TARGET_TOKENS_PER_S = 10_000  # one epoch (~17.6 M tokens) within ~30 min on this 2-core machine


def run(settings: Settings) -> Section:
    """Times a short pretraining run; reports each listed language model's perplexity from its run.json."""
    from rnncore.errors import RnncoreError
    from rnncore.lm.config import LanguageModelConfig
    from rnncore.training.language_model import checkpoint_dir, pretrain

    section = Section("language_model")
    steps = QUICK_STEPS if settings.quick else STEPS
    done = {"n": 0}

    def stop() -> bool:
        done["n"] += 1
        return done["n"] > steps

    name = f"bench-{os.getpid()}"
    try:
        started = time.perf_counter()
        result = pretrain(LanguageModelConfig(**SETTINGS), name, should_stop=stop)
        seconds = time.perf_counter() - started
    except RnncoreError as error:  # no IMDB data here
        section.rows.append(Row("language-model pretraining", f"skipped: {error}", status="SKIP"))
        return section
    finally:
        shutil.rmtree(checkpoint_dir(name), ignore_errors=True)  # a timing run keeps no checkpoint
    speed = result.state.tokens / max(result.state.seconds, 1e-9)
    section.rows.append(
        Row(
            "language-model pretraining speed",
            f"{speed:,.0f} tokens/s",
            target=f"≥ {TARGET_TOKENS_PER_S:,} tokens/s",
            status="PASS" if speed >= TARGET_TOKENS_PER_S else "MISS",
            note=f"LSTM 256, embed 128, vocab 20,000, sampled softmax 1,024, batch 64 × 70 steps; {steps} steps "
            f"({seconds:.0f} s with data loading)",
        )
    )
    section.metrics["language_model_tokens_per_s"] = round(speed, 1)
    for info in usable_runs(settings.store, "wordlm"):
        history = info.info.get("history", [])
        if history:
            perplexity = history[-1]["heldout_perplexity"]
            section.rows.append(
                Row(
                    f"held-out perplexity — {info.name}",
                    f"{perplexity:.1f}",
                    status="INFO",
                    note=f"{len(history)} epochs, {info.info.get('train_seconds', 0) / 60:.0f} min of training",
                )
            )
            section.metrics[f"{info.name}_heldout_perplexity"] = round(perplexity, 2)
    return section
