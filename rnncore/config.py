"""One frozen, validated configuration per run: the model's shape and how it is trained.

The same dataclass drives the CLI, the Train page and the saved `run.json`, so a run can always be
rebuilt from what was stored next to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

TASKS = ("sentiment", "chars")
CELLS = ("simplernn", "lstm", "gru")
POOLINGS = ("last", "max", "mean")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SIDES = ("pre", "post")
EMBEDDING_INITS = ("random", "cooccurrence")
MAX_COOCCURRENCE_VOCAB = 20_000  # its float32 table takes 1.6 GB at this size

# Upper bounds keep a shared 2-core server usable; they are far above anything useful in a classroom.
LIMITS = {
    "units": (1, 1024),
    "layers": (1, 4),
    "embed_dim": (1, 1024),
    "vocab_size": (3, 100_000),
    "maxlen": (1, 5_000),
    "seq_len": (2, 1_000),
    "epochs": (1, 1_000),
    "batch_size": (1, 4_096),
    "patience": (0, 1_000),
}


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run. Construct it, and invalid settings raise ValueError."""

    task: str = "sentiment"  # "sentiment" (many-to-one) or "chars" (many-to-many language model)
    # --- model ---
    cell: str = "gru"
    units: int = 64
    layers: int = 1
    bidirectional: bool = False
    embed_dim: int = 64
    dropout: float = 0.0
    embedding_dropout: float = 0.0  # drops whole embedding channels (SpatialDropout1D): strong regulariser
    # "cooccurrence": start the Embedding from word vectors counted in the training + unlabelled reviews
    embedding_init: str = "random"
    pooling: str = "last"  # sentiment head: last state, or max/mean over all time steps
    # --- sentiment data ---
    vocab_size: int = 10_000
    maxlen: int = 200
    truncating: str = "pre"  # which end of a long review is cut
    padding: str = "pre"  # which end of a short review is padded
    mask_padding: bool = True  # let the RNN skip padding (Embedding mask_zero)
    limit: int = 0  # training reviews to use (stratified); 0 = all 25,000
    # Extra short examples, as a fraction of the training reviews: 1–2 sentences cut from a training review
    # with its label (rnncore/data/sentence_crops.py), so short student input is not out of distribution.
    sentence_crops: float = 0.0
    # Counterfactual short examples, as a fraction of the training reviews: training sentences with a negator
    # put in or taken out and the label flipped, beside the originals, and "A but B" pairs
    # (rnncore/data/counterfactuals.py).
    counterfactuals: float = 0.0
    # A pretrained word language model (`train lm`) to start the Embedding and LSTM from: path or run name.
    language_model: str = ""
    validation_fraction: float = 0.1
    # --- char data ---
    corpus: str = "shakespeare"  # "shakespeare", "imdb", or a path to a UTF-8 text file
    seq_len: int = 100
    # --- training ---
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    clipnorm: float = 0.0  # 0 = no gradient clipping
    patience: int = 2  # early stopping on validation loss; 0 = off
    seed: int = 0

    def __post_init__(self) -> None:
        _check_choice("task", self.task, TASKS)
        _check_choice("cell", self.cell, CELLS)
        _check_choice("pooling", self.pooling, POOLINGS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("truncating", self.truncating, SIDES)
        _check_choice("padding", self.padding, SIDES)
        _check_choice("embedding_init", self.embedding_init, EMBEDDING_INITS)
        if self.embedding_init != "random" and self.task != "sentiment":
            raise ValueError("embedding_init 'cooccurrence' makes word vectors, so it is for sentiment models only")
        if self.embedding_init == "cooccurrence" and self.vocab_size > MAX_COOCCURRENCE_VOCAB:
            raise ValueError(
                f"embedding_init 'cooccurrence' counts a vocabulary × vocabulary table; "
                f"use a vocab_size up to {MAX_COOCCURRENCE_VOCAB:,}"
            )
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
        if not 0 <= self.limit <= 25_000:
            raise ValueError(f"limit must be 0 (all) or up to 25,000 reviews; got {self.limit!r}")
        if not 0.0 <= self.sentence_crops <= 2.0:
            raise ValueError(
                f"sentence_crops must be from 0 (none) to 2 (twice as many crops as reviews); got "
                f"{self.sentence_crops!r}"
            )
        if not 0.0 <= self.counterfactuals <= 2.0:
            raise ValueError(
                f"counterfactuals must be from 0 (none) to 2 (per training review); got {self.counterfactuals!r}"
            )
        if self.language_model and (
            self.task != "sentiment" or self.cell != "lstm" or self.layers != 1 or self.bidirectional
        ):
            raise ValueError("language_model starts one forward LSTM layer: use cell lstm, 1 layer, not bidirectional")
        for name in ("dropout", "embedding_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1); got {getattr(self, name)!r}")
        if not 0.0 < self.validation_fraction < 0.5:
            raise ValueError(f"validation_fraction must be in (0, 0.5); got {self.validation_fraction!r}")
        if not 0.0 < self.learning_rate <= 1.0:
            raise ValueError(f"learning_rate must be in (0, 1]; got {self.learning_rate!r}")
        if not 0.0 <= self.clipnorm <= 1e3:
            raise ValueError(f"clipnorm must be 0 (off) or positive; got {self.clipnorm!r}")
        if not 0 <= self.seed < 2**31:
            raise ValueError(f"seed must be in [0, 2^31); got {self.seed!r}")
        if not self.corpus.strip():
            raise ValueError("corpus must be 'shakespeare', 'imdb' or a file path")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        """Build from a dict, ignoring unknown keys (so older run.json files still load)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    def with_changes(self, **changes: Any) -> RunConfig:
        """A validated copy with some fields changed."""
        return replace(self, **changes)


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
