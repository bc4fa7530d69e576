"""The job pool with real worker processes: order, lanes, Stop (cooperative and forced), crashes, errors,
events, and real training jobs in a warm TensorFlow worker.

Most tests use the fast task functions of tests/job_tasks.py in workers that preload nothing: scheduling and
process handling are the subject, not training. The last tests train and export for real."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rnncore.config import RunConfig
from rnncore.jobs.job import CANCELLED, DONE, FAILED, MAX_EVENTS, QUEUED, RUNNING
from rnncore.jobs.pool import JobPool
from rnncore.jobs.requests import EXPORT_TASK, TRAIN_TASK, TrainingRequest
from rnncore.jobs.turns import JobRefused, OwnerLimits
from tests.conftest import TINY_SENTIMENT

TIMEOUT = 60
GATED, STUBBORN, CRASH = "tests.job_tasks:gated", "tests.job_tasks:stubborn", "tests.job_tasks:crash"


def _wait_until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Gates:
    """Start / release tasks by name through files in a folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def payload(self, name: str, **extra) -> dict:
        return {"folder": str(self.folder), "name": name, **extra}

    def started(self) -> list[str]:
        files = sorted(self.folder.glob("started-*"), key=lambda path: path.stat().st_mtime_ns)
        return [path.name.removeprefix("started-") for path in files]

    def release(self, *names: str) -> None:
        for name in names:
            (self.folder / f"release-{name}").touch()


@pytest.fixture
def gates(tmp_path):
    return Gates(tmp_path)


@contextmanager
def pools_of(factory: Callable[..., JobPool]) -> Iterator[Callable[..., JobPool]]:
    """make(**options): a ready pool from `factory` (preloading nothing unless told), all shut down at the end."""
    pools: list[JobPool] = []

    def make(**options) -> JobPool:
        options.setdefault("preload", ())
        pool = factory(**options)
        pools.append(pool)
        assert pool.wait_ready(TIMEOUT)
        return pool

    try:
        yield make
    finally:
        for pool in pools:
            pool.shutdown()


@pytest.fixture
def make_pool():
    with pools_of(JobPool) as make:
        yield make


def test_jobs_run_one_at_a_time_in_submission_order(make_pool, gates):
    pool = make_pool()
    jobs = [pool.submit(GATED, gates.payload(name), owner="alice") for name in "abcd"]
    _wait_until(lambda: gates.started() == ["a"])
    assert [job.status for job in jobs] == [RUNNING, QUEUED, QUEUED, QUEUED]
    assert [job.queue_position() for job in jobs] == [0, 1, 2, 3]
    gates.release("d", "c")  # releasing later jobs first must not let them jump the queue
    time.sleep(0.2)
    assert gates.started() == ["a"]
    gates.release("a", "b")
    assert all(job.wait(TIMEOUT) for job in jobs)
    assert gates.started() == ["a", "b", "c", "d"]
    assert [job.status for job in jobs] == [DONE] * 4
    assert [job.result.name for job in jobs] == ["a", "b", "c", "d"]
    assert pool.jobs(owner="alice") == jobs


def test_a_lane_of_two_runs_two_at_once_in_two_processes(make_pool, gates):
    pool = make_pool(lanes={"train": 2})
    jobs = [pool.submit(GATED, gates.payload(name)) for name in "abc"]
    _wait_until(lambda: gates.started() == ["a", "b"] or gates.started() == ["b", "a"])
    assert jobs[2].status == QUEUED and jobs[2].queue_position() == 1
    gates.release("a", "b", "c")
    assert all(job.wait(TIMEOUT) for job in jobs)
    assert len({jobs[0].result.pid, jobs[1].result.pid}) == 2


