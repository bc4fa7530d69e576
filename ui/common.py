"""Shared pieces of the Streamlit pages: model listing and cached loading, the shared training worker,
classroom limits, and friendly error display (show_error, and guarded: the one error boundary every page and
every independent section uses). Everything heavy lives in rnncore; this is UI glue."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

import ui.server_threads  # noqa: F401  (one BLAS thread for the server's NumPy inference: see the module)
from rnncore.config import RunConfig
from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.inference.predict import Predictor
from rnncore.inference.runs import NetworkRun, load_network_run
from rnncore.inference.sample import CharSampler
from rnncore.jobs import DONE, Job, JobPool, JobRefused, OwnerLimits
from rnncore.jobs.bounds import JobBounds, check_job, time_limit
from rnncore.jobs.factory import make_pool
from rnncore.jobs.requests import EXPORT_TASK, TRAIN_TASK, TrainingRequest
from rnncore.lab.config import RUNS_PER_WORKER
from rnncore.paths import class_models_dir, shipped_models_dir
from rnncore.store import INFO_FILE, MODEL_FILE, WEIGHTS_FILE, ModelStore, RunInfo
from ui.student import student_id

EXPORT_TIMEOUT = 120.0  # seconds; a cold worker imports TensorFlow first


@dataclass(frozen=True)
class ModelChoice:
    """A usable model as the pickers show it."""

    label: str  # e.g. "imdb-bigru (shipped)"
    source: str  # shipped | class
    run: RunInfo

    @property
    def key(self) -> str:
        """Cache key that changes when the run's files change."""
        stamps = [
            (self.run.path / name).stat().st_mtime_ns
            for name in (MODEL_FILE, WEIGHTS_FILE, INFO_FILE)
            if (self.run.path / name).exists()
        ]
        return f"{self.run.path}:{stamps}"


def stores() -> list[tuple[str, ModelStore]]:
    """(source, store) for the shipped and the class stores."""
    return [("shipped", ModelStore(shipped_models_dir())), ("class", ModelStore(class_models_dir()))]


def model_choices(kind: str) -> list[ModelChoice]:
    """Usable runs of one kind ('sentiment' or 'chars'), shipped first. Broken runs are left out
    (see broken_runs); reading run.json files is cheap, so this is not cached."""
    choices = []
    for source, store in stores():
        runs = [run for run in store.list_runs() if not run.error and run.kind == kind]
        if source == "shipped":  # the best shipped model first, so it is every picker's default
            runs.sort(key=_quality, reverse=True)
        choices.extend(ModelChoice(f"{run.name} ({source})", source, run) for run in runs)
    return choices


def _quality(run: RunInfo) -> float:
    """Higher is better: test accuracy for sentiment, minus held-out loss for char models."""
    metrics = run.metrics
    return float(metrics.get("accuracy", -metrics.get("val_loss", float("inf"))))


def broken_runs() -> list[tuple[str, RunInfo]]:
    """Runs that cannot be loaded, with their reasons (shown to the user, never raised)."""
    return [(source, run) for source, store in stores() for run in store.list_runs() if run.error]


@st.cache_resource(max_entries=24, show_spinner="Loading the model …")
def _load_predictor(key: str, path: str) -> Predictor:
    predictor = Predictor(_network_run(path))
    predictor.predict("warm up")  # first call allocates; do it once here rather than for a student
    return predictor


@st.cache_resource(max_entries=12, show_spinner="Loading the model …")
def _load_sampler(key: str, path: str) -> CharSampler:
    return CharSampler(_network_run(path))


def _network_run(path: str) -> NetworkRun:
    """The run's NumPy mirror; a run saved before weights.npz existed is exported once by a worker process
    (the server itself never imports TensorFlow)."""
    run = ModelStore(Path(path).parent).get(Path(path).name)
    if not run.has_weights:
        job = job_pool().submit(EXPORT_TASK, str(run.path), lane="lab", label=f"export {run.name}")
        if not job.wait(EXPORT_TIMEOUT) or job.status != DONE:
            raise ModelLoadError(f"Model {run.name!r} could not be prepared: {job.error or 'the worker took too long'}")
    return load_network_run(run)


