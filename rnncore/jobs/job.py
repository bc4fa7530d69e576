"""A handle on one job: its status, the events it reported and what it returned. Pages poll it; the pool's
reader threads update it. Every method is safe to call from any thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnncore.events import TrainEvent

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
MAX_EVENTS = 5_000  # batch events are thinned beyond this, so memory stays bounded on long runs


@dataclass
class Job:
    """One submitted task. `result` is whatever the task function returned (TensorFlow-free, picklable)."""

    id: int
    task: str  # "module:function" run in a worker process
    payload: Any
    lane: str
    owner: str
    label: str
    config: Any = None  # the RunConfig (or lab config) shown on pages; None for housekeeping jobs
    status: str = QUEUED
    error: str = ""
    result: Any = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    _events: list[TrainEvent] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _on_cancel: Callable[[Job], None] | None = None
    _queue_position: Callable[[Job], int] | None = None

    def add_event(self, event: TrainEvent) -> None:
        """Record an event reported by the task."""
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

    @property
    def saved(self) -> Any:
        """The RunInfo of the saved model, for training jobs that saved one (else None)."""
        return getattr(self.result, "saved", None)

    def cancel(self) -> None:
        """Stop the job: a queued job never starts; a running one stops after the current batch (keeping its
        best weights) or, if it does not answer within a second, its worker process is ended."""
        self._cancel.set()
        if self._on_cancel is not None:
            self._on_cancel(self)

    @property
    def cancel_requested(self) -> bool:
        """Whether cancel() was called."""
        return self._cancel.is_set()

    @property
    def finished_flag(self) -> bool:
        """True once the job is done, failed or cancelled."""
        return self.status in FINISHED

    def queue_position(self) -> int:
        """1 for the next job to start in its lane, 0 if not waiting."""
        if self.status != QUEUED or self._queue_position is None:
            return 0
        return self._queue_position(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finishes (CLIs, tests, benchmarks). Returns whether it finished."""
        return self._done.wait(timeout)

    def finish(self, status: str, result: Any = None, error: str = "", message: str = "") -> None:
        """Record the outcome (called once, by the pool)."""
        if self._done.is_set():
            return
        self.result, self.error, self.finished = result, error, time.time()
        self.add_event(TrainEvent("done", message or error or status))
        self.status = status  # last, so a poller that sees it finished also sees result and error
        self._done.set()
