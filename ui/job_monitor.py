"""One job monitor for every page that trains (Train, Sequence Lab, Translate, Generate): it polls the session's
jobs, says where they wait, offers Stop to their owner, and hands over to the full page when they have all ended.
Each page draws only its own progress (a bar, live curves) through the `draw` callback: the library reports,
the page supplies the handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from rnncore.jobs.job import Job
from ui.common import job_pool, session_owner

STOPPING = "Stopping after the current step; what was learned so far is kept …"
AT_DEADLINE = "Time limit reached: stopping after the current step; the best weights so far are kept …"
NOT_YOURS = "A classmate started this job: only they can stop it. Its results will be yours too."


def job_monitor(
    job_ids: Sequence[int],
    draw: Callable[[list[Job]], None],
    *,
    stop_key: str,
    every: float = 1.0,
    waiting_note: str = "",
    stop_label: str = "Stop",
) -> None:
    """Every `every` seconds: the queue position while any job waits, the page's `draw(jobs)` (it draws what it
    knows of each, queued or running), and Stop for the jobs this student owns; a whole-page rerun when every job
    has ended (the page then shows its results)."""

    @st.fragment(run_every=every)
    def poll() -> None:
        jobs = [job for job in map(job_pool().get, job_ids) if job is not None]
        if not jobs:
            st.warning("This job is no longer known (the server was restarted).")
            return
        if all(job.is_finished for job in jobs):
            st.rerun(scope="app")
        waiting = [job for job in jobs if job.status == "queued"]
        if waiting:
            st.info(f"Waiting in the queue: position {waiting[0].queue_position()}. {waiting_note}".strip(), icon="⏳")
        draw(jobs)
        stop_controls(jobs, stop_key, stop_label)

    poll()


def stop_controls(jobs: list[Job], stop_key: str, stop_label: str = "Stop") -> None:
    """Stop for the student's own jobs (within one step, keeping what was learned); what happens once pressed."""
    mine = [job for job in jobs if job.owner == session_owner()]
    if any(job.stopped_at_deadline for job in jobs):
        st.info(AT_DEADLINE)
    elif any(job.cancel_requested for job in jobs):
        st.info(STOPPING)
    elif not mine:
        st.caption(NOT_YOURS)
    elif st.button(stop_label, key=stop_key, help="Stops within one step and keeps what was learned so far"):
        for job in mine:
            job.cancel()
        st.info(STOPPING)
