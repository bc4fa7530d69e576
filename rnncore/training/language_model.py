"""Pretrain the word-level LSTM language model (TensorFlow): sampled softmax with the output layer tied to
the Embedding, truncated backpropagation with the state carried across windows, checkpoints every few
minutes into the cache, and resume after an interruption exactly from the window it had reached."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnncore.errors import RnncoreError
from rnncore.events import EventHandler, StopCheck, TrainEvent, ignore_event, never_stop
from rnncore.lm.config import LanguageModelConfig
from rnncore.lm.corpus import TokenStream, batched, imdb_token_stream, windows
from rnncore.paths import cache_dir

CHECKPOINT_FILE = "checkpoint.npz"
STATE_FILE = "state.json"
WARMUP_STEPS = 300
REPORT_EVERY = 50  # steps between progress events


def checkpoint_dir(name: str) -> Path:
    """Where a named pretraining run keeps its checkpoints (outside the repository)."""
    return cache_dir() / "language_models" / name


@dataclass
class PretrainState:
    """Where a run is: saved with every checkpoint, so a resumed run continues from the same window."""

    epoch: int = 0  # 0-based epoch in progress
    window: int = 0  # next window of that epoch
    step: int = 0  # optimizer steps done in all
    seconds: float = 0.0  # training time in all, resumed sessions included
    tokens: int = 0
    history: list[dict[str, float]] = field(default_factory=list)  # one row per finished epoch
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class PretrainResult:
    """The trained weights (as NumPy arrays by name) and what was measured."""

    weights: dict[str, np.ndarray]
    state: PretrainState
    finished: bool  # False when stopped early (the weights are still the latest)
    vocabulary_words: tuple[str, ...]


def pretrain(
    config: LanguageModelConfig,
    name: str,
    *,
    resume: bool = False,
    stream: TokenStream | None = None,
    on_event: EventHandler = ignore_event,
    should_stop: StopCheck = never_stop,
) -> PretrainResult:
    """Train (or continue) the run `name`; checkpoints go to `checkpoint_dir(name)`."""
    folder = checkpoint_dir(name)
    has_checkpoint = (folder / STATE_FILE).is_file()
    if has_checkpoint and not resume:
        raise RnncoreError(f"A pretraining run called {name!r} exists in {folder}: add --resume or pick another name")
    if resume and not has_checkpoint:
        raise RnncoreError(f"No checkpoint to resume in {folder}")
    if resume:
        saved = LanguageModelConfig.from_dict(json.loads((folder / STATE_FILE).read_text())["config"])
        if _fixed(saved) != _fixed(config):
            raise RnncoreError(f"--resume needs the settings the run started with: {saved.to_dict()}")
    stream = stream or imdb_token_stream(config.vocab_size, config.heldout_fraction, _status(on_event))
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    model = _Model(config, keras, tf)
    state = PretrainState(config=config.to_dict())
    if resume:
        state = _restore(folder, model)
        on_event(TrainEvent("status", f"Resumed at epoch {state.epoch + 1}, window {state.window} (step {state.step})"))
    last_checkpoint = time.monotonic()
    finished = True
    while state.epoch < config.epochs:
        # each epoch starts the rows at another offset, so windows do not always cut the text at the same words
        offset = int(np.random.default_rng(config.seed + state.epoch).integers(0, config.window))
        rows = batched(stream.train, config.batch_size, offset)
        count = windows(rows, config.window)
        total_steps = count * config.epochs
        hidden = model.zero_state(config.batch_size)
        started, losses = time.monotonic(), []
        window_start = state.window
        while state.window < count:
            if should_stop():
                finished = False
                break
            begin = state.window * config.window
            inputs = rows[:, begin : begin + config.window]
            targets = rows[:, begin + 1 : begin + 1 + config.window]
            model.set_learning_rate(_learning_rate(config, state.step, total_steps))
            loss, hidden = model.train_step(inputs, targets, hidden)
            losses.append(float(loss))
            state.window += 1
            state.step += 1
            state.tokens += inputs.size
            if state.window % REPORT_EVERY == 0 or state.window == count:
                elapsed = time.monotonic() - started
                done = (state.window - window_start) * inputs.size
                speed = done / max(elapsed, 1e-9)
                on_event(
                    TrainEvent(
                        "batch",
                        epoch=state.epoch + 1,
                        epochs=config.epochs,
                        batch=state.window,
                        batches=count,
                        metrics={"loss": float(np.mean(losses[-REPORT_EVERY:])), "tokens_per_second": speed},
                        examples_per_second=speed,
                        eta_seconds=(count - state.window) * inputs.size / max(speed, 1e-9),
                        elapsed_seconds=state.seconds + elapsed,
                    )
                )
            if time.monotonic() - last_checkpoint > config.checkpoint_minutes * 60:
                state.seconds += time.monotonic() - started
                started, window_start = time.monotonic(), state.window
                _save_checkpoint(folder, model, state)
                last_checkpoint = time.monotonic()
                on_event(TrainEvent("status", f"Checkpoint written at step {state.step} ({folder})"))
        state.seconds += time.monotonic() - started
        if not finished:
            break
        perplexity = model.perplexity(stream.heldout[: config.heldout_tokens])
        row = {
            "epoch": state.epoch + 1,
            "train_sampled_loss": float(np.mean(losses)) if losses else float("nan"),
            "heldout_perplexity": perplexity,
            "seconds": state.seconds,
            "tokens": state.tokens,
        }
        state.history.append(row)
        state.epoch, state.window = state.epoch + 1, 0
        _save_checkpoint(folder, model, state)
        last_checkpoint = time.monotonic()
        on_event(
            TrainEvent(
                "epoch",
                epoch=state.epoch,
                epochs=config.epochs,
                metrics={"heldout_perplexity": perplexity},
                elapsed_seconds=state.seconds,
            )
        )
    if not finished:
        _save_checkpoint(folder, model, state)
        on_event(TrainEvent("status", f"Stopped; checkpoint at step {state.step}: continue with --resume"))
    return PretrainResult(model.weights(), state, finished, stream.vocabulary.words)


def _fixed(config: LanguageModelConfig) -> dict[str, Any]:
    """The settings a resumed run must keep (more epochs or another checkpoint interval are fine)."""
    return {key: value for key, value in config.to_dict().items() if key not in ("epochs", "checkpoint_minutes")}


def _status(on_event: EventHandler):
    return lambda message: on_event(TrainEvent("status", message))


def _learning_rate(config: LanguageModelConfig, step: int, total_steps: int) -> float:
    """Linear warm-up over WARMUP_STEPS, then linear decay to a tenth of the peak at the last step."""
    if step < WARMUP_STEPS:
        return config.learning_rate * (step + 1) / WARMUP_STEPS
    progress = min(1.0, (step - WARMUP_STEPS) / max(1, total_steps - WARMUP_STEPS))
    return config.learning_rate * (1.0 - 0.9 * progress)


class _Model:
    """Embedding → dropout → LSTM (state carried) → dropout → projection to embed_dim → tied softmax."""

    def __init__(self, config: LanguageModelConfig, keras, tf):
        from keras import layers

        self.config, self.tf = config, tf
        self.embedding = layers.Embedding(config.vocab_size, config.embed_dim, name="embedding")
        self.lstm = layers.LSTM(config.units, return_sequences=True, return_state=True, name="lstm_1")
        self.drop_in = layers.Dropout(config.dropout)
        self.drop_out = layers.Dropout(config.dropout)
        self.projection = layers.Dense(config.embed_dim, name="projection")
        self.embedding.build((None, None))
        self.lstm.build((None, None, config.embed_dim))
        self.projection.build((None, config.units))
        self.output_bias = keras.Variable(np.zeros(config.vocab_size, dtype="float32"), name="output_bias")
        self.trainable = [
            *self.embedding.trainable_variables,
            *self.lstm.trainable_variables,
            *self.projection.trainable_variables,
            self.output_bias,
        ]
        self.optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
        self.optimizer.build(self.trainable)
        spec = tf.TensorSpec((None, None), tf.int32)
        state_spec = (tf.TensorSpec((None, config.units)), tf.TensorSpec((None, config.units)))
        self._train = tf.function(self._train_step, input_signature=(spec, spec, state_spec))
        self._loss = tf.function(self._full_loss, input_signature=(spec, spec, state_spec))

    def zero_state(self, batch: int):
        zeros = np.zeros((batch, self.config.units), dtype="float32")
        return (zeros, zeros)

    def set_learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate.assign(value)

    def _features(self, inputs, hidden, training: bool):
        vectors = self.drop_in(self.embedding(inputs), training=training)
        sequence, h, c = self.lstm(vectors, initial_state=list(hidden), training=training)
        sequence = self.drop_out(sequence, training=training)
        return self.projection(sequence), (h, c)

    def _train_step(self, inputs, targets, hidden):
        tf, config = self.tf, self.config
        with tf.GradientTape() as tape:
            features, hidden = self._features(inputs, hidden, training=True)
            flat = tf.reshape(features, (-1, config.embed_dim))
            labels = tf.reshape(tf.cast(targets, tf.int64), (-1, 1))
            if config.sampled:
                losses = tf.nn.sampled_softmax_loss(
                    weights=self.embedding.embeddings,
                    biases=self.output_bias,
                    labels=labels,
                    inputs=flat,
                    num_sampled=config.sampled,
                    num_classes=config.vocab_size,
                )
            else:
                losses = self._logit_losses(flat, labels[:, 0])
            loss = tf.reduce_mean(losses)
        gradients = tape.gradient(loss, self.trainable)
        if config.clipnorm:
            gradients, _ = tf.clip_by_global_norm(gradients, config.clipnorm)
        self.optimizer.apply_gradients(zip(gradients, self.trainable))
        return loss, hidden

    def _logit_losses(self, flat, labels):
        tf = self.tf
        logits = tf.matmul(flat, self.embedding.embeddings, transpose_b=True) + self.output_bias
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

    def _full_loss(self, inputs, targets, hidden):
        tf = self.tf
        features, hidden = self._features(inputs, hidden, training=False)
        flat = tf.reshape(features, (-1, self.config.embed_dim))
        return tf.reduce_sum(self._logit_losses(flat, tf.reshape(tf.cast(targets, tf.int64), (-1,)))), hidden

    def train_step(self, inputs: np.ndarray, targets: np.ndarray, hidden):
        loss, hidden = self._train(inputs, targets, hidden)
        return loss.numpy(), hidden

    def perplexity(self, heldout: np.ndarray, batch: int = 32) -> float:
        """exp(mean cross-entropy) over the held-out stream with the full softmax, state carried along."""
        batch = max(1, min(batch, len(heldout) // 4))
        rows = batched(heldout, batch)
        hidden, total, count = self.zero_state(batch), 0.0, 0
        for start in range(0, rows.shape[1] - 1, self.config.window):
            end = min(start + self.config.window, rows.shape[1] - 1)
            loss, hidden = self._loss(rows[:, start:end], rows[:, start + 1 : end + 1], hidden)
            total, count = total + float(loss), count + batch * (end - start)
        return float(np.exp(total / max(count, 1)))

    def weights(self) -> dict[str, np.ndarray]:
        kernel, recurrent, bias = (v.numpy() for v in self.lstm.trainable_variables)
        projection_kernel, projection_bias = (v.numpy() for v in self.projection.trainable_variables)
        return {
            "embedding": self.embedding.embeddings.numpy(),
            "lstm_kernel": kernel,
            "lstm_recurrent_kernel": recurrent,
            "lstm_bias": bias,
            "projection_kernel": projection_kernel,
            "projection_bias": projection_bias,
            "output_bias": self.output_bias.numpy(),
        }

    def all_arrays(self) -> list[np.ndarray]:
        return [v.numpy() for v in self.trainable] + [v.numpy() for v in self.optimizer.variables]

    def load_arrays(self, arrays: list[np.ndarray]) -> None:
        targets = self.trainable + list(self.optimizer.variables)
        if len(arrays) != len(targets):
            raise RnncoreError("The checkpoint does not match this model's shape")
        for variable, value in zip(targets, arrays):
            variable.assign(value)


def _save_checkpoint(folder: Path, model: _Model, state: PretrainState) -> None:
    """Weights + optimizer state + position, written to temporary files and renamed into place (the state
    file last, so a crash mid-write leaves the previous, consistent checkpoint)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = model.all_arrays()
    handle, temp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    os.close(handle)
    with open(temp, "wb") as out:
        np.savez(out, *arrays)
    os.replace(temp, folder / CHECKPOINT_FILE)
    handle, temp = tempfile.mkstemp(dir=folder, suffix=".json.tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(state.__dict__, out, indent=1)
    os.replace(temp, folder / STATE_FILE)


def _restore(folder: Path, model: _Model) -> PretrainState:
    values = json.loads((folder / STATE_FILE).read_text())
    with np.load(folder / CHECKPOINT_FILE) as archive:
        model.load_arrays([archive[f"arr_{i}"] for i in range(len(archive.files))])
    return PretrainState(**values)
