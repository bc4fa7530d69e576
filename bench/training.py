"""Benchmark 4: training throughput, time and test accuracy — the Train page's "Quick" preset vs the seed
notebook's recipe (Embedding(10000, 32) + SimpleRNN(32), maxlen 500, rmsprop, batch 128, no masking) —
and one epoch of the shipped BiGRU's settings with length-grouped batches vs batches padded to maxlen."""

from __future__ import annotations

import dataclasses
from typing import Any

from bench.common import Row, Section, Settings, ratio, times, verdict

QUICK_MODE = dict(limit=3_000, epochs=1)  # --quick: a throughput check, not an accuracy measurement
QUICK_MODE_TEST_REVIEWS = 2_000
TARGET_LM_ACCURACY = 0.88  # the language-model preset: transfer learning should beat the Quick preset
TARGET_ACCURACY = 0.85
TARGET_SECONDS = 60.0


def presets() -> tuple[dict[str, Any], dict[str, Any], str]:
    """(Quick preset, seed-notebook recipe, where they came from): the shared recipes of rnncore.presets."""
    from rnncore.presets import QUICK, SEED_NOTEBOOK

    return dict(QUICK), dict(SEED_NOTEBOOK), "rnncore/presets.py"


def measure(recipe: dict[str, Any], quick: bool = False) -> dict:
    """Train one recipe on real IMDB through rnncore.training.train.train; time, examples/s and test accuracy."""
    import numpy as np

    from rnncore.config import RunConfig
    from rnncore.data.datasets import prepare_sentiment
    from rnncore.data.imdb import stratified_indices
    from rnncore.training.train import train

    config = RunConfig(**{**recipe, "seed": 1, **(QUICK_MODE if quick else {})})
    data = prepare_sentiment(config)
    if quick:  # evaluating all 25,000 test reviews would dominate a quick run
        rows = stratified_indices(data.y_test.astype(np.int8), QUICK_MODE_TEST_REVIEWS, 0)
        data = dataclasses.replace(
            data, x_test=data.x_test[rows], y_test=data.y_test[rows], test_texts=tuple(data.test_texts[i] for i in rows)
        )
    result = train(config, data)
    epochs_run = len(result.history)
    seconds = float(result.train_seconds)
    return {
        "config": config.to_dict(),
        "train_examples": int(len(data.x_train)),
        "test_examples": int(len(data.x_test)),
        "epochs_run": epochs_run,
        "train_seconds": round(seconds, 2),
        "examples_per_s": round(len(data.x_train) * epochs_run / seconds, 1) if seconds > 0 else 0.0,
        "test_accuracy": round(float(result.metrics.get("accuracy", 0.0)), 4),
        "history": result.history,
    }


def grouped_vs_padded(reviews: int) -> dict:
    """Seconds for one epoch of the shipped BiGRU's architecture on `reviews` IMDB training reviews, fed as
    length-grouped batches (what train() does) and as batches padded to maxlen (the usual way)."""
    import time

    from rnncore.config import RunConfig
    from rnncore.data.datasets import prepare_sentiment
    from rnncore.training.model import build_model
    from rnncore.training.review_batches import LengthGroupedBatches
    from rnncore.training.train import _loss_and_metrics

    config = RunConfig(
        cell="gru", units=64, bidirectional=True, pooling="max", vocab_size=15_000, maxlen=500, limit=reviews, seed=1
    )
    data = prepare_sentiment(config)
    seconds = {}
    grouped = LengthGroupedBatches(data.x_train, data.y_train, config.batch_size, config.padding, config.seed)
    feeds = {
        "padded": {"x": data.x_train, "y": data.y_train, "batch_size": config.batch_size},
        "grouped": {"x": grouped.as_dataset()},
    }
    for name, inputs in feeds.items():
        model = build_model(config, data.vocabulary.size)
        model.compile(optimizer="adam", **_loss_and_metrics(config))
        started = time.perf_counter()
        model.fit(**inputs, epochs=1, verbose=0)
        seconds[name] = round(time.perf_counter() - started, 2)
    return {"reviews": len(data.x_train), **seconds}


