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


def start_from_language_model(model, config: RunConfig, on_event) -> None:
    """Copy a pretrained word language model's Embedding and LSTM into `model` (fine-tuning starts there).
    The sentiment model must have the language model's vocabulary size, embed_dim and units."""
    from rnncore.errors import RnncoreError
    from rnncore.events import TrainEvent
    from rnncore.lm.runs import find_language_model, load_language_model_weights

    run = find_language_model(config.language_model)
    settings = run.info["config"]
    wanted = {"vocab_size": config.vocab_size, "embed_dim": config.embed_dim, "units": config.units}
    different = {key: settings.get(key) for key, value in wanted.items() if settings.get(key) != value}
    if different:
        raise RnncoreError(
            f"The language model {run.name!r} needs the same "
            + ", ".join(f"{key} ({value})" for key, value in different.items())
        )
    weights = load_language_model_weights(run.path)
    model.get_layer("embedding").set_weights([weights["embedding"]])
    model.get_layer("lstm_1").set_weights(
        [weights["lstm_kernel"], weights["lstm_recurrent_kernel"], weights["lstm_bias"]]
    )
    on_event(TrainEvent("status", f"Starting from the language model {run.name!r}"))
