"""The Keras side of the model store: write a trained model's files, load a run as a Keras model, and export
a run's weights into the NumPy archive the server reads (older runs have only model.keras)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnncore.config import RunConfig
from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.events import TrainEvent
from rnncore.inference.numpy_rnn import NumpyRNN
from rnncore.inference.weights import save_weights
from rnncore.results import TrainResult
from rnncore.store import MODEL_FILE, WEIGHTS_FILE, LoadedRun, ModelStore, RunInfo, read_vocabulary
from rnncore.training.tf_setup import MODEL_BUILD_LOCK, keras_module


def write_model_files(model: Any, config: RunConfig, folder: Path) -> None:
    """model.keras (without optimizer state) and weights.npz for the NumPy mirror, into `folder`."""
    _without_optimizer(model).save(Path(folder) / MODEL_FILE)
    save_weights(NumpyRNN.from_keras(model, config.task, config.pooling), Path(folder))


def save_run(store: ModelStore, result: TrainResult, name: str, extra_info: dict[str, Any] | None = None) -> RunInfo:
    """Save a trained Keras model into a store: model.keras, weights.npz, run.json (and vocab.json), atomically."""
    return store.save(result, name, extra_info, write_model=lambda *args: write_model_files(*args))


def load_keras_run(run: RunInfo) -> LoadedRun:
    """Load a listed run as a Keras model: `model.keras` inside the run folder (safe_mode=True), or, for a run
    that ships weights.npz only (the shipped models), the model rebuilt from run.json and those arrays."""
    keras = keras_module()
    import rnncore.training.layers  # noqa: F401  (registers custom layers for deserialisation)

    if run.error:
        raise ModelLoadError(f"Model {run.name!r} is broken: {run.error}")
    if not (run.path / MODEL_FILE).is_file():
        return LoadedRun(run, keras_from_weights(run), read_vocabulary(run))
    try:
        with MODEL_BUILD_LOCK:  # building layers draws random numbers a seeded lab run in this worker must not lose
            model = keras.saving.load_model(run.path / MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:  # corrupt zip, bad weights, unknown layer…
        raise ModelLoadError(f"Model {run.name!r} could not be loaded: {type(error).__name__}: {error}") from error
    return LoadedRun(run, model, read_vocabulary(run))


def keras_from_weights(run: RunInfo) -> Any:
    """The run's Keras model built from its config and filled with the arrays of weights.npz (the inverse of
    NumpyRNN.from_keras), so a run needs only one weights format on disk."""
    from rnncore.inference.weights import load_weights
    from rnncore.training.model import build_model

    if run.kind not in ("sentiment", "chars"):
        raise ModelLoadError(f"Model {run.name!r} is a {run.kind or 'broken'} run, not a Keras model")
    network = load_weights(run.path / WEIGHTS_FILE, run.config)
    with MODEL_BUILD_LOCK:
        model = build_model(run.config, len(network.embedding))
    layers = iter(network.layers)
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Embedding":
            layer.set_weights([network.embedding])
        elif kind in ("SimpleRNN", "LSTM", "GRU"):
            layer.set_weights(_cell_weights(next(layers).forward))
        elif kind == "Bidirectional":
            both = next(layers)
            layer.set_weights(_cell_weights(both.forward) + _cell_weights(both.backward))
        elif kind == "Dense":
            layer.set_weights([network.dense_kernel, network.dense_bias])
    return model


def _cell_weights(cell: Any) -> list:
    """A NumPy cell's arrays in the Keras layer's order (GRU keeps both biases as one (2, 3·units) array)."""
    import numpy as np

    if cell.recurrent_bias is not None:
        return [cell.kernel, cell.recurrent, np.stack([cell.bias, cell.recurrent_bias])]
    return [cell.kernel, cell.recurrent, cell.bias]


def export_weights(run: RunInfo) -> Path:
    """Write the run's weights.npz from its model.keras (atomically, so the server never reads half a file)."""
    loaded = load_keras_run(run)
    return save_weights(NumpyRNN.from_keras(loaded.model, loaded.config.task, loaded.config.pooling), run.path)


def export_weights_job(run_path: str, on_event, should_stop) -> str:
    """Worker-pool entry point: export one run folder's weights; returns the archive's path."""
    path = Path(run_path)
    on_event(TrainEvent("status", f"Exporting the weights of {path.name} …"))
    try:
        run = ModelStore(path.parent).get(path.name)
    except RnncoreError as error:
        raise ModelLoadError(str(error)) from error
    return str(export_weights(run))


def _without_optimizer(model: Any) -> Any:
    """An uncompiled copy: the optimizer's moments would triple the file and are useless for inference."""
    if getattr(model, "optimizer", None) is None:
        return model
    import rnncore.training.layers  # noqa: F401  (custom layers must be registered to rebuild from config)

    copy = type(model).from_config(model.get_config())  # clone_model would keep the compile state
    copy.set_weights(model.get_weights())
    return copy
