"""Training as a worker-pool job: train, save into the class store, and send back a TensorFlow-free result
(the Keras model stays in the worker process; the saved run is what pages load)."""

from __future__ import annotations

from dataclasses import replace

from rnncore.events import EventHandler, StopCheck, TrainEvent
from rnncore.jobs.requests import TrainingRequest
from rnncore.results import TrainResult
from rnncore.store import ModelStore
from rnncore.training.keras_io import save_run


def run_training_job(request: TrainingRequest, on_event: EventHandler, should_stop: StopCheck) -> TrainResult:
    """Train (stopping after the current batch when asked, keeping the best weights), then save."""
    from rnncore.training.train import train

    result = train(
        request.config, request.data, on_event=on_event, should_stop=should_stop, test_sample=request.test_sample
    )
    saved = None
    if result.history and request.store_root:
        on_event(TrainEvent("status", "Saving the model …"))
        name = request.save_name or f"{request.config.cell}-run"
        extra = {"owner": request.owner_tag} if request.owner_tag else None
        saved = save_run(ModelStore(request.store_root), result, name, extra)
        on_event(TrainEvent("status", f"Saved as {saved.name}"))
    return replace(result, model=None, saved=saved)
