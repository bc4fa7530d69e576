"""Jobs: the server queues work (training, Sequence Lab runs, weight exports) and warm worker processes run it.
Nothing here imports TensorFlow: only the worker processes do (rnncore.jobs.worker_main)."""

from rnncore.jobs.job import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, Job
from rnncore.jobs.pool import JobPool
from rnncore.jobs.turns import JobRefused, OwnerLimits

__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "Job",
    "JobPool",
    "JobRefused",
    "OwnerLimits",
]
