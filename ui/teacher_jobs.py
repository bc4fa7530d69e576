"""Teacher page: every job of the pool, with Cancel, and Pause / Resume training for the class."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from rnncore.jobs import FINISHED, QUEUED, RUNNING, Job
from ui.common import job_pool, set_training_paused, training_paused

FINISHED_SHOWN = 50  # finished jobs stay in the pool until a restart; the table shows the latest ones
FLASH_KEY = "teacher_flash"


def flash(message: str) -> None:
    """Say `message` at the top of the page after the rerun that an action triggers."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    """Show (once) what the last action did."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon="✅")


def short_owner(owner: str) -> str:
    """A student id shortened for the table (ids are random, so six characters tell students apart)."""
    return owner[:6] if owner else "server"


def settings_summary(config: Any) -> str:
    """One line for a job's settings: a training run's cell, size and epochs, a lab run's task and cells."""
    if config is None:
        return "—"  # housekeeping (a weight export)
    if hasattr(config, "cells"):  # a Sequence Lab run
        return f"lab {config.task}, length {config.length}: {' / '.join(config.cells)}"
    parts = [getattr(config, "task", ""), getattr(config, "cell", ""), f"{getattr(config, 'units', '?')} units"]
    if getattr(config, "bidirectional", False):
        parts.insert(2, "bidirectional")
    parts.append(f"{getattr(config, 'epochs', '?')} epochs")
    limit = getattr(config, "limit", 0)
    if getattr(config, "task", "") == "sentiment":
        parts.append(f"{limit:,} reviews" if limit else "all reviews")
    return " ".join(str(part) for part in parts if part)


def time_used(job: Job, now: float | None = None) -> str:
    """How long a job has run (or ran); for a waiting job, how long it has waited."""
    now = time.time() if now is None else now
    if job.started is None:
        seconds, what = (job.finished_at or now) - job.created, "waited "
    else:
        seconds, what = (job.finished_at or now) - job.started, ""
    seconds = max(0.0, seconds)
    text = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    return what + text


def job_row(job: Job, now: float | None = None) -> dict[str, Any]:
    """The table row of one job."""
    return {
        "job": job.id,
        "student": short_owner(job.owner),
        "lane": job.lane,
        "label": job.label,
        "settings": settings_summary(job.config),
        "state": job.status + (" (stopping)" if job.cancel_requested and not job.is_finished else ""),
        "queue position": job.queue_position() or None,
        "time used": time_used(job, now),
    }


def pause_part() -> None:
    """Pause or resume training for the class (a process-wide switch; running jobs are left alone)."""
    paused = training_paused()
    if paused:
        st.warning("Training is **paused**: students cannot start new training jobs. Running jobs carry on.", icon="⏸️")
        if st.button("Resume training", key="teacher_resume", icon=":material/play_arrow:", type="primary"):
            set_training_paused(False)
            st.rerun()
    else:
        st.caption("Training is open: students can start jobs (within the classroom limits).")
        if st.button("Pause training for the class", key="teacher_pause", icon=":material/pause:"):
            set_training_paused(True)
            st.rerun()


def jobs_part() -> None:
    """Every unfinished job with its Cancel button, then the latest finished ones in a table."""
    jobs = job_pool().jobs()
    active = [job for job in jobs if job.status not in FINISHED]
    finished = [job for job in jobs if job.status in FINISHED][-FINISHED_SHOWN:]
    running = sum(job.status == RUNNING for job in active)
    st.caption(f"{running} running, {len(active) - running} waiting, {len(jobs) - len(active)} finished.")
    if not active:
        st.info("No job is running or waiting.", icon="ℹ️")
    now = time.time()
    for job in active:
        row = job_row(job, now)
        text, button = st.columns([6, 1], vertical_alignment="center")
        position = f" · position {row['queue position']}" if row["queue position"] else ""
        text.markdown(
            f"**#{job.id} {row['label']}** — {row['state']}{position} · {row['time used']}  \n"
            f"student `{row['student']}` · lane {job.lane} · {row['settings']}"
        )
        # A running job stops after its batch and keeps its best weights; a waiting one never starts.
        what = "Cancel" if job.status == QUEUED else "Stop"
        if button.button(what, key=f"teacher_cancel_{job.id}", disabled=job.cancel_requested):
            job.cancel()
            flash(f"Job #{job.id} {'cancelled' if what == 'Cancel' else 'asked to stop'}.")
            st.rerun()
    if finished:
        with st.expander(f"Finished jobs (the latest {len(finished)})"):
            st.dataframe([job_row(job, now) for job in reversed(finished)], hide_index=True)
