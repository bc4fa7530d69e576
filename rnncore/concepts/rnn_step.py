"""One RNN step by hand: a 2-unit SimpleRNN with fixed, readable weights, every term of every step kept
(the Concepts page's first section)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StepTerms:
    """Every term of h_t = tanh(W_h h_{t-1} + W_x x_t + b) for one time step."""

    h_prev: np.ndarray  # (U,)
    x: np.ndarray  # (D,)
    recurrent_term: np.ndarray  # W_h @ h_prev
    input_term: np.ndarray  # W_x @ x
    bias: np.ndarray
    pre_activation: np.ndarray  # sum of the three
    h: np.ndarray  # tanh(pre_activation)


def tiny_rnn_weights(recurrent_scale: float = 1.0, input_scale: float = 1.0, bias: float = 0.0):
    """Fixed, readable weights for a 2-unit RNN on 2-dimensional inputs: (W_h, W_x, b).
    The sliders only scale them, so students can follow one number as it changes."""
    w_h = recurrent_scale * np.array([[0.5, -0.3], [0.2, 0.8]])
    w_x = input_scale * np.array([[1.0, 0.5], [-0.6, 1.2]])
    b = np.array([bias, -bias / 2])
    return w_h, w_x, b


def tiny_rnn_steps(xs: np.ndarray, w_h: np.ndarray, w_x: np.ndarray, b: np.ndarray) -> list[StepTerms]:
    """Run h_t = tanh(W_h h_{t-1} + W_x x_t + b) from h_0 = 0 over xs (T, D), keeping every term."""
    h = np.zeros(w_h.shape[0])
    steps = []
    for x in np.asarray(xs, float):
        recurrent, inputs = w_h @ h, w_x @ x
        pre = recurrent + inputs + b
        new_h = np.tanh(pre)
        steps.append(StepTerms(h, x, recurrent, inputs, b, pre, new_h))
        h = new_h
    return steps
