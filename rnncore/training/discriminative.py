"""Discriminative learning rates, after ULMFiT (Howard & Ruder 2018): when a model is fine-tuned from a language
model, its lower layers already hold what pretraining learnt, so they should move less than the new output layer.
The output layer learns at the compiled rate, the recurrent layers at rate ÷ factor and the embedding at rate ÷
factor². Adam's steps do not depend on a gradient's scale, so scaling gradients would change nothing: each group of
weights gets its own optimizer instead.

Like adversarial training, it replaces the model's train step only (rnncore.training.replaced_step)."""

from __future__ import annotations

from rnncore.training.replaced_step import loss_and_gradients, replace_train_step, step_logs
from rnncore.training.tf_setup import keras_module

keras = keras_module()


def weight_groups(model) -> list[list]:
    """The model's trainable weights from the top down: the output side, the recurrent layers, the embedding."""
    embedding = {id(w) for w in model.get_layer("embedding").trainable_weights}
    recurrent = {
        id(w)
        for layer in model.layers
        if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))
        for w in layer.trainable_weights
    }
    groups: list[list] = [[], [], []]
    for weight in model.trainable_weights:
        groups[2 if id(weight) in embedding else 1 if id(weight) in recurrent else 0].append(weight)
    return groups


def use_discriminative_rates(model, factor: float) -> None:
    """Make `fit` train `model` (compiled) with learning rates falling by `factor` per level down."""
    groups = weight_groups(model)
    top = model.optimizer
    config = top.get_config()
    optimizers = [top]
    for level in (1, 2):  # the same kind of optimizer, slower by factor ** level
        slower = type(top).from_config({**config, "learning_rate": float(config["learning_rate"]) / factor**level})
        slower.build(groups[level])
        optimizers.append(slower)
    top.build(groups[0])

    def train_step(data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred, loss, gradients = loss_and_gradients(model, x, y, sample_weight, [w for g in groups for w in g])
        start = 0
        for optimizer, group in zip(optimizers, groups):
            if group:
                optimizer.apply_gradients(zip(gradients[start : start + len(group)], group))
            start += len(group)
        return step_logs(model, loss, x, y, y_pred, sample_weight)

    replace_train_step(model, train_step)
