"""Reuse: a training job with exactly the same settings and seed as one the class already has is not trained
again. A config and seed give the same model (tests/test_training.py: the same seed gives identical weights in one
process; across servers TensorFlow varies a little from run to run: test accuracy 0.871 and 0.876 in two runs of the
Quick preset), so when thirty students press Start on the same preset, one job trains and the other twenty-nine are
given it: while it waits or runs they watch its progress, once it is done they see its results ("a classmate
trained exactly this: here it is"). TensorFlow-free: the server calls it.

What counts as the same: the whole RunConfig (every setting, the seed included), IMDB loaded by the worker (a
job with data prepared on the server, such as a student's own text, is never shared), and a sentiment task.
What is reused: a queued or running job that nobody asked to stop, a job that finished and saved its model
(rnncore/jobs/queues.py, under the pool's lock, so simultaneous presses share one job), or, failing those, a
run in the class store saved from such a job (after a server restart). A stopped, failed or time-limited job,
and a run trained from another run's weights (`init_from`, teachers), are never reused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rnncore.config import RunConfig
from rnncore.jobs.job import DONE, QUEUED, RUNNING, Job
from rnncore.results import TrainResult
from rnncore.store import ModelStore, RunInfo, read_vocabulary

CLASSMATE = "A classmate trained exactly this (the same settings and seed): here it is."
YOURS_AGAIN = "You trained exactly this before (the same settings and seed): here it is again."
SAME_JOB = "You already have exactly this job (the same settings and seed): here it is."
_FROM_ANOTHER_RUN = ("init_from", "teachers")  # run.json keys of runs whose weights did not start from the seed


def settings_key(config: RunConfig, data: Any = None) -> str:
    """The key under which identical jobs are shared ("" = never shared: prepared data, or not sentiment)."""
    if data is not None or config.task != "sentiment":
        return ""
    return json.dumps(config.to_dict(), sort_keys=True)


def reusable_job(jobs: Iterable[Job], key: str) -> Job | None:
    """The newest job with this key that is waiting or running (and not being stopped), or that finished with a
    saved model that is still in the store (None if none)."""
    if not key:
        return None
    for job in sorted(jobs, key=lambda job: job.id, reverse=True):
        if job.reuse_key != key:
            continue
        if job.status in (QUEUED, RUNNING) and not job.cancel_requested:
            return job
        if job.status == DONE and job.saved is not None and job.saved.path.is_dir():
            return job
    return None


def reusable_run(store: ModelStore, config: RunConfig) -> RunInfo | None:
    """The newest sentiment run of `store` trained from scratch with exactly `config`, to the end (not stopped),
    with test metrics (None if none)."""
    if not settings_key(config):
        return None
    wanted = config.to_dict()
    for run in store.list_runs():
        info = run.info
        if run.error or run.kind != "sentiment" or info.get("cancelled") or "accuracy" not in run.metrics:
            continue
        if any(info.get(key) for key in _FROM_ANOTHER_RUN):
            continue
        try:
            if RunConfig.from_dict(info["config"]).to_dict() == wanted:
                return run
        except (TypeError, ValueError):
            continue
    return None


def result_from_run(run: RunInfo) -> TrainResult:
    """A saved run as the TrainResult its job returned (no model: the pages load the saved run), so the Train page
    shows it like a job that just finished."""
    info = run.info
    return TrainResult(
        config=run.config,
        model=None,
        vocabulary=read_vocabulary(run),
        history=list(info.get("history", [])),
        metrics=dict(run.metrics),
        train_seconds=float(info.get("train_seconds") or 0.0),
        fingerprint=str(info.get("data_fingerprint", "")),
        stopped_early=bool(info.get("stopped_early")),
        cancelled=False,
        extras={"misclassified": list(info.get("misclassified", []))},
        saved=run,
    )


def note_for(job: Job, owner: str) -> str:
    """What the Train page says about a job it shows `owner` ("" for their own job, trained for them)."""
    if job.owner != owner:
        return CLASSMATE
    return job.note
