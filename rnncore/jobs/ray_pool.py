"""Training jobs on a Ray cluster: the same lanes, queues and Job handles as JobPool (rnncore.jobs.pool), with
warm Ray actors in place of local worker processes. rnncore.jobs.factory picks it when RNNCORE_RAY_ADDRESS is
set; pages cannot tell the difference.

How it maps onto Ray: one actor per lane slot imports TensorFlow once and runs one job at a time. The pool
keeps the queues (fair turns per lane, in the server's memory, exactly as JobPool) and one monitor thread per actor,
which hands it a job and polls `actor.poll(job_id, since)` every `poll_interval` seconds for the job's events.
Polling (rather than a ray.util.queue.Queue, itself an actor) costs one small call per running job and stays
correct when the actor dies: the poll fails like the job does. The actor is threaded (max_concurrency > 1), so
poll() and stop() reach it while the job runs on another of its threads.

Stop: cooperative first (the task sees should_stop() after its batch); an actor that has not acknowledged within
`stop_grace` seconds is killed (ray.kill) and replaced, and the job is CANCELLED. A lost actor or node (the
process killed, the machine gone) fails its job with the reason; the pool starts a replacement and the next job
runs; an idle actor that dies is noticed within a second (a never-returning `lifeline` call fails) and replaced
before it is given a job. Results are saved by the task itself into request.store_root, which must be on a
file system every node and the app servers share, at the same path (see the README, "For a large course").

Code shipping: ray.init gets a runtime_env with `py_modules` = this project's rnncore package: the driver (the
app server) zips it once per connection, the cluster keeps it and every node unpacks it beside its workers. That
works the same for a local cluster and a real one without a checkout on the lab machines or a shared path; they
need the same Python and the packages of requirements-cluster.txt. Ray takes local paths only at ray.init, so if
this process was already connected to Ray, the existing connection (and its runtime_env) is used as it is.

Nothing here imports ray at module level (nor TensorFlow at all): `import rnncore.jobs.ray_pool` stays cheap and
works without Ray installed; ray is imported when a pool is created.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import queue
import threading
import traceback
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rnncore import environment
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.jobs.job import CANCELLED, DONE, FAILED, Job
from rnncore.jobs.pool import WARM_UP
from rnncore.jobs.queues import LaneQueues
from rnncore.jobs.turns import OwnerLimits
from rnncore.jobs.worker_main import resolve

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "rnncore"
ACTOR_THREADS = 5  # one runs the job, one holds the lifeline; the others answer poll() and stop() meanwhile
IDLE_CHECK = 1.0  # seconds between looks at an idle actor's lifeline (a local check: no network call)
POLL_TIMEOUT = 30.0  # a poll that takes longer is retried (a busy node), not taken as a lost actor
STOP_CHECK_TIMEOUT = 1.0  # how long the pool waits for an actor to say whether its job saw the stop
MAX_RESTART_DELAY = 30.0  # actors that die while starting (a broken node) are replaced with back-off
ACTOR_FIELDS = ("class_name", "actor_id", "pid", "name", "namespace", "ip")  # lines of Ray's actor errors


# --- the actor (runs on the cluster) ---
class RayWorker:
    """A warm worker on some node of the cluster: imports `preload` once, then runs one job at a time and
    buffers its events until the pool polls them. Wrapped with ray.remote by the pool."""

    def __init__(self, preload: tuple[str, ...], threads: int = 1):
        # Training yields to whatever else the node runs (on one machine: the app server itself).
        os.nice(environment.whole(environment.WORKER_NICE))
        # One TensorFlow thread per CPU Ray gave this actor: a 4-core lab machine runs four actors, and each
        # taking cores - 1 threads (tf_setup's default for a server) would oversubscribe it. A node's own
        # RNNCORE_TF_THREADS (in the environment of its `ray start`) wins.
        os.environ.setdefault(environment.TF_THREADS.name, str(threads))
        for reference in preload:  # e.g. import TensorFlow now, so the first job starts at once
            resolve(reference)()
        self._lock = threading.Lock()
        self._job_id: int | None = None
        self._events: list[TrainEvent] = []
        self._first = 0  # index (in the job's event stream) of self._events[0]
        self._stopping = False
        self._stops: dict[int, threading.Event] = {}

    def ready(self) -> int:
        """The actor's process id, once the warm-up imports are done."""
        return os.getpid()

    def lifeline(self) -> None:
        """Never returns: the pool holds this call open, and it fails when the actor dies, even while idle."""
        threading.Event().wait()

    def run(self, job_id: int, reference: str, payload: Any) -> tuple:
        """Run one job: ("result", value) or ("error", message, details). A failing job never ends the actor."""
        with self._lock:
            self._job_id, self._events, self._first, self._stopping = job_id, [], 0, False
            stop = self._stops.get(job_id) or threading.Event()  # a stop may arrive before the run
            self._stops = {job_id: stop}  # and late stops of earlier jobs are forgotten here

        def on_event(event: TrainEvent) -> None:
            with self._lock:
                self._events.append(event)

        def should_stop() -> bool:
            if not stop.is_set():
                return False
            with self._lock:
                self._stopping = True  # the next poll tells the pool, so it does not kill this actor
            return True

        try:
            return ("result", resolve(reference)(payload, on_event, should_stop))
        except (RnncoreError, ValueError) as error:  # the user's settings or data: a clear one-line message
            return ("error", str(error), "")
        except Exception as error:
            return ("error", f"{type(error).__name__}: {error}", traceback.format_exc(limit=5))

    def poll(self, job_id: int, since: int) -> tuple[list[TrainEvent], bool]:
        """Events of `job_id` from index `since` (earlier ones were delivered: dropped here) and whether the
        job has seen its stop."""
        with self._lock:
            if job_id != self._job_id:
                return [], False
            del self._events[: max(0, since - self._first)]
            self._first = max(self._first, since)
            return list(self._events), self._stopping

    def stop(self, job_id: int) -> None:
        """Ask the job to stop after its current batch."""
        with self._lock:
            self._stops.setdefault(job_id, threading.Event()).set()

    def stopping(self, job_id: int) -> bool:
        """Whether `job_id` has seen its stop (asked once more before the pool kills this actor)."""
        with self._lock:
            return job_id == self._job_id and self._stopping


