"""Fair turns without processes: the round-robin order, the per-owner running limit and the waiting refusal
(rnncore/jobs/turns.py). The pool's own tests (tests/test_jobs.py) check the same with real workers."""

from __future__ import annotations

import pytest

from rnncore.jobs.job import Job
from rnncore.jobs.turns import JobRefused, OwnerLimits, check_room, next_job, turn_order

_ids = iter(range(1, 10_000))


def _jobs(*owners: str) -> list[Job]:
    return [Job(next(_ids), "tests.job_tasks:gated", None, "train", owner, owner) for owner in owners]


def _owners(jobs: list[Job]) -> list[str]:
    return [job.owner for job in jobs]


def test_round_robin_by_owner_keeps_each_owners_order():
    waiting = _jobs("ann", "ann", "ann", "ben", "cat", "ben")
    order = turn_order(waiting, {})
    assert _owners(order) == ["ann", "ben", "cat", "ann", "ben", "ann"]
    ann = [job for job in order if job.owner == "ann"]
    assert ann == [job for job in waiting if job.owner == "ann"]  # submission order within an owner


def test_who_was_served_last_goes_last():
    waiting = _jobs("ann", "ben", "cat")
    assert _owners(turn_order(waiting, {"ann": 7, "ben": 3})) == ["cat", "ben", "ann"]  # cat never had a turn
    assert turn_order([], {"ann": 1}) == []


def test_an_owner_at_the_running_limit_waits_and_others_pass():
    waiting = _jobs("ann", "ben")
    limits = OwnerLimits(running=1)
    assert next_job(waiting, {}, {"ann": 1}, limits).owner == "ben"
    assert next_job(waiting, {}, {"ann": 1, "ben": 1}, limits) is None
    assert next_job(waiting, {}, {"ann": 1, "ben": 1}, OwnerLimits()) is waiting[0]  # no limit
    unowned = _jobs("")
    assert next_job(unowned, {}, {"": 5}, limits) is unowned[0]  # housekeeping jobs are never limited


def test_a_second_waiting_job_is_refused_with_what_to_do():
    waiting = _jobs("ann", "ben")
    limits = OwnerLimits(running=1, waiting=1)
    with pytest.raises(JobRefused, match="^You already have a job waiting; stop it or wait for it to start"):
        check_room("ann", waiting, limits)
    check_room("cat", waiting, limits)  # nothing waiting: room
    check_room("", waiting + _jobs("", ""), limits)  # no owner: no limit
    with pytest.raises(JobRefused, match="already have 2 jobs waiting"):
        check_room("ann", waiting + _jobs("ann"), OwnerLimits(waiting=2))


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1"])
def test_owner_limits_are_whole_numbers_of_at_least_one(value):
    with pytest.raises(ValueError, match="at least 1"):
        OwnerLimits(running=value)