def load_predictor(choice: ModelChoice) -> Predictor:
    """The shared (process-wide) Predictor for a sentiment model. Safe for concurrent sessions."""
    return _load_predictor(choice.key, str(choice.run.path))


def load_sampler(choice: ModelChoice) -> CharSampler:
    """The shared CharSampler for a char model (each generate() call keeps its own state)."""
    return _load_sampler(choice.key, str(choice.run.path))


@st.cache_resource
def job_pool() -> JobPool:
    """The server's warm workers: lane "train" (RNNCORE_MAX_JOBS, default 1) for IMDB and char training, lane
    "lab" (RNNCORE_LAB_WORKERS processes, default 1, each running up to RNNCORE_LAB_RUNS_PER_WORKER runs at once)
    for Sequence Lab runs and weight exports. Local worker processes, or Ray actors on a cluster when
    RNNCORE_RAY_ADDRESS is set (rnncore/jobs/factory.py). Training jobs take fair turns by student, each with
    at most RNNCORE_JOBS_RUNNING_PER_STUDENT running and RNNCORE_JOBS_WAITING_PER_STUDENT waiting (default 1)."""
    limits = classroom_limits()
    lanes = {"train": max_jobs(), "lab": _setting_number("RNNCORE_LAB_WORKERS", 1)}
    per_student = OwnerLimits(running=limits.running_per_student, waiting=limits.waiting_per_student)
    return make_pool(
        lanes,
        slots={"lab": _setting_number("RNNCORE_LAB_RUNS_PER_WORKER", RUNS_PER_WORKER)},
        owner_limits={"train": per_student},  # lab runs: one at a time per student (ui/lab.py)
    )


def max_jobs() -> int:
    """How many training jobs run at once (RNNCORE_MAX_JOBS, default 1); the rest wait in the queue."""
    return _setting_number("RNNCORE_MAX_JOBS", 1)


def jobs_at_once() -> str:
    """How training jobs are run, in words for the pages: "one at a time" or "up to N at once"."""
    n = max_jobs()
    return "one at a time" if n == 1 else f"up to {n} at once"


def warm_workers() -> None:
    """Start the worker processes in the background (they import TensorFlow while students read), so the
    first Train click starts at once. Nothing happens when training is switched off."""
    if classroom_limits().training_enabled:
        job_pool()


PAUSED_NOTICE = (
    "The teacher has paused training for the class. Jobs already running carry on; new ones can be started "
    "again once the teacher resumes training. The other pages work as usual."
)


@dataclass
class ClassSwitches:
    """What the teacher switched for the whole class on the Teacher page (process-wide, until a restart)."""

    training_paused: bool = False


@st.cache_resource
def class_switches() -> ClassSwitches:
    """The one ClassSwitches of this server process (every session sees the same)."""
    return ClassSwitches()


def training_paused() -> bool:
    """Whether the teacher paused training (new jobs are refused; running ones continue)."""
    return class_switches().training_paused


def set_training_paused(paused: bool) -> None:
    """Pause (True) or resume (False) training for the whole class."""
    class_switches().training_paused = paused


def paused_notice() -> None:
    """Tell the student that training is paused, when it is."""
    if training_paused():
        st.warning(PAUSED_NOTICE, icon="⏸️")


def submit_training(config: RunConfig, label: str, save_name: str, data: Any = None) -> Job:
    """Queue a training job for this student; the model is saved into the class store when it finishes.
    Raises JobRefused (nothing queued) while the teacher has paused training, for a job over the classroom
    caps or a student with a job waiting; the job is stopped at its time limit (twice its estimate, at most
    RNNCORE_MAX_JOB_MINUTES)."""
    if training_paused():
        raise JobRefused(PAUSED_NOTICE)
    bounds = job_bounds()
    alphabet = getattr(getattr(data, "vocabulary", None), "size", None)  # a student's own text, prepared here
    limit = time_limit(check_job(config, bounds, alphabet), bounds)
    request = TrainingRequest(config, data, str(class_models_dir()), save_name)
    return job_pool().submit(
        TRAIN_TASK, request, lane="train", owner=session_owner(), label=label, config=config, time_limit=limit
    )


