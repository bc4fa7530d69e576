"""Seq2seq training (TensorFlow, in a worker process or the CLI): a Keras Functional encoder–decoder, trained
with teacher forcing within a wall-clock budget, reported live.

Why it can be watched live: the training step is traced once, before the budget starts, and every report scores
the held-out set with the NumPy mirror (rnncore/seq2seq/inference.py, Keras's equations), so scoring needs no
TensorFlow call and no tracing. Round 0, the untrained start, is reported before the trace."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rnncore.architecture import CELL_CLASS
from rnncore.events import EventHandler, StopCheck, TrainEvent, ignore_event, never_stop
from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.examples import RunExamples, run_examples
from rnncore.seq2seq.inference import Seq2seqMirror
from rnncore.seq2seq.results import Seq2seqResult
from rnncore.seq2seq.scoring import score
from rnncore.seq2seq.tasks import TASKS

TRAIN_EXAMPLES, HELDOUT_EXAMPLES = 20_000, 1_000
BATCHES_PER_ROUND = 20  # about half a second of training on 2 cores (dates, LSTM 64), then a held-out score
EXAMPLES_SHOWN = 5


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
        keras.utils.set_random_seed(seed)
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


def model_for(config: Seq2seqConfig) -> Any:
    """The config's model with its seeded starting weights, compiled for training."""
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    task = TASKS[config.task]
    model = build_seq2seq_model(
        config.cell,
        config.uses_attention,
        config.units,
        config.embed_dim,
        task.source.size,
        task.target.size,
        config.seed,
    )
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=1.0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", jit_compile=False)
    return model


def train_seq2seq(
    config: Seq2seqConfig, on_event: EventHandler = ignore_event, should_stop: StopCheck = never_stop
) -> Seq2seqResult:
    """Train until `config.rounds` rounds or `config.time_budget` seconds of training; `should_stop` is asked
    between batches (a stop returns what the model had learned, cancelled=True)."""
    task = TASKS[config.task]
    on_event(TrainEvent("status", f"Generating {task.title.lower()} examples …"))
    data = run_examples(config.task, config.length, TRAIN_EXAMPLES, HELDOUT_EXAMPLES, config.seed)
    on_event(TrainEvent("status", "Building the model …"))
    tick = time.perf_counter()
    model = model_for(config)
    curve: list[dict] = []
    _report(config, model, data, curve, {"round": 0, "batches": 0, "seconds": 0.0, "train_seconds": 0.0}, on_event)
    on_event(TrainEvent("status", "Compiling the training step …"))
    rng = np.random.default_rng(config.seed)
    batch = _batch(data, rng, config.batch_size)
    model.train_on_batch(*batch)  # traces the step; a real batch, counted below
    compile_seconds = time.perf_counter() - tick
    on_event(TrainEvent("status", "Training …"))
    started = time.perf_counter()
    deadline = started + config.time_budget
    batches, train_seconds, cancelled, losses = 1, 0.0, False, []
    for round_number in range(1, config.rounds + 1):
        for _ in range(BATCHES_PER_ROUND if round_number > 1 else BATCHES_PER_ROUND - 1):
            if should_stop():
                cancelled = True
                break
            if time.perf_counter() >= deadline:
                break
            tick = time.perf_counter()
            losses.append(float(model.train_on_batch(*_batch(data, rng, config.batch_size))))
            train_seconds += time.perf_counter() - tick
            batches += 1
        point = {"round": round_number, "batches": batches, "train_seconds": train_seconds}
        point["seconds"] = time.perf_counter() - started
        point["loss"] = float(np.mean(losses)) if losses else float("nan")
        losses = []
        _report(config, model, data, curve, point, on_event)
        if cancelled or time.perf_counter() >= deadline:
            break
    weights = named_weights(model)
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


def _batch(data: RunExamples, rng: np.random.Generator, size: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """(inputs, targets, sample weights) of a random batch from the training pool (teacher forcing: the decoder
    reads the true previous character)."""
    rows = data.train.rows(rng.integers(len(data.train), size=size))
    return [rows.sources, rows.decoder_inputs], rows.targets, rows.target_mask


def _report(
    config: Seq2seqConfig, model: Any, data: RunExamples, curve: list[dict], point: dict, on_event: EventHandler
) -> None:
    """Score the model's current weights on the held-out set (NumPy), add the point and report it."""
    task = TASKS[config.task]
    mirror = Seq2seqMirror.from_weights(config.cell, named_weights(model), task.source, task.target, data.target_width)
    point = {"loss": float("nan"), **point, **score(mirror, data.heldout)}
    curve.append(point)
    metrics = {key: float(point[key]) for key in ("loss", "char_accuracy", "exact_match", "seconds", "train_seconds")}
    on_event(TrainEvent("epoch", epoch=point["round"], epochs=config.rounds, metrics=metrics))


def run_seq2seq_job(config: Seq2seqConfig, on_event: EventHandler, should_stop: StopCheck) -> Seq2seqResult:
    """Worker-pool entry point (a later step registers it as a job lane)."""
    return train_seq2seq(config, on_event, should_stop)