def test_lanes_are_independent(make_pool, gates):
    """A lab run never waits behind a long IMDB job."""
    pool = make_pool(lanes={"train": 1, "lab": 1})
    long_job = pool.submit(GATED, gates.payload("imdb"), lane="train")
    queued = pool.submit(GATED, gates.payload("imdb-2"), lane="train")
    lab = pool.submit(GATED, gates.payload("lab"), lane="lab")
    _wait_until(lambda: "lab" in gates.started())
    gates.release("lab")
    assert lab.wait(TIMEOUT) and lab.status == DONE
    assert long_job.status == RUNNING and queued.status == QUEUED
    assert pool.jobs(lane="lab") == [lab]
    gates.release("imdb", "imdb-2")
    assert queued.wait(TIMEOUT)


def test_a_lane_with_slots_runs_several_jobs_at_once_in_one_process(make_pool, gates):
    """Ten students' lab runs share one warm process instead of waiting for it in turn."""
    pool = make_pool(lanes={"train": 1, "lab": 1}, slots={"lab": 3})
    jobs = [pool.submit(GATED, gates.payload(name), lane="lab") for name in "abcd"]
    _wait_until(lambda: sorted(gates.started()) == ["a", "b", "c"])
    assert [job.status for job in jobs] == [RUNNING] * 3 + [QUEUED] and jobs[3].queue_position() == 1
    gates.release("b")  # a finished job frees its slot for the next waiting one
    _wait_until(lambda: "d" in gates.started())
    jobs[0].cancel()  # a cooperative stop ends that job alone
    assert jobs[0].wait(TIMEOUT) and jobs[0].status == CANCELLED
    gates.release("c", "d")
    assert all(job.wait(TIMEOUT) for job in jobs[1:])
    assert [job.status for job in jobs[1:]] == [DONE] * 3
    assert len({job.result.pid for job in jobs[1:]}) == 1
    assert pool.replaced == 0


def test_a_process_running_several_jobs_yields_more_and_may_use_every_core(make_pool, monkeypatch):
    """Ten lab runs in one process must not slow the class's pages: lower priority, ops on all cores."""
    monkeypatch.delenv("RNNCORE_WORKER_NICE", raising=False)
    monkeypatch.delenv("RNNCORE_TF_INTER_THREADS", raising=False)
    pool = make_pool(lanes={"train": 1, "lab": 1}, slots={"lab": 4})
    train = pool.submit("tests.job_tasks:settings_seen", {}, lane="train")
    lab = pool.submit("tests.job_tasks:settings_seen", {}, lane="lab")
    assert train.wait(TIMEOUT) and lab.wait(TIMEOUT)
    base = os.nice(0)  # niceness adds up, and stops at 19
    assert train.result == {"nice": min(19, base + 5), "inter_op": None}
    assert lab.result == {"nice": min(19, base + 10), "inter_op": str(min(4, os.cpu_count() or 1))}


def test_a_stubborn_job_ends_its_process_and_the_jobs_sharing_it_say_why(make_pool, gates):
    pool = make_pool(lanes={"lab": 1}, slots={"lab": 2}, stop_grace=0.3)
    stubborn = pool.submit(STUBBORN, gates.payload("stubborn"), lane="lab")
    neighbour = pool.submit(GATED, gates.payload("neighbour"), lane="lab")
    _wait_until(lambda: len(gates.started()) == 2)
    stubborn.cancel()
    assert stubborn.wait(TIMEOUT) and neighbour.wait(TIMEOUT)
    assert stubborn.status == CANCELLED
    assert neighbour.status == FAILED and "another run that did not answer Stop" in neighbour.error
    after = pool.submit(GATED, gates.payload("after"), lane="lab")  # the replacement process takes new jobs
    _wait_until(lambda: "after" in gates.started())
    gates.release("after")
    assert after.wait(TIMEOUT) and after.status == DONE and pool.replaced == 1


def test_bad_pool_settings_and_lanes_are_refused(make_pool):
    with pytest.raises(ValueError, match="at least one worker"):
        JobPool(lanes={"train": 0}, preload=())
    with pytest.raises(ValueError, match="at least one job slot"):
        JobPool(lanes={"lab": 1}, slots={"lab": 0}, preload=())
    with pytest.raises(ValueError, match="does not have"):
        JobPool(lanes={"train": 1}, slots={"lab": 2}, preload=())
    pool = make_pool()
    with pytest.raises(ValueError, match="no lane 'gpu'"):
        pool.submit(GATED, {}, lane="gpu")


