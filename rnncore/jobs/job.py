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
# A finished job stays listed (the Train page's results, the experiment board) until the server restarts, so it
# keeps only enough events to draw its curves, and never its request payload.
FINISHED_EVENTS = 300


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
    time_limit: float | None = None  # seconds it may run once started; then it is stopped (None = no limit)
    stopped_at_deadline: bool = False  # set when the time limit stopped it
    status: str = QUEUED
    error: str = ""
    result: Any = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished_at: float | None = None  # when it ended (done, failed or cancelled); None while queued or running
    reuse_key: str = ""  # its settings and seed, when a later identical submission may share it (rnncore/jobs/reuse.py)
    note: str = ""  # shown with the job on its page (e.g. which classmate's saved run it is)
    _sharers: set[str] = field(default_factory=set)  # students who submitted exactly this job and were given it
    _events: list[TrainEvent] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _on_cancel: Callable[[Job], None] | None = None
    _queue_position: Callable[[Job], int] | None = None
    _deadline_timer: threading.Timer | None = None

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
    def is_finished(self) -> bool:
        """True once the job is done, failed or cancelled (`finished_at` then says when)."""
        return self.status in FINISHED

    def share_with(self, owner: str) -> None:
        """Give this job to another student who submitted exactly the same settings and seed: it is listed among
        their jobs too (its progress and results), but only its owner can stop it."""
        if owner and owner != self.owner:
            with self._lock:
                self._sharers.add(owner)

    def shared_with(self, owner: str) -> bool:
        """Whether `owner` was given this job by sharing (it is not theirs to stop)."""
        with self._lock:
            return owner in self._sharers

    def belongs_to(self, owner: str) -> bool:
        """Whether this job is listed among `owner`'s jobs: theirs, or shared with them."""
        return self.owner == owner or self.shared_with(owner)

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
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()  # its thread ends now rather than sleeping out a long limit
        if self.stopped_at_deadline and status != FAILED and not message:
            message = f"Stopped at its time limit ({_minutes(self.time_limit)}); the best weights so far are kept"
        self.result, self.error, self.finished_at = result, error, time.time()
        self.add_event(TrainEvent("done", message or error or status))
        with self._lock:
            self._events = thin_events(self._events, FINISHED_EVENTS)
            # The request has been run: it can be large (a student's own corpus, prepared as training windows,
            # is tens of MB) and a finished job is kept for the whole class session.
            self.payload = None
        self.status = status  # last, so a poller that sees it finished also sees result and error
        self._done.set()


def thin_events(events: list[TrainEvent], limit: int) -> list[TrainEvent]:
    """About `limit` of `events`, in order: only batch events are dropped (evenly spaced, the first and the last
    kept), so every curve keeps its shape and end point, and epoch, status and done events are all kept."""
    if len(events) <= limit:
        return events
    batches = [index for index, event in enumerate(events) if event.kind == "batch"]
    others = [index for index, event in enumerate(events) if event.kind != "batch"]
    kept = others + _evenly_spaced(batches, max(2, limit - len(others)))
    return [events[index] for index in sorted(kept)]


def _evenly_spaced(indices: list[int], count: int) -> list[int]:
    """`count` items of `indices`, evenly spaced, the first and the last included."""
    if len(indices) <= count:
        return indices
    step = (len(indices) - 1) / (count - 1)
    return [indices[round(n * step)] for n in range(count)]


def _minutes(seconds: float | None) -> str:
    """A time limit in words: "90 s" or "12 min"."""
    seconds = seconds or 0.0
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
