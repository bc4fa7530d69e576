"""The NumPy BPTT of rnncore.concepts.gradients against tf.GradientTape on the same weights (float64), and what the
Concepts page claims from it."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.concepts.gradients import backprop_through_time, clip_by_norm, demo_inputs, gradient_demo, init_cell


def _tape_lab(weights, xs):
    """The reference: Keras's own cell, the NumPy weights assigned, gradients taken by tf.GradientTape."""
    import keras
    import tensorflow as tf

    cls = {"simplernn": keras.layers.SimpleRNNCell, "lstm": keras.layers.LSTMCell, "gru": keras.layers.GRUCell}
    cell = cls[weights.cell](weights.units, dtype="float64")
    cell.build((1, xs.shape[1]))
    cell.kernel.assign(weights.kernel)
    cell.recurrent_kernel.assign(weights.recurrent_kernel)
    cell.bias.assign(weights.bias)
    units, steps = weights.units, len(xs)
    inputs = tf.constant(xs[None], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        state = [tf.zeros((1, units), tf.float64)] * (2 if weights.cell == "lstm" else 1)
        hs = []
        for t in range(steps):
            state = [tf.identity(s) for s in state]
            hs.append(state[0])
            _, state = cell(inputs[:, t], state)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
        h_last = state[0]
        total = tf.reduce_sum(h_last)
        targets = [h_last[0, unit] for unit in range(units)]
    kernel_gradient = tape.gradient(total, cell.recurrent_kernel).numpy().reshape(-1)
    squared = np.zeros(steps)
    for target in targets:
        grads = tape.gradient(target, hs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        squared += np.array([float(tf.reduce_sum(g * g)) for g in grads])
    norms = np.concatenate([[np.sqrt(units)], np.sqrt(squared[::-1][: steps - 1])])
    return norms, kernel_gradient, h_last.numpy()[0]


@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
@pytest.mark.parametrize("scale, gate_bias", [(1.0, 0.0), (2.5, 3.0)])
def test_numpy_bptt_equals_gradient_tape(cell, scale, gate_bias):
    weights = init_cell(cell, units=5, input_dim=3, seed=7, recurrent_scale=scale, gate_bias=gate_bias)
    xs = demo_inputs(12, 3, seed=7)
    lab = backprop_through_time(weights, xs)
    norms, kernel_gradient, h_last = _tape_lab(weights, xs)
    np.testing.assert_allclose(lab.hidden[-1], h_last, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lab.norms, norms, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(lab.kernel_gradient, kernel_gradient, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("cell", ["simplernn", "gru"])
def test_the_jacobian_is_bounded_by_the_product_of_step_gains(cell):
    """‖∏ J_k‖₂ ≤ ∏ ‖J_k‖₂ and ‖·‖_F ≤ √U ‖·‖₂: the page's 'product of factors' picture, checked."""
    lab = gradient_demo(cell, steps=20, units=6, seed=1)
    for distance in range(1, 20):
        bound = np.sqrt(6) * np.prod(lab.step_gains[20 - distance :])
        assert lab.norms[distance] <= bound * (1 + 1e-9)


def test_initialisers_match_keras_statistics():
    weights = init_cell("lstm", units=16, input_dim=8, seed=0)
    recurrent = weights.recurrent_kernel  # (16, 64), orthogonal rows
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(16), atol=1e-12)
    assert np.abs(weights.kernel).max() <= np.sqrt(6 / (8 + 64))
    assert np.all(weights.bias[16:32] == 1.0) and np.all(weights.bias[:16] == 0.0)
    assert init_cell("gru", 4, 2).bias.shape == (2, 12)


def test_simplernn_gradient_vanishes_with_a_small_recurrent_scale_and_is_deterministic():
    lab = gradient_demo("simplernn", steps=50, units=8, recurrent_scale=0.5, seed=3)
    assert lab.norms.shape == (50,) and lab.step_gains.shape == (50,) and lab.hidden.shape == (50, 8)
    assert lab.norms[0] == pytest.approx(np.sqrt(8))
    assert lab.norms[40] < 1e-4 * lab.norms[1]
    assert np.all(lab.step_gains <= 0.5 + 1e-12)  # ‖diag(1-h²) W‖ ≤ ‖W‖ = 0.5 for an orthogonal W
    again = gradient_demo("simplernn", steps=50, units=8, recurrent_scale=0.5, seed=3)
    assert np.array_equal(lab.norms, again.norms)


def test_a_large_keep_gate_bias_keeps_lstm_and_gru_gradients_alive():
    """The page's claim: opening the forget/update gate flattens the curve; SimpleRNN has no gate to open."""
    for cell in ("lstm", "gru"):
        closed = gradient_demo(cell, gate_bias=0.0).norms[40]
        opened = gradient_demo(cell, gate_bias=5.0).norms[40]
        assert opened > 100 * closed


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="cell must be one of"):
        gradient_demo("transformer")
    with pytest.raises(ValueError, match="steps"):
        gradient_demo("gru", steps=1)


def test_clip_by_norm():
    gradient = np.array([3.0, 4.0])
    assert np.allclose(clip_by_norm(gradient, 1.0), [0.6, 0.8])
    assert np.allclose(clip_by_norm(gradient, 10.0), gradient)
    assert np.allclose(clip_by_norm(gradient, 0.0), gradient)
