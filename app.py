"""RNN Playground entry point: page setup and navigation only; every page lives in pages/."""

import streamlit as st

from ui.common import warm_workers
from ui.student import remember_student
from ui.teacher_auth import teacher_page_look

st.set_page_config(page_title="RNN Playground", page_icon="🔁", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/concepts.py", title="Concepts", icon=":material/school:"),
    st.Page("pages/sequence_lab.py", title="Sequence Lab", icon=":material/science:"),
    st.Page("pages/translate.py", title="Translate", icon=":material/translate:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/sentiment_satisfied:"),
    st.Page("pages/generate.py", title="Generate", icon=":material/edit_note:"),
]

remember_student()  # before the page runs: a page that reruns or stops early must not skip it
# "Teacher sign-in" for everyone, "Teacher" once this session has signed in (the same address either way)
TEACHER = st.Page("pages/teacher.py", url_path="teacher", **teacher_page_look())
st.navigation([*PAGES, TEACHER]).run()
warm_workers()  # after the page has been drawn: starting the processes never delays what a student sees
