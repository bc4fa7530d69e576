"""What every job pool shares, local processes or Ray actors: lanes of queues taken in fair turns by owner
(rnncore/jobs/turns.py), per-owner limits, time limits, job ids, and the lookups pages use. A pool subclass
starts its workers, says when one has room for another job (`_has_room`) and how a running job is stopped
(`_stop`); this base hands out waiting jobs (`_dispatch`), stops them at their deadline and cancels them."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from rnncore.events import TrainEvent
from rnncore.jobs.job import CANCELLED, DONE, RUNNING, Job
from rnncore.jobs.reuse import reusable_job
from rnncore.jobs.turns import OwnerLimits, check_room, next_job, turn_order


def check_lane_size(lane: str, size: object) -> None:
    """ValueError unless `size` is a whole number of workers, at least one."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"lane {lane!r} needs at least one worker; got {size!r}")


class LaneQueues:
    """Lanes of queued jobs: `lanes={"train": 1, "lab": 1}` means one worker per lane;
    `owner_limits={"train": OwnerLimits(running=1, waiting=1)}` caps each owner's jobs in a lane."""

    def __init__(self, lanes: dict[str, int] | None = None, owner_limits: dict[str, OwnerLimits] | None = None):
        lanes = dict(lanes or {"train": 1})
        for name, size in lanes.items():
            check_lane_size(name, size)
        unknown = set(owner_limits or {}) - set(lanes)
        if unknown:
            raise ValueError(f"owner_limits name lane {sorted(unknown)[0]!r}, which this pool does not have")
        self.sizes = lanes
        self.owner_limits = {name: OwnerLimits() for name in lanes} | dict(owner_limits or {})
        self._turns = itertools.count()  # turn numbers, handed out as jobs start
        self._last_turns: dict[str, dict[str, int]] = {name: {} for name in lanes}  # lane → owner → last turn
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._queues: dict[str, list[Job]] = {name: [] for name in lanes}
        self._jobs: dict[int, Job] = {}
        self._workers: dict[str, list[Any]] = {name: [] for name in lanes}  # the subclass's worker objects
        self._closed = False
        self.replaced = 0  # workers started to replace crashed, lost or killed ones

    def _check_lane(self, lane: str) -> None:
        """ValueError naming the lanes there are, for one this pool does not have."""
        if lane not in self._queues:
            raise ValueError(f"no lane {lane!r}; this pool has {', '.join(self._queues)}")

    def _close(self) -> list[Job]:
        """Refuse new jobs from now on and take every waiting job out of its queue (the caller cancels them, after
        releasing the lock: finishing a job wakes whoever waits on it)."""
        with self._lock:
            self._closed = True
            waiting = [job for queue in self._queues.values() for job in queue]
            for queue in self._queues.values():
                queue.clear()
        return waiting

    def submit(
        self,
        task: str,
        payload: Any,
        *,
        lane: str = "train",
        owner: str = "",
        label: str = "",
        config: Any = None,
        time_limit: float | None = None,
        reuse_key: str = "",
    ) -> Job:
        """Queue `task` ("module:function", called as task(payload, on_event, should_stop) by a worker).
        Raises JobRefused (nothing queued) when `owner` already has as many jobs waiting as the lane allows;
        `time_limit`: seconds the job may run once started, then it is stopped like Stop does. With a
        `reuse_key` (rnncore/jobs/reuse.py), a queued, running or successfully finished job of the lane with the
        same key is returned instead, shared with `owner` (nothing new is queued, no limit applies)."""
        self._check_lane(lane)
        with self._lock:
            if self._closed:
                raise RuntimeError("the job pool is shut down")
            shared = self.share_existing(reuse_key, lane, owner)
            if shared is not None:
                return shared
            check_room(owner, self._queues[lane], self.owner_limits[lane])
            label = label or task.rpartition(":")[2]
            job = Job(next(self._ids), task, payload, lane, owner, label, config, time_limit=time_limit)
            job.reuse_key = reuse_key
            job._on_cancel, job._queue_position = self._cancel, self.queue_position
            self._jobs[job.id] = job
            self._queues[lane].append(job)
            self._dispatch(lane)
        return job

    def set_owner_limits(self, lane: str, limits: OwnerLimits) -> None:
        """Change a lane's per-owner limits while the pool runs (the teacher's live classroom settings): the next
        submission and the next start use them. Jobs already waiting keep their place even over a lowered waiting
        limit; a raised running limit may start a waiting job now."""
        self._check_lane(lane)
        with self._lock:
            self.owner_limits[lane] = limits
            self._dispatch(lane)

    def share_existing(self, reuse_key: str, lane: str, owner: str) -> Job | None:
        """The lane's job with this reuse key that is waiting, running or finished with a saved model (None if
        none, or no key), now also listed among `owner`'s jobs."""
        if not reuse_key:
            return None
        with self._lock:
            job = reusable_job([job for job in self._jobs.values() if job.lane == lane], reuse_key)
            if job is not None:
                job.share_with(owner)
            return job

    def add_finished(
        self, result: Any, *, lane: str = "train", owner: str = "", label: str = "", config: Any = None, note: str = ""
    ) -> Job:
        """List an outcome that needed no work (a saved run given again) as a finished job of `owner`'s, so the
        pages show it like any other; `note` says where it came from."""
        self._check_lane(lane)
        with self._lock:
            job = Job(next(self._ids), "", None, lane, owner, label or "reused run", config)
            job.note = note
            job.started = job.created
            self._jobs[job.id] = job
        job.finish(DONE, result, message=note)
        return job

    def get(self, job_id: int) -> Job | None:
        """Job by id (None if unknown)."""
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, owner: str | None = None, lane: str | None = None) -> list[Job]:
        """All jobs (of one owner, theirs or shared with them / of one lane), oldest first."""
        with self._lock:
            return [
                job
                for job in self._jobs.values()
                if (owner is None or job.belongs_to(owner)) and (lane is None or job.lane == lane)
            ]

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until every worker has finished its warm-up imports."""
        deadline = time.monotonic() + timeout
        return all(worker.ready.wait(max(0.0, deadline - time.monotonic())) for worker in self._all_workers())

    def queue_position(self, job: Job) -> int:
        """1-based position among the jobs waiting in its lane, in fair-turn order (0 if not waiting). A later
        student's first job may still move ahead of a student's second job (that is the fairness)."""
        with self._lock:
            order = turn_order(self._queues.get(job.lane, []), self._last_turns.get(job.lane, {}))
            return order.index(job) + 1 if job in order else 0

    def _all_workers(self) -> list[Any]:
        """Every lane's workers, as a list taken under the lock."""
        with self._lock:
            return [worker for lane in self._workers.values() for worker in lane]

    def _dispatch(self, lane: str) -> None:
        """Hand the lane's waiting jobs, in fair turns, to its workers that have room."""
        with self._lock:
            for worker in self._workers[lane]:
                while self._queues[lane] and self._has_room(worker):
                    job = next_job(
                        self._queues[lane], self._last_turns[lane], self._running(lane), self.owner_limits[lane]
                    )
                    if job is None:  # every waiting owner is at their running limit
                        return
                    self._queues[lane].remove(job)
                    self._last_turns[lane][job.owner] = next(self._turns)
                    job.status, job.started = RUNNING, time.time()
                    self._arm_deadline(job)
                    worker.run(job)

    def _running(self, lane: str) -> dict[str, int]:
        """Running jobs per owner in a lane."""
        counts: dict[str, int] = {}
        for job in self._jobs.values():
            if job.lane == lane and job.status == RUNNING:
                counts[job.owner] = counts.get(job.owner, 0) + 1
        return counts

    def _arm_deadline(self, job: Job) -> None:
        """Start the clock of a job with a time limit (the job cancels the timer when it finishes)."""
        if job.time_limit is None:
            return
        timer = threading.Timer(job.time_limit, self._deadline_reached, args=(job,))
        timer.daemon = True
        job._deadline_timer = timer
        timer.start()

    def _deadline_reached(self, job: Job) -> None:
        """Stop a job that ran out of time, as Stop does: after its batch, keeping its best weights."""
        with self._lock:
            if job.status != RUNNING or job.cancel_requested:
                return
            job.stopped_at_deadline = True
        job.add_event(TrainEvent("status", "Time limit reached: stopping after this batch, keeping the best weights"))
        job.cancel()

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