# --- the pool's side ---
class ActorSlot:
    """One actor and the monitor thread that hands it jobs and collects their events."""

    def __init__(self, pool: RayJobPool, lane: str):
        self.pool, self.lane = pool, lane
        self.job: Job | None = None
        self.pid = 0
        self.ready = threading.Event()
        self.stop_acknowledged = False
        self.closed = False
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.actor = pool._actor_class.options(
            num_cpus=pool.cpus_per_worker,
            max_concurrency=ACTOR_THREADS,
            max_restarts=0,  # the pool replaces lost actors itself (a restarted one would have lost the job)
            max_task_retries=0,  # never run a job twice behind the student's back
            scheduling_strategy="SPREAD",  # one job per lab machine before two on one
        ).remote(pool.preload, max(1, int(pool.cpus_per_worker)))
        threading.Thread(target=self._monitor, name=f"rnncore-ray-{lane}", daemon=True).start()

    def holds(self, job: Job) -> bool:
        """Whether `job` is the one this actor runs."""
        return self.job is job

    def run(self, job: Job) -> None:
        """Hand a job to this (ready, idle) actor."""
        self.job, self.stop_acknowledged = job, False
        self._jobs.put(job)

    def stop(self, job: Job) -> None:
        """Ask the actor to stop its job (fire and forget: the poll reports the acknowledgement)."""
        if not _connected():
            return
        try:
            self.actor.stop.remote(job.id)
        except Exception:  # the actor is gone: the monitor reports that
            pass

    def stopping(self, job: Job) -> bool:
        """Ask the actor directly whether its job has seen the stop (a poll may still be on its way)."""
        import ray

        if not _connected():
            return False
        try:
            return bool(ray.get(self.actor.stopping.remote(job.id), timeout=STOP_CHECK_TIMEOUT))
        except Exception:  # no answer (the actor is stuck in C code, or gone): it did not stop
            return False

    def kill(self) -> None:
        """End the actor at once: a job that ignores Stop, or pool shutdown."""
        import ray

        if not _connected():
            return  # the actors ended with the connection (Ray ties them to this process)
        try:
            ray.kill(self.actor, no_restart=True)
        except Exception:  # already dead, or Ray disconnected
            pass

    def close(self) -> None:
        """Stop the monitor thread and the actor."""
        self.closed = True
        self._jobs.put(None)
        self.kill()

    def _monitor(self) -> None:
        import ray

        try:
            self.pid = ray.get(self.actor.ready.remote())
        except Exception as error:  # preload failed, the runtime env could not be set up, the node died …
            self.pool._slot_lost(self, error, started=False)
            return
        lifeline = self.actor.lifeline.remote()
        self.ready.set()
        self.pool._dispatch(self.lane)
        while not self.closed:
            try:
                job = self._jobs.get(timeout=IDLE_CHECK)
            except queue.Empty:
                if not _connected():  # ray.shutdown() (e.g. at exit): stop here, or Ray would reconnect
                    return
                if ray.wait([lifeline], timeout=0)[0]:  # died while idle (its node went away): replace it now,
                    self.pool._slot_lost(self, _error_of(lifeline), started=True)  # not with the next job
                    return
                continue
            if job is None or self.closed:
                return
            try:
                outcome = self._follow(job)
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError, ConnectionError) as error:
                self.pool._slot_lost(self, error, started=True)
                return
            except Exception as error:  # e.g. a result this process cannot unpickle: the job fails, the actor lives
                self.pool._job_ended(self, FAILED, None, f"Its result could not be read: {_first_line(error)}")
                continue
            if outcome[0] == "result":
                value = outcome[1]
                self.pool._job_ended(self, CANCELLED if getattr(value, "cancelled", False) else DONE, value, "")
            else:
                if outcome[2]:
                    job.add_event(TrainEvent("status", outcome[2]))
                self.pool._job_ended(self, FAILED, None, outcome[1])

    def _follow(self, job: Job) -> tuple:
        """Run `job` on the actor, relaying its events until it returns; raises RayActorError if the actor is
        lost meanwhile."""
        import ray

        finished = self.actor.run.remote(job.id, job.task, job.payload)
        since = 0
        while True:
            if not _connected():
                raise ConnectionError("the connection to the Ray cluster was closed")
            done, _ = ray.wait([finished], timeout=self.pool.poll_interval)
            since = self._relay(job, since)  # after the run returned too: its last events come before "done"
            if done:
                return ray.get(finished)

    def _relay(self, job: Job, since: int) -> int:
        import ray

        try:
            events, stopping = ray.get(self.actor.poll.remote(job.id, since), timeout=POLL_TIMEOUT)
        except ray.exceptions.GetTimeoutError:
            return since
        for event in events:
            job.add_event(event)
        if stopping and not self.stop_acknowledged:
            self.stop_acknowledged = True
            job.add_event(TrainEvent("status", "Stopping after this batch; keeping the best weights so far …"))
        return since + len(events)