def test_cancel_a_queued_job_it_never_starts(make_pool, gates):
    pool = make_pool()
    running = pool.submit(GATED, gates.payload("a"))
    queued = pool.submit(GATED, gates.payload("b"))
    _wait_until(lambda: gates.started() == ["a"])
    queued.cancel()
    assert queued.status == CANCELLED and queued.queue_position() == 0
    gates.release("a", "b")
    assert running.wait(TIMEOUT) and running.status == DONE
    time.sleep(0.2)
    assert gates.started() == ["a"]


def test_stop_is_cooperative_and_the_next_job_starts(make_pool, gates):
    pool = make_pool()
    running = pool.submit(GATED, gates.payload("a"))
    after = pool.submit(GATED, gates.payload("b"))
    _wait_until(lambda: running.last_event("batch") is not None)
    pid = pool.worker_pids()[0]
    started = time.monotonic()
    running.cancel()
    assert running.wait(TIMEOUT)
    assert time.monotonic() - started < 1.0
    assert running.status == CANCELLED and running.result.cancelled
    assert any("Stopping" in event.message for event in running.events())
    _wait_until(lambda: "b" in gates.started())
    assert pool.worker_pids() == [pid] and pool.replaced == 0  # the warm process stays
    gates.release("b")
    assert after.wait(TIMEOUT) and after.status == DONE


def test_a_job_that_ignores_stop_is_ended_with_its_process(make_pool, gates):
    pool = make_pool(stop_grace=0.5)
    stuck = pool.submit(STUBBORN, gates.payload("stuck"))
    after = pool.submit(GATED, gates.payload("next"))
    _wait_until(lambda: gates.started() == ["stuck"])
    started = time.monotonic()
    stuck.cancel()
    assert stuck.wait(TIMEOUT)
    assert time.monotonic() - started < 3.0
    assert stuck.status == CANCELLED and "nothing saved" in stuck.last_event().message
    _wait_until(lambda: "next" in gates.started())  # a replacement process took the next job
    assert pool.replaced == 1
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE


@pytest.mark.parametrize("how", ["task kills itself", "kill -9 from outside"])
def test_a_killed_worker_fails_its_job_with_a_reason_and_is_replaced(make_pool, gates, how):
    pool = make_pool()
    if how == "task kills itself":
        victim = pool.submit(CRASH, gates.payload("victim"))
    else:
        victim = pool.submit(GATED, gates.payload("victim"))
        _wait_until(lambda: gates.started() == ["victim"])
        os.kill(int((gates.folder / "started-victim").read_text()), signal.SIGKILL)
    after = pool.submit(GATED, gates.payload("next"))
    assert victim.wait(TIMEOUT)
    assert victim.status == FAILED
    assert "ended unexpectedly" in victim.error and "SIGKILL" in victim.error
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE
    assert pool.replaced == 1


def test_errors_fail_only_their_job_with_a_clear_message(make_pool, gates):
    pool = make_pool()
    settings = pool.submit(GATED, gates.payload("settings", fail="units must be at least 1"))
    bug = pool.submit("tests.job_tasks:broken", {})
    missing = pool.submit("tests.job_tasks:no_such_task", {})
    unpicklable = pool.submit("tests.job_tasks:unpicklable", {})
    fine = pool.submit(GATED, gates.payload("fine"))
    gates.release("settings", "fine")
    assert all(job.wait(TIMEOUT) for job in (settings, bug, missing, unpicklable, fine))
    assert settings.status == FAILED and settings.error == "units must be at least 1"
    assert bug.status == FAILED and bug.error.startswith("KeyError")
    assert missing.status == FAILED and "no_such_task" in missing.error
    assert unpicklable.status == FAILED and unpicklable.error
    assert fine.status == DONE and pool.replaced == 0


