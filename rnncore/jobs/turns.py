"""Fair turns in a lane: waiting jobs start round-robin by owner (student), and an owner may have only so many
jobs running and waiting at once. Pure functions over job lists: LaneQueues keeps the state and the lock.

Round-robin here means "least recently served first": the owner whose last job started longest ago (or who
never had one start) goes next, and within an owner jobs keep their submission order. So a student's second
job starts only after every other waiting student's first, and a student who just had a turn goes to the back.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnncore.errors import RnncoreError
from rnncore.jobs.job import Job

NEVER = -1  # the last turn of an owner who has not had a job start yet: before everyone who has


class JobRefused(RnncoreError):
    """A submission over an owner's limit: nothing was queued; the message says what to do."""


@dataclass(frozen=True)
class OwnerLimits:
    """How many jobs one owner may have in a lane at once (None = no limit). Jobs without an owner
    (housekeeping, such as weight exports) are never limited."""

    running: int | None = None
    waiting: int | None = None

    def __post_init__(self):
        for name in ("running", "waiting"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} jobs per owner must be at least 1 (or None: no limit); got {value!r}")


def turn_order(waiting: list[Job], last_turns: dict[str, int]) -> list[Job]:
    """The order in which `waiting` (in submission order) would start if every job could start now: the
    owner with the oldest last turn first (`last_turns`: owner → turn number of their last start)."""
    queues: dict[str, list[Job]] = {}
    for job in waiting:
        queues.setdefault(job.owner, []).append(job)
    turns = dict(last_turns)
    turn = max(turns.values(), default=NEVER) + 1
    order = []
    while queues:
        # ties (owners who never had a turn) go to the owner whose first waiting job came first
        owner = min(queues, key=lambda name: (turns.get(name, NEVER), queues[name][0].id))
        order.append(queues[owner].pop(0))
        turns[owner], turn = turn, turn + 1
        if not queues[owner]:
            del queues[owner]
    return order


def next_job(waiting: list[Job], last_turns: dict[str, int], running: dict[str, int], limits: OwnerLimits):
    """The job to start next (None if none may): the first in turn order whose owner is under the running
    limit. A job whose owner is at the limit keeps its place and waits for its owner's job to end."""
    for job in turn_order(waiting, last_turns):
        if not job.owner or limits.running is None or running.get(job.owner, 0) < limits.running:
            return job
    return None


def check_room(owner: str, waiting: list[Job], limits: OwnerLimits) -> None:
    """Raise JobRefused when `owner` already has as many jobs waiting as the limit allows."""
    if not owner or limits.waiting is None:
        return
    theirs = sum(job.owner == owner for job in waiting)
    if theirs >= limits.waiting:
        already = "a job" if theirs == 1 else f"{theirs} jobs"
        raise JobRefused(
            f"You already have {already} waiting; stop it or wait for it to start before submitting another."
        )