class RayJobPool(LaneQueues):
    """JobPool's API on a Ray cluster: `lanes={"train": 8, "lab": 2}` means eight warm actors for training and
    two for Sequence Lab runs, placed wherever the cluster has a free CPU."""

    def __init__(
        self,
        lanes: dict[str, int] | None = None,
        preload: Iterable[str] = (WARM_UP,),
        stop_grace: float = 1.0,
        *,
        address: str = "auto",
        num_cpus: int | None = None,
        cpus_per_worker: float = 1.0,
        poll_interval: float = 0.2,
        py_modules: Iterable[str] = (),
        owner_limits: dict[str, OwnerLimits] | None = None,
    ):
        """`address`: "auto" (this machine is part of a cluster), "HOST:6379", "ray://HOST:10001", or "local"
        (start a one-machine cluster inside this process with `num_cpus` logical CPUs: tests, benchmarks).
        `py_modules`: further top-level packages of this project that tasks import (tests ship "tests").
        `owner_limits`: each owner's running and waiting jobs per lane (rnncore/jobs/turns.py)."""
        super().__init__(lanes, owner_limits)
        if address == "local" and num_cpus is None:  # room for every actor, as JobPool starts every process
            num_cpus = max(os.cpu_count() or 1, math.ceil(sum(self.sizes.values()) * cpus_per_worker))
        connect(address, num_cpus=num_cpus, py_modules=("rnncore", *py_modules))
        import ray

        self._actor_class = ray.remote(RayWorker)
        self.preload = tuple(preload)
        self.stop_grace = stop_grace
        self.cpus_per_worker = cpus_per_worker
        self.poll_interval = poll_interval
        self._startup_failures = 0
        for name in self.sizes:
            self._fill(name)
        # Before Ray's own exit hook disconnects (hooks run last registered first): end the monitor threads,
        # which would otherwise call Ray after it disconnected.
        atexit.register(_shutdown_at_exit, weakref.ref(self))

    # --- beyond LaneQueues: actors ---
    def worker_pids(self) -> list[int]:
        """Process ids of the ready actors (on their own nodes: only meaningful on a one-machine cluster)."""
        with self._lock:
            return [slot.pid for slots in self._workers.values() for slot in slots if slot.ready.is_set()]

    def shutdown(self) -> None:
        """End every actor: running and queued jobs are cancelled. The Ray connection stays (it is process-wide;
        ray.shutdown() ends it, and a cluster started with address="local")."""
        waiting = self._close()
        with self._lock:
            slots = self._all_workers()
        for job in waiting:
            job.finish(CANCELLED, message="Cancelled: the job pool was shut down")
        for slot in slots:
            if slot.job is not None:
                slot.job.finish(CANCELLED, message="Stopped: the job pool was shut down")
            slot.close()

    # --- internals (called with or without the lock; they take it) ---
    def _fill(self, lane: str) -> None:
        with self._lock:
            # Never after ray.shutdown(): any Ray call would quietly connect again (Ray's auto-init).
            while not self._closed and _connected() and len(self._workers[lane]) < self.sizes[lane]:
                self._workers[lane].append(ActorSlot(self, lane))

    def _has_room(self, slot: ActorSlot) -> bool:
        # Only ready actors take jobs: one that cannot be placed (a full cluster) leaves them QUEUED.
        return slot.job is None and slot.ready.is_set() and not slot.closed

    def _stop(self, slot: ActorSlot, job: Job) -> None:
        slot.stop(job)
        # Cooperative first: the job sees the stop after its current batch and says so; a job that does not
        # answer within the grace period (a long batch, data loading) is ended with its actor.
        timer = threading.Timer(self.stop_grace, self._enforce_stop, args=(slot, job))
        timer.daemon = True
        timer.start()

    def _enforce_stop(self, slot: ActorSlot, job: Job) -> None:
        def still_running() -> bool:
            return slot.job is job and not slot.stop_acknowledged and not job.is_finished

        # A last direct question first: killing a job that is stopping would lose the weights it is saving.
        if still_running() and not slot.stopping(job) and still_running():
            slot.kill()

    def _job_ended(self, slot: ActorSlot, status: str, value: Any, error: str) -> None:
        with self._lock:
            job, slot.job = slot.job, None
            if job is not None:
                job.finish(status, value, error)
            self._startup_failures = 0
            self._dispatch(slot.lane)

    def _slot_lost(self, slot: ActorSlot, error: BaseException, started: bool) -> None:
        with self._lock:
            job, slot.job = slot.job, None
            slot.closed = True
            if slot in self._workers[slot.lane]:
                self._workers[slot.lane].remove(slot)
            if job is not None:
                if job.cancel_requested:
                    job.finish(CANCELLED, message="Stopped (its Ray worker was ended mid-batch; nothing saved)")
                else:
                    job.finish(FAILED, error=f"The Ray worker running it was lost: {_loss_reason(error)}")
            if self._closed:
                return
            self.replaced += 1
            self._startup_failures = 0 if started else self._startup_failures + 1
            delay = min(MAX_RESTART_DELAY, 2.0 ** (self._startup_failures - 1)) if self._startup_failures else 0.0
        slot.kill()  # an unreachable actor may still hold its CPU: make sure it is gone
        if delay:
            logging.getLogger(__name__).warning("A Ray worker failed to start (%s)", _loss_reason(error))
            timer = threading.Timer(delay, self._refill, args=(slot.lane,))
            timer.daemon = True
            timer.start()
        else:
            self._refill(slot.lane)

    def _refill(self, lane: str) -> None:
        self._fill(lane)
        self._dispatch(lane)