def test_events_stream_back_and_memory_stays_bounded(make_pool):
    pool = make_pool()
    job = pool.submit("tests.job_tasks:chatty", {"batches": 3 * MAX_EVENTS})
    assert job.wait(TIMEOUT) and job.result == 3 * MAX_EVENTS
    events = job.events()
    assert len(events) <= MAX_EVENTS + 1
    assert len([event for event in events if event.kind == "epoch"]) == 15  # epochs are never thinned
    assert events[-1].kind == "done" and job.last_event("batch").batch == 3 * MAX_EVENTS - 1
    assert job.events(since=len(events) - 1) == [events[-1]]


def test_many_threads_submitting_at_once(make_pool, gates):
    pool = make_pool()
    jobs, lock = [], threading.Lock()

    def submit(n: int) -> None:
        job = pool.submit(GATED, gates.payload(f"t{n}"), owner=f"student-{n}")
        with lock:
            jobs.append(job)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gates.release(*(f"t{n}" for n in range(12)))
    assert all(job.wait(TIMEOUT) for job in jobs)
    assert sorted(job.id for job in jobs) == list(range(1, 13))
    assert {job.status for job in jobs} == {DONE}


def test_wait_times_out_and_shutdown_ends_the_workers(make_pool, gates):
    pool = make_pool()
    job = pool.submit(GATED, gates.payload("forever"))
    assert job.wait(0.05) is False
    waiting = pool.submit(GATED, gates.payload("never"))
    pids = pool.worker_pids()
    pool.shutdown()
    _wait_until(lambda: not any(_alive(pid) for pid in pids))
    assert job.wait(TIMEOUT) and waiting.wait(TIMEOUT)
    assert (job.status, waiting.status) == (CANCELLED, CANCELLED)  # not "failed": nobody did anything wrong
    assert "shut down" in job.last_event("done").message and "shut down" in waiting.last_event("done").message
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(GATED, gates.payload("late"))


def test_jobs_start_in_fair_turns_across_three_owners(make_pool, gates):
    """Round-robin by owner: a student's second job starts only after every other waiting student's first."""
    pool = make_pool()
    blocker = pool.submit(GATED, gates.payload("z"), owner="zoe")
    _wait_until(lambda: gates.started() == ["z"])
    a1, a2 = (pool.submit(GATED, gates.payload(name), owner="ann") for name in ("a1", "a2"))
    assert [a1.queue_position(), a2.queue_position()] == [1, 2]
    b1, b2 = (pool.submit(GATED, gates.payload(name), owner="ben") for name in ("b1", "b2"))
    c1 = pool.submit(GATED, gates.payload("c1"), owner="cat")
    z2 = pool.submit(GATED, gates.payload("z2"), owner="zoe")  # zoe had her turn: behind everyone's first ...
    order = [a1, b1, c1, z2, a2, b2]  # ... and her second turn comes first in the second round, as hers did
    assert [job.queue_position() for job in order] == [1, 2, 3, 4, 5, 6]  # later firsts moved ahead of a2
    gates.release("z", *(job.payload["name"] for job in order))
    assert all(job.wait(TIMEOUT) for job in [blocker, *order])
    assert sorted(order, key=lambda job: job.started) == order
    assert [job.status for job in order] == [DONE] * 6


