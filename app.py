"""RNN Playground entry point: page setup and navigation only; every page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="RNN Playground", page_icon="🔁", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/concepts.py", title="Concepts", icon=":material/school:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/sentiment_satisfied:"),
    st.Page("pages/generate.py", title="Generate", icon=":material/edit_note:"),
]

st.navigation(PAGES).run()
