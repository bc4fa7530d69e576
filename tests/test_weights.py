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