def language_model_rows(section: Section, settings: Settings, reduced: str) -> None:
    """The Train page's transfer-learning preset (LSTM 256 from the shipped word language model) beside the
    same network from random numbers, each measured like the Quick preset (skipped without imdb-lm)."""
    from rnncore.errors import RnncoreError
    from rnncore.presets import LANGUAGE_MODEL_SCRATCH, LANGUAGE_MODEL_START

    try:
        settings.log("training: language-model preset")
        start = measure(LANGUAGE_MODEL_START, settings.quick)
    except RnncoreError as error:  # no language model in this checkout
        section.rows.append(Row("train: language-model preset", f"skipped: {error}", status="SKIP"))
        return
    settings.log("training: the same network from scratch")
    scratch = measure(LANGUAGE_MODEL_SCRATCH, settings.quick)
    section.details.update(language_model_preset=start, language_model_scratch=scratch)
    section.rows.append(
        Row(
            "train: language-model preset vs the same LSTM from scratch",
            f"acc {start['test_accuracy']:.3f}, {start['train_seconds']:.1f} s",
            f"acc {scratch['test_accuracy']:.3f}, {scratch['train_seconds']:.1f} s",
            f"{(start['test_accuracy'] - scratch['test_accuracy']) * 100:+.1f} points",
            f"acc ≥ {TARGET_LM_ACCURACY} in ≤ {TARGET_SECONDS:g} s",
            "SKIP"
            if settings.quick
            else verdict(start["test_accuracy"] >= TARGET_LM_ACCURACY and start["train_seconds"] <= TARGET_SECONDS),
            reduced or "LSTM 256, embed 128, vocab 20,000, 10,000 reviews, maxlen 200, batch 128, 1 epoch",
        )
    )
    section.metrics.update(
        language_model_preset_test_accuracy=start["test_accuracy"],
        language_model_preset_train_seconds=start["train_seconds"],
        language_model_scratch_test_accuracy=scratch["test_accuracy"],
        language_model_scratch_train_seconds=scratch["train_seconds"],
    )


def run(settings: Settings) -> Section:
    """Quick preset vs seed recipe, side by side."""
    section = Section("training")
    preset, seed_recipe, source = presets()
    settings.log(f"training: Quick preset ({source})" + (" [--quick: reduced]" if settings.quick else ""))
    quick = measure(preset, settings.quick)
    settings.log("training: seed-notebook recipe" + (" [--quick: reduced]" if settings.quick else ""))
    seed = measure(seed_recipe, settings.quick)
    section.details.update(preset_source=source, quick_preset=quick, seed_recipe=seed, reduced=settings.quick)
    reduced = (
        f"--quick: limit {QUICK_MODE['limit']:,}, {QUICK_MODE['epochs']} epoch, "
        f"{QUICK_MODE_TEST_REVIEWS:,} test reviews: accuracy not comparable to the target"
        if settings.quick
        else ""
    )
    ok = quick["test_accuracy"] >= TARGET_ACCURACY and quick["train_seconds"] <= TARGET_SECONDS
    section.rows.append(
        Row(
            "train: Quick preset vs seed recipe",
            f"acc {quick['test_accuracy']:.3f}, {quick['train_seconds']:.1f} s, {quick['examples_per_s']:,.0f} ex/s",
            f"acc {seed['test_accuracy']:.3f}, {seed['train_seconds']:.1f} s, {seed['examples_per_s']:,.0f} ex/s",
            f"seed recipe takes {times(ratio(seed['train_seconds'], quick['train_seconds']))} as long",
            f"acc ≥ {TARGET_ACCURACY} in ≤ {TARGET_SECONDS:g} s",
            "SKIP" if settings.quick else verdict(ok),
            reduced or f"full runs: {quick['epochs_run']} vs {seed['epochs_run']} epochs; preset from {source}",
        )
    )
    language_model_rows(section, settings, reduced)
    epoch = grouped_vs_padded(1_000 if settings.quick else 5_000)
    section.details.update(grouped_vs_padded=epoch)
    section.rows.append(
        Row(
            "train: one BiGRU epoch, length-grouped batches",
            f"{epoch['grouped']:.1f} s",
            f"{epoch['padded']:.1f} s padded to 500",
            f"padding takes {times(ratio(epoch['padded'], epoch['grouped']))} as long",
            "faster than padded",
            verdict(epoch["grouped"] < epoch["padded"]),
            f"{epoch['reviews']:,} training reviews, the shipped imdb-bigru's settings, from a fresh model",
        )
    )
    section.metrics.update(
        grouped_epoch_seconds=epoch["grouped"],
        padded_epoch_seconds=epoch["padded"],
        quick_test_accuracy=quick["test_accuracy"],
        quick_train_seconds=quick["train_seconds"],
        quick_examples_per_s=quick["examples_per_s"],
        seed_recipe_test_accuracy=seed["test_accuracy"],
        seed_recipe_train_seconds=seed["train_seconds"],
        seed_recipe_examples_per_s=seed["examples_per_s"],
        training_reduced=settings.quick,
    )
    return section