def job_bounds() -> JobBounds:
    """The caps on one training job (RNNCORE_MAX_PARAMETERS, RNNCORE_MAX_JOB_MINUTES)."""
    limits = classroom_limits()
    return JobBounds(limits.max_parameters, limits.max_job_minutes)


def session_owner() -> str:
    """The student's random id (jobs are tagged with it; no personal data): the same after a reload and in
    another tab of the same browser (a cookie, ui/student.py), else for this session only."""
    return student_id()


def session_jobs(lane: str, state_key: str, task: str | None = None) -> tuple[list[Job], int | None]:
    """This session's jobs in `lane` (oldest first; only those whose config has `task` when given, since the
    IMDB and char models share lane "train") and the id of the one to show: the last started on the page
    (kept under `state_key`), or the latest one when the page state was lost (e.g. a reload)."""
    mine = job_pool().jobs(session_owner(), lane=lane)
    if task is not None:
        mine = [job for job in mine if getattr(job.config, "task", None) == task]
    job_id = st.session_state.get(state_key)
    if job_id is None and mine:
        job_id = mine[-1].id
    return mine, job_id


def _setting(name: str, default: str) -> str:
    """Environment variable first, then .streamlit/secrets.toml ([classroom] table), then default."""
    if name in os.environ:
        return os.environ[name]
    try:
        return str(st.secrets.get("classroom", {}).get(name.lower(), default))
    except Exception:  # no secrets.toml, or a malformed one, must not break every page
        return default


@dataclass(frozen=True)
class ClassroomLimits:
    """What the teacher allows (RNNCORE_TRAINING, RNNCORE_MAX_EPOCHS, RNNCORE_MAX_TRAIN_REVIEWS,
    RNNCORE_MAX_PARAMETERS, RNNCORE_MAX_JOB_MINUTES, RNNCORE_JOBS_RUNNING_PER_STUDENT,
    RNNCORE_JOBS_WAITING_PER_STUDENT)."""

    training_enabled: bool
    max_epochs: int
    max_train_reviews: int
    max_parameters: int = 3_000_000
    max_job_minutes: int = 10
    running_per_student: int = 1
    waiting_per_student: int = 1


def _setting_number(name: str, default: int) -> int:
    """A whole-number setting of at least 1; an invalid value falls back to the default."""
    try:
        return max(1, int(_setting(name, str(default))))
    except ValueError:
        return default


def classroom_limits() -> ClassroomLimits:
    """Current limits; invalid values fall back to the defaults."""
    enabled = _setting("RNNCORE_TRAINING", "on").strip().lower() not in ("0", "off", "false", "no")
    return ClassroomLimits(
        enabled,
        _setting_number("RNNCORE_MAX_EPOCHS", 20),
        _setting_number("RNNCORE_MAX_TRAIN_REVIEWS", 25_000),
        _setting_number("RNNCORE_MAX_PARAMETERS", 3_000_000),
        _setting_number("RNNCORE_MAX_JOB_MINUTES", 10),
        _setting_number("RNNCORE_JOBS_RUNNING_PER_STUDENT", 1),
        _setting_number("RNNCORE_JOBS_WAITING_PER_STUDENT", 1),
    )


def show_error(error: Exception) -> None:
    """One clear message for the user; never a traceback."""
    if isinstance(error, (RnncoreError, ValueError)):
        st.error(str(error), icon="⚠️")
    else:
        st.error(f"Something went wrong ({type(error).__name__}). Your work on this page is kept; try again.", icon="⚠️")


def guarded(render: Callable[[], object]) -> None:
    """Run a page, or a part of one that must fail on its own, as an error boundary: an exception shows
    show_error's message where the part stopped, and what it drew before stays. st.rerun and st.stop raise
    BaseException, not Exception, so they still pass through."""
    try:
        render()
    except Exception as error:  # no traceback ever reaches a student
        show_error(error)


def no_model_message(kind: str) -> None:
    """Explain what to do when no model of a kind is available."""
    what = "sentiment" if kind == "sentiment" else "character (text generation)"
    st.info(
        f"No {what} model is available yet. Train one on the **Train** page"
        + (" (or in the section below)" if kind == "chars" else "")
        + ". Pretrained models normally ship in `models/`.",
        icon="ℹ️",
    )
