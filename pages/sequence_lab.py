"""Sequence Lab: toy sequence tasks trained live in seconds, SimpleRNN vs LSTM vs GRU side by side."""

from __future__ import annotations

import streamlit as st

from ui.common import guarded, job_pool, session_jobs, training_off_notice
from ui.lab import JOB_KEY, measured_table, monitor, results, settings, submit
from ui.lesson_vote import may_run, questions_part
from ui.navigation import use_app_navigation
from ui.run_notebooks import lab_notebook_button

use_app_navigation()  # first: a direct visit after a restart is served through app.py


def run_part() -> None:
    """Settings, submission, and the current run (live or finished)."""
    if training_off_notice():
        return
    guarded(questions_part)  # the teacher's predict-then-reveal questions (ui/lesson_vote.py)
    config = settings()
    if config is not None and may_run(config):
        submit(config)
    _, job_id = session_jobs("lab", JOB_KEY)
    job = job_pool().get(job_id) if job_id is not None else None
    if job is None:
        return
    st.subheader(f"Run #{job.id}: {job.label}")
    if job.is_finished:
        results(job)
        lab_notebook_button(job)  # the run as a notebook that reproduces it in plain Keras
    else:
        monitor(job.id)


def main() -> None:
    """The run part, then the table of measured results (shown even when the run part fails)."""
    st.title("Sequence Lab")
    st.markdown(
        "Pick a task, how long its sequences are and which cells to compare, then press **Train**: small networks "
        "learn in seconds while you watch. Longer sequences are harder — that is where the cells differ."
    )
    guarded(run_part)
    measured_table()


guarded(main)
