"""Translate's compiled TensorFlow training step, traced once per worker process for each model shape and shared
by every run of that shape: a class's Translate runs share the lab lane's one warm process, each in a thread.

Why the weights travel as tensors: `model.train_on_batch` traces a step for every new model, and tracing is
Python work that holds the GIL (about 2 s for the page's default LSTM 64 on a quiet 2-core machine, much more
while other threads train). Ten students pressing Train at once waited for each other's traces before their
budgets began (measured: p95 116.7 s from Train to results). Here the weights and Adam's state go in and come
out as tensors, so one trace serves every run of the same (task, cell, attention, units, embedding size),
whatever its seed, learning rate, batch size or input and output lengths (those axes are left open). Why
several batches per call: each call returns to Python, and with ten runs in threads every return waits for the
GIL; a graph loop over the batches keeps that to one wait per call. Adam is written out as in
rnncore.training.lab_steps, Keras's exact update with each gradient clipped to norm 1
(`keras.optimizers.Adam(clipnorm=1.0)`), here with the embeddings' sparse gradients treated as Keras treats them;
tests compare this step with `model.train_on_batch` of a compiled Keras model. Models are seeded with
`tf_setup.seed_keras`, not `keras.utils.set_random_seed`, whose `tf.random.set_seed` would make every shared step
optimise its graph again each time a run starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.tasks import TASKS
from rnncore.training.kept import Kept
from rnncore.training.lab_steps import BETA_1, BETA_2, CLIP_NORM, EPSILON

CACHE_SIZE = 16  # model shapes kept compiled per process (a few MB each); the least recently used goes first

_compiled: Kept[CompiledSeq2seq] = Kept(CACHE_SIZE)


@dataclass(frozen=True)
class CompiledSeq2seq:
    """The compiled training step for one model shape, and the names of the weights it takes.

    train_round(weights, first_moments, second_moments, step, learning_rate, sources, decoder_inputs, targets,
    target_weights) → (weights, first_moments, second_moments, losses): one Adam step per batch. The id arrays
    are int32, (batches, batch size, source or target width); target_weights float32 (1 on the target and its
    end token, 0 on padding); `step` counts the steps done before; losses (batches,) each batch's loss before
    its step, as `train_on_batch` reports it.
    """

    names: tuple[str, ...]  # "layer/variable" of each weight, in the order train_round takes them
    train_round: Callable[..., Any]


def shape_key(config: Seq2seqConfig) -> tuple:
    """What decides the traced graph: the vocabularies (by task), the cell, attention, units and embedding size;
    not the seed, learning rate, batch size, length or budget."""
    return (config.task, config.cell, config.uses_attention, config.units, config.embed_dim)


def compiled_seq2seq(config: Seq2seqConfig) -> CompiledSeq2seq:
    """The step for the config's model shape, traced now if this process has not traced it yet. Runs of a shape
    already traced never wait for another shape's trace; two runs of a new shape trace it once."""
    key = shape_key(config)
    return _compiled.get(key, lambda: _compile(*key))


def starting_weights(model: Any) -> list[np.ndarray]:
    """A built model's weights in the order the compiled step takes them (its trainable variables')."""
    return [np.asarray(variable.numpy(), np.float32) for variable in model.trainable_variables]


def weight_names(model: Any) -> tuple[str, ...]:
    """The "layer/variable" name of each trainable variable, in order (the names rnncore.seq2seq.inference reads)."""
    owner = {id(variable): layer.name for layer in model.layers for variable in layer.weights}
    return tuple(f"{owner[id(variable)]}/{variable.name}" for variable in model.trainable_variables)


