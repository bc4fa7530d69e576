"""Home page: what the playground is, what each page teaches, and which models are ready.

It only reads run.json files, so it never imports TensorFlow: the first page a class opens stays instant.
The model tables are built in ui/home_models.py."""

from __future__ import annotations

import streamlit as st

from rnncore.paths import data_dir
from ui.common import guarded
from ui.home_models import render_models
from ui.navigation import use_app_navigation

use_app_navigation()  # first: a direct visit after a restart is served through app.py

PAGE_GUIDE = [
    (
        "Concepts",
        "What a recurrent cell does: the hidden state, LSTM / GRU gates, and why vanishing "
        "gradients make plain RNNs forget — with live numbers from real models.",
    ),
    (
        "Sequence Lab",
        "Race SimpleRNN, LSTM and GRU on toy sequence tasks — remember a symbol, add two marked numbers, "
        "forecast a wave or a 'stock price' — and watch them learn (or fail) within seconds.",
    ),
    (
        "Train",
        "Train a SimpleRNN, LSTM or GRU on IMDB movie reviews with your own settings, watch the loss "
        "fall, and compare your run with your classmates'.",
    ),
    (
        "Predict",
        "Type a review and watch P(positive) change word by word: which words mattered, what the "
        'model actually sees, and how negation ("not bad") trips models up.',
    ),
    (
        "Generate",
        "Let a character-level model write Shakespeare one letter at a time; play with temperature "
        "and see the probabilities behind every choice.",
    ),
]


def render_offline_note() -> None:
    """Where training data comes from, and how to run without internet."""
    folder = data_dir()
    if folder:
        st.caption(f"Datasets are read from `{folder}` (RNNCORE_DATA_DIR).")
    else:
        st.caption(
            "Training downloads IMDB and Tiny Shakespeare on first use. **No internet?** Start the app with "
            "`RNNCORE_DATA_DIR=/path/to/folder` holding `aclImdb_v1.tar.gz` and `tinyshakespeare.txt`. "
            "The pretrained models work offline either way."
        )


def main() -> None:
    """Render the home page."""
    st.title("🔁 RNN Playground")
    st.markdown(
        "Learn **recurrent neural networks** by using them. An RNN reads a sequence one step at a time and "
        "carries a *hidden state* — a running summary of everything it has read so far. Here you can look "
        "inside that state, train your own networks, and see where they succeed and fail."
    )
    columns = st.columns(len(PAGE_GUIDE))
    for column, (page, text) in zip(columns, PAGE_GUIDE):
        with column.container(border=True):
            st.markdown(f"**{page}**")
            st.write(text)
    render_models()
    render_offline_note()


guarded(main)
