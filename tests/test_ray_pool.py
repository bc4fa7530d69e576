"""RayJobPool on a real Ray cluster of this one machine (started in this process, 4 logical CPUs, no
dashboard): the JobPool API end to end: order, lanes, events, Stop (cooperative and forced), a worker killed
with SIGKILL, shutdown, the factory that picks the pool, and one real training job that saves its weights.

Most tests run the fast task functions of tests/job_tasks.py in actors that preload nothing (the subject is
scheduling and failure handling); the last one imports TensorFlow in a warm actor and trains a tiny GRU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnncore.config import RunConfig
from rnncore.jobs.job import CANCELLED, DONE, FAILED, FINISHED_EVENTS, QUEUED, RUNNING
from rnncore.jobs.pool import JobPool
from rnncore.jobs.requests import TRAIN_TASK, TrainingRequest
from tests.conftest import TINY_SENTIMENT
from tests.test_jobs import Gates, _wait_until

TIMEOUT = 60
GATED, STUBBORN, CHATTY = "tests.job_tasks:gated", "tests.job_tasks:stubborn", "tests.job_tasks:chatty"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One local Ray cluster for the module; every pool below connects to it ("local" reuses it)."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-cluster.txt)")
    from rnncore.jobs.ray_pool import connect

    # py_modules "tests": the actors import tests.job_tasks. Ray's sockets and logs stay in pytest's tmp folder.
    connect("local", num_cpus=4, py_modules=("rnncore", "tests"), temp_dir=str(tmp_path_factory.mktemp("ray")))
    yield
    ray.shutdown()


@pytest.fixture
def make_pool(cluster):
    from rnncore.jobs.ray_pool import RayJobPool

    pools = []

    def make(**options) -> RayJobPool:
        options.setdefault("preload", ())
        pool = RayJobPool(address="local", **options)
        pools.append(pool)
        assert pool.wait_ready(TIMEOUT)
        return pool

    yield make
    for pool in pools:
        pool.shutdown()


@pytest.fixture
def gates(tmp_path):
    return Gates(tmp_path)


def test_jobs_queue_per_lane_stream_events_and_finish(make_pool, gates):
    pool = make_pool(lanes={"train": 1, "lab": 1})
    first = pool.submit(GATED, gates.payload("a"), owner="alice")
    second = pool.submit(GATED, gates.payload("b"), owner="alice")
    lab = pool.submit(GATED, gates.payload("lab"), lane="lab", owner="bob")
    _wait_until(lambda: set(gates.started()) == {"a", "lab"})
    began = time.monotonic()
    _wait_until(lambda: first.last_event("batch") is not None)
    assert time.monotonic() - began < 1.0  # events cross the cluster within a poll or two
    assert [first.status, second.status, lab.status] == [RUNNING, QUEUED, RUNNING]
    assert second.queue_position() == 1
    gates.release("lab")  # a lab run never waits behind a training job
    assert lab.wait(TIMEOUT) and lab.status == DONE and lab.result.name == "lab"
    assert first.status == RUNNING and second.status == QUEUED
    gates.release("b")  # releasing a later job first must not let it jump the queue
    time.sleep(0.3)
    assert gates.started() == ["a", "lab"] or gates.started() == ["lab", "a"]
    gates.release("a")
    assert first.wait(TIMEOUT) and second.wait(TIMEOUT)
    assert [first.status, second.status] == [DONE, DONE]
    assert first.result.pid == second.result.pid and first.result.pid in pool.worker_pids()
    assert pool.jobs(owner="alice") == [first, second] and pool.jobs(lane="lab") == [lab]
    assert pool.get(lab.id) is lab and pool.get(999) is None
    assert first.events()[-1].kind == "done" and "a started" in first.events()[0].message


def test_errors_fail_only_their_job_and_every_event_arrives_in_order(make_pool, gates):
    pool = make_pool()
    settings = pool.submit(GATED, gates.payload("settings", fail="units must be at least 1"))
    bug = pool.submit("tests.job_tasks:broken", {})
    missing = pool.submit("tests.job_tasks:no_such_task", {})
    chatty = pool.submit(CHATTY, {"batches": 3_000})
    gates.release("settings")
    assert all(job.wait(TIMEOUT) for job in (settings, bug, missing, chatty))
    assert settings.status == FAILED and settings.error == "units must be at least 1"
    assert bug.status == FAILED and bug.error.startswith("KeyError")
    assert missing.status == FAILED and "no_such_task" in missing.error
    assert chatty.status == DONE and chatty.result == 3_000
    batches = [event.batch for event in chatty.events() if event.kind == "batch"]
    # in order, first and last kept; a finished job keeps an even sample of its batch events (rnncore.jobs.job)
    assert batches == sorted(set(batches)) and batches[0] == 0 and batches[-1] == 2_999
    assert len(batches) >= FINISHED_EVENTS - 10
    assert pool.replaced == 0


def test_stop_is_cooperative_and_the_actor_stays_warm(make_pool, gates):
    pool = make_pool()
    running = pool.submit(GATED, gates.payload("a"))
    after = pool.submit(GATED, gates.payload("b"))
    _wait_until(lambda: running.last_event("batch") is not None)
    pids = pool.worker_pids()
    began = time.monotonic()
    running.cancel()
    assert running.wait(TIMEOUT)
    assert time.monotonic() - began < 1.5  # the next batch, then a poll (0.2 s) brings the result
    assert running.status == CANCELLED and running.result.cancelled
    assert any("Stopping" in event.message for event in running.events())
    _wait_until(lambda: "b" in gates.started())
    assert pool.worker_pids() == pids and pool.replaced == 0
    gates.release("b")
    assert after.wait(TIMEOUT) and after.status == DONE


def test_a_job_that_ignores_stop_is_ended_with_its_actor(make_pool, gates):
    pool = make_pool(stop_grace=0.5)
    stuck = pool.submit(STUBBORN, gates.payload("stuck"))
    queued = pool.submit(GATED, gates.payload("queued"))
    after = pool.submit(GATED, gates.payload("next"))
    _wait_until(lambda: gates.started() == ["stuck"])
    queued.cancel()
    assert queued.status == CANCELLED and queued.queue_position() == 0
    began = time.monotonic()
    stuck.cancel()
    assert stuck.wait(TIMEOUT)
    assert time.monotonic() - began < 3.0
    assert stuck.status == CANCELLED and "nothing saved" in stuck.last_event().message
    _wait_until(lambda: "next" in gates.started())  # a replacement actor took the next job
    assert pool.replaced == 1 and "queued" not in gates.started()
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE


def test_a_killed_worker_fails_its_job_with_a_reason_and_is_replaced(make_pool, gates):
    pool = make_pool()
    victim = pool.submit(GATED, gates.payload("victim"))
    after = pool.submit(GATED, gates.payload("next"))
    _wait_until(lambda: gates.started() == ["victim"])
    pid = int((gates.folder / "started-victim").read_text())
    os.kill(pid, signal.SIGKILL)  # the kernel's OOM killer, or a lab machine switched off
    assert victim.wait(TIMEOUT)
    assert victim.status == FAILED
    assert victim.error.startswith("The Ray worker running it was lost: ") and f"pid {pid}" in victim.error
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE
    assert after.result.pid != pid and pool.replaced == 1
    os.kill(after.result.pid, signal.SIGKILL)  # an idle actor lost: replaced at once, not failing the next job
    _wait_until(lambda: pool.replaced == 2 and pool.wait_ready(0))
    gates.release("last")
    last = pool.submit(GATED, gates.payload("last"))
    assert last.wait(TIMEOUT) and last.status == DONE


def test_shutdown_cancels_running_and_queued_jobs(make_pool, gates):
    pool = make_pool()
    running = pool.submit(GATED, gates.payload("forever"))
    queued = pool.submit(GATED, gates.payload("later"))
    _wait_until(lambda: gates.started() == ["forever"])
    pool.shutdown()
    assert running.status == CANCELLED and queued.status == CANCELLED
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(GATED, gates.payload("late"))


def test_the_factory_picks_the_pool_from_the_environment(cluster, monkeypatch):
    from rnncore.jobs.factory import make_pool
    from rnncore.jobs.ray_pool import RayJobPool

    monkeypatch.delenv("RNNCORE_RAY_ADDRESS", raising=False)
    local = make_pool({"train": 1}, preload=())
    local.shutdown()
    assert type(local) is JobPool
    monkeypatch.setenv("RNNCORE_RAY_ADDRESS", "local")
    remote = make_pool({"train": 1}, preload=())
    try:
        assert isinstance(remote, RayJobPool) and remote.wait_ready(TIMEOUT)
    finally:
        remote.shutdown()


def test_the_factory_explains_a_missing_ray(monkeypatch):
    from rnncore.jobs.factory import make_pool

    monkeypatch.setenv("RNNCORE_RAY_ADDRESS", "auto")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(RuntimeError, match=r"pip install -r requirements-cluster\.txt"):
        make_pool({"train": 1})


def test_importing_the_pools_does_not_import_ray():
    code = "import sys, rnncore.jobs.factory, rnncore.jobs.ray_pool; print('ray' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_real_training_in_a_warm_actor_saves_weights(cluster, tmp_path):
    """A warm TensorFlow actor trains a tiny GRU and saves it (model.keras + weights.npz) into the store."""
    from rnncore.jobs.ray_pool import RayJobPool
    from rnncore.store import ModelStore

    store = ModelStore(tmp_path / "store")
    pool = RayJobPool({"train": 1}, address="local")
    try:
        assert pool.wait_ready(120)
        config = RunConfig(**TINY_SENTIMENT).with_changes(epochs=1)
        request = TrainingRequest(config, None, str(store.root), "Carol's GRU!")
        job = pool.submit(TRAIN_TASK, request, owner="carol", config=config)
        assert job.wait(120), job.events()
        assert job.status == DONE, job.error
        assert [event.kind for event in job.events()].count("epoch") == 1
        assert job.saved.name == "carol-s-gru" and job.result.model is None
        assert (store.get("carol-s-gru").path / "weights.npz").is_file()
    finally:
        pool.shutdown()
