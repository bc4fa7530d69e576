"""What a replaced Keras train step needs around its own update (adversarial training, discriminative learning
rates): the batch's loss and gradients, the logs Keras's own step reports, and putting the step in place. The model
stays the plain Functional model that is saved, exported and mirrored in NumPy."""

from __future__ import annotations

from collections.abc import Callable


def loss_and_gradients(model, x, y, sample_weight, weights: list) -> tuple:
    """The prediction, loss and gradients for `weights` on one batch in training mode (the embedding's gradient stays
    sparse: an optimizer then updates only the rows of the batch's words)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
    return y_pred, loss, tape.gradient(loss, weights)


def step_logs(model, loss, x, y, y_pred, sample_weight) -> dict:
    """Feed the loss tracker as Keras's own step does and return the metrics fit reports."""
    import tensorflow as tf

    model._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
    return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def replace_train_step(model, train_step: Callable) -> None:
    """Make `fit` call `train_step(data)` for each batch instead of Keras's own step."""
    model.train_step = train_step  # fit's compiled function calls model.train_step
    model.train_function = None  # built again on the next fit, with this step
