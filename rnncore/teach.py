"""Small teaching computations for the Concepts and Train pages: a hand-sized RNN in NumPy, the
per-layer parameter formula, what padding and truncation do to a review, embedding neighbours, a
training-time estimate and equivalent Keras code. (Gradients through time: rnncore/gradients.py.)

NumPy only: nothing here imports streamlit or TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.architecture import CELL_CLASS, GATES_PER_CELL, count_parameters
from rnncore.config import RunConfig
from rnncore.data.text import OOV_ID, PAD_ID

# ---------------------------------------------------------------- one RNN step, by hand


@dataclass(frozen=True)
class StepTerms:
    """Every term of h_t = tanh(W_h h_{t-1} + W_x x_t + b) for one time step."""

    h_prev: np.ndarray  # (U,)
    x: np.ndarray  # (D,)
    recurrent_term: np.ndarray  # W_h @ h_prev
    input_term: np.ndarray  # W_x @ x
    bias: np.ndarray
    pre_activation: np.ndarray  # sum of the three
    h: np.ndarray  # tanh(pre_activation)


def tiny_rnn_weights(recurrent_scale: float = 1.0, input_scale: float = 1.0, bias: float = 0.0):
    """Fixed, readable weights for a 2-unit RNN on 2-dimensional inputs: (W_h, W_x, b).
    The sliders only scale them, so students can follow one number as it changes."""
    w_h = recurrent_scale * np.array([[0.5, -0.3], [0.2, 0.8]])
    w_x = input_scale * np.array([[1.0, 0.5], [-0.6, 1.2]])
    b = np.array([bias, -bias / 2])
    return w_h, w_x, b


def tiny_rnn_steps(xs: np.ndarray, w_h: np.ndarray, w_x: np.ndarray, b: np.ndarray) -> list[StepTerms]:
    """Run h_t = tanh(W_h h_{t-1} + W_x x_t + b) from h_0 = 0 over xs (T, D), keeping every term."""
    h = np.zeros(w_h.shape[0])
    steps = []
    for x in np.asarray(xs, float):
        recurrent, inputs = w_h @ h, w_x @ x
        pre = recurrent + inputs + b
        new_h = np.tanh(pre)
        steps.append(StepTerms(h, x, recurrent, inputs, b, pre, new_h))
        h = new_h
    return steps


def run_masked_rnn(ids: list[int], skip_padding: bool, units: int = 3, seed: int = 0) -> np.ndarray:
    """Final state of a tiny random SimpleRNN over token ids. With `skip_padding`, PAD_ID steps keep the
    previous state (what Embedding(mask_zero=True) makes Keras do); without, padding is read like a word."""
    rng = np.random.default_rng(seed)
    embedding = rng.normal(0, 1, (max(ids, default=0) + 1, units))
    embedding[PAD_ID] = 0.0  # even a zero vector changes the state: the bias and W_h h still act
    w_h = rng.normal(0, 0.6, (units, units))
    w_x = rng.normal(0, 0.8, (units, units))
    b = rng.normal(0, 0.5, units)
    h = np.zeros(units)
    for token in ids:
        if skip_padding and token == PAD_ID:
            continue
        h = np.tanh(w_h @ h + w_x @ embedding[token] + b)
    return h


# ---------------------------------------------------------------- parameter counting


def parameter_rows(config: RunConfig, vocab_size: int) -> list[dict]:
    """One row per layer (name, formula, parameters), in model order; sums to count_parameters()."""
    gates = GATES_PER_CELL[config.cell]
    directions = 2 if config.bidirectional else 1
    rows = [
        {
            "layer": f"Embedding({vocab_size:,}, {config.embed_dim})",
            "formula": f"vocab × embed = {vocab_size:,} × {config.embed_dim}",
            "parameters": vocab_size * config.embed_dim,
        }
    ]
    width = config.embed_dim
    biases = 2 if config.cell == "gru" else 1
    for depth in range(config.layers):
        per_direction = gates * config.units * (width + config.units + biases)
        bias_text = "2" if biases == 2 else "1"
        formula = f"{gates} × {config.units} × ({width} + {config.units} + {bias_text})"
        if directions == 2:
            formula = f"2 × {formula}"
        name = f"{CELL_CLASS[config.cell]}({config.units})"
        if directions == 2:
            name = f"Bidirectional({name})"
        rows.append({"layer": f"{name} #{depth + 1}", "formula": formula, "parameters": directions * per_direction})
        width = directions * config.units
    outputs = 1 if config.task == "sentiment" else vocab_size
    rows.append(
        {"layer": f"Dense({outputs})", "formula": f"({width} + 1) × {outputs}", "parameters": (width + 1) * outputs}
    )
    assert sum(row["parameters"] for row in rows) == count_parameters(config, vocab_size)
    return rows


# ---------------------------------------------------------------- padding, truncation, embeddings


@dataclass(frozen=True)
class PadCell:
    """One position of the id row: kind is word | oov | pad | cut (dropped by truncation)."""

    token: str
    token_id: int
    kind: str


def pad_view(words: list[str], ids: list[int], maxlen: int, truncating: str, padding: str):
    """(before, after): the id row of a text before padding (with cut tokens marked) and after
    pad_sequences, as PadCells for colouring."""
    cut = max(0, len(ids) - maxlen)
    kept = set(range(cut, len(ids))) if truncating == "pre" else set(range(min(len(ids), maxlen)))
    before = [
        PadCell(w, i, "cut" if n not in kept else ("oov" if i == OOV_ID else "word"))
        for n, (w, i) in enumerate(zip(words, ids))
    ]
    real = [cell for cell in before if cell.kind != "cut"]
    pads = [PadCell("<pad>", PAD_ID, "pad")] * (maxlen - len(real))
    after = pads + real if padding == "pre" else real + pads
    return before, after


def nearest_words(embedding: np.ndarray, words: tuple[str, ...], word: str, k: int = 8) -> list[tuple[str, float]]:
    """The k words whose embedding rows are most cosine-similar to `word`'s (ids: 0 pad, 1 OOV, 2+ words)."""
    index = {w: n + 2 for n, w in enumerate(words) if n + 2 < len(embedding)}
    if word not in index:
        raise ValueError(f"{word!r} is not in this model's vocabulary")
    rows = embedding[2 : len(words) + 2]
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
    similarity = unit @ unit[index[word] - 2]
    order = [n for n in np.argsort(-similarity) if n + 2 != index[word]][:k]
    return [(words[n], float(similarity[n])) for n in order]


# ---------------------------------------------------------------- training time and code

CELL_COST = {"simplernn": 1.0, "lstm": 4.0, "gru": 3.0}
SECONDS_PER_STEP = 4e-5  # framework overhead per batch per time step (TensorFlow CPU, measured order)
SECONDS_PER_FLOP = 1.0 / 1.5e9  # forward + backward throughput of a small shared CPU


def estimate_seconds(config: RunConfig, train_examples: int) -> float:
    """Rough training time: epochs × batches × maxlen × layers × directions × (per-step overhead +
    batch × cell_cost × units × (input + units) × 2 FLOPs ÷ throughput), +10 % for validation.
    An estimate only: real speed depends on the machine and on other jobs."""
    directions = 2 if config.bidirectional else 1
    batches = max(1, -(-train_examples // config.batch_size))
    width, per_step = config.embed_dim, 0.0
    for _ in range(config.layers):
        flops = config.batch_size * CELL_COST[config.cell] * config.units * (width + config.units) * 2
        per_step += directions * (SECONDS_PER_STEP + flops * SECONDS_PER_FLOP)
        width = directions * config.units
    return 1.1 * config.epochs * batches * config.maxlen * per_step


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
