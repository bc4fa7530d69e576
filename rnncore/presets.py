"""Named training recipes shared by the Train page, the benchmarks and the docs (RunConfig keyword sets)."""

from __future__ import annotations

from typing import Any

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
# (pretrained on IMDB's training + unlabelled text, `train lm`), fine-tuned on 5,000 reviews; the next recipe is the
# same network from random numbers, so the experiment board shows what the pretraining gave.
LANGUAGE_MODEL_START: dict[str, Any] = dict(
    QUICK,
    cell="lstm",
    units=256,
    embed_dim=128,
    vocab_size=20_000,
    maxlen=200,
    limit=5_000,
    learning_rate=0.001,
    epochs=2,
    patience=0,
    seed=1,
    language_model="imdb-lm",
)
LANGUAGE_MODEL_SCRATCH: dict[str, Any] = dict(LANGUAGE_MODEL_START, language_model="")

PRESETS: dict[str, dict[str, Any]] = {
    "Quick ≈ 1 min (GRU 32, max pooling, 2 epochs)": QUICK,
    "Seed notebook: SimpleRNN 32, maxlen 500": SEED_NOTEBOOK,
    "Best: BiGRU 64, max pooling (slow)": BEST,
    "Start from the pretrained language model (LSTM 256, 5,000 reviews)": LANGUAGE_MODEL_START,
    "The same LSTM 256 from scratch (to compare)": LANGUAGE_MODEL_SCRATCH,
}
