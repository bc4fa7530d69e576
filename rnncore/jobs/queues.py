"""What every job pool shares, local processes or Ray actors: lanes of first-in-first-out queues, job ids, and
the lookups pages use. A pool subclass starts its workers, says when one has room for another job (`_has_room`)
and how a running job is stopped (`_stop`); this base hands out waiting jobs (`_dispatch`) and cancels them."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from rnncore.jobs.job import CANCELLED, RUNNING, Job


class LaneQueues:
    """Lanes of queued jobs: `lanes={"train": 1, "lab": 1}` means one worker per lane."""

    def __init__(self, lanes: dict[str, int] | None = None):
        lanes = dict(lanes or {"train": 1})
        for name, size in lanes.items():
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"lane {name!r} needs at least one worker; got {size!r}")
        self.sizes = lanes
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._queues: dict[str, list[Job]] = {name: [] for name in lanes}
        self._jobs: dict[int, Job] = {}
        self._workers: dict[str, list[Any]] = {name: [] for name in lanes}  # the subclass's worker objects
        self._closed = False
        self.replaced = 0  # workers started to replace crashed, lost or killed ones

    def submit(
        self, task: str, payload: Any, *, lane: str = "train", owner: str = "", label: str = "", config: Any = None
    ) -> Job:
        """Queue `task` ("module:function", called as task(payload, on_event, should_stop) by a worker)."""
        if lane not in self._queues:
            raise ValueError(f"no lane {lane!r}; this pool has {', '.join(self._queues)}")
        with self._lock:
            if self._closed:
                raise RuntimeError("the job pool is shut down")
            job = Job(next(self._ids), task, payload, lane, owner, label or task.rpartition(":")[2], config)
            job._on_cancel, job._queue_position = self._cancel, self.queue_position
            self._jobs[job.id] = job
            self._queues[lane].append(job)
            self._dispatch(lane)
        return job

    def get(self, job_id: int) -> Job | None:
        """Job by id (None if unknown)."""
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, owner: str | None = None, lane: str | None = None) -> list[Job]:
        """All jobs (of one owner / lane), oldest first."""
        with self._lock:
            return [
                job
                for job in self._jobs.values()
                if (owner is None or job.owner == owner) and (lane is None or job.lane == lane)
            ]

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until every worker has finished its warm-up imports."""
        deadline = time.monotonic() + timeout
        return all(worker.ready.wait(max(0.0, deadline - time.monotonic())) for worker in self._all_workers())

    def queue_position(self, job: Job) -> int:
        """1-based position among the jobs waiting in its lane (0 if not waiting)."""
        with self._lock:
            waiting = self._queues.get(job.lane, [])
            return waiting.index(job) + 1 if job in waiting else 0

    def _all_workers(self) -> list[Any]:
        """Every lane's workers, as a list taken under the lock."""
        with self._lock:
            return [worker for lane in self._workers.values() for worker in lane]

    def _dispatch(self, lane: str) -> None:
        """Hand the lane's waiting jobs, oldest first, to its workers that have room."""
        with self._lock:
            for worker in self._workers[lane]:
                while self._queues[lane] and self._has_room(worker):
                    job = self._queues[lane].pop(0)
                    job.status, job.started = RUNNING, time.time()
                    worker.run(job)

    def _cancel(self, job: Job) -> None:
        """A waiting job never starts; a running one is asked to stop (see the subclass's _stop)."""
        with self._lock:
            waiting = self._queues.get(job.lane, [])
            if job in waiting:
                waiting.remove(job)
                job.finish(CANCELLED, message="Cancelled before it started")
                return
            worker = next((w for workers in self._workers.values() for w in workers if w.holds(job)), None)
        if worker is not None:
            self._stop(worker, job)

    def _has_room(self, worker: Any) -> bool:
        """Whether a worker can take another job now."""
        raise NotImplementedError

    def _stop(self, worker: Any, job: Job) -> None:
        """Stop the job a worker is running."""
        raise NotImplementedError
