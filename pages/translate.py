"""Translate: an encoder–decoder learns to rewrite dates, reverse sequences or turn number words into digits in
seconds, with and without attention, and shows where it looks while it writes."""

from __future__ import annotations

import streamlit as st

from ui.common import guarded, training_off_notice
from ui.navigation import use_app_navigation
from ui.translate import measured_table, monitor, my_jobs, results, settings, submit

use_app_navigation()  # first: a direct visit after a restart is served through app.py


def main() -> None:
    """Settings and Train; the live curves while the runs go; then the student's own input."""
    st.title("Translate: sequence to sequence, with attention")
    st.markdown(
        "An **encoder** RNN reads the input one character at a time; a **decoder** RNN writes the output one "
        "character at a time. With **attention**, each output step looks back at all the encoder's states and "
        "weighs them; without it, everything must pass through one state vector. Train both and compare."
    )
    if not training_off_notice():
        guarded(run_part)
    measured_table()  # shown even when the run part fails or training is off


def run_part() -> None:
    """Settings, submission, then the live curves or the results of this session's runs."""
    configs = settings()
    if configs:
        submit(configs)
    jobs = my_jobs()
    if jobs and not all(job.is_finished for job in jobs):
        monitor()
    elif jobs:
        results(jobs)


guarded(main)
