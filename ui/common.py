"""Shared pieces of the Streamlit pages: model listing and cached loading, the shared training worker,
classroom limits, and friendly error display (show_error, and guarded: the one error boundary every page and
every independent section uses). Everything heavy lives in rnncore; this is UI glue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

import ui.server_threads  # noqa: F401  (one BLAS thread for the server's NumPy inference: see the module)
from rnncore import environment
from rnncore.config import RunConfig
from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.inference.model_cache import ModelCache
from rnncore.inference.predict import Predictor
from rnncore.inference.runs import NetworkRun, load_network_run
from rnncore.inference.sample import CharSampler
from rnncore.jobs import DONE, Job, JobPool, JobRefused, OwnerLimits
from rnncore.jobs.bounds import JobBounds, check_job, time_limit
from rnncore.jobs.factory import make_pool, ray_address
from rnncore.jobs.quota import MB, StoreQuota, check_quota, owner_tag
from rnncore.jobs.requests import EXPORT_TASK, TRAIN_TASK, TrainingRequest
from rnncore.jobs.reuse import CLASSMATE, YOURS_AGAIN, result_from_run, reusable_run, settings_key
from rnncore.paths import class_models_dir
from rnncore.store import INFO_FILE, MODEL_FILE, WEIGHTS_FILE, ModelStore, RunInfo, stores
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


def model_picker(
    choices: list[ModelChoice], key: str, *, label: str = "Model", default: int = 0, help: str | None = None
) -> ModelChoice:
    """Every page's model picker. The choice lives in session state under `key` (a lesson link may have put a
    label there); a label put under `key + "_next"` (a model just trained) is selected on this run; otherwise the
    `default`-th choice."""
    labels = [choice.label for choice in choices]
    wanted = st.session_state.pop(f"{key}_next", None)
    if wanted in labels:
        st.session_state[key] = wanted
    if st.session_state.get(key) not in labels:
        st.session_state[key] = labels[default]  # via state, not index=, so the two never clash
    picked = st.selectbox(label, labels, key=key, help=help)
    return choices[labels.index(picked)] if picked in labels else choices[default]


def _quality(run: RunInfo) -> float:
    """Higher is better: test accuracy for sentiment, minus held-out loss for char models."""
    metrics = run.metrics
    return float(metrics.get("accuracy", -metrics.get("val_loss", float("inf"))))


def broken_runs() -> list[tuple[str, RunInfo]]:
    """Runs that cannot be loaded, with their reasons (shown to the user, never raised)."""
    return [(source, run) for source, store in stores() for run in store.list_runs() if run.error]


@st.cache_resource
def _models() -> ModelCache:
    """The server's loaded predictors and samplers, bounded by memory (RNNCORE_MODEL_CACHE_MB), not by number:
    a class's models differ in size by a hundred times."""
    return ModelCache(environment.whole(environment.MODEL_CACHE_MB) * MB, size=lambda model: model.nbytes)


def _load_predictor(key: str, path: str) -> Predictor:
    def load() -> Predictor:
        predictor = Predictor(_network_run(path))
        predictor.predict("warm up")  # first call allocates; do it once here rather than for a student
        return predictor

    return _cached(f"predict:{key}", load)


def _load_sampler(key: str, path: str) -> CharSampler:
    return _cached(f"sample:{key}", lambda: CharSampler(_network_run(path)))


def _cached(key: str, load):
    """The model from the server's cache, loaded (with a spinner) on first use."""
    cache = _models()
    if key in cache:
        return cache.get(key, load)
    with st.spinner("Loading the model …"):
        return cache.get(key, load)


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


LANE_SIZES = {"train": environment.MAX_JOBS, "lab": environment.LAB_WORKERS}  # each lane's number of workers


@st.cache_resource
def job_pool() -> JobPool:
    """The server's warm workers: lane "train" (RNNCORE_MAX_JOBS, default 1) for IMDB and char training, lane
    "lab" (RNNCORE_LAB_WORKERS processes, default 1, each running up to RNNCORE_LAB_RUNS_PER_WORKER runs at once)
    for Sequence Lab runs and weight exports. Local worker processes, or Ray actors on a cluster when
    RNNCORE_RAY_ADDRESS is set (rnncore/jobs/factory.py). Training jobs take fair turns by student, each with
    at most RNNCORE_JOBS_RUNNING_PER_STUDENT running and RNNCORE_JOBS_WAITING_PER_STUDENT waiting (default 1).

    Local processes start from the environment's values, without reading the class database (the first page
    of a cold server must not wait for SQLAlchemy), and follow the teacher's live values at the next check
    (sync_pool). A Ray pool cannot change its number of actors, so it starts from the live values."""
    global _pool_made
    live = pool_resizes_at_restart()
    lanes = {lane: _pool_number(setting, live) for lane, setting in LANE_SIZES.items()}
    per_student = OwnerLimits(
        running=_pool_number(environment.JOBS_RUNNING_PER_STUDENT, live),
        waiting=_pool_number(environment.JOBS_WAITING_PER_STUDENT, live),
    )
    pool = make_pool(
        lanes,
        slots={"lab": classroom_number(environment.LAB_RUNS_PER_WORKER)},
        owner_limits={"train": per_student},  # lab runs: one at a time per student (ui/lab.py)
    )
    _pool_made = True
    return pool


