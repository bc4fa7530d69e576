"""Model building for every cell × direction × pooling, the analytic parameter count, and RunConfig validation."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from rnncore.architecture import count_parameters
from rnncore.config import CELLS, POOLINGS, RunConfig
from rnncore.training.model import build_model

VOCAB = 30
SMALL = dict(units=4, embed_dim=5, vocab_size=VOCAB, maxlen=12, seq_len=10)


def _ids(batch: int, steps: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, VOCAB, size=(batch, steps)).astype(np.int32)


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), list(itertools.product(CELLS, (False, True), POOLINGS)))
def test_sentiment_model_shapes_and_parameter_count(cell, bidirectional, pooling):
    config = RunConfig(task="sentiment", cell=cell, bidirectional=bidirectional, pooling=pooling, **SMALL)
    model = build_model(config, VOCAB)
    assert count_parameters(config, VOCAB) == model.count_params()
    ids = _ids(3, 7)
    ids[0, :3] = 0  # padded row
    out = np.asarray(model(ids, training=False))
    assert out.shape == (3, 1)
    assert np.all((out > 0) & (out < 1))
    # any sequence length works (inputs are (None,) wide)
    assert np.asarray(model(_ids(2, 3), training=False)).shape == (2, 1)


@pytest.mark.parametrize(
    ("cell", "layers", "bidirectional", "dropout"),
    [("simplernn", 2, False, 0.0), ("lstm", 3, True, 0.2), ("gru", 2, True, 0.5)],
)
def test_stacked_sentiment_models(cell, layers, bidirectional, dropout):
    config = RunConfig(
        task="sentiment", cell=cell, layers=layers, bidirectional=bidirectional, dropout=dropout, **SMALL
    )
    model = build_model(config, VOCAB)
    assert count_parameters(config, VOCAB) == model.count_params()
    assert np.asarray(model(_ids(2, 6), training=False)).shape == (2, 1)
    kinds = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")
    recurrent = [layer for layer in model.layers if type(layer).__name__ in kinds]
    assert len(recurrent) == layers
    assert sum(type(layer).__name__ == "Dropout" for layer in model.layers) == (layers if dropout else 0)


@pytest.mark.parametrize(("cell", "layers"), [("simplernn", 1), ("lstm", 2), ("gru", 1)])
def test_char_model_outputs_logits_for_every_step(cell, layers):
    config = RunConfig(task="chars", cell=cell, layers=layers, **SMALL)
    model = build_model(config, VOCAB)
    assert count_parameters(config, VOCAB) == model.count_params()
    out = np.asarray(model(_ids(2, 9), training=False))
    assert out.shape == (2, 9, VOCAB)
    # logits, not probabilities: a softmax head would sum to 1 on the last axis
    assert not np.allclose(out.sum(axis=-1), 1.0)


def test_chars_model_never_masks_id_zero():
    # for chars, id 0 is a real character (the first of the alphabet), so it must not be masked
    model = build_model(RunConfig(task="chars", cell="gru", **SMALL), VOCAB)
    ids = _ids(1, 5)
    zeros = np.zeros_like(ids)
    a = np.asarray(model(np.concatenate([zeros, ids], axis=1), training=False))[0, -1]
    b = np.asarray(model(ids, training=False))[0, -1]
    assert not np.allclose(a, b)


def test_masking_makes_padding_invisible():
    config = RunConfig(task="sentiment", cell="lstm", **SMALL)
    model = build_model(config, VOCAB)
    ids = _ids(1, 5)
    padded = np.concatenate([np.zeros((1, 4), np.int32), ids], axis=1)
    assert np.allclose(model(ids, training=False), model(padded, training=False), atol=1e-6)
    unmasked = build_model(config.with_changes(mask_padding=False), VOCAB)
    assert not np.allclose(unmasked(ids, training=False), unmasked(padded, training=False), atol=1e-6)


def test_count_parameters_known_values():
    # embedding 10*4=40; SimpleRNN 3*(4+3+1)=24; dense 3+1=4
    config = RunConfig(task="sentiment", cell="simplernn", units=3, embed_dim=4)
    assert count_parameters(config, 10) == 40 + 24 + 4
    # LSTM: 4 gates; GRU (reset_after): 3 gates with two biases
    assert count_parameters(config.with_changes(cell="lstm"), 10) == 40 + 4 * 24 + 4
    assert count_parameters(config.with_changes(cell="gru"), 10) == 40 + 3 * 3 * (4 + 3 + 2) + 4
    # bidirectional doubles the recurrent weights and the head's input
    assert count_parameters(config.with_changes(bidirectional=True), 10) == 40 + 2 * 24 + 7


def test_count_parameters_does_not_need_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys; from rnncore.config import RunConfig; from rnncore.architecture import count_parameters; "
        "print(count_parameters(RunConfig(), 10000)); print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 0 and out[1] == "False"


# --- RunConfig ---


def test_config_defaults_round_trip_through_json():
    config = RunConfig(task="chars", cell="lstm", units=8, corpus="imdb")
    restored = RunConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config


def test_config_from_dict_ignores_unknown_keys():
    values = {**RunConfig().to_dict(), "added_in_a_future_version": 1}
    assert RunConfig.from_dict(values) == RunConfig()


def test_config_is_frozen_and_with_changes_validates():
    config = RunConfig()
    with pytest.raises(AttributeError):
        config.units = 5  # type: ignore[misc]
    assert config.with_changes(units=5).units == 5
    with pytest.raises(ValueError):
        config.with_changes(units=0)


@pytest.mark.parametrize(
    "changes",
    [
        {"task": "translation"},
        {"cell": "transformer"},
        {"pooling": "attention"},
        {"optimizer": "lbfgs"},
        {"truncating": "middle"},
        {"padding": "both"},
        {"units": 0},
        {"units": 1025},
        {"units": 8.0},
        {"units": True},
        {"units": "8"},
        {"layers": 0},
        {"layers": 5},
        {"embed_dim": 0},
        {"vocab_size": 2},
        {"maxlen": 0},
        {"maxlen": 10_000_000},
        {"seq_len": 1},
        {"epochs": 0},
        {"epochs": 1_000_000},
        {"batch_size": 0},
        {"patience": -1},
        {"limit": -1},
        {"limit": 25_001},
        {"dropout": -0.1},
        {"dropout": 1.0},
        {"validation_fraction": 0.0},
        {"validation_fraction": 0.5},
        {"learning_rate": 0.0},
        {"learning_rate": -1.0},
        {"learning_rate": 2.0},
        {"learning_rate": float("nan")},
        {"clipnorm": -1.0},
        {"clipnorm": float("nan")},
        {"dropout": float("nan")},
        {"seed": -1},
        {"seed": 2**31},
        {"corpus": "   "},
        {"embedding_init": "glove"},
        {"embedding_init": "cooccurrence", "task": "chars"},
        {"embedding_init": "cooccurrence", "vocab_size": 20_001},
    ],
)
def test_invalid_config_values_raise_value_error(changes):
    with pytest.raises(ValueError) as caught:
        RunConfig(**changes)
    field = next(iter(changes))
    assert field in str(caught.value) or field == "corpus"
