"""A pool of warm worker processes, in lanes: the server queues jobs, a worker process runs them with TensorFlow
imported once, and events stream back to the job handles that pages poll.

Why processes: with TensorFlow in the Streamlit server every page rerun paid ~400 ms of Keras cleanup, and a
training thread shared the GIL with thirty students' predictions. Why lanes: a 10-second Sequence Lab run must
never wait behind a 5-minute IMDB job, so each lane has its own queue and its own processes.

A lane may run several jobs at once in each process (`slots`, e.g. {"lab": 10}): ten students' 15-second lab
runs then share one warm process (one TensorFlow, ~580 MB) in threads, rather than each needing its own
process or waiting for one.

A job whose process crashes or is killed becomes FAILED with the reason; the pool starts a replacement, and
the next job runs. A lane grows or shrinks while the pool runs (`resize`: the teacher's live setting of the
number of workers): new processes start warm, and a process retired by a smaller lane finishes its running jobs
first. Stop asks the job to finish after the current batch and ends the process if it has not
answered within `stop_grace` seconds (with it any other job it was running, which then fails with that reason).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

from rnncore import environment as env
from rnncore.events import TrainEvent
from rnncore.jobs.job import CANCELLED, DONE, FAILED, Job
from rnncore.jobs.queues import LaneQueues, check_lane_size
from rnncore.jobs.turns import OwnerLimits

WARM_UP = "rnncore.training.tf_setup:keras_module"  # what a worker imports before its first job
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """One child process, the jobs it runs (at most `slots` at once) and the thread that reads its messages."""

    def __init__(self, pool: JobPool, lane: str, preload: tuple[str, ...], slots: int = 1):
        self.pool, self.lane, self.slots = pool, lane, slots
        self.jobs: dict[int, Job] = {}
        self.ready = threading.Event()
        self.stop_acknowledged: set[int] = set()  # ids of its jobs that said they saw the stop
        self.killed_to_stop = False  # ended because one of its jobs did not answer Stop in time
        self.retiring = False  # the lane shrank: takes no new job, and exits once its jobs have ended
        ours, theirs = Pipe()
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")]))
        # One BLAS thread per worker: TensorFlow has its own thread settings, and OpenBLAS would otherwise start
        # a thread per core in every worker (two workers on two cores ran local jobs at half speed).
        environment.setdefault("OMP_NUM_THREADS", "1")
        if slots > 1:  # jobs running at once may run their TensorFlow ops at once, on every core (measured: with
            # one inter-op thread, ten lab runs took turns on one core and trained 5 rounds each, with two 7)
            environment.setdefault(env.TF_INTER_THREADS.name, str(min(slots, os.cpu_count() or 1)))
            # ... and then yield more to the pages: ten lab runs on every core at nice 5 took the class's Predict
            # reruns to p95 405 ms; at nice 10, 324 ms (bench/classroom.py; the runs still end on time)
            environment.setdefault(env.WORKER_NICE.name, "10")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rnncore.jobs.worker_main", str(theirs.fileno()), *preload],
            pass_fds=[theirs.fileno()],
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.connection = ours
        self.send_lock = threading.Lock()
        threading.Thread(target=self._read, name=f"rnncore-{lane}-reader-{self.process.pid}", daemon=True).start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def send(self, message: tuple) -> bool:
        """Send a message; False if the process is gone (its reader thread handles that)."""
        try:
            with self.send_lock:
                self.connection.send(message)
            return True
        except (OSError, ValueError):
            return False

    def holds(self, job: Job) -> bool:
        """Whether `job` runs in this process."""
        return self.jobs.get(job.id) is job

    def run(self, job: Job) -> None:
        """Hand a job to this process (the pool checked it has a free slot)."""
        self.jobs[job.id] = job
        self.send(("run", job.id, job.task, job.payload))

    def kill(self) -> None:
        """End the process at once (SIGKILL): a job that ignores Stop, or pool shutdown."""
        try:
            self.process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _read(self) -> None:
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                break
            except Exception:  # a message this process cannot unpickle: drop it, keep reading (results, the
                continue  # only messages that carry a task's own objects, are pickled apart and fail their job)
            self.pool._message(self, message)
        self.connection.close()
        code = self.process.wait()
        self.pool._process_exited(self, code)


class JobPool(LaneQueues):
    """Lanes of warm worker processes: `lanes={"train": 1, "lab": 1}` means one process per lane;
    `slots={"lab": 10}` lets each process of the lab lane run ten jobs at once (in threads; default one);
    `owner_limits` caps each owner's running and waiting jobs per lane (rnncore/jobs/turns.py)."""

    def __init__(
        self,
        lanes: dict[str, int] | None = None,
        preload: Iterable[str] = (WARM_UP,),
        stop_grace: float = 1.0,
        slots: dict[str, int] | None = None,
        owner_limits: dict[str, OwnerLimits] | None = None,
    ):
        super().__init__(lanes, owner_limits)
        self.slots = {name: 1 for name in self.sizes} | dict(slots or {})
        for name, count in self.slots.items():
            if name not in self.sizes:
                raise ValueError(f"slots name lane {name!r}, which this pool does not have")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"lane {name!r} needs at least one job slot per process; got {count!r}")
        self.preload = tuple(preload)
        self.stop_grace = stop_grace
        for name in self.sizes:
            self._fill(name)

    # --- beyond LaneQueues: workers ---
    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (benchmarks read their memory)."""
        with self._lock:
            return [worker.pid for workers in self._workers.values() for worker in workers]

    def resize(self, lane: str, size: int) -> None:
        """Change how many processes a lane has while the pool runs (the teacher's live classroom settings).
        Growing starts warm processes at once (taking back first any that were retiring: they are warm already);
        shrinking retires idle processes at once and busy ones after their running jobs end, so no job is lost
        and a retiring process takes no new one."""
        self._check_lane(lane)
        check_lane_size(lane, size)
        with self._lock:
            self.sizes[lane] = size
            workers = self._workers[lane]
            for worker in workers:
                if worker.retiring and len(self._active(lane)) < size:
                    worker.retiring = False
            extra = len(self._active(lane)) - size
            if extra > 0:  # idle processes first (still warming up counts as idle), then those finishing soonest
                for worker in sorted(self._active(lane), key=lambda worker: len(worker.jobs))[:extra]:
                    worker.retiring = True
                    if not worker.jobs:
                        self._retire(worker)
            self._fill(lane)
            self._dispatch(lane)

    def shutdown(self) -> None:
        """End every worker process: waiting and running jobs end as cancelled, saying why."""
        waiting = self._close()
        with self._lock:
            workers = self._all_workers()
        for job in waiting:
            job.finish(CANCELLED, message="Cancelled: the job pool was shut down")
        for worker in workers:
            worker.send(("exit",))
            worker.kill()

    # --- internals (called with or without the lock; they take it) ---
    def _fill(self, lane: str) -> None:
        with self._lock:
            while not self._closed and len(self._active(lane)) < self.sizes[lane]:
                self._workers[lane].append(WorkerProcess(self, lane, self.preload, self.slots[lane]))

    def _active(self, lane: str) -> list[WorkerProcess]:
        """A lane's processes that take jobs (not retiring)."""
        return [worker for worker in self._workers[lane] if not worker.retiring]

    def _retire(self, worker: WorkerProcess) -> None:
        """A retiring process whose jobs have all ended leaves the lane and exits (no replacement is started)."""
        if worker in self._workers[worker.lane]:
            self._workers[worker.lane].remove(worker)
        worker.send(("exit",))

    def _has_room(self, worker: WorkerProcess) -> bool:
        return not worker.retiring and len(worker.jobs) < worker.slots and worker.process.poll() is None

    def _stop(self, worker: WorkerProcess, job: Job) -> None:
        worker.send(("stop", job.id))
        # Cooperative first: the job sees the stop after its current batch and says so ("stopping"); a job
        # that does not answer within the grace period (a long batch, data loading) is ended with its process.
        timer = threading.Timer(self.stop_grace, self._enforce_stop, args=(worker, job))
        timer.daemon = True
        timer.start()

    def _enforce_stop(self, worker: WorkerProcess, job: Job) -> None:
        if worker.holds(job) and job.id not in worker.stop_acknowledged and not job.is_finished:
            worker.killed_to_stop = True
            worker.kill()

    def _message(self, worker: WorkerProcess, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready.set()
            return
        job = worker.jobs.get(message[1])
        if job is None:
            return  # a late message from a job that was already ended
        if kind == "event":
            job.add_event(message[2])
        elif kind == "stopping":
            worker.stop_acknowledged.add(job.id)
            job.add_event(TrainEvent("status", "Stopping after this batch; keeping the best weights so far …"))
        elif kind == "result":
            try:  # pickled apart from the message, so a result this process cannot read fails only its own job
                value = pickle.loads(message[2])
            except Exception as error:
                self._job_ended(worker, job, FAILED, None, f"Its result could not be read: {error}")
                return
            self._job_ended(worker, job, CANCELLED if getattr(value, "cancelled", False) else DONE, value, "")
        elif kind == "error":
            if message[3]:
                job.add_event(TrainEvent("status", message[3]))
            self._job_ended(worker, job, FAILED, None, message[2])

    def _job_ended(self, worker: WorkerProcess, job: Job, status: str, value: Any, error: str) -> None:
        with self._lock:
            if worker.jobs.pop(job.id, None) is job:
                job.finish(status, value, error)
            worker.stop_acknowledged.discard(job.id)
            if worker.retiring and not worker.jobs:
                self._retire(worker)
            self._dispatch(worker.lane)

    def _process_exited(self, worker: WorkerProcess, code: int) -> None:
        with self._lock:
            jobs, worker.jobs = list(worker.jobs.values()), {}
            if worker in self._workers[worker.lane]:
                self._workers[worker.lane].remove(worker)
            for job in jobs:
                if self._closed:
                    job.finish(CANCELLED, message="Stopped: the job pool was shut down")
                elif job.cancel_requested:
                    job.finish(CANCELLED, message="Stopped (its worker process was ended mid-batch; nothing saved)")
                elif worker.killed_to_stop:
                    job.finish(
                        FAILED,
                        error="Its worker process was ended to stop another run that did not answer Stop in time; "
                        "please start it again",
                    )
                else:
                    job.finish(FAILED, error=f"The worker process running it ended unexpectedly ({_describe(code)})")
            if not self._closed and not worker.retiring:  # a retired process is not replaced
                self.replaced += 1
                self._fill(worker.lane)
                self._dispatch(worker.lane)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
