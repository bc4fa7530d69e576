"""Backpropagation through time, by hand, in NumPy: the vanishing-gradient demo of the Concepts page.

A freshly initialised SimpleRNN, LSTM or GRU cell (Keras's equations, gate order and initialisers) reads a
fixed random sequence; BPTT then carries the Jacobian ∂h_T/∂h_t back one step at a time. Exact, not an
approximation: tests/test_gradients.py checks every number against tf.GradientTape on the same weights.
The server computes it without TensorFlow (a few milliseconds for 50 steps of 16 units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.architecture import GATES_PER_CELL


@dataclass(frozen=True)
class CellWeights:
    """One cell's weights in Keras's layout: kernel (D, G·U), recurrent_kernel (U, G·U) and bias (G·U,),
    or (2, G·U) for a GRU (row 0 input bias, row 1 recurrent bias: Keras's reset_after=True)."""

    cell: str
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        """Number of hidden units U."""
        return self.recurrent_kernel.shape[0]


@dataclass(frozen=True)
class GradientDemo:
    """What the demo shows. norms[d] = ‖∂h_T/∂h_{T-d}‖ (Frobenius) for d = 0..T-1, d = 0 being the identity;
    step_gains[k] = spectral norm of the one-step Jacobian of the state at step k+1 (h, and c for an
    LSTM), the factors whose product is the Jacobian; kernel_gradient = ∂ sum(h_T) / ∂ recurrent kernel,
    flattened (what clipnorm would clip); hidden = h_1..h_T, shape (T, U)."""

    norms: np.ndarray
    step_gains: np.ndarray
    kernel_gradient: np.ndarray
    hidden: np.ndarray


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def glorot_uniform(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Keras's GlorotUniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (rows + cols))
    return rng.uniform(-limit, limit, (rows, cols))


def orthogonal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Keras's Orthogonal initialiser: QR of a Gaussian matrix, signs fixed so the result is uniform."""
    flat = rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


def init_cell(
    cell: str, units: int, input_dim: int, seed: int = 0, recurrent_scale: float = 1.0, gate_bias: float = 0.0
) -> CellWeights:
    """Fresh weights as Keras initialises them (Glorot kernel, orthogonal recurrent kernel, zero bias, LSTM
    forget bias 1), the recurrent kernel multiplied by `recurrent_scale`. `gate_bias` is added to the LSTM
    forget-gate or GRU update-gate bias: a large value imitates a trained cell that keeps its memory."""
    if cell not in GATES_PER_CELL:
        raise ValueError(f"cell must be one of {', '.join(GATES_PER_CELL)}")
    if units < 1 or input_dim < 1:
        raise ValueError("units and input_dim must be at least 1")
    rng = np.random.default_rng(seed)
    width = GATES_PER_CELL[cell] * units
    kernel = glorot_uniform(rng, input_dim, width)
    recurrent = recurrent_scale * orthogonal(rng, units, width)
    if cell == "lstm":
        bias = np.zeros(width)
        bias[units : 2 * units] = 1.0 + gate_bias  # gates i f c o; Keras's unit_forget_bias
    elif cell == "gru":
        bias = np.zeros((2, width))
        bias[0, :units] = gate_bias  # gates z r h; z keeps the old state
    else:
        bias = np.zeros(width)
    return CellWeights(cell, kernel, recurrent, bias)


def _forward(weights: CellWeights, xs: np.ndarray) -> list[dict]:
    """Run the cell from a zero state over xs (T, D), keeping what the backward pass needs per step."""
    units, cell = weights.units, weights.cell
    h, c = np.zeros(units), np.zeros(units)
    steps = []
    for x in xs:
        if cell == "simplernn":
            new_h = np.tanh(x @ weights.kernel + h @ weights.recurrent_kernel + weights.bias)
            steps.append({"h": h, "new_h": new_h})
        elif cell == "lstm":
            z = x @ weights.kernel + h @ weights.recurrent_kernel + weights.bias
            i, f, o = _sigmoid(z[:units]), _sigmoid(z[units : 2 * units]), _sigmoid(z[3 * units :])
            g = np.tanh(z[2 * units : 3 * units])
            new_c = f * c + i * g
            new_h = o * np.tanh(new_c)
            steps.append({"h": h, "c": c, "i": i, "f": f, "g": g, "o": o, "new_c": new_c, "new_h": new_h})
            c = new_c
        else:
            inputs = x @ weights.kernel + weights.bias[0]
            memory = h @ weights.recurrent_kernel + weights.bias[1]
            z = _sigmoid(inputs[:units] + memory[:units])
            r = _sigmoid(inputs[units : 2 * units] + memory[units : 2 * units])
            candidate = np.tanh(inputs[2 * units :] + r * memory[2 * units :])
            new_h = z * h + (1 - z) * candidate
            steps.append(
                {"h": h, "z": z, "r": r, "candidate": candidate, "memory_h": memory[2 * units :], "new_h": new_h}
            )
        h = new_h
    return steps


def _backward_step(weights: CellWeights, step: dict, grad_h: np.ndarray, grad_c: np.ndarray):
    """One step of BPTT. grad_h, grad_c: (M, U) gradients of M outputs with respect to this step's new h
    (and new c). Returns the gradients with respect to the step's inputs h and c, and the gradient of the
    recurrent pre-activations (M, G·U), from which the recurrent-kernel gradient follows."""
    recurrent_t = weights.recurrent_kernel.T
    if weights.cell == "simplernn":
        grad_pre = grad_h * (1 - step["new_h"] ** 2)
        return grad_pre @ recurrent_t, np.zeros_like(grad_c), grad_pre
    if weights.cell == "lstm":
        i, f, g, o = step["i"], step["f"], step["g"], step["o"]
        squashed = np.tanh(step["new_c"])
        grad_cell = grad_c + grad_h * o * (1 - squashed**2)
        grad_pre = np.concatenate(
            [
                grad_cell * g * i * (1 - i),
                grad_cell * step["c"] * f * (1 - f),
                grad_cell * i * (1 - g**2),
                grad_h * squashed * o * (1 - o),
            ],
            axis=1,
        )
        return grad_pre @ recurrent_t, grad_cell * f, grad_pre
    z, r, candidate = step["z"], step["r"], step["candidate"]
    grad_candidate = grad_h * (1 - z) * (1 - candidate**2)
    grad_z = grad_h * (step["h"] - candidate) * z * (1 - z)
    grad_r = grad_candidate * step["memory_h"] * r * (1 - r)
    grad_memory = np.concatenate([grad_z, grad_r, grad_candidate * r], axis=1)
    return grad_h * z + grad_memory @ recurrent_t, grad_c, grad_memory


def backprop_through_time(weights: CellWeights, xs: np.ndarray) -> GradientDemo:
    """Exact BPTT over xs (T, D) from a zero state: every number of GradientDemo (see its docstring)."""
    xs = np.asarray(xs, float)
    steps = _forward(weights, xs)
    units = weights.units
    # All U outputs h_T[u] at once: the rows of the Jacobian, carried back one step at a time.
    grad_h, grad_c = np.eye(units), np.zeros((units, units))
    # sum(h_T) at once: one row, for the kernel gradient.
    sum_h, sum_c = np.ones((1, units)), np.zeros((1, units))
    kernel_gradient = np.zeros_like(weights.recurrent_kernel)
    norms = np.empty(len(steps))
    for back, step in enumerate(reversed(steps)):
        norms[back] = np.linalg.norm(grad_h)
        grad_h, grad_c, _ = _backward_step(weights, step, grad_h, grad_c)
        sum_h, sum_c, grad_pre = _backward_step(weights, step, sum_h, sum_c)
        kernel_gradient += np.outer(step["h"], grad_pre[0])
    hidden = np.array([step["new_h"] for step in steps])
    return GradientDemo(norms, _step_gains(weights, steps), kernel_gradient.reshape(-1), hidden)


def _step_gains(weights: CellWeights, steps: list[dict]) -> np.ndarray:
    """Spectral norm of each step's full state Jacobian ∂s_{k+1}/∂s_k (s = h, or (h, c) for an LSTM)."""
    units = weights.units
    gains = np.empty(len(steps))
    for k, step in enumerate(steps):
        if weights.cell == "lstm":
            identity, zeros = np.eye(units), np.zeros((units, units))
            from_h = _backward_step(weights, step, identity, zeros)[:2]  # rows: ∂h_{k+1}
            from_c = _backward_step(weights, step, zeros, identity)[:2]  # rows: ∂c_{k+1}
            jacobian = np.block([[from_h[0], from_h[1]], [from_c[0], from_c[1]]])
        else:
            jacobian = _backward_step(weights, step, np.eye(units), np.zeros((units, units)))[0]
        gains[k] = np.linalg.norm(jacobian, 2)
    return gains


def demo_inputs(steps: int, input_dim: int, seed: int) -> np.ndarray:
    """The fixed random input sequence (T, D) of the demo: standard normal, reproducible from the seed."""
    return np.random.default_rng(seed).normal(0.0, 1.0, (steps, input_dim))


def gradient_demo(
    cell: str,
    steps: int = 50,
    units: int = 16,
    recurrent_scale: float = 1.0,
    seed: int = 0,
    gate_bias: float = 0.0,
    input_dim: int = 8,
) -> GradientDemo:
    """The Concepts page's demo: a fresh cell (see init_cell) on demo_inputs(steps, input_dim, seed)."""
    if steps < 2:
        raise ValueError("steps must be at least 2")
    weights = init_cell(cell, units, input_dim, seed, recurrent_scale, gate_bias)
    return backprop_through_time(weights, demo_inputs(steps, input_dim, seed))


def clip_by_norm(gradient: np.ndarray, clipnorm: float) -> np.ndarray:
    """What Keras's clipnorm does to one gradient: rescale it to norm `clipnorm` if it is longer."""
    norm = float(np.linalg.norm(gradient))
    if clipnorm <= 0 or norm <= clipnorm:
        return gradient
    return gradient * (clipnorm / norm)