def test_one_running_and_one_waiting_job_per_student(make_pool, gates):
    pool = make_pool(lanes={"train": 2}, owner_limits={"train": OwnerLimits(running=1, waiting=1)})
    first = pool.submit(GATED, gates.payload("a1"), owner="ann")
    second = pool.submit(GATED, gates.payload("a2"), owner="ann")
    _wait_until(lambda: gates.started() == ["a1"])
    time.sleep(0.2)
    assert second.status == QUEUED and second.queue_position() == 1  # a worker is free, but ann has her one
    with pytest.raises(JobRefused, match="already have a job waiting; stop it or wait for it to start"):
        pool.submit(GATED, gates.payload("a3"), owner="ann")
    assert pool.jobs(owner="ann") == [first, second]  # the refused one was never queued
    other = pool.submit(GATED, gates.payload("b1"), owner="ben")  # passes ann's waiting job: ben is under his
    _wait_until(lambda: "b1" in gates.started())
    housekeeping = [pool.submit(GATED, gates.payload(f"x{n}")) for n in range(3)]  # no owner: never limited
    assert all(job.status == QUEUED for job in housekeeping)
    gates.release("a1", "x0", "x1", "x2")  # (they took their turn before ann's second: she had one)
    _wait_until(lambda: "a2" in gates.started())
    third = pool.submit(GATED, gates.payload("a3"), owner="ann")  # room again: a2 runs, a3 may wait
    gates.release("a2", "a3", "b1")
    assert all(job.wait(TIMEOUT) for job in [first, second, third, other, *housekeeping])
    assert [job.status for job in [first, second, third, other]] == [DONE] * 4
    with pytest.raises(ValueError, match="owner_limits name lane 'lab'"):
        JobPool(preload=(), owner_limits={"lab": OwnerLimits(running=1)})


def test_a_job_is_stopped_at_its_time_limit_keeping_what_it_learned(make_pool, gates):
    pool = make_pool()
    slow = pool.submit(GATED, gates.payload("slow"), owner="ann", time_limit=1.0)
    after = pool.submit(GATED, gates.payload("next"), owner="ben", time_limit=30)
    assert slow.wait(TIMEOUT)
    assert slow.stopped_at_deadline and slow.cancel_requested
    assert slow.status == CANCELLED and slow.result.cancelled and slow.result.batches > 0  # cooperative: kept
    assert 1.0 <= slow.finished_at - slow.started < 6
    assert "Stopped at its time limit (1 s)" in slow.last_event("done").message
    assert any("Time limit reached" in event.message for event in slow.events())
    _wait_until(lambda: "next" in gates.started())
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE and not after.stopped_at_deadline
    _wait_until(lambda: not after._deadline_timer.is_alive())  # cancelled when the job finished


def test_a_worker_never_outlives_its_server(tmp_path):
    """The server process dies (kill -9): its workers exit on their own (pipe closed)."""
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from rnncore.jobs.pool import JobPool\n"
        "pool = JobPool(preload=())\n"
        "pool.wait_ready(60)\n"
        "print(*pool.worker_pids(), flush=True)\n"
        "time.sleep(600)\n"
    )
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(server.stdout.readline())
        assert _alive(worker_pid)
    finally:
        server.kill()
        server.wait()
    _wait_until(lambda: not _alive(worker_pid), timeout=10)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_real_training_in_a_warm_worker_saves_weights_and_exports(tmp_path):
    """One warm TensorFlow worker: trains a tiny GRU, saves it (model.keras + weights.npz) into the store, and
    an export job rewrites the archive of a run that lacks one."""
    from rnncore.inference.runs import load_network_run
    from rnncore.store import ModelStore

    store = ModelStore(tmp_path / "store")
    pool = JobPool()
    try:
        assert pool.wait_ready(120)
        started = time.monotonic()
        config = RunConfig(**TINY_SENTIMENT).with_changes(epochs=1)
        job = pool.submit(
            TRAIN_TASK, TrainingRequest(config, None, str(store.root), "Carol's GRU!"), owner="carol", config=config
        )
        _wait_until(lambda: job.status != QUEUED)
        assert time.monotonic() - started < 1.0  # the worker is warm: the job starts at once
        assert job.wait(120), job.events()
        assert job.status == DONE, job.error
        assert [event.kind for event in job.events()].count("epoch") == 1
        assert job.saved.name == "carol-s-gru" and job.result.model is None
        run = store.get("carol-s-gru")
        (run.path / "weights.npz").unlink()
        export = pool.submit(EXPORT_TASK, str(run.path), lane="train")
        assert export.wait(120) and export.status == DONE, export.error
        network_run = load_network_run(store.get("carol-s-gru"))
        assert network_run.info.config == config
    finally:
        pool.shutdown()
