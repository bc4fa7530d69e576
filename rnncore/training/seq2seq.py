"""Seq2seq training (TensorFlow, in a worker process or the CLI): a Keras Functional encoder–decoder, trained
with teacher forcing within a wall-clock budget, reported live.

Why it can be watched live, by a whole class at once: the training step is one compiled tf.function
(rnncore/training/seq2seq_steps.py), traced only once per worker process for each model shape and shared by
every run of that shape (ten students' runs share the lab lane's process, each in a thread), and every report
scores the held-out set with the NumPy mirror (rnncore/seq2seq/inference.py, Keras's equations), so scoring needs
no TensorFlow call and no tracing. Round 0, the untrained start, is reported before the trace. The budget counts
from the run's start, as Sequence Lab's does: the first run of a shape in a process pays its trace (about 2 s)
out of its budget and the runs that wait for that trace pay the wait, so a run ends on time however many runs
share the process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnncore.architecture import CELL_CLASS
from rnncore.events import EventHandler, StopCheck, TrainEvent, ignore_event, never_stop
from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.examples import Examples, RunExamples, run_examples
from rnncore.seq2seq.inference import Seq2seqMirror
from rnncore.seq2seq.results import Seq2seqResult
from rnncore.seq2seq.scoring import score
from rnncore.seq2seq.tasks import TASKS
from rnncore.training.kept import Kept
from rnncore.training.lab import _watching  # the lab's stop watcher: a stop is answered at once, even mid-trace
from rnncore.training.seq2seq_steps import (
    CompiledSeq2seq,
    compiled_seq2seq,
    shape_key,
    starting_weights,
    weight_names,
)
from rnncore.training.tf_setup import seed_keras

TRAIN_EXAMPLES, HELDOUT_EXAMPLES = 20_000, 1_000
BATCHES_PER_ROUND = 20  # about half a second of training on 2 cores (dates, LSTM 64), then a held-out score
# Batches per compiled call: between calls the run checks its budget and Stop. Ten runs at once make each call
# about ten times slower, so a whole round per call could overrun the budget by seconds; one batch per call
# would spend more of each batch waiting for the GIL.
CHUNK_BATCHES = 5
EXAMPLES_SHOWN = 5
STARTS_KEPT = 8  # (task, length, seed) example sets and (shape, seed) starting weights kept per process


def build_seq2seq_model(
    cell: str, attention: bool, units: int, embed_dim: int, source_size: int, target_size: int, seed: int
) -> Any:
    """[source ids, decoder input ids] → per-step output probabilities. The encoder's padding (id 0) is masked,
    its final state starts the decoder, and with attention every decoder step reads a softmax-weighted sum of
    the encoder's outputs (dot score), combined with its own state through a tanh layer (Luong)."""
    from rnncore.training.tf_setup import MODEL_BUILD_LOCK, keras_module

    keras = keras_module()
    layers = keras.layers
    recurrent = getattr(layers, CELL_CLASS[cell])
    with MODEL_BUILD_LOCK:  # seeding and drawing: no other thread may draw in between
        seed_keras(seed)  # as keras.utils.set_random_seed, without clearing the shared steps' caches
        source = keras.Input(shape=(None,), dtype="int32", name="source")
        decoder_input = keras.Input(shape=(None,), dtype="int32", name="decoder_input")
        embedded = layers.Embedding(source_size, embed_dim, mask_zero=True, name="encoder_embedding")(source)
        encoded = recurrent(units, return_sequences=True, return_state=True, name="encoder_rnn")(embedded)
        encoder_outputs, encoder_state = encoded[0], list(encoded[1:])
        # No mask on the decoder: it reads left to right, so padding after the end token changes nothing before
        # it, and the loss ignores those steps (sample weights).
        target_embedded = layers.Embedding(target_size, embed_dim, name="decoder_embedding")(decoder_input)
        decoded = recurrent(units, return_sequences=True, name="decoder_rnn")(
            target_embedded, initial_state=encoder_state
        )
        hidden = decoded
        if attention:
            context = layers.Attention(name="attention")([decoded, encoder_outputs])
            joined = layers.Concatenate(name="context_and_state")([context, decoded])
            hidden = layers.Dense(units, activation="tanh", name="attention_combine")(joined)
        probabilities = layers.Dense(target_size, activation="softmax", name="output")(hidden)
        return keras.Model([source, decoder_input], probabilities, name=f"seq2seq_{cell}")


def named_weights(model: Any) -> dict[str, np.ndarray]:
    """Every weight as a float32 array under "layer/variable" (e.g. "encoder_rnn/recurrent_kernel")."""
    return {
        f"{layer.name}/{variable.name}": np.asarray(variable.numpy(), np.float32)
        for layer in model.layers
        for variable in layer.weights
    }


def seeded_model(config: Seq2seqConfig) -> Any:
    """The config's encoder–decoder (its task's vocabulary sizes) with the starting weights its seed gives."""
    task = TASKS[config.task]
    sizes = task.source.size, task.target.size
    return build_seq2seq_model(config.cell, config.uses_attention, config.units, config.embed_dim, *sizes, config.seed)


