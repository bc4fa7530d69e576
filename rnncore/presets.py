"""Named training recipes shared by the Train page, the benchmarks and the docs: each a `Preset` (a name, the
label the Train page shows, a description and the RunConfig settings it changes from the defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from rnncore.config import RunConfig

# The Quick preset is tuned to reach ≥ 0.85 test accuracy in about a minute of training on 2 CPU cores:
# max pooling learns much faster than reading only the last state, and maxlen 200 keeps epochs short.
QUICK: dict[str, Any] = dict(
    task="sentiment",
    cell="gru",
    units=32,
    layers=1,
    bidirectional=False,
    embed_dim=32,
    vocab_size=10_000,
    maxlen=200,
    truncating="pre",
    padding="pre",
    mask_padding=True,
    dropout=0.0,
    embedding_dropout=0.0,
    embedding_init="random",
    pooling="max",
    optimizer="adam",
    learning_rate=0.003,
    batch_size=64,
    epochs=2,
    limit=0,
    validation_fraction=0.1,
    seed=0,
    patience=2,
    clipnorm=0.0,
    language_model="",
)

# The seed notebook's recipe: Embedding(10000, 32) + SimpleRNN(32), maxlen 500, rmsprop, batch 128,
# validation_split=0.2, 10 epochs; its SimpleRNN read the padding (no mask) and kept only the last state.
SEED_NOTEBOOK: dict[str, Any] = dict(
    QUICK,
    cell="simplernn",
    maxlen=500,
    mask_padding=False,
    pooling="last",
    optimizer="rmsprop",
    learning_rate=0.001,
    batch_size=128,
    epochs=10,
    validation_fraction=0.2,
    patience=0,
)

# The recipe of the shipped imdb-bigru model (see scripts/train_shipped.sh).
BEST: dict[str, Any] = dict(
    QUICK,
    units=64,
    bidirectional=True,
    embed_dim=64,
    vocab_size=15_000,
    maxlen=500,
    dropout=0.3,
    learning_rate=0.001,
    epochs=3,
    patience=1,
    seed=1,
)

# Transfer learning by doing it: an LSTM whose Embedding and LSTM start from the shipped word language model
# (pretrained on IMDB's training + unlabelled text, `train lm`), fine-tuned for one epoch on 10,000 reviews within
# the Quick preset's minute; the next recipe is the same network from random numbers, so the experiment board shows
# what the pretraining gave. Chosen on validation (2-core CPU, 1 epoch): batch 128 trains as fast per review as 64
# and takes a larger learning rate (3e-3: val 0.892; 64 at 2e-3: 0.866); one epoch of 10,000 reviews beat two of
# 5,000 (0.887 in the same time, test 0.855); a slanted triangular schedule and a frozen Embedding did not help.
LANGUAGE_MODEL_START: dict[str, Any] = dict(
    QUICK,
    cell="lstm",
    units=256,
    embed_dim=128,
    vocab_size=20_000,
    maxlen=200,
    limit=10_000,
    batch_size=128,
    learning_rate=0.003,
    epochs=1,
    patience=0,
    seed=1,
    language_model="imdb-lm",
)
LANGUAGE_MODEL_SCRATCH: dict[str, Any] = dict(LANGUAGE_MODEL_START, language_model="")


@dataclass(frozen=True)
class Preset:
    """A recipe by name: `name` is also the run name the Train page suggests, `label` what its preset box shows,
    `overrides` the RunConfig settings that differ from the defaults (or that the recipe pins)."""

    name: str
    label: str
    description: str
    overrides: Mapping[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        RunConfig(**self.overrides)  # a recipe with a wrong setting fails at import, not when a student picks it

    def values(self) -> dict[str, Any]:
        """Every RunConfig setting of this recipe: the defaults with the overrides applied."""
        return {**RunConfig().to_dict(), **self.overrides}

    def config(self) -> RunConfig:
        """The recipe as a validated RunConfig."""
        return RunConfig(**self.overrides)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "quick-gru32",
        "Quick ≈ 1 min (GRU 32, max pooling, 2 epochs)",
        "reaches ≥ 0.85 test accuracy in about a minute on 2 CPU cores",
        QUICK,
    ),
    Preset(
        "notebook-simplernn32",
        "Seed notebook: SimpleRNN 32, maxlen 500",
        "the seed notebook's recipe: it reads the padding and keeps only the last state",
        SEED_NOTEBOOK,
    ),
    Preset("best-bigru64", "Best: BiGRU 64, max pooling (slow)", "the recipe of the shipped imdb-bigru model", BEST),
    Preset(
        "lm-lstm256",
        "Start from the pretrained language model ≈ 1 min (LSTM 256, 10,000 reviews)",
        "transfer learning: Embedding and LSTM start from the shipped word language model imdb-lm",
        LANGUAGE_MODEL_START,
    ),
    Preset(
        "scratch-lstm256",
        "The same LSTM 256 from scratch (to compare)",
        "the transfer-learning network from random numbers, to see what the pretraining gave",
        LANGUAGE_MODEL_SCRATCH,
    ),
)
BY_NAME: dict[str, Preset] = {preset.name: preset for preset in PRESETS}
BY_LABEL: dict[str, Preset] = {preset.label: preset for preset in PRESETS}
assert len(BY_NAME) == len(BY_LABEL) == len(PRESETS), "preset names and labels must be unique"


def preset(name: str) -> Preset:
    """The preset called `name` (KeyError naming the known ones otherwise)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no preset {name!r}; known: {', '.join(BY_NAME)}") from None
