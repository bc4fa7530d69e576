"""The NumPy mirror must compute exactly what the Keras model computes: outputs (with and without masking),
per-prefix probabilities, hidden states of every layer, and gate values that really produce the state."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnncore.config import CELLS, POOLINGS, RunConfig
from rnncore.inference.numpy_rnn import GATE_NAMES, NumpyRNN
from rnncore.training.model import build_model
from rnncore.training.tf_setup import keras_module

keras = keras_module()
VOCAB = 25
UNITS = 6
ATOL = 2e-5


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _model(seed: int = 0, **changes):
    """A tiny model with random (not freshly initialised) weights, so zero biases hide nothing."""
    settings = dict(task="sentiment", units=UNITS, embed_dim=5, vocab_size=VOCAB, seq_len=10)
    config = RunConfig(**{**settings, **changes})
    model = build_model(config, VOCAB)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    return config, model, NumpyRNN.from_keras(model, config.task, config.pooling)


def _padded_batch(seed: int = 1) -> np.ndarray:
    """Rows of different lengths: full, pre-padded, post-padded, and a single token."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, VOCAB, size=(4, 9)).astype(np.int32)
    ids[1, :4] = 0
    ids[2, 6:] = 0
    ids[3, :8] = 0
    return ids


def _keras(model, ids) -> np.ndarray:
    return np.asarray(model(ids, training=False))


