"""One frozen, validated configuration per run: the model's shape and how it is trained.

The same dataclass drives the CLI, the Train page and the saved `run.json`, so a run can always be
rebuilt from what was stored next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rnncore.settings import SettingsDict, check_settings, setting

TASKS = ("sentiment", "chars")
CELLS = ("simplernn", "lstm", "gru")
POOLINGS = ("last", "max", "mean")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SIDES = ("pre", "post")
EMBEDDING_INITS = ("random", "cooccurrence")
MAX_COOCCURRENCE_VOCAB = 20_000  # its float32 table takes 1.6 GB at this size
IMDB_TRAIN_REVIEWS = 25_000

# The settings only one task reads (the CLI offers each on its own command; the others keep their defaults).
SENTIMENT_ONLY = (
    "pooling",
    "embedding_init",
    "vocab_size",
    "maxlen",
    "truncating",
    "padding",
    "mask_padding",
    "limit",
    "sentence_crops",
    "counterfactuals",
    "verb_negations",
    "clause_negations",
    "shift_contrasts",
    "language_model",
    "validation_fraction",
    "adversarial",
    "discriminative_rates",
)
CHARS_ONLY = ("corpus", "seq_len")


# Each setting is declared once here: its default, limits (inclusive) and help drive the checks below, the CLI's
# flags (rnncore/cli.py) and the Train form's widgets (ui/train_form.py). Upper bounds keep a shared 2-core server
# usable; they are far above anything useful in a classroom.
@dataclass(frozen=True)
class RunConfig(SettingsDict):
    """Everything that defines a training run. Construct it, and invalid settings raise ValueError."""

    task: str = setting("sentiment", "sentiment (many-to-one) or chars (many-to-many language model)", choices=TASKS)
    # --- model ---
    cell: str = setting("gru", "recurrent cell", choices=CELLS)
    units: int = setting(64, "units of each recurrent layer", 1, 1024)
    layers: int = setting(1, "recurrent layers, stacked", 1, 4)
    bidirectional: bool = setting(False, "read each sequence both ways (Bidirectional)")
    embed_dim: int = setting(64, "size of each token's embedding vector", 1, 1024)
    dropout: float = setting(0.0, "dropout after each recurrent layer", 0.0, 0.9, step=0.05)
    embedding_dropout: float = setting(
        0.0, "drops whole embedding channels (SpatialDropout1D): a strong regulariser", 0.0, 0.9, step=0.05
    )
    embedding_init: str = setting(
        "random",
        "random, or cooccurrence: start the Embedding from word vectors counted in the training + unlabelled "
        f"reviews (vocab size up to {MAX_COOCCURRENCE_VOCAB:,})",
        choices=EMBEDDING_INITS,
    )
    pooling: str = setting("last", "sentiment head: the last state, or max/mean over all time steps", choices=POOLINGS)
    # --- sentiment data ---
    vocab_size: int = setting(10_000, "words kept, the most frequent in the training reviews", 3, 100_000, step=1000)
    maxlen: int = setting(200, "words read per review (a longer review is cut)", 1, 5_000, step=50)
    truncating: str = setting("pre", "which end of a long review is cut", choices=SIDES)
    padding: str = setting("pre", "which end of a short review is padded", choices=SIDES)
    mask_padding: bool = setting(
        True,
        "let the RNN skip padding (Embedding mask_zero); off, it reads padding as the seed notebooks do",
        flags=("--no-mask",),
    )
    limit: int = setting(
        0, f"training reviews to use, stratified (0 = all {IMDB_TRAIN_REVIEWS:,})", 0, IMDB_TRAIN_REVIEWS, step=1000
    )
    # Extra short examples (rnncore/data/sentence_crops.py), so short student input is not out of distribution.
    sentence_crops: float = setting(
        0.0, "extra 1–2-sentence crops, with their review's label, per training review (e.g. 0.5)", 0.0, 2.0
    )
    # Counterfactual short examples (rnncore/data/counterfactuals.py).
    counterfactuals: float = setting(
        0.0,
        "counterfactual sentences per training review: negations put in or taken out (label flipped, original "
        "kept) and 'A but B' contrasts",
        0.0,
        2.0,
    )
    verb_negations: bool = setting(
        False,
        "counterfactuals also negate sentiment verbs ('I loved it' → 'I didn't love it', 'would recommend' → "
        "'wouldn't recommend') and use 'far from'; off, only linking verbs ('was not awful')",
    )
    clause_negations: bool = setting(
        False,
        "counterfactuals also negate a whole clause, far from its word ('i don't think the acting was awful', "
        "'i expected the acting to be awful but it wasn't')",
    )
    shift_contrasts: bool = setting(
        False,
        "counterfactuals also join two sentences with a change of mind, labelled as the later one ('... in "
        "hindsight ...', 'early on ... by the time it ended ...')",
    )
    language_model: str = setting(
        "",
        "start the Embedding and LSTM from this pretrained word language model (train lm): path or run name; "
        "needs --cell lstm, one layer, and its vocab size, embed dim and units",
        metavar="MODEL",
    )
    validation_fraction: float = setting(
        0.1, "share of training reviews held out for validation", 0.01, 0.49, step=0.05
    )
    # --- char data ---
    corpus: str = setting("shakespeare", "shakespeare, imdb or a UTF-8 text file")
    seq_len: int = setting(100, "characters per training sequence", 2, 1_000)
    # --- training ---
    epochs: int = setting(3, "passes over the training data", 1, 1_000)
    batch_size: int = setting(64, "examples per batch", 1, 4_096)
    learning_rate: float = setting(1e-3, "the optimizer's learning rate", 0.0, 1.0, low_open=True, step=0.0005)
    optimizer: str = setting("adam", "optimizer", choices=OPTIMIZERS)
    clipnorm: float = setting(0.0, "clip each gradient's norm at this (0 = off)", 0.0, 1000.0, step=0.5)
    # rnncore/training/adversarial.py; the embedding rows of the shipped models are about 1.5 long.
    adversarial: float = setting(
        0.0,
        "adversarial training: also learn from each batch with its words' embeddings moved this far the way that "
        "raises the loss (0 = off; a step costs twice as long)",
        0.0,
        10.0,
        step=0.05,
    )
    # rnncore/training/discriminative.py; ULMFiT used 2.6.
    discriminative_rates: float = setting(
        1.0,
        "discriminative learning rates: the recurrent layers learn this many times slower than the output layer "
        "and the embedding slower again (1 = all at the same rate)",
        1.0,
        10.0,
        step=0.1,
    )
    patience: int = setting(2, "early stopping: epochs without a better validation loss (0 = off)", 0, 1_000)
    seed: int = setting(0, "random seed", 0, 2**31 - 1)

    def __post_init__(self) -> None:
        check_settings(self)
        if self.embedding_init != "random" and self.task != "sentiment":
            raise ValueError("embedding_init 'cooccurrence' makes word vectors, so it is for sentiment models only")
        if self.embedding_init == "cooccurrence" and self.vocab_size > MAX_COOCCURRENCE_VOCAB:
            raise ValueError(
                f"embedding_init 'cooccurrence' counts a vocabulary × vocabulary table; "
                f"use a vocab_size up to {MAX_COOCCURRENCE_VOCAB:,}"
            )
        if self.language_model and (
            self.task != "sentiment" or self.cell != "lstm" or self.layers != 1 or self.bidirectional
        ):
            raise ValueError("language_model starts one forward LSTM layer: use cell lstm, 1 layer, not bidirectional")
        for name in ("verb_negations", "clause_negations", "shift_contrasts"):
            if getattr(self, name) and not self.counterfactuals:
                raise ValueError(f"{name} changes the counterfactual sentences: set counterfactuals above 0 too")
        if self.adversarial > 0 and self.discriminative_rates > 1:
            raise ValueError("adversarial and discriminative_rates each replace the train step: use one of them")
        if not self.corpus.strip():
            raise ValueError("corpus must be 'shakespeare', 'imdb' or a file path")

    def with_changes(self, **changes: Any) -> RunConfig:
        """A validated copy with some fields changed."""
        return replace(self, **changes)
