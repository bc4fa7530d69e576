"""Shared helpers: timing statistics, realistic review text, model discovery, and result rows."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnncore.bagofwords.config import reads_pairs
from rnncore.store import ModelStore, RunInfo

REPO_ROOT = Path(__file__).resolve().parent.parent


def stats_ms(seconds: list[float]) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds (rounded) and the sample count."""
    values = np.asarray(seconds, np.float64) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
        "n": int(len(values)),
    }


def time_calls(fn: Callable[[], Any], repeats: int, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of `repeats` calls of fn, after `warmup` untimed calls (caches, allocations)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator rounded to 2 decimals (0 when the denominator is 0)."""
    return round(numerator / denominator, 2) if denominator > 0 else 0.0


def review_text(words: tuple[str, ...], length: int, seed: int = 0) -> str:
    """A review of `length` words drawn Zipf-like from a vocabulary's real words (frequent words far more
    often, as in real text), with sentence breaks so the tokenizer does its normal work."""
    rng = random.Random(seed)
    pool = list(words[: min(len(words), 5_000)]) or ["movie"]
    weights = [1.0 / (rank + 10) for rank in range(len(pool))]  # flattened Zipf: not only "the"
    chosen = rng.choices(pool, weights=weights, k=length)
    parts = []
    for n, word in enumerate(chosen):
        parts.append(word.capitalize() if n % 15 == 0 else word)
        if n % 15 == 14:
            parts[-1] += "."
    return " ".join(parts)


def vocabulary_words(vocabulary: Any) -> tuple[str, ...]:
    """Real words of a word vocabulary (special ids excluded)."""
    return tuple(vocabulary.words)


def usable_runs(store: ModelStore, kind: str) -> list[RunInfo]:
    """Loadable runs of one kind ('sentiment' / 'chars'), best first (test accuracy, else lowest loss)."""
    runs = [run for run in store.list_runs() if not run.error and run.kind == kind]

    def score(run: RunInfo) -> float:
        metrics = run.metrics or {}
        if kind == "sentiment":
            return float(metrics.get("accuracy", 0.0))
        return -float(metrics.get("val_loss", 1e9))

    return sorted(runs, key=score, reverse=True)


def pick_sentiment_runs(store: ModelStore, names: list[str] | None) -> list[RunInfo]:
    """The named runs, or by default the best unidirectional and the best bidirectional sentiment run."""
    if names:
        return [store.get(name) for name in names]
    runs = usable_runs(store, "sentiment")
    picked = []
    for bidirectional in (False, True):
        best = next((run for run in runs if run.config.bidirectional == bidirectional), None)
        if best is not None:
            picked.append(best)
    return picked


def pick_char_run(store: ModelStore, name: str | None) -> RunInfo | None:
    """The named char run, or the best available one (None if there is none)."""
    if name:
        return store.get(name)
    runs = usable_runs(store, "chars")
    return runs[0] if runs else None


def describe_run(run: RunInfo) -> str:
    """Short model description for reports, e.g. 'imdb-bigru (bi-gru 64u, maxlen 500)'."""
    if run.kind == "bagofwords":
        pairs = " and word pairs" if reads_pairs(run.info["config"]) else ""
        return f"{run.name} (bag of words{pairs}, {run.info['config']['vocab_size']:,} words)"
    if run.kind == "blend":
        return f"{run.name} (blend of {run.info['config']['first']} and {run.info['config']['second']})"
    config = run.config
    if config.task == "chars":
        return f"{run.name} ({config.layers}x{config.cell} {config.units}u)"
    direction = "bi-" if config.bidirectional else ""
    return f"{run.name} ({direction}{config.cell} {config.units}u, maxlen {config.maxlen})"


@dataclass
class Row:
    """One line of the results table: ours vs the baseline, against a target."""

    benchmark: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    status: str = ""  # PASS | MISS | INFO | SKIP
    note: str = ""


@dataclass
class Section:
    """What one benchmark returns: flat JSON keys, nested details, and table rows."""

    name: str
    metrics: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def ms(value: float) -> str:
    """A millisecond figure for the table."""
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


@dataclass
class Settings:
    """Run-wide options plus a cache of loaded models shared by the benchmarks."""

    quick: bool = False
    store: ModelStore = field(default_factory=lambda: ModelStore(REPO_ROOT / "models"))
    models: list[str] | None = None
    char_model: str | None = None
    _loaded: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        """Progress goes to stderr so stdout stays the table plus the final JSON line."""
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    def load(self, run: RunInfo):
        """NetworkRun (NumPy, from weights.npz: what the server loads) for a listed run, once per process."""
        from rnncore.inference.runs import load_network_run

        if run.name not in self._loaded:
            self._loaded[run.name] = load_network_run(run)
        return self._loaded[run.name]

    def keras_model(self, run: RunInfo):
        """The run's Keras model (TensorFlow): the naive baselines call model.predict on it."""
        from rnncore.training.keras_io import load_keras_run

        key = f"keras:{run.name}"
        if key not in self._loaded:
            self._loaded[key] = load_keras_run(run).model
        return self._loaded[key]


def times(value: float) -> str:
    """A ratio for the table: '1.07×', '96×', '8,428×'."""
    return f"{value:,.0f}×" if value >= 10 else f"{value:.2f}×"
