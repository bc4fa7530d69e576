"""Train: an IMDB sentiment model with the student's settings, watched live, then compared on the
experiment board. Settings live in ui/train_form.py, the current job (live or finished) and the board in
ui/train_results.py."""

from __future__ import annotations

import streamlit as st

from rnncore.jobs import JobRefused
from rnncore.jobs.bounds import check_job
from rnncore.jobs.reuse import note_for
from ui.common import (
    classroom_limits,
    guarded,
    job_bounds,
    jobs_at_once,
    paused_notice,
    session_owner,
    show_error,
    submit_training,
    training_off_notice,
)
from ui.navigation import use_app_navigation
from ui.train_form import build_config, run_name, settings_form, show_estimate
from ui.train_results import current_job, experiment_board

use_app_navigation()  # first: a direct visit after a restart is served through app.py


def settings_part() -> None:
    """The form, the estimate and submission of a job."""
    limits = classroom_limits()
    if training_off_notice("You can still use the trained models on the other pages and look at earlier runs below."):
        return
    paused_notice()  # the form stays usable, so students can prepare their settings meanwhile
    st.caption(
        f"Classroom limits: at most {limits.max_epochs} epochs, {limits.max_train_reviews:,} training reviews, "
        f"{limits.max_parameters:,} parameters and an estimated {limits.max_job_minutes} min per job; a job still "
        "running at twice its estimate is stopped there, keeping its best weights. "
        f"Each student may have {_jobs(limits.running_per_student)} running and "
        f"{_jobs(limits.waiting_per_student)} waiting."
    )
    action, values = settings_form(limits)
    try:
        config, notes = build_config(values, limits)
    except ValueError as error:
        if action:
            show_error(error)  # the form keeps what the student typed
        return
    if action:
        for note in notes:
            st.warning(note)
    show_estimate(config)
    if action == "check":
        try:  # say so now rather than only when Start is pressed
            check_job(config, job_bounds())
        except JobRefused as refusal:
            st.warning(str(refusal), icon="⛔")
    if action == "start":
        name = run_name(values, config)
        try:  # IMDB is loaded inside the worker process
            job = submit_training(config, label=name, save_name=name)
        except JobRefused as refusal:  # over a cap, or a job already waiting: nothing was queued
            st.error(str(refusal), icon="⛔")
            return
        st.session_state["tr_job_id"] = job.id
        # a classmate's job or saved run with exactly these settings and seed is given, not trained again
        st.toast(note_for(job, session_owner()) or f"Job #{job.id} submitted")


def _jobs(count: int) -> str:
    """A job count in words: "one job", "2 jobs"."""
    return "one job" if count == 1 else f"{count} jobs"


def main() -> None:
    """Settings and submission, the current job, then the experiment board; each fails on its own."""
    st.title("Train a sentiment model")
    st.markdown(
        "Train a recurrent network on IMDB movie reviews (positive / negative). Pick a preset or change any "
        f"setting, check the size and time, then start. Jobs run in the background, {jobs_at_once()}: you can "
        "leave this page and come back."
    )
    guarded(settings_part)
    guarded(current_job)
    st.header("Experiment board")
    st.caption("Every sentiment run trained on this server. Compare settings against test accuracy.")
    guarded(experiment_board)


guarded(main)
