"""Store quotas: how much of the class model store one student's runs, and all runs together, may fill. A job
that would go over either is refused before it is queued, with a message saying what to do; nothing is ever
deleted to make room (the teacher deletes runs on the Teacher page). TensorFlow-free: the server calls it.

A run's owner is recorded in its run.json (`owner`: a hash of the student's random id, never the id itself,
since run.json is downloadable and the id is what lets a student stop their jobs; rnncore/training/jobs.py). Usage
is the size on disk of the runs' folders, plus what the student's (or the class's) jobs that are waiting or
running will save; a job's size is estimated from its parameter count (`estimated_bytes`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rnncore.architecture import count_parameters
from rnncore.config import RunConfig
from rnncore.jobs.job import FINISHED, Job
from rnncore.jobs.turns import JobRefused
from rnncore.store import ModelStore

MB = 1_000_000
# weights.npz and model.keras (saved without optimizer state) each hold every weight as float32 (4 bytes);
# vocab.json adds ~10 bytes per vocabulary word. An over-estimate for the shipped runs, which have weights.npz only.
BYTES_PER_PARAMETER = 8
BYTES_PER_WORD = 10


@dataclass(frozen=True)
class StoreQuota:
    """The quotas in MB (RNNCORE_STORE_MB_PER_STUDENT, RNNCORE_STORE_MB_CLASS; 0 = no quota)."""

    per_student_mb: int = 500
    class_mb: int = 10_000


def owner_tag(owner: str) -> str:
    """What run.json records for a student id: a hash that names the owner without giving the id away."""
    return hashlib.sha256(f"rnncore-owner:{owner}".encode()).hexdigest()[:24] if owner else ""


def folder_bytes(path: Path) -> int:
    """Bytes of the files under a folder (0 when it has gone meanwhile)."""
    total = 0
    for item in path.rglob("*"):
        try:
            if item.is_file():
                total += item.stat().st_size
        except OSError:
            continue
    return total


def store_usage(store: ModelStore) -> tuple[dict[str, int], int]:
    """(bytes per owner tag, bytes of every run) in a store; runs without an owner count for the class only."""
    owners: dict[str, int] = {}
    total = 0
    for run in store.list_runs():
        size = folder_bytes(run.path)
        total += size
        owner = run.info.get("owner")
        if isinstance(owner, str) and owner:
            owners[owner] = owners.get(owner, 0) + size
    return owners, total


def estimated_bytes(config: RunConfig) -> int:
    """What a job's saved run will take on disk, roughly."""
    vocabulary = config.vocab_size if config.task == "sentiment" else 256
    return BYTES_PER_PARAMETER * count_parameters(config, vocabulary) + BYTES_PER_WORD * vocabulary


def check_quota(owner: str, config: RunConfig, store: ModelStore, quota: StoreQuota, jobs: Iterable[Job] = ()) -> None:
    """Raise JobRefused when saving this job's model would take `owner`'s runs or the class's over its quota.
    `jobs`: the pool's training jobs; those waiting or running count with their estimated size."""
    if not quota.per_student_mb and not quota.class_mb:
        return
    owners, total = store_usage(store)
    pending = [job for job in jobs if job.status not in FINISHED and isinstance(job.config, RunConfig)]
    new = estimated_bytes(config)
    theirs = owners.get(owner_tag(owner), 0) + sum(estimated_bytes(job.config) for job in pending if job.owner == owner)
    everyone = total + sum(estimated_bytes(job.config) for job in pending)
    if owner and quota.per_student_mb and theirs + new > quota.per_student_mb * MB:
        raise JobRefused(
            f"Your saved models take {theirs / MB:,.1f} MB of the {quota.per_student_mb:,} MB each student may use "
            f"(RNNCORE_STORE_MB_PER_STUDENT), and this one would add about {new / MB:,.1f} MB. Ask the teacher to "
            "delete runs you no longer need (Teacher page), or train a smaller model."
        )
    if quota.class_mb and everyone + new > quota.class_mb * MB:
        raise JobRefused(
            f"The class's saved models take {everyone / MB:,.1f} MB of the {quota.class_mb:,} MB the server allows "
            f"(RNNCORE_STORE_MB_CLASS), and this one would add about {new / MB:,.1f} MB. Ask the teacher to delete "
            "runs the class no longer needs (Teacher page)."
        )
