"""RayJobPool on a real Ray cluster of this one machine (started in this process, 4 logical CPUs, no
dashboard): the JobPool API end to end: order, lanes, events, Stop (cooperative and forced), a worker killed
with SIGKILL, shutdown, the factory that picks the pool, and one real training job that saves its weights.

The class's guarantees (issue 21) hold on Ray as they do in local worker processes: fair turns by student, one
running and one waiting job per student, the time limit, and the caps and store quotas checked before a job is
queued. Tests of tests/test_jobs.py run here again with Ray actors, and tests parametrised over both pools
(`any_pool`) check what tests/test_jobs.py does not.

Most tests run the fast task functions of tests/job_tasks.py in actors that preload nothing (the subject is
scheduling and failure handling); the last one imports TensorFlow in a warm actor and trains a tiny GRU."""

from __future__ import annotations

import functools
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
from rnncore.jobs.turns import OwnerLimits
from tests.conftest import TINY_SENTIMENT
from tests.test_app_concepts_train import TINY, _fill, page

# The pool contract of tests/test_jobs.py: its test functions imported here are collected again in this module and
# run with its fixtures (make_pool: Ray actors): round-robin by student, one running and one waiting job per student
# (the next one refused with the message), and the time limit that stops a job keeping what it learned.
from tests.test_jobs import (  # noqa: F401
    Gates,
    _wait_until,
    pools_of,
    test_a_job_is_stopped_at_its_time_limit_keeping_what_it_learned,
    test_jobs_start_in_fair_turns_across_three_owners,
    test_one_running_and_one_waiting_job_per_student,
)

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

    with pools_of(functools.partial(RayJobPool, address="local")) as make:
        yield make


@pytest.fixture(params=["local", "ray"])
def any_pool(request):
    """make_pool for local worker processes or for Ray actors: the tests using it hold for both."""
    if request.param == "ray":
        yield request.getfixturevalue("make_pool")
        return
    with pools_of(JobPool) as make:
        yield make


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


def test_a_job_that_ignores_its_time_limit_is_ended_there(any_pool, gates):
    """The time limit is hard: a job that does not answer its stop (a batch that never ends) is ended with its
    worker at the deadline plus the grace period, says so, and the lane goes on with a fresh worker."""
    pool = any_pool(stop_grace=0.5)
    stuck = pool.submit(STUBBORN, gates.payload("stuck"), owner="ann", time_limit=0.5)
    after = pool.submit(GATED, gates.payload("next"), owner="ben")
    assert stuck.wait(TIMEOUT)
    assert stuck.stopped_at_deadline and stuck.status == CANCELLED and stuck.result is None
    assert 0.5 <= stuck.finished_at - stuck.started < 5
    assert any("Time limit reached" in event.message for event in stuck.events())
    assert "nothing saved" in stuck.last_event("done").message  # not "the best weights are kept": none were
    _wait_until(lambda: "next" in gates.started())
    gates.release("next")
    assert after.wait(TIMEOUT) and after.status == DONE and pool.replaced == 1


def test_the_train_page_checks_caps_and_quotas_before_queueing_on_either_pool(any_pool, gates, monkeypatch, tmp_path):
    """Whatever pool the server uses, the Train page's Start (ui.common.submit_training) refuses a job over a cap
    or a store quota before the pool sees it, counts the jobs the pool is running toward the quota, and gives the
    job it queues its time limit."""
    import ui.common
    from rnncore.jobs.bounds import check_job, time_limit

    # the server's lanes and per-student limits (ui.common.job_pool)
    pool = any_pool(lanes={"train": 1, "lab": 1}, owner_limits={"train": OwnerLimits(running=1, waiting=1)})
    _serve_pages_with(pool, monkeypatch)
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))  # empty: nothing saved, nothing reused
    monkeypatch.delenv("RNNCORE_DATABASE_URL", raising=False)  # the class database beside it: no teacher's values
    at = page("train.py")
    ann = at.session_state["owner_id"]

    def start(**values) -> str:
        _fill(at, **dict(TINY, **values))
        at.button(key="tr_start").click().run()
        assert not at.exception, at.exception
        return " ".join(error.value for error in at.error)

    monkeypatch.setenv("RNNCORE_MAX_PARAMETERS", "1000")
    assert "RNNCORE_MAX_PARAMETERS" in start(vocab_size=1000)
    monkeypatch.setenv("RNNCORE_MAX_JOB_MINUTES", "1")
    assert "RNNCORE_MAX_JOB_MINUTES" in start(maxlen=200, epochs=20)
    assert pool.jobs() == []  # neither reached the pool
    monkeypatch.delenv("RNNCORE_MAX_PARAMETERS")
    monkeypatch.delenv("RNNCORE_MAX_JOB_MINUTES")

    # a classmate's running job that will save ~1.4 MB: with 1 MB for the class, ann's tiny model does not fit
    big = RunConfig(**TINY_SENTIMENT).with_changes(vocab_size=20_000, embed_dim=8)
    bob = pool.submit(GATED, gates.payload("bob"), owner="bob", config=big)
    _wait_until(lambda: gates.started() == ["bob"])
    monkeypatch.setenv("RNNCORE_STORE_MB_CLASS", "1")
    assert "RNNCORE_STORE_MB_CLASS" in start()
    assert pool.jobs(owner=ann) == []
    monkeypatch.delenv("RNNCORE_STORE_MB_CLASS")

    assert start() == ""
    job = pool.get(at.session_state["tr_job_id"])
    assert job.owner == ann and job.status == QUEUED and job.queue_position() == 1  # behind bob's
    assert f"Run: {job.label}" in [header.value for header in at.subheader]  # the page shows it from this pool
    bounds = ui.common.job_bounds()
    assert job.time_limit == time_limit(check_job(job.config, bounds), bounds)
    job.cancel()
    gates.release("bob")
    assert bob.wait(TIMEOUT) and bob.status == DONE and job.status == CANCELLED


def _serve_pages_with(pool, monkeypatch) -> None:
    """Make `pool` the server's job pool for the Train page: ui.common.job_pool, and the name in every page module
    that imported it (ui.train_results lists the jobs and shows the current one through its own copy)."""
    import ui.common
    import ui.job_monitor
    import ui.train_results  # noqa: F401  (imported first: a module imported later binds whatever is there then)

    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in ("ui", "pages") and callable(getattr(module, "job_pool", None)):
            monkeypatch.setattr(module, "job_pool", lambda: pool)


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
