"""Teacher: the students' address, Pause / Resume training, every job with Cancel, the classroom settings changed
live, the class's models with Rename and Delete, the fool-the-model wall and the predict-then-reveal questions,
the server's health and the end-of-lesson archive. Only for a session signed in with the teacher password
(ui/teacher_auth.py); the pieces live in ui/teacher_*.py."""

from __future__ import annotations

import streamlit as st

from ui.common import guarded
from ui.navigation import use_app_navigation
from ui.teacher_auth import sign_in_form, sign_out, teacher_signed_in
from ui.teacher_health import address_part, health_part
from ui.teacher_jobs import jobs_part, pause_part, show_flash
from ui.teacher_runs import archive_part, runs_part
from ui.teacher_settings import settings_part
from ui.teacher_wall import questions_part, wall_part

use_app_navigation()  # first: a direct visit after a restart is served through app.py


@st.fragment(run_every=3.0)
def live_jobs() -> None:
    """The job list, refreshed every few seconds (a fragment: only this part reruns)."""
    guarded(jobs_part)  # its own boundary: a timed rerun of this fragment runs outside the page's


def main() -> None:
    """The sign-in form, or (signed in) every section of the page; each section fails on its own."""
    if not teacher_signed_in():
        sign_in_form()
        return
    title, leave = st.columns([5, 1], vertical_alignment="bottom")
    title.title("Teacher")
    if leave.button("Sign out", key="teacher_sign_out", icon=":material/logout:"):
        sign_out()
        st.rerun()
    show_flash()
    guarded(address_part)
    st.header("Training")
    guarded(pause_part)
    live_jobs()
    st.header("Classroom settings")
    guarded(settings_part)
    st.header("Class models")
    guarded(runs_part)
    st.header("Class wall: fool the model")
    guarded(wall_part)
    st.header("Questions: predict, then reveal")
    guarded(questions_part)
    st.header("Server health")
    health_part()
    st.header("End of lesson")
    guarded(archive_part)


guarded(main)
