"""A run's weights as a plain NumPy archive (`weights.npz`), so the server rebuilds the NumPy mirror without
TensorFlow: importing it costs ~3.5 s and ~570 MB, and Streamlit's per-rerun cleanup gets ~8x slower once
Keras is loaded. The archive holds arrays only and is always read with allow_pickle=False.

Keys: `embedding`, `dense/kernel`, `dense/bias`, and per recurrent layer n (from 1) and direction
(`forward`, `backward` when bidirectional): `layer{n}/{direction}/{kernel,recurrent,bias}` plus
`recurrent_bias` for GRU. Shapes follow Keras's own layout (see numpy_rnn.Cell).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from rnncore.architecture import GATES_PER_CELL
from rnncore.config import RunConfig
from rnncore.errors import ModelLoadError
from rnncore.inference.numpy_rnn import Cell, Layer, NumpyRNN

WEIGHTS_FILE = "weights.npz"
_CELL_PARTS = ("kernel", "recurrent", "bias", "recurrent_bias")


def network_arrays(network: NumpyRNN) -> dict[str, np.ndarray]:
    """The archive's arrays for a network (the inverse of `network_from_arrays`)."""
    arrays = {
        "embedding": network.embedding,
        "dense/kernel": network.dense_kernel,
        "dense/bias": network.dense_bias,
    }
    for number, layer in enumerate(network.layers, start=1):
        for direction, cell in (("forward", layer.forward), ("backward", layer.backward)):
            if cell is None:
                continue
            for part in _CELL_PARTS:
                value = getattr(cell, part)
                if value is not None:
                    arrays[f"layer{number}/{direction}/{part}"] = value
    return arrays


def save_weights(network: NumpyRNN, folder: Path) -> Path:
    """Write `folder/weights.npz` atomically (temporary file, then rename): a reader never sees half a file."""
    folder = Path(folder)
    handle, temporary = tempfile.mkstemp(prefix=".weights-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **network_arrays(network))
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, folder / WEIGHTS_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return folder / WEIGHTS_FILE


def load_weights(path: Path, config: RunConfig) -> NumpyRNN:
    """The NumPy mirror from an archive, checked against the run's config. Raises ModelLoadError."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: np.asarray(archive[name], np.float32) for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:  # missing, truncated or not an npz
        raise ModelLoadError(f"{Path(path).name} is unreadable: {error}") from error
    try:
        return network_from_arrays(arrays, config)
    except (KeyError, ValueError) as error:
        raise ModelLoadError(f"{Path(path).name} does not match the run's settings: {error}") from error


def network_from_arrays(arrays: dict[str, np.ndarray], config: RunConfig) -> NumpyRNN:
    """Rebuild the mirror; every shape is checked against the config (and the embedding against the output
    layer), so a mismatched archive fails here with its reason, not with an IndexError mid-prediction."""
    gates = GATES_PER_CELL[config.cell]
    directions = ("forward", "backward") if config.bidirectional else ("forward",)
    width = gates * config.units
    embedding = _array(arrays, "embedding", (None, config.embed_dim))
    vocabulary = embedding.shape[0]
    if vocabulary < 1:
        raise ValueError("embedding has no rows (an empty vocabulary)")
    layers = []
    for number in range(1, config.layers + 1):
        # the first layer reads embeddings; deeper ones read the layer below (both directions, concatenated)
        inputs = config.embed_dim if number == 1 else config.units * len(directions)
        cells = []
        for direction in directions:
            prefix = f"layer{number}/{direction}/"
            kernel = _array(arrays, prefix + "kernel", (inputs, width))
            recurrent = _array(arrays, prefix + "recurrent", (config.units, width))
            bias = _array(arrays, prefix + "bias", (width,))
            if (config.cell == "gru") != (prefix + "recurrent_bias" in arrays):
                raise ValueError(f"{prefix[:-1]}: recurrent_bias is only (and always) present for GRU")
            recurrent_bias = _array(arrays, prefix + "recurrent_bias", (width,)) if config.cell == "gru" else None
            cells.append(Cell(config.cell, kernel, recurrent, bias, recurrent_bias))
        layers.append(Layer(*cells))
    if f"layer{config.layers + 1}/forward/kernel" in arrays:
        raise ValueError(f"more recurrent layers than the {config.layers} the run describes")
    # a sentiment head gives one probability; a char head one logit per character of the embedding
    outputs = vocabulary if config.task == "chars" else 1
    dense_kernel = _array(arrays, "dense/kernel", (config.units * len(directions), outputs))
    dense_bias = _array(arrays, "dense/bias", (outputs,))
    return NumpyRNN(config.task, embedding, tuple(layers), config.pooling, dense_kernel, dense_bias)


def _array(arrays: dict[str, np.ndarray], name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """arrays[name], which must have `shape` (None: any length on that axis) and finite values."""
    if name not in arrays:
        raise ValueError(f"{name} is missing")
    value = arrays[name]
    if value.ndim != len(shape) or any(size is not None and size != got for size, got in zip(shape, value.shape)):
        sizes = ", ".join("any" if size is None else str(size) for size in shape)
        expected = f"({sizes},)" if len(shape) == 1 else f"({sizes})"
        raise ValueError(f"{name} has shape {value.shape}, the run's settings need {expected}")
    if not np.isfinite(value).all():  # NaN weights would turn every prediction into NaN
        raise ValueError(f"{name} holds NaN or infinite values")
    return value
