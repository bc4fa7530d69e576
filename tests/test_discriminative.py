"""Discriminative learning rates (rnncore/training/discriminative.py): the output layer learns at the compiled rate,
the recurrent layer at rate ÷ factor, the embedding at rate ÷ factor²."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.config import RunConfig
from tests.conftest import TINY_SENTIMENT
from tests.test_adversarial import _batch, _tiny_model


def test_each_level_down_steps_factor_times_shorter():
    import tensorflow as tf

    from rnncore.training.discriminative import use_discriminative_rates, weight_groups

    x, y = _batch()
    factor, rate = 4.0, 0.5
    model = _tiny_model(rate)  # plain SGD: a step is the rate times the gradient, so each level can be checked
    groups = weight_groups(model)
    assert [len(group) for group in groups] == [2, 3, 1]  # dense kernel + bias; GRU kernels + bias; embedding
    start = [w.numpy().copy() for w in model.trainable_weights]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(y[:, None], model(x, training=False)))
    gradients = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, model.trainable_weights)]
    level = {id(w): n for n, group in enumerate(groups) for w in group}

    use_discriminative_rates(model, factor)
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    for weight, before, gradient in zip(model.trainable_weights, start, gradients):
        want = before - rate / factor ** level[id(weight)] * gradient
        np.testing.assert_allclose(weight.numpy(), want, atol=1e-6)


def test_it_cannot_be_combined_with_adversarial_training():
    with pytest.raises(ValueError, match="each replace the train step"):
        RunConfig(**TINY_SENTIMENT, adversarial=0.1, discriminative_rates=2.6)
    with pytest.raises(ValueError, match="discriminative_rates must be"):
        RunConfig(discriminative_rates=0.5)
