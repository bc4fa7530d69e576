"""The Job handle on its own (no worker processes): a finished job lets go of its request payload and keeps
only a few hundred events, while its curves keep their shape and their end points."""

from __future__ import annotations

import gc
import weakref

from rnncore.events import TrainEvent
from rnncore.jobs.job import DONE, FAILED, FINISHED_EVENTS, Job, thin_events


class Corpus:
    """Stands in for a student's prepared corpus (tens of MB in a real request)."""

    def __init__(self) -> None:
        self.text = "x" * 42_000_000


def _job(payload) -> Job:
    return Job(id=1, task="tests.job_tasks:anything", payload=payload, lane="train", owner="alice", label="big")


def _long_run(job: Job, epochs: int = 60, batches: int = 200, cells: tuple[str, ...] = ("lstm", "gru")) -> None:
    job.add_event(TrainEvent("status", "Loading data …"))
    for epoch in range(1, epochs + 1):
        for batch in range(1, batches + 1):
            job.add_event(TrainEvent("batch", epoch=epoch, epochs=epochs, batch=batch, batches=batches))
        for cell in cells:
            job.add_event(TrainEvent("epoch", cell=cell, epoch=epoch, epochs=epochs, metrics={"loss": 1 / epoch}))


def test_a_finished_job_drops_its_payload_and_old_events():
    payload = Corpus()
    job = _job(payload)
    alive = weakref.ref(payload)
    del payload
    _long_run(job)
    assert len(job.events()) > 10 * FINISHED_EVENTS  # a running job keeps up to MAX_EVENTS
    job.finish(DONE, result={"saved": None})
    gc.collect()
    assert job.payload is None and alive() is None, "the 42 MB request must be freed once the job has run"
    events = job.events()
    assert len(events) <= FINISHED_EVENTS + 2 * 5  # a few hundred: at most two more per kind of event
    assert events[-1].kind == "done" and events[0].message == "Loading data …"
    for cell in ("lstm", "gru"):  # each lab cell's curve keeps its end point
        epochs = [e.epoch for e in events if e.kind == "epoch" and e.cell == cell]
        assert epochs[0] == 1 and epochs[-1] == 60 and epochs == sorted(epochs)
    batches = [e for e in events if e.kind == "batch"]
    assert len(batches) >= FINISHED_EVENTS // 2 and (batches[-1].epoch, batches[-1].batch) == (60, 200)
    assert job.result == {"saved": None}  # what the pages show is kept


def test_a_failed_job_lets_go_too_and_a_short_run_keeps_everything():
    job = _job(Corpus())
    for n in range(10):
        job.add_event(TrainEvent("batch", epoch=1, epochs=1, batch=n + 1, batches=10))
    job.finish(FAILED, error="The worker process running it ended unexpectedly")
    assert job.payload is None
    assert [e.kind for e in job.events()] == ["batch"] * 10 + ["done"]


def test_thin_events_keeps_order_and_small_lists_as_they_are():
    events = [TrainEvent("batch", batch=n) for n in range(1_000)]
    thinned = thin_events(events, 100)
    assert len(thinned) == 100 and thinned[0].batch == 0 and thinned[-1].batch == 999
    assert [e.batch for e in thinned] == sorted(e.batch for e in thinned)
    assert thin_events(events[:50], 100) == events[:50]
