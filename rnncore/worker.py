"""A process-wide training worker: jobs are queued, run at most `max_running` at a time in background
threads, and are observed through handles that a UI polls. A job keeps running when the page (or the
browser) that started it goes away; it finishes, and its model is saved if the job was given a store.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnncore.config import RunConfig
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
MAX_EVENTS = 5_000  # batch events are thinned beyond this, so memory stays bounded on long runs

TrainFn = Callable[..., Any]


@dataclass
class Job:
    """A handle on one training job; every method is safe to call from any thread."""

    id: int
    config: RunConfig
    owner: str
    label: str
    data: Any = None
    save_to: Any = None  # a ModelStore; the result is saved there when the job finishes
    save_name: str = ""
    status: str = QUEUED
    error: str = ""
    result: Any = None
    saved: Any = None  # RunInfo once saved
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    _events: list[TrainEvent] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _worker: TrainingWorker | None = None

    def add_event(self, event: TrainEvent) -> None:
        """Record an event (called by the training thread)."""
        with self._lock:
            if len(self._events) >= MAX_EVENTS and event.kind == "batch":
                # keep every epoch/status event; drop every other batch event to bound memory
                self._events = [e for n, e in enumerate(self._events) if e.kind != "batch" or n % 2 == 0]
            self._events.append(event)

    def events(self, since: int = 0) -> list[TrainEvent]:
        """Events recorded so far (from index `since`)."""
        with self._lock:
            return list(self._events[since:])

    def last_event(self, kind: str | None = None) -> TrainEvent | None:
        """Most recent event (of a given kind)."""
        with self._lock:
            for event in reversed(self._events):
                if kind is None or event.kind == kind:
                    return event
        return None

    def cancel(self) -> None:
        """Ask the job to stop: a queued job never starts; a running one stops after the current batch
        and keeps its best weights so far."""
        self._cancel.set()
        if self._worker is not None:
            self._worker._drop_if_queued(self)

    @property
    def cancel_requested(self) -> bool:
        """Whether cancel() was called."""
        return self._cancel.is_set()

    @property
    def finished_flag(self) -> bool:
        """True once the job is done, failed or cancelled."""
        return self.status in FINISHED

    def queue_position(self) -> int:
        """1 for the next job to start, 0 if not waiting."""
        return self._worker.queue_position(self) if self._worker and self.status == QUEUED else 0


class TrainingWorker:
    """Runs submitted jobs in order, at most `max_running` at once."""

    def __init__(self, max_running: int = 1, train_fn: TrainFn | None = None):
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        self.max_running = max_running
        self._train_fn = train_fn
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._queue: list[Job] = []
        self._running: list[Job] = []
        self._jobs: dict[int, Job] = {}

    def submit(
        self,
        config: RunConfig,
        owner: str = "",
        label: str = "",
        data: Any = None,
        save_to: Any = None,
        save_name: str = "",
    ) -> Job:
        """Queue a job and return its handle."""
        with self._lock:
            job = Job(next(self._ids), config, owner, label or f"{config.cell} {config.task}", data, save_to, save_name)
            job._worker = self
            self._jobs[job.id] = job
            self._queue.append(job)
            self._start_waiting()
        return job

    def get(self, job_id: int) -> Job | None:
        """Job by id (None if unknown)."""
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, owner: str | None = None) -> list[Job]:
        """All jobs (of one owner), oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if owner is None or job.owner == owner]

    def queue_position(self, job: Job) -> int:
        """1-based position among waiting jobs (0 if not waiting)."""
        with self._lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until the job finishes (for CLIs and tests). Returns whether it finished."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not job.finished_flag:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _drop_if_queued(self, job: Job) -> None:
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job.status, job.finished = CANCELLED, time.time()
                job.add_event(TrainEvent("done", "Cancelled before it started"))

    def _start_waiting(self) -> None:
        # caller holds self._lock
        while self._queue and len(self._running) < self.max_running:
            job = self._queue.pop(0)
            self._running.append(job)
            job.status, job.started = RUNNING, time.time()
            threading.Thread(target=self._run, args=(job,), name=f"rnncore-job-{job.id}", daemon=True).start()

    def _run(self, job: Job) -> None:
        status = FAILED
        try:
            train_fn = self._train_fn
            if train_fn is None:
                from rnncore.train import train as train_fn
            job.result = train_fn(job.config, job.data, on_event=job.add_event, should_stop=job._cancel.is_set)
            if job.result.history and job.save_to is not None:
                job.add_event(TrainEvent("status", "Saving the model …"))
                job.saved = job.save_to.save(job.result, job.save_name or job.label)
                job.add_event(TrainEvent("status", f"Saved as {getattr(job.saved, 'name', job.saved)}"))
            status = CANCELLED if job.result.cancelled else DONE
        except RnncoreError as error:
            job.error = str(error)
        except Exception as error:  # a failed job must never take the worker down
            job.error = f"{type(error).__name__}: {error}"
            job.add_event(TrainEvent("status", traceback.format_exc(limit=3)))
        finally:
            job.finished = time.time()
            with self._lock:
                if job in self._running:
                    self._running.remove(job)
                job.status = status  # last, so a poller that sees it finished also sees result/saved/finished
                self._start_waiting()


_shared: TrainingWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> TrainingWorker:
    """The one worker of this process (size from RNNCORE_MAX_JOBS, default 1: a 2-core machine)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TrainingWorker(max_running=max(1, int(os.environ.get("RNNCORE_MAX_JOBS", "1") or 1)))
        return _shared