def connect(
    address: str, num_cpus: int | None = None, py_modules: Iterable[str] = ("rnncore",), temp_dir: str | None = None
) -> None:
    """Connect this process to Ray (once; a later call reuses the connection as it is). `py_modules` are
    top-level packages of this project, shipped to the cluster so actors can import them; `temp_dir` is where a
    "local" cluster keeps its sockets and logs (Ray's default: /tmp/ray)."""
    import ray

    if ray.is_initialized():
        return
    options: dict[str, Any] = dict(
        ignore_reinit_error=True,
        namespace=NAMESPACE,
        runtime_env={"py_modules": [str(PROJECT_ROOT / name) for name in dict.fromkeys(py_modules)]},
        log_to_driver=False,  # TensorFlow's start-up chatter stays in the cluster's logs, not the app server's
        logging_level=logging.WARNING,
    )
    if address == "local":
        # A cluster of this one machine, started by (and ending with) this process. Ray listens on the machine's
        # address, not loopback; its token authentication (on by default for local clusters) keeps others out.
        options.update(address="local", num_cpus=num_cpus, include_dashboard=False)
        if temp_dir:
            options["_temp_dir"] = temp_dir
    else:
        options.update(address=address)
    ray.init(**options)


def _connected() -> bool:
    """Whether this process is still connected to Ray."""
    import ray

    return ray.is_initialized()


def _shutdown_at_exit(pool: weakref.ref[RayJobPool]) -> None:
    if (alive := pool()) is not None:
        alive.shutdown()


def _error_of(reference: Any) -> BaseException:
    """The exception a finished Ray call ended with."""
    import ray

    try:
        ray.get(reference)
    except Exception as error:
        return error
    return RuntimeError("the Ray worker stopped")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _loss_reason(error: BaseException) -> str:
    """One line from Ray's multi-line actor error: what happened (its first sentence), and where."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    where = {key: value for key, _, value in (line.partition(": ") for line in lines) if key in ("pid", "ip")}
    cause = next((line for line in reversed(lines) if line.partition(": ")[0] not in ACTOR_FIELDS), "")
    cause = cause.split(". ")[0].rstrip(".")[:300] or type(error).__name__
    place = ", ".join(f"{key} {value}" for key, value in where.items())
    return f"{cause}{f' ({place})' if place else ''}"
