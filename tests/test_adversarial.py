"""Adversarial training of the embeddings (rnncore/training/adversarial.py): one step learns from the clean batch
and from the batch with each word's embedding row moved epsilon up its loss gradient, then puts the rows back."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.config import RunConfig
from tests.conftest import TINY_SENTIMENT


def _tiny_model(learning_rate: float):
    from rnncore.training.model import build_model
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    keras.utils.set_random_seed(3)
    model = build_model(RunConfig(**dict(TINY_SENTIMENT, pooling="max")), 30)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy")
    return model


def _batch():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 30, size=(6, 9)).astype("int32")
    x[:2, :3] = 0  # padded starts: masked
    return x, (rng.random(6) > 0.5).astype("float32")


def test_a_step_adds_the_gradient_at_the_perturbed_embeddings_and_puts_the_rows_back():
    import tensorflow as tf

    from rnncore.training.adversarial import use_adversarial_training

    x, y = _batch()
    epsilon, rate = 0.3, 0.5
    model = _tiny_model(rate)
    start = [w.numpy().copy() for w in model.trainable_weights]
    embeddings = model.get_layer("embedding").embeddings

    def gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(y[:, None], model(x, training=False)))
        return [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, model.trainable_weights)]

    clean = gradients()
    index = next(i for i, w in enumerate(model.trainable_weights) if w is embeddings)
    rows = clean[index]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    embeddings.assign(start[index] + epsilon * rows / np.maximum(norms, 1e-6))
    perturbed = gradients()
    embeddings.assign(start[index])
    expected = [w - rate * (a + b) for w, a, b in zip(start, clean, perturbed)]

    use_adversarial_training(model, epsilon)
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.trainable_weights, expected):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)
    untouched = np.flatnonzero(norms[:, 0] == 0)  # words not in the batch: no gradient, no perturbation left
    assert len(untouched) and np.allclose(embeddings.numpy()[untouched], start[index][untouched])


def test_a_run_with_adversarial_training_learns_and_reports_the_clean_loss():
    from rnncore.training.train import train

    result = train(RunConfig(**dict(TINY_SENTIMENT, adversarial=0.05, pooling="max")))
    assert result.history and all(np.isfinite(epoch["loss"]) and epoch["loss"] > 0 for epoch in result.history)
    assert result.metrics["accuracy"] > 0.5


def test_bad_adversarial_settings_name_the_setting():
    with pytest.raises(ValueError, match="adversarial must be from 0 to 10"):
        RunConfig(adversarial=-1.0)
