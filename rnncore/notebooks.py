"""A saved IMDB run as a Jupyter notebook (nbformat 4.5, cells from rnncore/notebook_cells.py): what was trained
and measured, then code that rebuilds the same network (`keras_code`, also shown on the Train page's results) and
trains it with plain Keras, and a plot of the run's own curves to compare with. A student can take one exact run of
the class home."""

from __future__ import annotations

import json
from typing import Any

from rnncore.architecture import CELL_CLASS
from rnncore.config import RunConfig
from rnncore.notebook_cells import as_bytes, code, markdown, notebook


def run_notebook(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """The notebook for a sentiment run from its run.json contents (`info`)."""
    config = RunConfig.from_dict(info["config"])
    if config.task != "sentiment":
        raise ValueError(f"{name!r} is a {config.task} run; notebooks are made for IMDB sentiment runs")
    vocab_size = int(info.get("vocabulary", {}).get("size", config.vocab_size))
    metrics, history = info.get("metrics", {}), info.get("history", [])
    settings = "\n".join(f"| `{key}` | `{value}` |" for key, value in config.to_dict().items())
    measured = f"test accuracy **{metrics['accuracy']:.4f}**" if "accuracy" in metrics else "no test figure"
    cells = [
        markdown(
            f"# {name}: an IMDB sentiment run from RNN Playground\n\n"
            f"Trained in the class on {info.get('created', '?')} ({info.get('machine', '?')}): {measured}, "
            f"{len(history)} epochs, {info.get('train_seconds', 0):.0f} s of training.\n\n"
            "The code below rebuilds the same layers (the same parameter count) and trains them with plain Keras "
            "on Keras's own copy of IMDB. Its tokenizer differs from the app's, so expect figures close to, not "
            "equal to, the run's.\n\n| setting | value |\n|---|---|\n" + settings
        ),
        code("# !pip install keras tensorflow matplotlib   # outside a ready environment\n"),
        code(keras_code(config, vocab_size)),
        markdown("## The run's own curves (from its run.json), to compare with yours"),
        code(
            "import matplotlib.pyplot as plt\n\n"
            f"history = {json.dumps(history)}\n"
            "for key in ('loss', 'val_loss'):\n"
            "    plt.plot([row.get(key) for row in history], label=key)\n"
            "plt.xlabel('epoch'); plt.legend(); plt.show()\n"
        ),
    ]
    return notebook(cells)  # cells with ids: nbformat 4.5 requires them


def notebook_bytes(name: str, info: dict[str, Any]) -> bytes:
    """The notebook as UTF-8 JSON, ready to download as NAME.ipynb."""
    return as_bytes(run_notebook(name, info))


def keras_code(config: RunConfig, vocab_size: int, include_training: bool = True) -> str:
    """Plain Keras code that builds (and, with include_training, trains on keras.datasets.imdb) a model with
    the same layers and parameter count as `config`."""
    cell = CELL_CLASS[config.cell]
    mask = config.task == "sentiment" and config.mask_padding
    start = ""
    lines = ["import keras", "from keras import layers", ""]
    if config.embedding_init == "cooccurrence":
        start = ", embeddings_initializer=keras.initializers.Constant(word_vectors)"
        lines += [
            "# word_vectors: a (vocabulary × embed) array counted in the training + unlabelled reviews",
            "# (co-occurrence → PMI → SVD), from rnncore.data.word_vectors.imdb_word_vectors",
        ]
    lines += [
        "model = keras.Sequential([",
        '    keras.Input(shape=(None,), dtype="int32"),',
        f"    layers.Embedding({vocab_size}, {config.embed_dim}, mask_zero={mask}{start}),",
    ]
    if config.embedding_dropout > 0:
        lines.append(f"    layers.SpatialDropout1D({config.embedding_dropout}),")
    for depth in range(config.layers):
        last = depth == config.layers - 1
        sequences = not (config.task == "sentiment" and last and config.pooling == "last")
        rnn = f"layers.{cell}({config.units}{', return_sequences=True' if sequences else ''})"
        if config.bidirectional:
            rnn = f"layers.Bidirectional({rnn})"
        lines.append(f"    {rnn},")
        if config.dropout > 0:
            lines.append(f"    layers.Dropout({config.dropout}),")
    if config.task == "sentiment":
        if config.pooling == "max":
            lines.append("    layers.GlobalMaxPooling1D(),  # rnncore's version also skips padded steps")
        elif config.pooling == "mean":
            lines.append("    layers.GlobalAveragePooling1D(),")
        lines.append('    layers.Dense(1, activation="sigmoid"),')
    else:
        lines.append(f"    layers.Dense({vocab_size}),  # next-character logits")
    lines.append("])")
    if not include_training:
        return "\n".join(lines) + "\n"
    optimizer = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}[config.optimizer]
    clip = f", clipnorm={config.clipnorm}" if config.clipnorm > 0 else ""
    loss = (
        '"binary_crossentropy"'
        if config.task == "sentiment"
        else "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
    )
    lines += [
        "model.compile(",
        f"    optimizer=keras.optimizers.{optimizer}(learning_rate={config.learning_rate}{clip}),",
        f"    loss={loss},",
        '    metrics=["accuracy"],',
        ")",
        "model.summary()",
    ]
    if config.task == "sentiment":
        limit = f"[:{config.limit}]" if config.limit else ""
        lines += [
            "",
            "# --- data and training (Keras's own IMDB copy: its word ids differ from rnncore's tokenizer) ---",
            f"(x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words={vocab_size})",
            f"x_train, y_train = x_train{limit}, y_train{limit}",
            f'pad = dict(maxlen={config.maxlen}, truncating="{config.truncating}", padding="{config.padding}")',
            "x_train = keras.utils.pad_sequences(x_train, **pad)",
            "x_test = keras.utils.pad_sequences(x_test, **pad)",
            "callbacks = []",
        ]
        if config.patience:
            lines.append(
                f"callbacks.append(keras.callbacks.EarlyStopping(patience={config.patience}, "
                "restore_best_weights=True))"
            )
        lines += [
            f"keras.utils.set_random_seed({config.seed})",
            "model.fit(",
            f"    x_train, y_train, batch_size={config.batch_size}, epochs={config.epochs},",
            f"    validation_split={config.validation_fraction}, callbacks=callbacks,",
            ")",
            "print(model.evaluate(x_test, y_test, batch_size=512))",
        ]
    return "\n".join(lines) + "\n"