def _recurrent_layers(model):
    return [layer for layer in model.layers if type(layer).__name__ in ("SimpleRNN", "LSTM", "GRU", "Bidirectional")]


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), list(itertools.product(CELLS, (False, True), POOLINGS)))
def test_masked_padded_batch_matches_keras(cell, bidirectional, pooling):
    _, model, network = _model(cell=cell, bidirectional=bidirectional, pooling=pooling)
    ids = _padded_batch()
    expected = _keras(model, ids)[:, 0]
    result = network.forward(ids, mask=ids != 0)
    assert result.outputs.shape == (4,)
    np.testing.assert_allclose(result.outputs, expected, atol=ATOL)
    # unpadded rows need no mask
    full = ids[:1]
    np.testing.assert_allclose(network.forward(full).outputs, _keras(model, full)[:, 0], atol=ATOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_two_layer_models_match_keras(cell, bidirectional):
    _, model, network = _model(cell=cell, layers=2, bidirectional=bidirectional, pooling="last", seed=3)
    ids = _padded_batch(seed=4)
    np.testing.assert_allclose(network.forward(ids, mask=ids != 0).outputs, _keras(model, ids)[:, 0], atol=ATOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_unmasked_model_reads_padding_like_keras(cell, padding):
    _, model, network = _model(cell=cell, mask_padding=False, padding=padding, pooling="mean", seed=5)
    ids = _padded_batch(seed=6)
    np.testing.assert_allclose(network.forward(ids).outputs, _keras(model, ids)[:, 0], atol=ATOL)


@pytest.mark.parametrize(("cell", "pooling"), list(itertools.product(CELLS, POOLINGS)))
def test_step_probabilities_equal_keras_on_every_prefix(cell, pooling):
    _, model, network = _model(cell=cell, pooling=pooling, seed=7)
    ids = np.random.default_rng(8).integers(1, VOCAB, size=(2, 7)).astype(np.int32)
    steps = network.forward(ids).step_probabilities
    assert steps.shape == (2, 7)
    prefixes = np.stack([_keras(model, ids[:, : t + 1])[:, 0] for t in range(7)], axis=1)
    np.testing.assert_allclose(steps, prefixes, atol=ATOL)
    np.testing.assert_allclose(steps[:, -1], network.forward(ids).outputs, atol=1e-6)


@pytest.mark.parametrize(("cell", "pooling"), list(itertools.product(CELLS, POOLINGS)))
def test_bidirectional_prefix_probabilities_equal_keras_on_every_prefix(cell, pooling):
    """The forward direction read once, the backward one per prefix: the same numbers as Keras reading each
    prefix whole."""
    _, model, network = _model(cell=cell, bidirectional=True, pooling=pooling, seed=21)
    ids = np.random.default_rng(22).integers(2, VOCAB, size=9).astype(np.int32)
    ends = np.array([1, 2, 5, 9])
    expected = [_keras(model, ids[None, :end])[0, 0] for end in ends]
    np.testing.assert_allclose(network.prefix_probabilities(ids, ends), expected, atol=ATOL)
    with pytest.raises(ValueError, match="one-layer bidirectional"):
        _model(cell=cell, pooling=pooling)[2].prefix_probabilities(ids, ends)


def test_step_probabilities_only_where_they_are_exact():
    _, _, bidirectional = _model(cell="gru", bidirectional=True)
    ids = _padded_batch()
    assert bidirectional.forward(ids[:1]).step_probabilities is None  # it reads the future
    _, _, forward_only = _model(cell="gru")
    assert forward_only.forward(ids, mask=ids != 0).step_probabilities is None
    _, _, chars = _model(task="chars", cell="gru")
    assert chars.forward(ids[:1]).step_probabilities is None


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_hidden_states_equal_keras_sequences(cell, bidirectional):
    # max pooling: every recurrent layer returns sequences, so Keras can show all of them
    _, model, network = _model(cell=cell, layers=2, bidirectional=bidirectional, pooling="max", seed=9)
    probe = keras.Model(model.inputs, [layer.output for layer in _recurrent_layers(model)])
    ids = _padded_batch(seed=10)
    mask = ids != 0
    expected = [np.asarray(x) for x in probe(ids, training=False)]
    result = network.forward(ids, mask=mask, record=True)
    width = UNITS * (2 if bidirectional else 1)
    assert len(result.hidden) == 2
    for got, want in zip(result.hidden, expected):
        assert got.shape == want.shape == (4, 9, width)
        # Keras zeroes masked steps of bidirectional sequences; only real tokens are comparable
        np.testing.assert_allclose(got[mask], want[mask], atol=ATOL)
    no_padding = ids[:1]
    expected_full = [np.asarray(x) for x in probe(no_padding, training=False)]
    for got, want in zip(network.forward(no_padding, record=True).hidden, expected_full):
        np.testing.assert_allclose(got, want, atol=ATOL)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gate_traces_have_the_documented_names_and_ranges(bidirectional):
    for cell in CELLS:
        _, _, network = _model(cell=cell, bidirectional=bidirectional, seed=11)
        ids = _padded_batch(seed=12)[:1]
        gates = network.forward(ids, record=True).gates
        assert len(gates) == 1
        names = list(GATE_NAMES[cell]) + (["cell"] if cell == "lstm" else [])
        directions = ["forward", "backward"] if bidirectional else ["forward"]
        assert set(gates[0]) == {f"{d}/{name}" for d in directions for name in names}
        for name, trace in gates[0].items():
            assert trace.shape == (1, 9, UNITS)
            if name.endswith(("input", "forget", "output", "update", "reset")):
                assert np.all((trace > 0) & (trace < 1)), name
            if name.endswith("candidate"):
                assert np.all(np.abs(trace) < 1), name


def test_no_traces_without_record():
    _, _, network = _model(cell="lstm")
    result = network.forward(_padded_batch()[:1])
    assert result.hidden == [] and result.gates == []


@pytest.mark.parametrize("masked", [False, True])
def test_lstm_final_cell_state_equals_keras_return_state(masked):
    _, model, network = _model(cell="lstm", seed=13)
    source = model.get_layer("lstm_1")
    twin = keras.layers.LSTM(UNITS, return_state=True)
    embedded = model.get_layer("embedding").get_weights()[0]
    ids = _padded_batch(seed=14)
    if not masked:
        ids = np.where(ids == 0, 1, ids)
    x = embedded[ids]
    twin.build(x.shape)
    twin.set_weights(source.get_weights())
    mask = ids != 0
    output, state_h, state_c = (np.asarray(v) for v in twin(x, mask=mask if masked else None))
    result = network.forward(ids, mask=mask if masked else None, record=True)
    np.testing.assert_allclose(result.gates[0]["forward/cell"][:, -1], state_c, atol=ATOL)
    np.testing.assert_allclose(result.hidden[0][:, -1], state_h, atol=ATOL)
    np.testing.assert_allclose(result.hidden[0][:, -1], output, atol=ATOL)


def _previous(trace: np.ndarray, reverse: bool) -> np.ndarray:
    """The state before each step (zeros before the first step read)."""
    zeros = np.zeros_like(trace[:, :1])
    if reverse:
        return np.concatenate([trace[:, 1:], zeros], axis=1)
    return np.concatenate([zeros, trace[:, :-1]], axis=1)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_gates_reproduce_the_state_from_keras_weights(bidirectional):
    _, model, network = _model(cell="lstm", bidirectional=bidirectional, pooling="mean", seed=15)
    ids = np.random.default_rng(16).integers(1, VOCAB, size=(2, 8)).astype(np.int32)
    result = network.forward(ids, record=True)
    x = model.get_layer("embedding").get_weights()[0][ids]
    layer = _recurrent_layers(model)[0]
    cells = [layer.forward_layer, layer.backward_layer] if bidirectional else [layer]
    for n, (direction, keras_cell) in enumerate(zip(("forward", "backward"), cells)):
        kernel, recurrent, bias = keras_cell.get_weights()
        gates = {name.split("/")[1]: value for name, value in result.gates[0].items() if name.startswith(direction)}
        h = result.hidden[0][..., n * UNITS : (n + 1) * UNITS]
        h_prev, c_prev = _previous(h, n == 1), _previous(gates["cell"], n == 1)
        z = x @ kernel + h_prev @ recurrent + bias  # Keras gate order: i f c o
        i, f, g, o = (z[..., k * UNITS : (k + 1) * UNITS] for k in range(4))
        np.testing.assert_allclose(gates["input"], _sigmoid(i), atol=ATOL)
        np.testing.assert_allclose(gates["forget"], _sigmoid(f), atol=ATOL)
        np.testing.assert_allclose(gates["candidate"], np.tanh(g), atol=ATOL)
        np.testing.assert_allclose(gates["output"], _sigmoid(o), atol=ATOL)
        c = gates["forget"] * c_prev + gates["input"] * gates["candidate"]
        np.testing.assert_allclose(gates["cell"], c, atol=ATOL)
        np.testing.assert_allclose(h, gates["output"] * np.tanh(gates["cell"]), atol=ATOL)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gru_gates_reproduce_the_state_from_keras_weights(bidirectional):
    _, model, network = _model(cell="gru", bidirectional=bidirectional, pooling="mean", seed=17)
    ids = np.random.default_rng(18).integers(1, VOCAB, size=(2, 8)).astype(np.int32)
    result = network.forward(ids, record=True)
    x = model.get_layer("embedding").get_weights()[0][ids]
    layer = _recurrent_layers(model)[0]
    cells = [layer.forward_layer, layer.backward_layer] if bidirectional else [layer]
    for n, (direction, keras_cell) in enumerate(zip(("forward", "backward"), cells)):
        kernel, recurrent, bias = keras_cell.get_weights()  # bias: (2, 3U), reset_after=True
        gates = {name.split("/")[1]: value for name, value in result.gates[0].items() if name.startswith(direction)}
        h = result.hidden[0][..., n * UNITS : (n + 1) * UNITS]
        h_prev = _previous(h, n == 1)
        from_x = x @ kernel + bias[0]
        from_h = h_prev @ recurrent + bias[1]
        update = _sigmoid(from_x[..., :UNITS] + from_h[..., :UNITS])
        reset = _sigmoid(from_x[..., UNITS : 2 * UNITS] + from_h[..., UNITS : 2 * UNITS])
        candidate = np.tanh(from_x[..., 2 * UNITS :] + reset * from_h[..., 2 * UNITS :])
        np.testing.assert_allclose(gates["update"], update, atol=ATOL)
        np.testing.assert_allclose(gates["reset"], reset, atol=ATOL)
        np.testing.assert_allclose(gates["candidate"], candidate, atol=ATOL)
        recomputed = gates["update"] * h_prev + (1 - gates["update"]) * gates["candidate"]
        np.testing.assert_allclose(h, recomputed, atol=ATOL)


def test_simplernn_state_from_keras_weights():
    _, model, network = _model(cell="simplernn", pooling="max", seed=19)
    ids = np.random.default_rng(20).integers(1, VOCAB, size=(2, 6)).astype(np.int32)
    h = network.forward(ids, record=True).hidden[0]
    kernel, recurrent, bias = model.get_layer("simplernn_1").get_weights()
    x = model.get_layer("embedding").get_weights()[0][ids]
    np.testing.assert_allclose(h, np.tanh(x @ kernel + _previous(h, False) @ recurrent + bias), atol=ATOL)


@pytest.mark.parametrize("cell", CELLS)
def test_char_model_logits_and_stateful_steps_match_keras(cell):
    _, model, network = _model(task="chars", cell=cell, layers=2, seed=21)
    ids = np.random.default_rng(22).integers(0, VOCAB, size=(2, 10)).astype(np.int32)
    ids[0, :3] = 0  # id 0 is a real character here, never padding
    logits = network.forward(ids).outputs
    assert logits.shape == (2, 10, VOCAB)
    np.testing.assert_allclose(logits, _keras(model, ids), atol=1e-4)
    state = network.initial_state()
    stepped = []
    for token in ids[0]:
        step_logits, state = network.step(int(token), state)
        stepped.append(step_logits)
    np.testing.assert_allclose(np.stack(stepped), logits[0], atol=1e-4)


def test_bidirectional_models_cannot_generate():
    _, _, network = _model(task="chars", cell="gru", bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        network.initial_state()


def test_from_keras_rejects_other_models():
    inputs = keras.Input(shape=(3,))
    other = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(ValueError, match="not an rnncore model"):
        NumpyRNN.from_keras(other, "sentiment")


def test_forward_is_safe_from_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    _, _, network = _model(cell="lstm", bidirectional=True, pooling="max")
    batches = [np.random.default_rng(n).integers(0, VOCAB, size=(3, 12)).astype(np.int32) for n in range(16)]
    alone = [network.forward(ids, mask=ids != 0, record=True) for ids in batches]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda ids: network.forward(ids, mask=ids != 0, record=True), batches))
    for a, b in zip(alone, together):
        assert np.array_equal(a.outputs, b.outputs)
        assert all(np.array_equal(a.gates[0][k], b.gates[0][k]) for k in a.gates[0])


@pytest.mark.parametrize(
    ("cell", "bidirectional", "layers", "task"),
    [(cell, bidirectional, 2, "sentiment") for cell in CELLS for bidirectional in (False, True)]
    + [("lstm", False, 1, "chars")],
)
def test_a_weights_only_run_rebuilds_the_same_keras_model(tmp_path, cell, bidirectional, layers, task):
    """Runs may ship weights.npz alone: the Keras model rebuilt from it has exactly the saved weights."""
    import json

    from rnncore.inference.weights import save_weights
    from rnncore.store import ModelStore
    from rnncore.training.keras_io import load_keras_run

    config, model, network = _model(cell=cell, bidirectional=bidirectional, layers=layers, task=task)
    folder = tmp_path / "run"
    folder.mkdir()
    save_weights(network, folder)
    (folder / "run.json").write_text(json.dumps({"config": config.to_dict()}))
    (folder / "vocab.json").write_text(json.dumps([f"w{i}" for i in range(VOCAB - 2)]))
    rebuilt = load_keras_run(ModelStore(tmp_path).get("run")).model
    for before, after in zip(model.get_weights(), rebuilt.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
