"""Adversarial training of the word embeddings, after Miyato et al. 2017 ("Adversarial training methods for
semi-supervised text classification"): each step also learns from the same batch with every word's embedding moved
`epsilon` in the direction that raises the loss fastest, so a small change of a word's vector (bad → good) cannot
flip the verdict cheaply. Miyato et al. normalise the perturbation over a whole review; this moves each word's row
of the embedding matrix on its own, which needs no second graph from the embeddings up.

It replaces the model's train step only: the model stays the plain Functional model that is saved, exported and
mirrored in NumPy. A step costs two forward and backward passes."""

from __future__ import annotations

from rnncore.training.replaced_step import loss_and_gradients, replace_train_step, step_logs
from rnncore.training.tf_setup import keras_module

keras = keras_module()


def use_adversarial_training(model, epsilon: float) -> None:
    """Make `fit` train `model` (compiled, with a layer named "embedding") on clean + perturbed batches."""
    import tensorflow as tf

    embeddings = model.get_layer("embedding").embeddings

    def dense_loss_and_gradients(x, y, sample_weight, weights):
        y_pred, loss, gradients = loss_and_gradients(model, x, y, sample_weight, weights)
        return y_pred, loss, [tf.convert_to_tensor(g) for g in gradients]  # dense: they are added

    def train_step(data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        weights = model.trainable_weights
        y_pred, loss, gradients = dense_loss_and_gradients(x, y, sample_weight, weights)
        rows = gradients[next(i for i, weight in enumerate(weights) if weight is embeddings)]
        perturbation = epsilon * tf.math.l2_normalize(rows, axis=1)  # rows of words not in the batch stay put
        embeddings.assign_add(perturbation)
        _, _, adversarial = dense_loss_and_gradients(x, y, sample_weight, weights)
        embeddings.assign_sub(perturbation)
        model.optimizer.apply_gradients(zip([a + b for a, b in zip(gradients, adversarial)], weights))
        return step_logs(model, loss, x, y, y_pred, sample_weight)  # the reported loss is the clean one

    replace_train_step(model, train_step)
