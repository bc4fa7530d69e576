"""Sequence Lab's compiled TensorFlow steps, traced once per worker process for each model shape and shared by
every run of that shape: a class's lab runs share one warm process, each in a thread of its own.

Why the weights travel as tensors: a tf.function that trains a model's own variables must be traced again for
every model, and tracing is Python work that holds the GIL. Ten students' runs in one process spent their whole
15-second budget tracing (measured: 0.3 rounds per cell). Here the weights and Adam's state go in and come out
as tensors, so one trace serves every run of the same (task, cell, units, length), whatever its seed or
learning rate. Why a whole round per call: one call per batch spent more than half of each batch in Python
(a GRU of 16 units on 20 steps: 4.7 ms per batch, 2.2 ms with the round's batches in one graph loop), and
Python time is what threads cannot share. Adam is written out (Keras's exact update, each gradient clipped to
norm 1, as `keras.optimizers.Adam(clipnorm=1.0)`; tests compare the two) because Keras has no stateless
optimizer on the TensorFlow backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnncore.architecture import CELL_CLASS
from rnncore.lab.tasks import LabTask, TaskData
from rnncore.training.kept import Kept

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # keras.optimizers.Adam's defaults
CLIP_NORM = 1.0
CACHE_SIZE = 32  # model shapes kept compiled per process (a few MB each); the least recently used goes first
WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias", "kernel", "bias")  # the RNN layer's, then the Dense layer's

_compiled: Kept[CompiledShape] = Kept(CACHE_SIZE)  # two runs of one shape must not both trace it


def build_lab_model(task: LabTask, cell: str, units: int, length: int, seed: int) -> Any:
    """Input → SimpleRNN/LSTM/GRU(units) → Dense, with Keras's default initialisers (SimpleRNN starts from an
    orthogonal recurrent matrix); the seed fixes the starting weights."""
    from rnncore.training.tf_setup import MODEL_BUILD_LOCK, keras_module, seed_keras

    keras = keras_module()
    layers = keras.layers
    with MODEL_BUILD_LOCK:  # seeding and drawing: no other thread may draw in between
        seed_keras(seed)  # not keras.utils.set_random_seed: it would clear the process's shared steps' caches
        inputs = keras.Input(shape=(length, task.input_dim), name="sequence")
        sequence = task.output.startswith("sequence")
        hidden = getattr(layers, CELL_CLASS[cell])(units, return_sequences=sequence, name="rnn")(inputs)
        activation = "softmax" if task.output.endswith("class") else None
        outputs = layers.Dense(task.output_dim, activation=activation, name="output")(hidden)
        return keras.Model(inputs, outputs, name=f"lab_{cell}")


def starting_weights(task: LabTask, cell: str, units: int, length: int, seed: int) -> list[np.ndarray]:
    """The seeded starting weights, in the order the compiled steps take them (WEIGHT_NAMES)."""
    model = build_lab_model(task, cell, units, length, seed)
    return [np.asarray(variable.numpy(), np.float32) for variable in model.trainable_variables]


@dataclass(frozen=True)
class CompiledShape:
    """The compiled steps for one (task, cell, units, length).

    train_round(weights, first_moments, second_moments, step, learning_rate, inputs, targets)
        → (weights, first_moments, second_moments): one Adam step per batch, inputs (batches, batch size, T, d)
        and their targets; `step` counts the steps done before.
    input_gradient(weights, inputs, targets) → ∂(mean loss)/∂inputs.
    """

    train_round: Callable[..., Any]
    input_gradient: Callable[..., Any]


def compiled_shape(task: LabTask, cell: str, units: int, length: int, sample: TaskData) -> CompiledShape:
    """The steps for this shape, traced now if this process has not traced them yet (`sample`: a few examples
    of the task, for the dtypes and the warm-up call)."""
    key = (task.name, cell, units, length)
    return _compiled.get(key, lambda: _compile(task, cell, units, length, sample))


def loss_function(task: LabTask) -> Callable[[Any, Any], Any]:
    """The training loss as a TensorFlow function of (targets, outputs): cross-entropy or squared error."""
    import tensorflow as tf

    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    if task.output.endswith("class"):
        return lambda targets, outputs: tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(targets, outputs))
    return lambda targets, outputs: tf.reduce_mean(tf.square(outputs - targets))


def adam_update(weights, gradients, first_moments, second_moments, step, learning_rate) -> tuple[list, list, list]:
    """keras.optimizers.Adam(learning_rate, clipnorm=1.0).apply(gradients) written out on tensors: (weights,
    first moments, second moments) after the step. `step` is the number of steps already taken."""
    import tensorflow as tf

    local_step = tf.cast(step, tf.float32) + 1.0
    alpha = learning_rate * tf.sqrt(1.0 - tf.pow(BETA_2, local_step)) / (1.0 - tf.pow(BETA_1, local_step))
    new_weights, new_first, new_second = [], [], []
    for weight, gradient, first, second in zip(weights, gradients, first_moments, second_moments):
        gradient = tf.clip_by_norm(gradient, CLIP_NORM)
        first = first + (gradient - first) * (1.0 - BETA_1)
        second = second + (tf.square(gradient) - second) * (1.0 - BETA_2)
        new_weights.append(weight - first * alpha / (tf.sqrt(second) + EPSILON))
        new_first.append(first)
        new_second.append(second)
    return new_weights, new_first, new_second


def _compile(task: LabTask, cell: str, units: int, length: int, sample: TaskData) -> CompiledShape:
    import tensorflow as tf

    template = build_lab_model(task, cell, units, length, seed=0)  # its layers compute; its weights are unused
    names = tuple(variable.path.rpartition("/")[2] for variable in template.trainable_variables)
    if names != WEIGHT_NAMES:
        raise RuntimeError(f"unexpected lab model weights {names}; expected {WEIGHT_NAMES}")
    # The RNN cell's random-seed state (used only by dropout, which the lab does not use) stays as it is.
    fixed = [variable.value for variable in template.non_trainable_variables]
    loss_of = loss_function(task)

    def outputs_of(weights, inputs, training: bool):
        outputs, _ = template.stateless_call(weights, fixed, inputs, training=training)
        return outputs

    weight_specs = [tf.TensorSpec(variable.shape, tf.float32) for variable in template.trainable_variables]
    inputs_spec = tf.TensorSpec((None, length, task.input_dim), tf.float32)
    targets_spec = tf.TensorSpec((None, *sample.targets.shape[1:]), tf.as_dtype(sample.targets.dtype))
    scalar = tf.TensorSpec((), tf.float32)

    def batched(spec: Any) -> Any:  # a round's batches stacked: one more leading axis
        return tf.TensorSpec((None, *spec.shape), spec.dtype)

    round_signature = [weight_specs] * 3 + [scalar, scalar, batched(inputs_spec), batched(targets_spec)]

    @tf.function(input_signature=round_signature)
    def train_round(weights, first_moments, second_moments, step, learning_rate, inputs, targets):
        def one_batch(batch, weights, first_moments, second_moments):
            with tf.GradientTape() as tape:
                tape.watch(weights)
                batch_loss = loss_of(targets[batch], outputs_of(weights, inputs[batch], True))
            gradients = tape.gradient(batch_loss, weights)
            state = adam_update(
                weights, gradients, first_moments, second_moments, step + tf.cast(batch, tf.float32), learning_rate
            )
            return (batch + 1, *state)

        batches = tf.shape(inputs)[0]
        start = (tf.constant(0), weights, first_moments, second_moments)
        _, *state = tf.while_loop(lambda batch, *_: batch < batches, one_batch, start)
        return state

    @tf.function(input_signature=[weight_specs, inputs_spec, targets_spec])
    def input_gradient(weights, inputs, targets):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            batch_loss = loss_of(targets, outputs_of(weights, inputs, False))
        return tape.gradient(batch_loss, inputs)

    # Kept as concrete functions: TensorFlow then does not count every new shape's tf.function as "frequent
    # retracing" and warn about it in a warm worker.
    train_round, input_gradient = train_round.get_concrete_function(), input_gradient.get_concrete_function()
    # The first call of a traced function still optimises its graph (0.1 to 0.3 s): pay it here, once.
    weights = [variable.value for variable in template.trainable_variables]
    zeros = [tf.zeros_like(weight) for weight in weights]
    inputs, targets = tf.constant(sample.inputs[:2]), tf.constant(sample.targets[:2])
    train_round(weights, zeros, zeros, tf.constant(0.0), tf.constant(0.01), inputs[None], targets[None])
    input_gradient(weights, inputs, targets)
    return CompiledShape(train_round, input_gradient)
