"""Classroom settings changed live (rnncore/classroom/live.py): the teacher's values round-trip through the class
database on both back ends and win over the environment, reads are cached for a couple of seconds, bad values are
refused naming the setting, and the job pool follows them without a restart (per-owner limits on any pool, the
number of worker processes on the local one). The Teacher page's side is in tests/test_teacher_page.py."""

from __future__ import annotations

import time

import pytest

from rnncore import environment
from rnncore.classroom import live
from rnncore.jobs.job import QUEUED, RUNNING
from rnncore.jobs.queues import LaneQueues
from rnncore.jobs.turns import JobRefused, OwnerLimits
from tests import test_jobs
from tests.db_backends import BACKENDS, use_backend
from tests.test_jobs import GATED, TIMEOUT, _wait_until

gates, make_pool = test_jobs.gates, test_jobs.make_pool  # the fixtures: gated jobs in a real pool
MAX_EPOCHS, MAX_JOBS, TRAINING = environment.MAX_EPOCHS, environment.MAX_JOBS, environment.TRAINING


@pytest.fixture(params=BACKENDS)
def database(request, monkeypatch, tmp_path):
    """The class database on one back end, emptied, with a fresh cache."""
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    live.forget_cache()
    yield use_backend(request.param, monkeypatch)
    live.forget_cache()


def test_a_teachers_value_round_trips_and_wins_over_the_environment(database, monkeypatch):
    from rnncore.classroom import ClassDB

    monkeypatch.setenv("RNNCORE_MAX_EPOCHS", "7")
    assert live.in_force(MAX_EPOCHS).source == "environment" and live.value(MAX_EPOCHS) == 7
    assert live.set_value(MAX_EPOCHS, 3) == 3 and live.set_value(TRAINING, False) is False
    assert live.set_value(MAX_EPOCHS, "4") == 4  # text, as an environment variable holds it: stored again
    replica = ClassDB(database.url)  # another app replica, with its own connections
    assert replica.settings_named(live.PREFIX) == {"live:RNNCORE_MAX_EPOCHS": "4", "live:RNNCORE_TRAINING": "off"}
    item = live.in_force(MAX_EPOCHS)
    assert (item.value, item.source, item.base, item.base_source) == (4, "teacher", 7, "environment")
    assert item.source_text == "changed by the teacher (environment variable: 7)"
    assert live.value(TRAINING) is False

    database.clear(keep_settings=True)  # the end of the lesson keeps them
    live.forget_cache()
    assert live.value(MAX_EPOCHS) == 4
    assert live.reset(MAX_EPOCHS) and not live.reset(MAX_EPOCHS)
    assert live.in_force(MAX_EPOCHS).source == "environment" and live.value(MAX_EPOCHS) == 7
    assert replica.delete_setting("live:RNNCORE_TRAINING") and not replica.delete_setting("live:RNNCORE_TRAINING")
    database.clear()  # everything: the tests' own reset
    assert replica.settings_named(live.PREFIX) == {}


def test_reads_are_cached_for_a_couple_of_seconds(database):
    now = [100.0]
    assert live.stored(database, clock=lambda: now[0]) == {}
    database.set_setting(live.PREFIX + MAX_EPOCHS.name, "5")  # written by another replica
    now[0] += live.CACHE_SECONDS / 2
    assert live.stored(database, clock=lambda: now[0]) == {}  # not read again yet
    now[0] += live.CACHE_SECONDS
    assert live.stored(database, clock=lambda: now[0]) == {MAX_EPOCHS.name: "5"}
    live.set_value(MAX_EPOCHS, 6, database)  # a change made in this process is seen at once
    assert live.stored(database, clock=lambda: now[0]) == {MAX_EPOCHS.name: "6"}


