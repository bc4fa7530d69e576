"""Build SimpleRNN / LSTM / GRU models from a RunConfig (Keras Functional API), and count their
parameters analytically (the Train page shows the count before TensorFlow is even imported)."""

from __future__ import annotations

from rnncore.config import RunConfig

CELL_CLASS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
GATES_PER_CELL = {"simplernn": 1, "lstm": 4, "gru": 3}


def build_model(config: RunConfig, vocab_size: int):
    """A compiled-ready Keras model. Sentiment: ids → P(positive). Chars: ids → next-char logits per step."""
    from rnncore.tf_setup import keras_module

    keras = keras_module()
    from keras import layers

    from rnncore.layers import MaskedGlobalMaxPooling1D

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


def count_parameters(config: RunConfig, vocab_size: int) -> int:
    """Trainable parameters, without building the model (matches model.count_params())."""
    gates = GATES_PER_CELL[config.cell]
    total = vocab_size * config.embed_dim
    width = config.embed_dim
    directions = 2 if config.bidirectional else 1
    for _ in range(config.layers):
        # Keras GRU uses reset_after=True: two bias vectors (input and recurrent).
        biases = 2 if config.cell == "gru" else 1
        per_direction = gates * config.units * (width + config.units + biases)
        total += directions * per_direction
        width = directions * config.units
    total += (width + 1) * (1 if config.task == "sentiment" else vocab_size)
    return total
