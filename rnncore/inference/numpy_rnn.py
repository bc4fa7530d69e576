"""A NumPy mirror of a trained Keras RNN, built from the model's real weights.

Why: a Keras call costs milliseconds of framework overhead, while a review is a few hundred tiny
matrix products. Running the same equations in NumPy gives sub-5 ms predictions, is safe to call from
many threads (no shared mutable state), and exposes what Keras hides: the hidden state, every gate and
the LSTM cell state at every step, and the prediction after every word in a single pass.

Equations follow Keras 3 exactly (gate order LSTM: i f c o; GRU: z r h with reset_after=True).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnncore.architecture import GATES_PER_CELL

GATE_NAMES = {
    "simplernn": (),
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("update", "reset", "candidate"),
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: no overflow warnings for large |x|
    return 0.5 * np.tanh(0.5 * x) + 0.5


@dataclass(frozen=True)
class Cell:
    """Weights of one recurrent cell (one direction of one layer), in Keras's layout.

    For speed the step uses a rearranged copy (made once): LSTM columns reordered from Keras's
    [i f c o] to [i f o c] so the three sigmoid gates are contiguous, and every sigmoid column scaled by
    0.5, because sigmoid(x) = 0.5·tanh(x/2) + 0.5 — so one tanh call covers all of a step's gates.
    """

    kind: str  # simplernn | lstm | gru
    kernel: np.ndarray  # (input_dim, gates*units)
    recurrent: np.ndarray  # (units, gates*units)
    bias: np.ndarray  # (gates*units,) input bias
    recurrent_bias: np.ndarray | None  # GRU (reset_after) only

    def __post_init__(self) -> None:
        units = self.units
        if self.kind == "lstm":
            order = np.r_[0 : 2 * units, 3 * units : 4 * units, 2 * units : 3 * units]
            scale = np.r_[np.full(3 * units, 0.5), np.ones(units)].astype(np.float32)
        elif self.kind == "gru":
            order = np.arange(3 * units)
            scale = np.r_[np.full(2 * units, 0.5), np.ones(units)].astype(np.float32)
        else:
            order, scale = np.arange(units), np.ones(units, np.float32)
        object.__setattr__(self, "_kernel", np.ascontiguousarray(self.kernel[:, order] * scale))
        object.__setattr__(self, "_recurrent", np.ascontiguousarray(self.recurrent[:, order] * scale))
        object.__setattr__(self, "_bias", self.bias[order] * scale)
        rb = None if self.recurrent_bias is None else self.recurrent_bias * scale
        object.__setattr__(self, "_recurrent_bias", rb)

    @property
    def units(self) -> int:
        """Hidden size."""
        return self.recurrent.shape[0]

    def zero_state(self, batch: int) -> tuple[np.ndarray, np.ndarray | None]:
        """(h, c) of zeros; c is None except for LSTM."""
        h = np.zeros((batch, self.units), np.float32)
        return h, (np.zeros_like(h) if self.kind == "lstm" else None)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Input contribution for every step at once (one matrix product): the argument of `step`."""
        return x @ self._kernel + self._bias

    def step(self, x_projected: np.ndarray, h: np.ndarray, c: np.ndarray | None, gates: dict | None = None):
        """One time step from `project(x_t)`; returns (h, c). With `gates`, records every gate value."""
        units = self.units
        z = h @ self._recurrent
        if self.kind == "simplernn":
            z += x_projected
            return np.tanh(z, out=z), None
        if self.kind == "lstm":
            z += x_projected
            np.tanh(z, out=z)
            sig = z[:, : 3 * units]
            sig *= 0.5
            sig += 0.5
            i, f, o, g = z[:, :units], z[:, units : 2 * units], z[:, 2 * units : 3 * units], z[:, 3 * units :]
            c = f * c + i * g
            h = o * np.tanh(c)
            if gates is not None:
                gates.update(input=i, forget=f, candidate=g, output=o, cell=c)
            return h, c
        z += self._recurrent_bias
        zr = x_projected[:, : 2 * units] + z[:, : 2 * units]
        np.tanh(zr, out=zr)
        zr *= 0.5
        zr += 0.5
        update, reset = zr[:, :units], zr[:, units:]
        candidate = reset * z[:, 2 * units :]
        candidate += x_projected[:, 2 * units :]
        np.tanh(candidate, out=candidate)
        h = candidate + update * (h - candidate)  # = update·h + (1 − update)·candidate
        if gates is not None:
            gates.update(update=update, reset=reset, candidate=candidate)
        return h, None

    def run(self, x: np.ndarray, mask: np.ndarray | None, reverse: bool = False, record: bool = False):
        """Run over a (batch, time, features) sequence. Masked steps keep the previous state, as in Keras.
        Returns (outputs (B,T,U), final h (B,U), traces {name: (B,T,U)} when `record`)."""
        return self.run_projected(self.project(x), None if mask is None else mask[:, :, None], reverse, record)

    def run_from(self, x: np.ndarray, h: np.ndarray, c: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Run a (1, T, features) sequence forwards from state (h, c), no mask: (h after each step (T, U), c after
        each step (T, U), None except for LSTM). What resuming a read from a remembered state needs."""
        projected = self.project(x)
        steps = projected.shape[1]
        hidden = np.empty((steps, self.units), np.float32)
        cells = np.empty((steps, self.units), np.float32) if c is not None else None
        for t in range(steps):
            h, c = self.step(projected[:, t], h, c)
            hidden[t] = h[0]
            if cells is not None:
                cells[t] = c[0]
        return hidden, cells

    def run_projected(self, projected: np.ndarray, mask: np.ndarray | None, reverse: bool = False, record=False):
        """`run` from precomputed input projections; `mask` is (B,T,1) or (B,T,units)."""
        batch, steps, _ = projected.shape
        h, c = self.zero_state(batch)
        outputs = np.empty((batch, steps, self.units), np.float32)
        traces: dict[str, np.ndarray] = {}
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            gates: dict | None = {} if record else None
            new_h, new_c = self.step(projected[:, t], h, c, gates)
            if mask is not None:
                keep = mask[:, t]
                new_h = np.where(keep, new_h, h)
                new_c = np.where(keep, new_c, c) if new_c is not None else None
                if gates and "cell" in gates:
                    gates["cell"] = new_c  # the cell trace is a state: over padding it is kept, like h
            h, c = new_h, new_c
            outputs[:, t] = h
            if gates:
                for name, value in gates.items():
                    traces.setdefault(name, np.zeros((batch, steps, self.units), np.float32))[:, t] = value
        return outputs, h, traces


@dataclass(frozen=True)
class Layer:
    """One recurrent layer: a forward cell and, if bidirectional, a backward cell (outputs concatenated)."""

    forward: Cell
    backward: Cell | None = None

    def __post_init__(self) -> None:
        if self.backward is not None:
            object.__setattr__(self, "_fused", _fuse(self.forward, self.backward))

    def run(self, x: np.ndarray, mask: np.ndarray | None, record: bool):
        """(outputs (B,T,U·directions), final state (B,U·directions), {"forward/gate": (B,T,U), …})."""
        if self.backward is None:
            out, final, traces = self.forward.run(x, mask, record=record)
            return out, final, {f"forward/{name}": value for name, value in traces.items()}
        # Both directions advance together in one fused cell: step t reads token t forwards and token
        # T-1-t backwards, so a bidirectional layer costs about as many NumPy calls as a one-way layer.
        units = self.forward.units
        reversed_x = x[:, ::-1]
        projected = _interleave(self.forward.project(x), self.backward.project(reversed_x), self.forward.kind)
        both_mask = None
        if mask is not None:
            both_mask = np.concatenate(
                [np.repeat(mask[:, :, None], units, axis=2), np.repeat(mask[:, ::-1, None], units, axis=2)], axis=2
            )
        out, final, traces = self._fused.run_projected(projected, both_mask, record=record)
        forward_out, backward_out = out[..., :units], out[..., units:][:, ::-1]
        named = {}
        for name, value in traces.items():
            named[f"forward/{name}"] = value[..., :units]
            named[f"backward/{name}"] = value[..., units:][:, ::-1]
        return np.concatenate([forward_out, backward_out], axis=-1), final, named


@dataclass
class ForwardPass:
    """Everything one pass computes. Arrays are per batch row."""

    outputs: np.ndarray  # sentiment: P(positive) (B,); chars: logits (B,T,V)
    hidden: list[np.ndarray] = field(default_factory=list)  # per layer (B,T,units*directions)
    gates: list[dict[str, np.ndarray]] = field(default_factory=list)  # per layer {"forward/forget": (B,T,U)}
    step_probabilities: np.ndarray | None = None  # sentiment, unidirectional: P(positive) after each step


@dataclass(frozen=True)
class NumpyRNN:
    """Embedding → recurrent layers → (pooling) → dense, as plain arrays."""

    task: str
    embedding: np.ndarray
    layers: tuple[Layer, ...]
    pooling: str  # last | max | mean (sentiment); unused for chars
    dense_kernel: np.ndarray
    dense_bias: np.ndarray

    @property
    def nbytes(self) -> int:
        """Memory the weights hold, with the rearranged copies the steps use."""
        arrays = [self.embedding, self.dense_kernel, self.dense_bias]
        for layer in self.layers:
            for cell in (layer.forward, layer.backward, getattr(layer, "_fused", None)):
                if cell is not None:
                    arrays += [value for value in vars(cell).values() if isinstance(value, np.ndarray)]
        return sum(array.nbytes for array in arrays)

    @property
    def bidirectional(self) -> bool:
        """Whether the layers read the sequence in both directions."""
        return self.layers[0].backward is not None

    @property
    def cell(self) -> str:
        """simplernn | lstm | gru."""
        return self.layers[0].forward.kind

    @classmethod
    def from_keras(cls, model, task: str, pooling: str = "last") -> NumpyRNN:
        """Copy the weights of a model made by `rnncore.training.model.build_model`."""
        embedding, layers, dense = None, [], None
        for layer in model.layers:
            kind = type(layer).__name__
            if kind == "Embedding":
                embedding = np.asarray(layer.get_weights()[0], np.float32)
            elif kind in ("SimpleRNN", "LSTM", "GRU"):
                layers.append(Layer(_cell(layer)))
            elif kind == "Bidirectional":
                layers.append(Layer(_cell(layer.forward_layer), _cell(layer.backward_layer)))
            elif kind == "Dense":
                dense = [np.asarray(w, np.float32) for w in layer.get_weights()]
        if embedding is None or not layers or dense is None:
            raise ValueError("not an rnncore model: expected Embedding, recurrent layers and a Dense head")
        return cls(task, embedding, tuple(layers), pooling, dense[0], dense[1])

    def forward(self, ids: np.ndarray, mask: np.ndarray | None = None, record: bool = False) -> ForwardPass:
        """Run a (batch, time) id matrix. `mask` marks real tokens (None = all real).
        With `record`, keeps hidden states and gates of every layer."""
        x = self.embedding[ids]
        hidden, gates, finals = [], [], []
        for layer in self.layers:
            x, final, layer_gates = layer.run(x, mask, record)
            finals = [final]
            if record:
                hidden.append(x)
                gates.append(layer_gates)
        if self.task == "chars":
            return ForwardPass(x @ self.dense_kernel + self.dense_bias, hidden, gates)
        pooled = self._pool(x, finals[0], mask)
        probability = _sigmoid(pooled @ self.dense_kernel + self.dense_bias)[:, 0]
        result = ForwardPass(probability, hidden, gates)
        if not self.bidirectional and mask is None:
            result.step_probabilities = self._running_probabilities(x)
        return result

    def _pool(self, sequence: np.ndarray, final: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        if self.pooling == "last":
            return final
        if self.pooling == "max":
            if mask is None:
                return sequence.max(axis=1)
            return np.where(mask[:, :, None], sequence, -np.inf).max(axis=1)
        if mask is None:
            return sequence.mean(axis=1)
        weights = mask[:, :, None].astype(np.float32)
        return (sequence * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)

    def _running_probabilities(self, sequence: np.ndarray) -> np.ndarray:
        """P(positive) had the review ended after each step — exact for a forward-only model, because
        the state after step t depends only on the first t tokens. One pass, no re-runs."""
        if self.pooling == "last":
            running = sequence
        elif self.pooling == "max":
            running = np.maximum.accumulate(sequence, axis=1)
        else:
            running = np.cumsum(sequence, axis=1) / np.arange(1, sequence.shape[1] + 1)[None, :, None]
        return _sigmoid(running @ self.dense_kernel + self.dense_bias)[..., 0]

    def prefix_probabilities(self, ids: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """P(positive) had the review (1-D ids) ended after word `end`, for each of `ends` (1-based), for a
        one-layer bidirectional sentiment model. The forward direction's state after word k is the same in
        every prefix that contains word k, so it is read once; only the backward direction, which starts at
        the prefix's last word, re-reads each prefix (batched). About half the work of re-reading whole
        prefixes in both directions — the Predict page does this on every keystroke."""
        if not self.bidirectional or len(self.layers) != 1 or self.task != "sentiment":
            raise ValueError("prefix_probabilities needs a one-layer bidirectional sentiment model")
        layer = self.layers[0]
        forward, _, _ = layer.forward.run(self.embedding[ids][None], None)
        forward = forward[0]  # (T, U): state after each word
        width = int(ends.max())
        rows = np.full((len(ends), width), 0, ids.dtype)
        mask = np.zeros((len(ends), width), bool)
        for n, end in enumerate(ends):  # padded at the start, so every row's last word is at the end
            rows[n, width - end :] = ids[:end]
            mask[n, width - end :] = True
        backward, backward_final, _ = layer.backward.run(self.embedding[rows], mask, reverse=True)
        last = ends - 1
        if self.pooling == "last":
            pooled = np.concatenate([forward[last], backward_final], axis=1)
        elif self.pooling == "max":
            ahead = np.maximum.accumulate(forward, axis=0)[last]
            pooled = np.concatenate([ahead, np.where(mask[:, :, None], backward, -np.inf).max(axis=1)], axis=1)
        else:
            ahead = (np.cumsum(forward, axis=0) / np.arange(1, len(forward) + 1)[:, None])[last]
            weights = mask[:, :, None].astype(np.float32)
            behind = (backward * weights).sum(axis=1) / weights.sum(axis=1)
            pooled = np.concatenate([ahead, behind], axis=1)
        return _sigmoid(pooled @ self.dense_kernel + self.dense_bias)[:, 0]

    # --- stateful stepping for character generation ---
    def initial_state(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Zero state for each layer (forward direction; generation is left-to-right)."""
        if self.bidirectional:
            raise ValueError("a bidirectional model reads the future, so it cannot generate text step by step")
        return [layer.forward.zero_state(1) for layer in self.layers]

    def step(self, token_id: int, state: list) -> tuple[np.ndarray, list]:
        """Feed one token, carrying the state: returns (logits (V,), new state). One cell step per layer."""
        x = self.embedding[token_id][None, :]
        new_state = []
        for layer, (h, c) in zip(self.layers, state):
            cell = layer.forward
            h, c = cell.step(cell.project(x), h, c)
            new_state.append((h, c))
            x = h
        return (x @ self.dense_kernel + self.dense_bias)[0], new_state


def _cell(layer) -> Cell:
    kernel, recurrent, bias = (np.asarray(w, np.float32) for w in layer.get_weights())
    kind = type(layer).__name__.lower()
    if kind == "gru":
        return Cell(kind, kernel, recurrent, bias[0], bias[1])
    return Cell(kind, kernel, recurrent, bias, None)


def _interleave(forward: np.ndarray, backward: np.ndarray, kind: str) -> np.ndarray:
    """Per gate block, put the forward direction's columns then the backward's: [g1_f g1_b g2_f g2_b …]."""
    gates = GATES_PER_CELL[kind]
    *lead, width = forward.shape
    units = width // gates
    stacked = np.stack([forward.reshape(*lead, gates, units), backward.reshape(*lead, gates, units)], axis=-2)
    return stacked.reshape(*lead, 2 * width)


def _fuse(forward: Cell, backward: Cell) -> Cell:
    """One cell of 2·units whose recurrent matrix is block-diagonal: the two directions never mix."""
    units, gates = forward.units, GATES_PER_CELL[forward.kind]
    recurrent = np.zeros((2 * units, gates * 2 * units), np.float32)
    for g in range(gates):
        block = slice(g * units, (g + 1) * units)
        recurrent[:units, g * 2 * units : g * 2 * units + units] = forward.recurrent[:, block]
        recurrent[units:, g * 2 * units + units : (g + 1) * 2 * units] = backward.recurrent[:, block]
    recurrent_bias = None
    if forward.recurrent_bias is not None:
        recurrent_bias = _interleave(forward.recurrent_bias, backward.recurrent_bias, forward.kind)
    # kernel and bias are unused: inputs are projected per direction, then interleaved
    width = gates * 2 * units
    return Cell(forward.kind, np.zeros((1, width), np.float32), recurrent, np.zeros(width, np.float32), recurrent_bias)