def model_for(config: Seq2seqConfig) -> Any:
    """The config's model with its seeded starting weights, compiled for `train_on_batch` with the optimizer
    and loss the shared step writes out (tests train both and compare)."""
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    model = seeded_model(config)
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=1.0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", jit_compile=False)
    return model


def train_seq2seq(
    config: Seq2seqConfig, on_event: EventHandler = ignore_event, should_stop: StopCheck = never_stop
) -> Seq2seqResult:
    """Train until `config.rounds` rounds or `config.time_budget` seconds after the run began (its examples,
    model and step included; importing TensorFlow, once per process, is not); a stop ends the run after the
    current few batches and returns what the model had learned (cancelled=True)."""
    from rnncore.training.tf_setup import keras_module

    keras_module()
    began = time.perf_counter()
    deadline = began + config.time_budget
    with _watching(should_stop) as stop:
        task = TASKS[config.task]
        on_event(TrainEvent("status", f"Generating {task.title.lower()} examples …"))
        data, pool = _examples(config)
        on_event(TrainEvent("status", "Building the model …"))
        names, weights = _starting_weights(config)
        run = _Run(names, list(weights))
        curve: list[dict] = []
        start_point = {"round": 0, "batches": 0, "seconds": 0.0, "train_seconds": 0.0}
        _report(config, run.named(), data, curve, start_point, on_event, _first_scores(config, data, run))
        if not stop.is_set():
            on_event(TrainEvent("status", "Compiling the training step …"))
            run.compiled = compiled_seq2seq(config)  # traced once per process and shape; at once when done before
            if run.compiled.names != run.names:
                raise RuntimeError(f"the compiled step takes {run.compiled.names}; this model has {run.names}")
        compile_seconds = time.perf_counter() - began
        on_event(TrainEvent("status", "Training …"))
        started = time.perf_counter()
        rng = np.random.default_rng(config.seed)
        out_of_time = False
        for round_number in range(1, config.rounds + 1):
            if run.compiled is None:
                break
            # The round's batches are drawn first, one draw per batch as the run's notebook replays them: the
            # same batches for a seed, however the calls split them.
            rows = np.stack([rng.integers(len(data.train), size=config.batch_size) for _ in range(BATCHES_PER_ROUND)])
            losses: list[float] = []
            for first in range(0, BATCHES_PER_ROUND, CHUNK_BATCHES):
                # A call starts only if it and the score after it should end in time, judging by the run's
                # previous ones; the first always does, so a run trains a little even when waiting for the
                # trace took its whole budget.
                out_of_time = bool(run.batches) and time.perf_counter() + run.seconds_ahead > deadline
                if stop.is_set() or out_of_time:
                    break
                losses += run.train_on(pool, rows[first : first + CHUNK_BATCHES], config.learning_rate)
            if not losses:  # stopped, or out of time, before this round's first call: nothing new to score
                break
            point = {"round": round_number, "batches": run.batches, "train_seconds": run.train_seconds}
            point["seconds"] = time.perf_counter() - started
            point["loss"] = float(np.mean(losses))
            tick = time.perf_counter()
            _report(config, run.named(), data, curve, point, on_event)
            run.last_report_seconds = time.perf_counter() - tick  # ten runs at once: up to a second or two
            if stop.is_set() or out_of_time or time.perf_counter() + run.seconds_ahead > deadline:
                break
        cancelled = stop.is_set()
    weights = run.named()
    mirror = Seq2seqMirror.from_weights(config.cell, weights, task.source, task.target, data.target_width)
    shown = data.heldout.rows(np.arange(min(EXAMPLES_SHOWN, len(data.heldout))))
    examples = [
        {"source": source, "target": target, "output": mirror.target.decode(ids)}
        for source, target, ids in zip(shown.source_texts, shown.target_texts, mirror.greedy(shown.sources))
    ]
    return Seq2seqResult(
        config=config,
        weights=weights,
        curve=curve,
        exact_match=curve[-1]["exact_match"],
        char_accuracy=curve[-1]["char_accuracy"],
        seconds=time.perf_counter() - started,
        compile_seconds=compile_seconds,
        max_output=data.target_width,
        heldout_count=len(data.heldout),
        seen_fraction=data.seen_fraction,
        examples=examples,
        cancelled=cancelled,
    )


# A class pressing Train with the page's defaults needs one example set and one start between them: generating and
# building are Python work under the GIL (0.2 s and 0.1 s a run) that ten runs would otherwise do inside their budgets.
_kept_examples, _kept_starts, _kept_first_scores = Kept(STARTS_KEPT), Kept(STARTS_KEPT), Kept(STARTS_KEPT)