_pool_made = False  # whether job_pool() has started the workers in this process


def _pool_number(setting: environment.Setting, live: bool) -> int:
    return int(live_value(setting)) if live else classroom_number(setting)


def pool_resizes_at_restart() -> bool:
    """Whether a changed number of workers waits for a restart: on a Ray cluster (a pool of actors does not
    resize); local worker processes follow it at once."""
    return bool(ray_address())


def sync_pool(pool: JobPool | None = None) -> None:
    """Bring the job pool to the live classroom settings (the jobs each student may have running and waiting;
    each lane's number of workers, on local processes), at most CACHE_SECONDS after the teacher changed them on
    any replica. Nothing when the pool has not started (it starts with them) and no `pool` is given."""
    if pool is None:
        if not _pool_made:
            return
        pool = job_pool()
    limits = classroom_limits()
    wanted = OwnerLimits(running=limits.running_per_student, waiting=limits.waiting_per_student)
    if pool.owner_limits.get("train") != wanted:
        pool.set_owner_limits("train", wanted)
    resize = getattr(pool, "resize", None)  # local processes only (rnncore/jobs/pool.py)
    if resize is None:
        return
    for lane, setting in LANE_SIZES.items():
        size = int(live_value(setting))
        if lane in pool.sizes and pool.sizes[lane] != size:  # a pool may have fewer lanes (tests, tools)
            resize(lane, size)


def max_jobs() -> int:
    """How many training jobs run at once (RNNCORE_MAX_JOBS, default 1, or the teacher's live value); the rest
    wait in the queue."""
    if _pool_made and pool_resizes_at_restart():  # a Ray pool keeps the number it started with
        return job_pool().sizes["train"]
    return int(live_value(environment.MAX_JOBS))


def jobs_at_once() -> str:
    """How training jobs are run, in words for the pages: "one at a time" or "up to N at once"."""
    n = max_jobs()
    return "one at a time" if n == 1 else f"up to {n} at once"


def warm_workers() -> None:
    """Start the worker processes in the background (they import TensorFlow while students read), so the
    first Train click starts at once. Nothing happens when training is switched off in the environment, or when
    a classroom setting is invalid (the pages that train say what is wrong). Runs after every page: once the
    pool is up it returns at once, and it never reads the class database (cold start; Predict's keystrokes)."""
    if _pool_made:
        return
    try:
        if environment.switch(environment.TRAINING, classroom_table()):
            job_pool()
    except ValueError:  # e.g. RNNCORE_MAX_JOBS=many: said on the pages that train, never after every page
        return


PAUSED_NOTICE = (
    "The teacher has paused training for the class. Jobs already running carry on; new ones can be started "
    "again once the teacher resumes training. The other pages work as usual."
)


def training_paused() -> bool:
    """Whether the teacher paused training (new jobs are refused; running ones continue). A live setting of the
    class database (rnncore/classroom), so every replica of the app sees it, and a restart keeps it."""
    from rnncore.classroom import class_db  # SQLAlchemy loads on first use, not at server start (cold start)
    from rnncore.classroom.database import TRAINING_PAUSED

    return class_db().switch(TRAINING_PAUSED, False)


def set_training_paused(paused: bool) -> None:
    """Pause (True) or resume (False) training for the whole class."""
    from rnncore.classroom import class_db
    from rnncore.classroom.database import TRAINING_PAUSED

    class_db().set_switch(TRAINING_PAUSED, paused)


OFF_NOTICE = "Training is switched off on this server by the teacher (RNNCORE_TRAINING=off)."


def training_off_notice(then: str = "") -> bool:
    """When the teacher has switched training off, say so (and what the student can do `then`) and return True."""
    if classroom_limits().training_enabled:
        return False
    st.info(f"{OFF_NOTICE} {then}".strip(), icon="ℹ️")
    return True


def paused_notice() -> None:
    """Tell the student that training is paused, when it is."""
    if training_paused():
        st.warning(PAUSED_NOTICE, icon="⏸️")


