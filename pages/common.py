"""Shared pieces of the Streamlit pages: model listing and cached loading, the shared training worker,
classroom limits, and friendly error display. Everything heavy lives in rnncore; this is UI glue."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rnncore.errors import RnncoreError
from rnncore.paths import class_models_dir, shipped_models_dir
from rnncore.store import ModelStore, RunInfo


@dataclass(frozen=True)
class ModelChoice:
    """A usable model as the pickers show it."""

    label: str  # e.g. "imdb-bigru (shipped)"
    source: str  # shipped | class
    run: RunInfo

    @property
    def key(self) -> str:
        """Cache key that changes when the run's files change."""
        model_file = self.run.path / "model.keras"
        return f"{self.run.path}:{model_file.stat().st_mtime_ns if model_file.exists() else 0}"


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


@st.cache_resource(max_entries=24, show_spinner="Loading the model (TensorFlow starts once, ~5 s) …")
def _load_predictor(key: str, path: str):
    from rnncore.predict import Predictor
    from rnncore.store import ModelStore, load_run

    run = ModelStore(Path(path).parent).get(Path(path).name)
    predictor = Predictor(load_run(run))
    predictor.predict("warm up")  # first call allocates; do it once here rather than for a student
    return predictor


@st.cache_resource(max_entries=12, show_spinner="Loading the model (TensorFlow starts once, ~5 s) …")
def _load_sampler(key: str, path: str):
    from rnncore.sample import CharSampler
    from rnncore.store import ModelStore, load_run

    run = ModelStore(Path(path).parent).get(Path(path).name)
    return CharSampler(load_run(run))


def load_predictor(choice: ModelChoice):
    """The shared (process-wide) Predictor for a sentiment model. Safe for concurrent sessions."""
    return _load_predictor(choice.key, str(choice.run.path))


def load_sampler(choice: ModelChoice):
    """The shared CharSampler for a char model (each generate() call keeps its own state)."""
    return _load_sampler(choice.key, str(choice.run.path))


@st.cache_resource
def training_worker():
    """The one training worker of this server process."""
    from rnncore.worker import shared_worker

    return shared_worker()


def session_owner() -> str:
    """A random id for this browser session (jobs are tagged with it; no personal data)."""
    if "owner_id" not in st.session_state:
        st.session_state["owner_id"] = uuid.uuid4().hex[:12]
    return st.session_state["owner_id"]


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
    """What the teacher allows (RNNCORE_TRAINING, RNNCORE_MAX_EPOCHS, RNNCORE_MAX_TRAIN_REVIEWS)."""

    training_enabled: bool
    max_epochs: int
    max_train_reviews: int


def classroom_limits() -> ClassroomLimits:
    """Current limits; invalid values fall back to the defaults."""
    def number(name: str, default: int) -> int:
        try:
            return max(1, int(_setting(name, str(default))))
        except ValueError:
            return default

    enabled = _setting("RNNCORE_TRAINING", "on").strip().lower() not in ("0", "off", "false", "no")
    return ClassroomLimits(enabled, number("RNNCORE_MAX_EPOCHS", 20), number("RNNCORE_MAX_TRAIN_REVIEWS", 25_000))


def show_error(error: Exception) -> None:
    """One clear message for the user; never a traceback."""
    if isinstance(error, (RnncoreError, ValueError)):
        st.error(str(error), icon="⚠️")
    else:
        st.error(f"Something went wrong ({type(error).__name__}). Your work on this page is kept; try again.", icon="⚠️")


def no_model_message(kind: str) -> None:
    """Explain what to do when no model of a kind is available."""
    what = "sentiment" if kind == "sentiment" else "character (text generation)"
    st.info(
        f"No {what} model is available yet. Train one on the **Train** page"
        + (" (or in the section below)" if kind == "chars" else "")
        + ". Pretrained models normally ship in `models/`.",
        icon="ℹ️",
    )