def adam_update(weights, gradients, first_moments, second_moments, step, learning_rate) -> tuple[list, list, list]:
    """keras.optimizers.Adam(learning_rate, clipnorm=1.0).apply(gradients) written out on tensors, embedding
    gradients included: (weights, first moments, second moments) after the step; `step` is the number of steps
    already taken. An embedding's gradient comes as tf.IndexedSlices, one row per looked-up id, repeats
    included; Keras clips the norm of those rows and squares them before they are summed per id (its
    `ops.square` keeps IndexedSlices sparse), so the second moment gets the sum of squares, not the square of
    the sum. Done the same here, so a run trains exactly as `train_on_batch` did."""
    import tensorflow as tf

    local_step = tf.cast(step, tf.float32) + 1.0
    alpha = learning_rate * tf.sqrt(1.0 - tf.pow(BETA_2, local_step)) / (1.0 - tf.pow(BETA_1, local_step))
    new_weights, new_first, new_second = [], [], []
    for weight, gradient, first, second in zip(weights, gradients, first_moments, second_moments):
        gradient = tf.clip_by_norm(gradient, CLIP_NORM)
        if isinstance(gradient, tf.IndexedSlices):
            rows = tf.shape(weight)[0]
            squared = tf.math.unsorted_segment_sum(tf.square(gradient.values), gradient.indices, rows)
            gradient = tf.math.unsorted_segment_sum(gradient.values, gradient.indices, rows)
        else:
            squared = tf.square(gradient)
        first = first + (gradient - first) * (1.0 - BETA_1)
        second = second + (squared - second) * (1.0 - BETA_2)
        new_weights.append(weight - first * alpha / (tf.sqrt(second) + EPSILON))
        new_first.append(first)
        new_second.append(second)
    return new_weights, new_first, new_second


def _compile(task_name: str, cell: str, attention: bool, units: int, embed_dim: int) -> CompiledSeq2seq:
    import tensorflow as tf

    from rnncore.training.seq2seq import build_seq2seq_model
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    task = TASKS[task_name]
    # Its layers compute; its own weights are never used (seed 0 only because building draws them).
    template = build_seq2seq_model(cell, attention, units, embed_dim, task.source.size, task.target.size, seed=0)
    if len(template.weights) != len(template.trainable_variables):
        raise RuntimeError("the seq2seq model has non-trainable weights the compiled step would not update")
    names = weight_names(template)
    # The RNN layers' random-seed states (used only by dropout, which these models do not use) stay as they are.
    fixed = [variable.value for variable in template.non_trainable_variables]

    def batch_loss(weights, sources, decoder_inputs, targets, target_weights):
        probabilities, _ = template.stateless_call(weights, fixed, [sources, decoder_inputs], training=True)
        losses = keras.losses.sparse_categorical_crossentropy(targets, probabilities)
        # Keras's default reduction with sample weights ("sum_over_batch_size"): the weighted sum over every
        # position, padding included, divided by their count.
        return tf.reduce_sum(losses * target_weights) / tf.cast(tf.size(losses), tf.float32)

    weight_specs = [tf.TensorSpec(variable.shape, tf.float32) for variable in template.trainable_variables]
    ids = tf.TensorSpec((None, None, None), tf.int32)
    signature = [weight_specs] * 3 + [tf.TensorSpec((), tf.float32)] * 2
    signature += [ids, ids, ids, tf.TensorSpec((None, None, None), tf.float32)]

    @tf.function(input_signature=signature)
    def train_round(weights, first, second, step, learning_rate, sources, decoder_inputs, targets, target_weights):
        def one_batch(batch, losses, weights, first, second):
            with tf.GradientTape() as tape:
                tape.watch(weights)
                loss = batch_loss(weights, sources[batch], decoder_inputs[batch], targets[batch], target_weights[batch])
            gradients = tape.gradient(loss, weights)
            state = adam_update(weights, gradients, first, second, step + tf.cast(batch, tf.float32), learning_rate)
            return (batch + 1, losses.write(batch, loss), *state)

        batches = tf.shape(sources)[0]
        losses = tf.TensorArray(tf.float32, size=batches)
        start = (tf.constant(0), losses, weights, first, second)
        _, losses, *state = tf.while_loop(lambda batch, *_: batch < batches, one_batch, start)
        return (*state, losses.stack())

    # Kept as a concrete function: TensorFlow then does not count every new shape's tf.function as "frequent
    # retracing" and warn about it in a warm worker.
    train_round = train_round.get_concrete_function()
    # The first call of a traced function still optimises its graph (about 1 s): pay it here, once per shape.
    weights = starting_weights(template)
    zeros = [np.zeros_like(weight) for weight in weights]
    tokens = np.ones((1, 2, 3), np.int32)
    train_round(weights, zeros, zeros, 0.0, 0.01, tokens, tokens, tokens, np.ones((1, 2, 3), np.float32))
    return CompiledSeq2seq(names, train_round)
