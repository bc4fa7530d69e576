"""Bounded jobs: before a training job is queued its size and estimated time (`estimate_seconds`, which the Train
form shows too) are checked against the classroom caps (refused with a message naming what to lower), and a
running job gets a time limit after which it is stopped like Stop does, keeping its best weights. TensorFlow-free:
the server calls it."""

from __future__ import annotations

from dataclasses import dataclass

from rnncore.architecture import count_parameters
from rnncore.config import RunConfig
from rnncore.jobs.turns import JobRefused

IMDB_TRAIN_REVIEWS = 25_000
SETUP_SECONDS = 60.0  # loading IMDB and building the model come before the first batch; the estimate leaves
# them out, and a small job's twice-its-estimate (seconds) would otherwise end it while its data loads
CHAR_ALPHABET = 256  # a character model's alphabet when its text is loaded by the worker (not known here)
# The training-time estimate's constants:
# Fitted to two presets measured on 2 CPU cores (rnncore/presets.py): small steps cost their overhead, large ones
# their products. Quick (GRU 32, batch 64, 2 epochs) takes ~52 s against an estimated 87 s, kept on the safe side
# for a busy class server; the language-model preset (LSTM 256, batch 128) 50 s against 61 s. The earlier constants
# (4e-5 s, 1.5 GFLOP/s) fitted the small models only and put the language-model preset at 17 min, refused.
CELL_COST = {"simplernn": 1.0, "lstm": 4.0, "gru": 3.0}
SECONDS_PER_STEP = 5.4e-4  # framework overhead per batch per time step (TensorFlow CPU, masked length-grouped)
SECONDS_PER_FLOP = 1.0 / 3e10  # forward + backward throughput of the products, counted as forward FLOPs


@dataclass(frozen=True)
class JobBounds:
    """The caps (RNNCORE_MAX_PARAMETERS, RNNCORE_MAX_JOB_MINUTES)."""

    max_parameters: int = 3_000_000
    max_minutes: int = 10


def estimate_seconds(config: RunConfig, train_examples: int) -> float:
    """Rough training time: epochs × batches × maxlen × layers × directions × (per-step overhead +
    batch × cell_cost × units × (input + units) × 2 FLOPs ÷ throughput), +10 % for validation.
    An estimate only: real speed depends on the machine and on other jobs (the Train form shows it)."""
    directions = 2 if config.bidirectional else 1
    batches = max(1, -(-train_examples // config.batch_size))
    width, per_step = config.embed_dim, 0.0
    for _ in range(config.layers):
        flops = config.batch_size * CELL_COST[config.cell] * config.units * (width + config.units) * 2
        per_step += directions * (SECONDS_PER_STEP + flops * SECONDS_PER_FLOP)
        width = directions * config.units
    return 1.1 * config.epochs * batches * config.maxlen * per_step


def training_examples(config: RunConfig) -> int:
    """Reviews a sentiment job trains on per epoch (its validation share left out), as the Train form shows."""
    return int((config.limit or IMDB_TRAIN_REVIEWS) * (1 - config.validation_fraction))


def check_job(config: RunConfig, bounds: JobBounds, alphabet: int | None = None) -> float | None:
    """Raise JobRefused when a job is over a cap; otherwise return its estimated training seconds (None when
    there is no estimate: character models, whose text size the server may not know). `alphabet`: a character
    model's alphabet size when known."""
    vocabulary = config.vocab_size if config.task == "sentiment" else alphabet or CHAR_ALPHABET
    parameters = count_parameters(config, vocabulary)
    if parameters > bounds.max_parameters:
        raise JobRefused(_too_big(config, vocabulary, parameters, bounds.max_parameters))
    if config.task != "sentiment":
        return None  # the estimate's formula reads maxlen and IMDB review counts
    seconds = estimate_seconds(config, training_examples(config))
    if seconds > bounds.max_minutes * 60:
        raise JobRefused(_too_slow(config, seconds, bounds.max_minutes))
    return seconds


def time_limit(estimate: float | None, bounds: JobBounds) -> float:
    """Seconds a job may run once started: twice its estimate (plus data loading), at most the minutes cap."""
    cap = bounds.max_minutes * 60.0
    return cap if estimate is None else min(2 * estimate + SETUP_SECONDS, cap)


def _too_big(config: RunConfig, vocabulary: int, parameters: int, cap: int) -> str:
    start = f"This model has {parameters:,} parameters; the classroom limit is {cap:,} (RNNCORE_MAX_PARAMETERS). "
    embedding = vocabulary * config.embed_dim
    if config.task == "sentiment" and embedding > parameters / 2:  # name the part that holds most of them
        return start + (
            f"Most are in the embedding ({embedding:,} = vocabulary size {config.vocab_size:,} × embedding dim "
            f"{config.embed_dim}): lower the Vocabulary size or the Embedding dim."
        )
    also = " or turn off Bidirectional" if config.bidirectional else ""
    return start + f"Lower the Units ({config.units}) or the Layers ({config.layers}){also}."


def _too_slow(config: RunConfig, seconds: float, cap: int) -> str:
    start = (
        f"This job's estimated time is about {seconds / 60:.0f} min; the classroom limit is {cap} min per job "
        "(RNNCORE_MAX_JOB_MINUTES). "
    )
    fitting = int(config.epochs * cap * 60 / seconds)  # the time grows in proportion to the epochs
    epochs = f"the Epochs ({config.epochs}; {fitting} would fit)" if fitting >= 1 else "the Epochs"
    return start + (
        f"Lower {epochs}, the Max length ({config.maxlen}), the Training reviews or the Units ({config.units})."
    )