@pytest.mark.parametrize(
    "setting, wanted, says",
    [
        (MAX_EPOCHS, 0, "RNNCORE_MAX_EPOCHS='0' is not valid: expected a whole number ≥ 1"),
        (MAX_EPOCHS, -3, "RNNCORE_MAX_EPOCHS='-3' is not valid"),
        (MAX_EPOCHS, "many", "RNNCORE_MAX_EPOCHS='many' is not valid"),
        (MAX_EPOCHS, True, "expected a whole number ≥ 1 (RNNCORE_MAX_EPOCHS); got True"),
        (MAX_EPOCHS, "", "expected a whole number ≥ 1 (RNNCORE_MAX_EPOCHS); got ''"),
        (
            environment.TEST_SAMPLE,
            25_001,
            "RNNCORE_TEST_SAMPLE='25001' is not valid: expected a whole number 0 to 25000",
        ),
        (TRAINING, "maybe", "RNNCORE_TRAINING='maybe' is not valid: expected on or off"),
        (TRAINING, 1, "expected on or off (RNNCORE_TRAINING); got 1"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(database, setting, wanted, says):
    with pytest.raises(ValueError) as refused:
        live.set_value(setting, wanted)
    assert says in str(refused.value) and setting.live in str(refused.value)
    assert database.settings_named(live.PREFIX) == {}  # nothing stored


def test_only_live_settings_can_be_changed(database):
    with pytest.raises(ValueError, match="RNNCORE_TF_THREADS is not a setting the teacher changes live"):
        live.set_value(environment.TF_THREADS, 2)
    with pytest.raises(ValueError, match="live setting"):
        environment.Setting("RNNCORE_X", "text", "", "help", "nobody", classroom=True, live="X")


def test_an_invalid_stored_value_gives_way_to_the_servers(database):
    database.set_setting(live.PREFIX + MAX_EPOCHS.name, "0")
    item = live.in_force(MAX_EPOCHS)
    assert (item.value, item.source) == (20, "default")
    assert "RNNCORE_MAX_EPOCHS='0' is not valid" in item.problem


# --- the job pool follows them ------------------------------------------------------------------------------
class Resizable(LaneQueues):
    """A pool without workers that records resizes (as JobPool.resize would apply them)."""

    def __init__(self):
        super().__init__({"train": 1, "lab": 1}, {"train": OwnerLimits(running=1, waiting=1)})
        self.resized: list[tuple[str, int]] = []

    def resize(self, lane: str, size: int) -> None:
        """Record the resize and apply it to the sizes."""
        self.resized.append((lane, size))
        self.sizes[lane] = size


def test_sync_pool_applies_the_teachers_turn_limits_and_workers(database):
    from ui.common import sync_pool

    pool = Resizable()
    sync_pool(pool)
    assert pool.resized == [] and pool.owner_limits["train"] == OwnerLimits(running=1, waiting=1)
    live.set_value(environment.JOBS_WAITING_PER_STUDENT, 3)
    live.set_value(MAX_JOBS, 2)
    sync_pool(pool)
    assert pool.owner_limits["train"] == OwnerLimits(running=1, waiting=3)
    assert pool.resized == [("train", 2)]
    sync_pool(pool)
    assert pool.resized == [("train", 2)]  # nothing more to do


def test_changed_turn_limits_apply_without_a_restart(make_pool, gates):
    pool = make_pool(lanes={"train": 2}, owner_limits={"train": OwnerLimits(running=1, waiting=1)})
    first = pool.submit(GATED, gates.payload("a"), owner="alice")
    second = pool.submit(GATED, gates.payload("b"), owner="alice")
    with pytest.raises(JobRefused, match="already have a job waiting"):
        pool.submit(GATED, gates.payload("c"), owner="alice")
    _wait_until(lambda: gates.started() == ["a"])
    assert second.status == QUEUED  # a worker is free, but alice may run one job at a time
    pool.set_owner_limits("train", OwnerLimits(running=2, waiting=2))
    _wait_until(lambda: gates.started() == ["a", "b"])  # started at once, not at the next job's end
    third = pool.submit(GATED, gates.payload("c"), owner="alice")
    assert third.status == QUEUED and first.status == RUNNING
    gates.release("a", "b", "c")
    assert all(job.wait(TIMEOUT) for job in (first, second, third))


def test_a_lane_grows_and_shrinks_while_jobs_run(make_pool, gates):
    pool = make_pool(lanes={"train": 1})
    first = pool.submit(GATED, gates.payload("a"), owner="alice")
    second = pool.submit(GATED, gates.payload("b"), owner="bob")
    _wait_until(lambda: gates.started() == ["a"])
    (original,) = pool.worker_pids()

    pool.resize("train", 2)  # a warm process more: the waiting job starts on it
    _wait_until(lambda: gates.started() == ["a", "b"])
    assert len(pool.worker_pids()) == 2

    pool.resize("train", 1)  # both busy: one retires after its job, and takes no new one meanwhile
    third = pool.submit(GATED, gates.payload("c"), owner="carol")
    time.sleep(0.5)
    assert third.status == QUEUED and first.status == RUNNING and second.status == RUNNING
    gates.release("a")  # the first process retires with its job
    assert first.wait(TIMEOUT) and first.status == "done"
    time.sleep(0.5)
    assert third.status == QUEUED  # not on the retiring process
    gates.release("b")
    _wait_until(lambda: gates.started() == ["a", "b", "c"])
    _wait_until(lambda: pool.worker_pids() != [] and original not in pool.worker_pids())
    assert len(pool.worker_pids()) == 1 and pool.replaced == 0  # retired, not replaced as if it had crashed
    gates.release("c")
    assert third.wait(TIMEOUT) and third.status == "done"

    pool.resize("train", 3)
    assert pool.wait_ready(TIMEOUT) and len(pool.worker_pids()) == 3
    pool.resize("train", 1)  # idle processes retire at once
    _wait_until(lambda: len(pool.worker_pids()) == 1)
    with pytest.raises(ValueError, match="at least one worker"):
        pool.resize("train", 0)