def _examples(config: Seq2seqConfig) -> tuple[RunExamples, _IdArrays]:
    """The run's examples (the same for the same task, length and seed) and its training pool as id arrays."""

    def make() -> tuple[RunExamples, _IdArrays]:
        data = run_examples(config.task, config.length, TRAIN_EXAMPLES, HELDOUT_EXAMPLES, config.seed)
        return data, _IdArrays.of(data.train)

    return _kept_examples.get((config.task, config.length, config.seed), make)


def _starting_weights(config: Seq2seqConfig) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """(names, seeded starting weights) of the config's model; the model itself is not kept, since the shared
    step computes with layers of its own."""

    def make() -> tuple[tuple[str, ...], list[np.ndarray]]:
        model = seeded_model(config)
        weights = starting_weights(model)
        for weight in weights:
            weight.setflags(write=False)
        return weight_names(model), weights

    return _kept_starts.get((*shape_key(config), config.seed), make)


def _first_scores(config: Seq2seqConfig, data: RunExamples, run: _Run) -> dict[str, float]:
    """The held-out scores of the untrained start (round 0): the same for the same shape, seed and length."""
    key = (*shape_key(config), config.seed, config.length)
    return _kept_first_scores.get(key, lambda: _scores(config, run.named(), data))


@dataclass(frozen=True)
class _IdArrays:
    """A training pool as the compiled step takes it (int32 ids, float32 target weights), converted once."""

    sources: np.ndarray
    decoder_inputs: np.ndarray
    targets: np.ndarray  # teacher forcing: decoder_inputs are the targets shifted right by the start token
    target_weights: np.ndarray

    @classmethod
    def of(cls, examples: Examples) -> _IdArrays:
        """The pool's arrays, read-only."""
        ids = [np.asarray(array, np.int32) for array in (examples.sources, examples.decoder_inputs, examples.targets)]
        arrays = [*ids, examples.target_mask]
        for array in arrays:
            array.setflags(write=False)
        return cls(*arrays)


@dataclass
class _Run:
    """One run's weights and Adam state (arrays, then tensors: the shared step's inputs and outputs)."""

    names: tuple[str, ...]
    weights: list
    compiled: CompiledSeq2seq | None = None
    first_moments: list = field(default_factory=list)
    second_moments: list = field(default_factory=list)
    batches: int = 0  # Adam steps taken
    train_seconds: float = 0.0
    last_call_seconds: float = 0.0
    last_report_seconds: float = 0.0

    @property
    def seconds_ahead(self) -> float:
        """What one more call and the held-out score after it should take, judging by the last ones."""
        return self.last_call_seconds + self.last_report_seconds

    def __post_init__(self) -> None:
        self.first_moments = [np.zeros_like(weight) for weight in self.weights]
        self.second_moments = [np.zeros_like(weight) for weight in self.weights]

    def train_on(self, pool: _IdArrays, rows: np.ndarray, learning_rate: float) -> list[float]:
        """One Adam step per row of `rows` (batches, batch size: indices into the pool); the batches' losses."""
        tick = time.perf_counter()
        batch = (pool.sources[rows], pool.decoder_inputs[rows], pool.targets[rows], pool.target_weights[rows])
        state = (self.weights, self.first_moments, self.second_moments)
        *state, losses = self.compiled.train_round(*state, float(self.batches), learning_rate, *batch)
        self.weights, self.first_moments, self.second_moments = state
        self.batches += len(rows)
        losses = [float(loss) for loss in np.asarray(losses)]
        self.last_call_seconds = time.perf_counter() - tick
        self.train_seconds += self.last_call_seconds
        return losses

    def named(self) -> dict[str, np.ndarray]:
        """The current weights as float32 arrays of their own by "layer/variable" name."""
        return {name: np.array(weight, np.float32) for name, weight in zip(self.names, self.weights)}


def _report(
    config: Seq2seqConfig,
    weights: dict[str, np.ndarray],
    data: RunExamples,
    curve: list[dict],
    point: dict,
    on_event: EventHandler,
    scores: dict[str, float] | None = None,
) -> None:
    """Score the weights on the held-out set (NumPy) unless `scores` already are theirs, add the point and
    report it."""
    point = {"loss": float("nan"), **point, **(scores or _scores(config, weights, data))}
    curve.append(point)
    metrics = {key: float(point[key]) for key in ("loss", "char_accuracy", "exact_match", "seconds", "train_seconds")}
    on_event(TrainEvent("epoch", epoch=point["round"], epochs=config.rounds, metrics=metrics))


def _scores(config: Seq2seqConfig, weights: dict[str, np.ndarray], data: RunExamples) -> dict[str, float]:
    """Exact match and per-character accuracy of greedy decoding on the held-out set, in NumPy."""
    task = TASKS[config.task]
    mirror = Seq2seqMirror.from_weights(config.cell, weights, task.source, task.target, data.target_width)
    return score(mirror, data.heldout)


def run_seq2seq_job(config: Seq2seqConfig, on_event: EventHandler, should_stop: StopCheck) -> Seq2seqResult:
    """Worker-pool entry point (a later step registers it as a job lane)."""
    return train_seq2seq(config, on_event, should_stop)
