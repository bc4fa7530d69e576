"""Build SimpleRNN / LSTM / GRU models from a RunConfig (Keras Functional API)."""

from __future__ import annotations

from rnncore.architecture import CELL_CLASS
from rnncore.config import RunConfig


def build_model(config: RunConfig, vocab_size: int):
    """A compiled-ready Keras model. Sentiment: ids → P(positive). Chars: ids → next-char logits per step."""
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    from keras import layers

    from rnncore.training.layers import MaskedGlobalMaxPooling1D

    sentiment = config.task == "sentiment"
    inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, config.embed_dim, mask_zero=sentiment and config.mask_padding, name="embedding")(
        inputs
    )
    if config.embedding_dropout > 0:
        x = layers.SpatialDropout1D(config.embedding_dropout, name="embedding_dropout")(x)
    cell_class = getattr(layers, CELL_CLASS[config.cell])
    for depth in range(config.layers):
        last = depth == config.layers - 1
        # Every layer returns sequences except the last one of a "last state" sentiment model.
        return_sequences = not (sentiment and last and config.pooling == "last")
        rnn = cell_class(config.units, return_sequences=return_sequences, name=f"{config.cell}_{depth + 1}")
        if config.bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"bidirectional_{depth + 1}")
        x = rnn(x)
        if config.dropout > 0:
            x = layers.Dropout(config.dropout, name=f"dropout_{depth + 1}")(x)
    if sentiment:
        if config.pooling == "max":
            x = MaskedGlobalMaxPooling1D(name="max_pool")(x)
        elif config.pooling == "mean":
            x = layers.GlobalAveragePooling1D(name="mean_pool")(x)
        outputs = layers.Dense(1, activation="sigmoid", name="positive_probability")(x)
    else:
        outputs = layers.Dense(vocab_size, name="next_char_logits")(x)
    return keras.Model(inputs, outputs, name=f"{config.task}_{config.cell}")
