"""The worker side of teaching a copy of a model with the class wall (TensorFlow; the request and the stored result
are in rnncore/classroom/wall_tuning.py): load the run as a fresh Keras model (a copy: nothing is saved), score the
held-back sentences, train on the others, score the held-back ones again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnncore.classroom.wall_tuning import HeldBack, WallTuning
from rnncore.data.text import OOV_ID, pad_sequences
from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.events import EventHandler, StopCheck, TrainEvent
from rnncore.store import LoadedRun, ModelStore
from rnncore.training.keras_io import load_keras_run
from rnncore.training.tf_setup import keras_module

LABEL_VALUE = {"positive": 1.0, "negative": 0.0}


def run_wall_tuning_job(request: WallTuning, on_event: EventHandler, should_stop: StopCheck) -> dict:
    """Worker-pool entry point: fine-tune a copy of the run on `request.train` (stopping after the current epoch
    when asked) and return {"model", "trained_on", "epochs", "held_back": [HeldBack, …]} (P(positive) before and
    after)."""
    if not request.train or not request.held_back:
        raise RnncoreError("Fine-tuning needs sentences to learn from and sentences held back to test on")
    keras = keras_module()
    on_event(TrainEvent("status", f"Loading a copy of {request.model} …"))
    path = Path(request.run_path)
    try:
        loaded = load_keras_run(ModelStore(path.parent).get(path.name))
    except RnncoreError as error:
        raise ModelLoadError(str(error)) from error
    if loaded.config.task != "sentiment":
        raise ModelLoadError(f"{request.model} is not a sentiment model")
    held_inputs = _inputs(loaded, [text for _, text, _ in request.held_back])
    before = _positive(loaded.model, held_inputs)
    inputs = _inputs(loaded, [text for text, _ in request.train])
    targets = np.array([LABEL_VALUE[meant] for _, meant in request.train], np.float32)
    model = loaded.model
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=request.learning_rate), loss="binary_crossentropy")
    # The batch order comes from the request's seed, not from the global generators: a lab run may be training in
    # another thread of this process. (Dropout, where a model has it, stays unseeded.)
    order = np.random.default_rng(request.seed)
    epochs = 0
    for epoch in range(1, request.epochs + 1):
        if should_stop():
            break
        shuffled = order.permutation(len(targets))
        history = model.fit(
            inputs[shuffled], targets[shuffled], batch_size=request.batch_size, epochs=1, shuffle=False, verbose=0
        )
        epochs = epoch
        metrics = {"loss": float(history.history["loss"][-1])}
        on_event(TrainEvent("epoch", epoch=epoch, epochs=request.epochs, metrics=metrics))
    after = _positive(model, held_inputs)
    held = [
        HeldBack(entry_id, float(was), float(now))
        for (entry_id, _, _), was, now in zip(request.held_back, before, after)
    ]
    return {"model": request.model, "trained_on": len(targets), "epochs": epochs, "held_back": held}


def _inputs(loaded: LoadedRun, texts: list[str]) -> np.ndarray:
    """Token ids as the model read them in training: padded to the longest sentence when it skips padding (mask),
    to its full length otherwise (it learned to read that many padding steps)."""
    config = loaded.config
    ids = [loaded.vocabulary.encode(text) or [OOV_ID] for text in texts]  # a sentence of no words reads as one unknown
    length = min(config.maxlen, max(map(len, ids))) if config.mask_padding else config.maxlen
    return pad_sequences(ids, length, config.truncating, config.padding)


def _positive(model, inputs: np.ndarray) -> np.ndarray:
    """P(positive) per row."""
    return np.asarray(model(inputs, training=False), np.float32).reshape(-1)
