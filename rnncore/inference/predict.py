"""Sentiment inference for the Predict page and the CLI: fast single and batch predictions, the
probability after every word, per-word attribution, hidden states, gates, and what the model sees."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rnncore.data.text import OOV_ID, PAD_ID, tokenize
from rnncore.errors import RnncoreError
from rnncore.inference.batching import MicroBatcher
from rnncore.inference.numpy_rnn import NumpyRNN
from rnncore.inference.prefix_reader import PrefixReader, can_resume
from rnncore.inference.runs import NetworkRun

MAX_REVIEW_CHARS = 100_000  # longer input is cut (a 1 MB paste must not stall a shared server)
PREFIX_BATCH_LIMIT = 600  # tokens; O(T²) work for occlusion
MAX_PREFIXES = 120  # bidirectional trajectories re-read each prefix, so long reviews are sampled


@dataclass(frozen=True)
class Prediction:
    """P(positive) and the label it implies."""

    probability: float

    @property
    def label(self) -> str:
        """'positive' or 'negative' (threshold 0.5)."""
        return "positive" if self.probability >= 0.5 else "negative"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"probability": round(self.probability, 6), "label": self.label}


@dataclass(frozen=True)
class Token:
    """One word as the model sees it."""

    text: str
    token_id: int
    oov: bool  # not in the vocabulary: the model sees <unk>
    truncated: bool  # cut off by maxlen: the model never sees it

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


class Predictor:
    """Wraps a loaded sentiment run. Thread-safe: every call only reads the weights."""

    def __init__(self, run: NetworkRun | Any):
        if run.config.task != "sentiment":
            raise RnncoreError(f"{run.info.name!r} is a {run.config.task} model, not a sentiment model")
        self.run = run
        self.config = run.config
        self.vocabulary = run.vocabulary
        # The server passes a NetworkRun (weights.npz); TensorFlow-side tools may pass a Keras LoadedRun.
        self.network = (
            run.network
            if isinstance(run, NetworkRun)
            else NumpyRNN.from_keras(run.model, "sentiment", run.config.pooling)
        )
        # Students typing at the same moment share one batched pass instead of queueing on the GIL.
        self._batcher = MicroBatcher(self._predict_chunk)
        # A review being typed is read on from the words it shares with one read before (forward-only models).
        padded = not self.config.mask_padding
        self._reader = PrefixReader(self.network) if can_resume(self.network, padded) else None

    @property
    def name(self) -> str:
        """The run's name."""
        return self.run.info.name

    @property
    def nbytes(self) -> int:
        """Memory this predictor may hold: the weights, and the readings it keeps for students typing (their bound)."""
        return self.network.nbytes + (self._reader.capacity_bytes if self._reader is not None else 0)

    @property
    def reads_on(self) -> bool:
        """Whether a review being typed is read on from the words it shares with one read before (forward-only
        models without padding tokens): then predict_typed and trajectory cost a few cell steps per keystroke."""
        return self._reader is not None

    # --- what the model sees ---
    def tokens(self, text: str) -> list[Token]:
        """Every token of the text with its id and OOV / truncation flags."""
        words = tokenize(text[:MAX_REVIEW_CHARS])
        ids = self.vocabulary.encode_tokens(words)
        maxlen = self.config.maxlen
        cut = max(0, len(words) - maxlen)
        kept = range(cut, len(words)) if self.config.truncating == "pre" else range(min(len(words), maxlen))
        kept_set = set(kept)
        return [Token(w, i, i == OOV_ID, n not in kept_set) for n, (w, i) in enumerate(zip(words, ids))]

    def _ids(self, text: str) -> np.ndarray:
        """The id sequence the model reads for raw text."""
        return self._read_ids(self.tokens(text))

    def _read_ids(self, tokens: list[Token]) -> np.ndarray:
        """(1, T) ids from tokens: truncated like training; padded only if padding was not masked."""
        ids = [t.token_id for t in tokens if not t.truncated]
        if not self.config.mask_padding:
            pad = [PAD_ID] * (self.config.maxlen - len(ids))
            ids = pad + ids if self.config.padding == "pre" else ids + pad
        if not ids:
            ids = [OOV_ID]  # an empty review still gets an (uninformative) prediction
        return np.asarray(ids, np.int32)[None, :]

    # --- predictions ---
    def predict(self, text: str) -> Prediction:
        """P(positive) for one review (batched with any concurrent calls from other threads)."""
        return self._batcher.submit(text)

    def predict_typed(self, text: str) -> Prediction:
        """predict() for a review being typed: a forward-only model reads on from the words this review shares
        with one read before (the same result, a few cell steps per keystroke instead of one per word)."""
        if self._reader is None:
            return self.predict(text)
        return Prediction(float(self._reader.probabilities(self._ids(text)[0])[-1]))

    def predict_batch(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        """Predictions for many reviews (padded and masked in batches)."""
        results: list[Prediction] = []
        for start in range(0, len(texts), batch_size):
            results.extend(self._predict_chunk(texts[start : start + batch_size]))
        return results

    def _predict_chunk(self, texts) -> list[Prediction]:
        ids, mask = _left_pad([self._ids(text)[0] for text in texts])
        probabilities = self.network.forward(ids, mask if not mask.all() else None).outputs
        return [Prediction(float(p)) for p in probabilities]

    def trajectory(self, text: str) -> tuple[list[Token], np.ndarray]:
        """(tokens the model read, P(positive) after each of them). Forward-only models: one pass.
        Bidirectional models look ahead, so each prefix is re-read, batched into one call; beyond
        MAX_PREFIXES words only evenly spaced prefixes are computed (the others are NaN)."""
        tokens = [t for t in self.tokens(text) if not t.truncated]
        if not tokens:
            return [], np.zeros(0, np.float32)
        ids = self._read_ids(tokens)  # tokens are already tokenised: don't tokenise the text twice
        if self._reader is not None:  # the verdict on this review was read just before: the same reading
            return tokens, self._reader.probabilities(ids[0])
        offset = ids.shape[1] - len(tokens) if self.config.padding == "pre" else 0
        result = self.network.forward(ids)
        if result.step_probabilities is not None:
            return tokens, result.step_probabilities[0, offset : offset + len(tokens)]
        real = np.asarray([t.token_id for t in tokens], np.int32)
        ends = np.unique(np.linspace(1, len(real), min(len(real), MAX_PREFIXES)).round().astype(int))
        probabilities = np.full(len(real), np.nan, np.float32)
        if len(self.network.layers) == 1:
            probabilities[ends - 1] = self.network.prefix_probabilities(real, ends)
        else:  # deeper layers read the backward direction's output: every prefix is re-read in full
            ids, mask = _left_pad([real[:end] for end in ends])
            probabilities[ends - 1] = self.network.forward(ids, mask).outputs
        return tokens, probabilities

    def attribution(self, text: str) -> tuple[list[Token], np.ndarray]:
        """Occlusion: how much P(positive) drops when each word is replaced by <unk> (positive values
        mean the word pushed the review towards positive). All variants run as one batch."""
        tokens = [t for t in self.tokens(text) if not t.truncated][-PREFIX_BATCH_LIMIT:]
        if not tokens:
            return [], np.zeros(0, np.float32)
        base = np.asarray([t.token_id for t in tokens], np.int32)
        variants = np.repeat(base[None, :], len(base) + 1, axis=0)
        variants[np.arange(len(base)), np.arange(len(base))] = OOV_ID
        probabilities = self.network.forward(variants).outputs
        return tokens, probabilities[-1] - probabilities[:-1]

    def internals(self, text: str):
        """Hidden states and gates of every layer for the text (see NumpyRNN.forward with record)."""
        tokens = [t for t in self.tokens(text) if not t.truncated]
        ids = np.asarray([t.token_id for t in tokens] or [OOV_ID], np.int32)[None, :]
        return tokens, self.network.forward(ids, record=True)


def _left_pad(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length rows, padded at the start, with a mask of the real tokens."""
    width = max(len(row) for row in rows)
    ids = np.full((len(rows), width), PAD_ID, np.int32)
    mask = np.zeros((len(rows), width), bool)
    for n, row in enumerate(rows):
        ids[n, width - len(row) :] = row
        mask[n, width - len(row) :] = True
    return ids, mask