def submit_training(config: RunConfig, label: str, save_name: str, data: Any = None) -> Job:
    """Queue a training job for this student; the model is saved into the class store when it finishes.
    Raises JobRefused (nothing queued) while the teacher has paused training, for a job over the classroom
    caps, a student with a job waiting or a full store quota (RNNCORE_STORE_MB_PER_STUDENT, RNNCORE_STORE_MB_CLASS);
    the job is stopped at its time limit (twice its estimate, at most RNNCORE_MAX_JOB_MINUTES) and scored on the
    lesson's test sample (RNNCORE_TEST_SAMPLE). With RNNCORE_REUSE_RUNS on, exactly the same settings and seed as
    a waiting, running or saved job give that job (rnncore/jobs/reuse.py): its owner is then someone else, or its
    `note` says which saved run it is."""
    if training_paused():
        raise JobRefused(PAUSED_NOTICE)
    if not classroom_limits().training_enabled:  # switched off live while the student's form was open
        raise JobRefused(OFF_NOTICE)
    bounds = job_bounds()
    alphabet = getattr(getattr(data, "vocabulary", None), "size", None)  # a student's own text, prepared here
    limit = time_limit(check_job(config, bounds, alphabet), bounds)
    pool, owner, store = job_pool(), session_owner(), ModelStore(class_models_dir())
    sync_pool(pool)  # the teacher's turn limits and workers, before this job is queued
    key = settings_key(config, data) if live_value(environment.REUSE_RUNS) else ""
    reused = pool.share_existing(key, "train", owner) or _saved_run_again(key, config, store, owner)
    if reused is not None:
        return reused
    check_quota(owner, config, store, store_quota(), pool.jobs(lane="train"))
    sample = int(live_value(environment.TEST_SAMPLE))
    request = TrainingRequest(config, data, str(store.root), save_name, owner_tag(owner), sample)
    return pool.submit(
        TRAIN_TASK, request, lane="train", owner=owner, label=label, config=config, time_limit=limit, reuse_key=key
    )


def _saved_run_again(key: str, config: RunConfig, store: ModelStore, owner: str) -> Job | None:
    """A run of the class store trained with exactly `config`, listed as a finished job of `owner`'s (None if
    there is none, or it cannot be read)."""
    run = reusable_run(store, config) if key else None
    if run is None:
        return None
    try:
        result = result_from_run(run)
    except ModelLoadError:  # deleted or broken meanwhile: train it again
        return None
    note = YOURS_AGAIN if run.info.get("owner") == owner_tag(owner) else CLASSMATE
    return job_pool().add_finished(result, owner=owner, label=run.name, config=config, note=f"{note} ({run.name})")


def store_quota() -> StoreQuota:
    """How much of the class store a student's runs and all runs may fill (RNNCORE_STORE_MB_PER_STUDENT,
    RNNCORE_STORE_MB_CLASS; 0 = no quota)."""
    return StoreQuota(int(live_value(environment.STORE_MB_PER_STUDENT)), int(live_value(environment.STORE_MB_CLASS)))


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


def classroom_table() -> Mapping:
    """The [classroom] table of .streamlit/secrets.toml (empty when there is none); environment variables win
    over it (rnncore/environment.py)."""
    try:
        return st.secrets.get("classroom", {})
    except Exception:  # no secrets.toml, or a malformed one, must not break every page
        return {}


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


def classroom_number(setting: environment.Setting) -> int:
    """A whole-number classroom setting: the environment, else secrets.toml's [classroom] table, else its
    default; a ValueError naming the variable for an invalid value (shown by the page's error boundary)."""
    return environment.whole(setting, classroom_table())


def live_value(setting: environment.Setting) -> int | bool:
    """A classroom setting the teacher changes live (rnncore/classroom/live.py): the teacher's value, else the
    environment, else secrets.toml's [classroom] table, else its default; read at most every two seconds per
    server. ValueError naming the variable for an invalid environment value."""
    from rnncore.classroom import live  # SQLAlchemy loads on first use, not at server start (cold start)

    return live.value(setting, classroom_table())


def classroom_limits() -> ClassroomLimits:
    """Current limits (rnncore/environment.py declares each; the teacher may change them live on the Teacher
    page); ValueError for an invalid value."""
    return ClassroomLimits(
        bool(live_value(environment.TRAINING)),
        int(live_value(environment.MAX_EPOCHS)),
        int(live_value(environment.MAX_TRAIN_REVIEWS)),
        int(live_value(environment.MAX_PARAMETERS)),
        int(live_value(environment.MAX_JOB_MINUTES)),
        int(live_value(environment.JOBS_RUNNING_PER_STUDENT)),
        int(live_value(environment.JOBS_WAITING_PER_STUDENT)),
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
