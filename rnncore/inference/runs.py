"""Load a stored run for inference: its NumPy mirror from weights.npz and its vocabulary, no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass

from rnncore.config import RunConfig
from rnncore.data.corpus import CharVocabulary
from rnncore.data.text import Vocabulary
from rnncore.errors import ModelLoadError
from rnncore.inference.numpy_rnn import NumpyRNN
from rnncore.inference.weights import WEIGHTS_FILE, load_weights
from rnncore.store import RunInfo, read_vocabulary


@dataclass(frozen=True)
class NetworkRun:
    """A run ready for inference: description, NumPy network and vocabulary."""

    info: RunInfo
    network: NumpyRNN
    vocabulary: Vocabulary | CharVocabulary

    @property
    def config(self) -> RunConfig:
        """The run's configuration."""
        return self.info.config


class WeightsMissingError(ModelLoadError):
    """The run predates weights.npz: a worker process must export it from model.keras first."""


def load_network_run(run: RunInfo) -> NetworkRun:
    """The run's NumPy mirror and vocabulary. Raises WeightsMissingError or ModelLoadError with the reason."""
    if run.error:
        raise ModelLoadError(f"Model {run.name!r} is broken: {run.error}")
    if not run.has_weights:
        raise WeightsMissingError(f"Model {run.name!r} has no {WEIGHTS_FILE} yet")
    try:
        network = load_weights(run.path / WEIGHTS_FILE, run.config)
    except ModelLoadError as error:
        raise ModelLoadError(f"Model {run.name!r}: {error}") from error
    vocabulary = read_vocabulary(run)
    # Token ids index the embedding: a smaller matrix would raise IndexError mid-prediction, a larger one means
    # the archive belongs to another vocabulary (every word would read as the wrong one).
    rows = network.embedding.shape[0]
    if rows != vocabulary.size:
        raise ModelLoadError(
            f"Model {run.name!r}: {WEIGHTS_FILE} has an embedding for {rows:,} tokens but the vocabulary has "
            f"{vocabulary.size:,}; the files belong to different runs"
        )
    return NetworkRun(run, network, vocabulary)
