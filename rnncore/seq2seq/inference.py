"""A NumPy mirror of the trained encoder–decoder (rnncore/training/seq2seq.py), built from its weights by name:
embedding → encoder RNN → (dot-product attention over the encoder's outputs) → decoder RNN → output layer.

Why a mirror: the server never imports TensorFlow, and decoding is one tiny step at a time (a Keras call per
step would cost milliseconds each). The equations are Keras's (rnncore/inference/numpy_rnn.Cell); the attention
is keras.layers.Attention's dot score with the encoder's padding masked out, then Luong's combination
tanh(W·[context; decoder state] + b). Tests hold it equal to the Keras model to 1e-5."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.inference.numpy_rnn import Cell
from rnncore.seq2seq.vocabulary import END, PAD, START, Vocabulary

MASKED_SCORE = 1.0e9  # what keras.layers.Attention subtracts from the scores of padded positions

State = tuple[np.ndarray, np.ndarray | None]


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class OutputStep:
    """One decoded character: its probability, the top-k characters at that step (most likely first) and the
    attention over the input's characters (None without attention). The last step is the end token."""

    id: int  # the output vocabulary's id
    char: str
    probability: float
    top: list[tuple[str, float]]
    attention: np.ndarray | None


@dataclass(frozen=True)
class Translation:
    """A decoded input. attention: (output steps, input characters), the end token's step included."""

    source: str
    output: str
    steps: list[OutputStep]
    attention: np.ndarray | None
    log_probability: float
    finished: bool  # False when decoding hit the longest output before the end token


