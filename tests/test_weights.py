"""weights.npz: the arrays the server's NumPy inference reads. Round trip equals Keras, and a bad archive (wrong
shapes, truncated, pickled objects, missing) is refused with a clear ModelLoadError."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.errors import ModelLoadError
from rnncore.inference.numpy_rnn import NumpyRNN
from rnncore.inference.runs import WeightsMissingError, load_network_run
from rnncore.inference.weights import WEIGHTS_FILE, load_weights, network_arrays, save_weights
from rnncore.store import ModelStore
from rnncore.training.keras_io import export_weights


@pytest.mark.parametrize("run_name", ["tiny-sentiment", "tiny-chars"])
def test_archive_round_trip_equals_the_keras_model(tiny_store, sentiment_run, char_run, run_name):
    loaded = sentiment_run if run_name == "tiny-sentiment" else char_run
    from_archive = load_network_run(tiny_store.get(run_name)).network
    from_keras = NumpyRNN.from_keras(loaded.model, loaded.config.task, loaded.config.pooling)
    ids = np.random.default_rng(0).integers(2, loaded.vocabulary.size, (4, 25)).astype(np.int32)
    np.testing.assert_allclose(from_archive.forward(ids).outputs, from_keras.forward(ids).outputs, atol=1e-6)
    keras_out = np.asarray(loaded.model(ids, training=False))
    np.testing.assert_allclose(from_archive.forward(ids).outputs.reshape(keras_out.shape), keras_out, atol=1e-5)


def test_a_run_without_the_archive_is_exported_once(tiny_store, tmp_path):
    import shutil

    copy = tmp_path / "store" / "old-run"
    shutil.copytree(tiny_store.get("tiny-sentiment").path, copy)
    (copy / WEIGHTS_FILE).unlink()
    run = ModelStore(copy.parent).get("old-run")
    assert run.error is None and not run.has_weights  # listed and usable, only not yet exported
    with pytest.raises(WeightsMissingError):
        load_network_run(run)
    export_weights(run)
    assert load_network_run(ModelStore(copy.parent).get("old-run")).network.cell == "gru"


def test_mismatched_archive_is_refused(tiny_store, sentiment_run, tmp_path):
    arrays = network_arrays(load_network_run(tiny_store.get("tiny-sentiment")).network)
    wider = sentiment_run.config.with_changes(units=sentiment_run.config.units + 1)
    np.savez(tmp_path / WEIGHTS_FILE, **arrays)
    with pytest.raises(ModelLoadError, match="does not match"):
        load_weights(tmp_path / WEIGHTS_FILE, wider)
    with pytest.raises(ModelLoadError, match="does not match"):
        load_weights(tmp_path / WEIGHTS_FILE, sentiment_run.config.with_changes(cell="lstm"))


def test_truncated_missing_or_pickled_archives_are_refused(tiny_store, sentiment_run, tmp_path):
    config = sentiment_run.config
    good = (tiny_store.get("tiny-sentiment").path / WEIGHTS_FILE).read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelLoadError, match="unreadable"):
        load_weights(tmp_path / "cut.npz", config)
    with pytest.raises(ModelLoadError, match="unreadable"):
        load_weights(tmp_path / "absent.npz", config)
    np.savez(tmp_path / "objects.npz", embedding=np.array([{"not": "an array"}], dtype=object))
    with pytest.raises(ModelLoadError):  # allow_pickle=False: an object array is never unpickled
        load_weights(tmp_path / "objects.npz", config)


def test_save_is_atomic_and_leaves_no_temporary_files(tiny_store, tmp_path):
    network = load_network_run(tiny_store.get("tiny-chars")).network
    save_weights(network, tmp_path)
    save_weights(network, tmp_path)  # replacing an archive is one rename
    assert sorted(path.name for path in tmp_path.iterdir()) == [WEIGHTS_FILE]


# --- archives whose arrays do not fit the run (checked without TensorFlow, on a hand-made run) ---

HAND_SENTIMENT = dict(task="sentiment", cell="gru", units=4, embed_dim=3, vocab_size=12, maxlen=10, layers=2)
HAND_CHARS = dict(task="chars", cell="lstm", units=4, embed_dim=3, seq_len=10)
WORDS = ("good", "bad", "film", "plot", "not", "very", "fun", "dull", "great", "awful")  # + padding, OOV = 12 ids
CHARS = "abc de"


def _fitting_arrays(config, vocabulary: int) -> dict[str, np.ndarray]:
    """Random arrays with exactly the shapes the config needs (what a real export would write)."""
    from rnncore.architecture import GATES_PER_CELL

    rng = np.random.default_rng(0)
    width = GATES_PER_CELL[config.cell] * config.units
    directions = ("forward", "backward") if config.bidirectional else ("forward",)
    arrays = {"embedding": rng.normal(size=(vocabulary, config.embed_dim))}
    for number in range(1, config.layers + 1):
        inputs = config.embed_dim if number == 1 else config.units * len(directions)
        for direction in directions:
            prefix = f"layer{number}/{direction}/"
            arrays[prefix + "kernel"] = rng.normal(size=(inputs, width))
            arrays[prefix + "recurrent"] = rng.normal(size=(config.units, width))
            arrays[prefix + "bias"] = rng.normal(size=width)
            if config.cell == "gru":
                arrays[prefix + "recurrent_bias"] = rng.normal(size=width)
    outputs = vocabulary if config.task == "chars" else 1
    arrays["dense/kernel"] = rng.normal(size=(config.units * len(directions), outputs))
    arrays["dense/bias"] = rng.normal(size=outputs)
    return arrays


def _hand_made_run(root, settings: dict, change=None):
    """A stored run written without TensorFlow; `change(arrays)` damages the archive first."""
    import json

    from rnncore.config import RunConfig

    config = RunConfig(**settings)
    folder = root / config.task
    folder.mkdir(parents=True, exist_ok=True)
    if config.task == "chars":
        vocabulary, size = {"type": "chars", "size": len(CHARS), "chars": CHARS}, len(CHARS)
    else:
        (folder / "vocab.json").write_text(json.dumps(list(WORDS)), encoding="utf-8")
        vocabulary, size = {"type": "words", "size": len(WORDS) + 2, "file": "vocab.json"}, len(WORDS) + 2
    info = {"config": config.to_dict(), "vocabulary": vocabulary, "created": "2024-01-01T00:00:00"}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    arrays = _fitting_arrays(config, size)
    if change is not None:
        change(arrays)
    np.savez(folder / WEIGHTS_FILE, **arrays)
    return ModelStore(root).get(config.task)


def test_a_fitting_hand_made_archive_loads_and_predicts(tmp_path):
    from rnncore.inference.predict import Predictor
    from rnncore.inference.sample import CharSampler

    predictor = Predictor(load_network_run(_hand_made_run(tmp_path, HAND_SENTIMENT)))
    assert 0 <= predictor.predict("not good").probability <= 1
    sampler = CharSampler(load_network_run(_hand_made_run(tmp_path, HAND_CHARS)))
    assert len("".join(step.char for step in sampler.generate("ab", 5, seed=0))) == 5


def _set(name, value):
    return lambda arrays: arrays.__setitem__(name, value)


@pytest.mark.parametrize(
    ("settings", "change", "fragment"),
    [
        (HAND_SENTIMENT, _set("embedding", np.zeros((7, 3))), "embedding for 7 tokens but the vocabulary has 12"),
        (HAND_SENTIMENT, _set("embedding", np.zeros((40, 3))), "embedding for 40 tokens"),
        (HAND_SENTIMENT, _set("embedding", np.zeros(36)), "embedding has shape (36,)"),  # was an IndexError
        (HAND_SENTIMENT, _set("embedding", np.zeros((12, 3, 1))), "embedding has shape (12, 3, 1)"),
        (HAND_SENTIMENT, _set("dense/kernel", np.zeros((5, 1))), "dense/kernel has shape (5, 1)"),
        (HAND_SENTIMENT, _set("dense/kernel", np.zeros(4)), "dense/kernel has shape (4,)"),
        (HAND_SENTIMENT, _set("dense/bias", np.zeros(2)), "dense/bias has shape (2,)"),
        (HAND_SENTIMENT, _set("layer1/forward/kernel", np.zeros((5, 12))), "layer1/forward/kernel"),
        (HAND_SENTIMENT, _set("layer2/forward/kernel", np.zeros((3, 12))), "need (4, 12)"),  # reads layer 1
        (HAND_SENTIMENT, _set("layer1/forward/recurrent_bias", np.zeros(3)), "recurrent_bias has shape (3,)"),
        (HAND_SENTIMENT, _set("layer1/forward/bias", np.zeros((12, 1))), "layer1/forward/bias"),
        (HAND_SENTIMENT, lambda arrays: arrays.pop("dense/bias"), "dense/bias is missing"),
        (HAND_SENTIMENT, _set("embedding", np.full((12, 3), np.nan)), "NaN or infinite"),
        (HAND_CHARS, _set("dense/kernel", np.zeros((4, 9))), "dense/kernel has shape (4, 9)"),
        (HAND_CHARS, _set("dense/bias", np.zeros(9)), "dense/bias has shape (9,)"),
        (HAND_CHARS, _set("embedding", np.zeros((9, 3))), "dense/kernel"),  # head and embedding disagree
        (HAND_CHARS, _set("embedding", np.zeros((0, 3))), "no rows"),
    ],
)
def test_arrays_of_the_wrong_shape_are_refused_with_their_reason(tmp_path, settings, change, fragment):
    run = _hand_made_run(tmp_path, settings, change)
    with pytest.raises(ModelLoadError, match="does not match|belong to different runs") as refused:
        load_network_run(run)
    assert fragment in str(refused.value)