@dataclass(frozen=True)
class Seq2seqMirror:
    """The trained weights as arrays; `max_output`: output steps at most (the end token included)."""

    source: Vocabulary
    target: Vocabulary
    source_embedding: np.ndarray
    target_embedding: np.ndarray
    encoder: Cell
    decoder: Cell
    combine_kernel: np.ndarray | None  # (2·units, units) on [context; decoder state]; None without attention
    combine_bias: np.ndarray | None
    output_kernel: np.ndarray
    output_bias: np.ndarray
    max_output: int

    @classmethod
    def from_weights(
        cls, cell: str, weights: dict[str, np.ndarray], source: Vocabulary, target: Vocabulary, max_output: int
    ) -> Seq2seqMirror:
        """Build from the weights by name ("encoder_rnn/kernel", …), as rnncore.training.seq2seq returns them."""
        arrays = {name: np.asarray(value, np.float32) for name, value in weights.items()}

        def rnn(prefix: str) -> Cell:
            kernel, recurrent, bias = (arrays[f"{prefix}/{name}"] for name in ("kernel", "recurrent_kernel", "bias"))
            if cell == "gru":  # Keras's reset_after GRU keeps input and recurrent biases as two rows
                return Cell(cell, kernel, recurrent, bias[0], bias[1])
            return Cell(cell, kernel, recurrent, bias, None)

        return cls(
            source=source,
            target=target,
            source_embedding=arrays["encoder_embedding/embeddings"],
            target_embedding=arrays["decoder_embedding/embeddings"],
            encoder=rnn("encoder_rnn"),
            decoder=rnn("decoder_rnn"),
            combine_kernel=arrays.get("attention_combine/kernel"),
            combine_bias=arrays.get("attention_combine/bias"),
            output_kernel=arrays["output/kernel"],
            output_bias=arrays["output/bias"],
            max_output=max_output,
        )

    @property
    def attention(self) -> bool:
        """Whether the decoder attends over the encoder's outputs."""
        return self.combine_kernel is not None

    def encode(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray, State]:
        """(encoder outputs (B, S, U), mask (B, S) of real characters, final state) for padded ids (B, S).
        Padded steps keep the state, so the final state is the one after the last real character."""
        mask = sources != PAD
        # Stepped here rather than with Cell.run, which returns h only: the LSTM decoder also starts from c.
        projected = self.encoder.project(self.source_embedding[sources])
        h, c = self.encoder.zero_state(len(sources))
        outputs = np.empty((*sources.shape, self.encoder.units), np.float32)
        for t in range(sources.shape[1]):
            new_h, new_c = self.encoder.step(projected[:, t], h, c)
            keep = mask[:, t, None]
            h = np.where(keep, new_h, h)
            c = None if c is None else np.where(keep, new_c, c)
            outputs[:, t] = h
        return outputs, mask, (h, c)

    def step(
        self, tokens: np.ndarray, state: State, outputs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, State]:
        """One decoder step for the previous tokens (B,): (probabilities (B, V), attention (B, S) or None, state)."""
        h, c = self.decoder.step(self.decoder.project(self.target_embedding[tokens]), *state)
        attention = None
        hidden = h
        if self.attention:
            scores = np.einsum("bu,bsu->bs", h, outputs)
            scores = scores - MASKED_SCORE * (~mask)
            attention = _softmax(scores)
            context = np.einsum("bs,bsu->bu", attention, outputs)
            hidden = np.tanh(np.concatenate([context, h], axis=-1) @ self.combine_kernel + self.combine_bias)
        return _softmax(hidden @ self.output_kernel + self.output_bias), attention, (h, c)

    def teacher_forced(self, sources: np.ndarray, decoder_inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """What the training model computes: (probabilities (B, T, V), attention (B, T, S) or None) when the
        decoder reads the given inputs (start token, then the true target) instead of its own outputs."""
        outputs, mask, state = self.encode(sources)
        probabilities, attentions = [], []
        for t in range(decoder_inputs.shape[1]):
            step_probabilities, attention, state = self.step(decoder_inputs[:, t], state, outputs, mask)
            probabilities.append(step_probabilities)
            attentions.append(attention)
        stacked = np.stack(attentions, axis=1) if self.attention else None
        return np.stack(probabilities, axis=1), stacked

    def greedy(self, sources: np.ndarray) -> np.ndarray:
        """(B, max_output) ids: at every step the most likely character, fed back (a batch at once; steps after
        the end token are meaningless and ignored by Vocabulary.decode)."""
        outputs, mask, state = self.encode(sources)
        tokens = np.full(len(sources), START, np.int64)
        decoded = np.zeros((len(sources), self.max_output), np.int64)
        for t in range(self.max_output):
            probabilities, _, state = self.step(tokens, state, outputs, mask)
            tokens = decoded[:, t] = probabilities.argmax(axis=-1)
        return decoded

    def translate(self, text: str, beam_width: int = 1, top_k: int = 3) -> Translation:
        """Decode one input by beam search (width 1: greedy), with every step's top-k and attention.
        Beams are ranked by the sum of log probabilities; the best finished one wins."""
        if not 1 <= beam_width <= 32:
            raise ValueError(f"beam width must be from 1 to 32; got {beam_width}")
        if not text:
            raise ValueError("type an input to translate")
        sources = np.asarray([self.source.encode(text)], np.int64)
        outputs, mask, (h, c) = self.encode(sources)
        # a beam: (log probability, ids, state, probability rows, attention rows)
        beams = [(0.0, [], (h, c), [], [])]
        finished = []
        for _ in range(self.max_output):
            tokens = np.asarray([beam[1][-1] if beam[1] else START for beam in beams])
            h = np.concatenate([beam[2][0] for beam in beams])
            c = None if beams[0][2][1] is None else np.concatenate([beam[2][1] for beam in beams])
            count = len(beams)
            probabilities, attention, (h, c) = self.step(
                tokens, (h, c), np.repeat(outputs, count, 0), np.repeat(mask, count, 0)
            )
            with np.errstate(divide="ignore"):
                log_probabilities = np.log(probabilities)
            candidates = []
            for row, beam in enumerate(beams):
                for token in np.argsort(-log_probabilities[row], kind="stable")[:beam_width]:
                    candidates.append((beam[0] + float(log_probabilities[row, token]), row, int(token)))
            candidates.sort(key=lambda candidate: -candidate[0])  # stable: ties keep the earlier beam
            alive = []
            for score, row, token in candidates[:beam_width]:
                state = (h[row : row + 1], None if c is None else c[row : row + 1])
                beam = beams[row]
                rows = beam[4] + [attention[row]] if attention is not None else beam[4]
                grown = (score, beam[1] + [token], state, beam[3] + [probabilities[row]], rows)
                (finished if token == END else alive).append(grown)
            beams = alive
            if len(finished) >= beam_width or not beams:
                break
        best = max(finished or beams, key=lambda beam: beam[0])
        return self._translation(text, best, finished=bool(finished) and best in finished, top_k=top_k)

    def _translation(self, text: str, beam: tuple, finished: bool, top_k: int) -> Translation:
        score, ids, _, probability_rows, attention_rows = beam
        steps = []
        for index, (token, row) in enumerate(zip(ids, probability_rows)):
            top = [(self.target.token(int(i)), float(row[i])) for i in np.argsort(-row, kind="stable")[:top_k]]
            attention = attention_rows[index] if attention_rows else None
            steps.append(OutputStep(token, self.target.token(token), float(row[token]), top, attention))
        matrix = np.stack(attention_rows) if attention_rows else None
        return Translation(text, self.target.decode(ids), steps, matrix, score, finished)
