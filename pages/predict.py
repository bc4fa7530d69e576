"""Predict page: type a review and watch a sentiment model's verdict change word by word, see which words
mattered and what the model actually reads, compare models, look at the hidden state, or score a batch.

The page holds what a student can send it: the example reviews and the batch paste box, sized together with
the review box (ui/predict_review.py) so that one rerun fits one WebSocket message; tests/test_input_limits.py
and tests/test_short_reviews.py read them from this file. Its sections live in ui/predict_*.py. Every word
shown as HTML is html.escape()d: review text is user input."""

from __future__ import annotations

import streamlit as st

from ui.common import guarded, model_choices, model_picker, no_model_message
from ui.lesson_links import open_link
from ui.navigation import use_app_navigation
from ui.order_compare import order_models
from ui.predict_batch import MAX_BATCH_ROWS, parse_batch_csv, render_batch
from ui.predict_link import predict_link
from ui.predict_live import live_section
from ui.predict_review import init_review, review_controls

use_app_navigation()  # first: a direct visit after a restart is served through app.py

EXAMPLES = {
    "not bad at all": "not bad at all",
    "hate it → wonderful": "I expected to hate it, but it was wonderful",
    "not good": "not good",
    "a waste of two hours": "a waste of two hours",
    "long, mixed review": (
        "The first hour is slow, the dialogue is clumsy and the lead actor looks bored; I nearly walked out. "
        "The villain is a cliche and the jokes fall flat. But then the film finds its heart: the last act is "
        "brilliant, the music is beautiful and the ending is genuinely moving. Not perfect, and far too long, "
        "but I would still recommend it to anyone who loves a good story."
    ),
}
# The pasted batch is re-sent with every rerun of the page (each keystroke in the review box): about 300 long
# reviews. A CSV upload (up to server.maxUploadSize) is sent once.
MAX_BATCH_PASTE_CHARS = 500_000


def batch_inputs() -> list[str] | None:
    """Reviews from pasted lines or an uploaded CSV (None when nothing is given yet)."""
    mode = st.radio("Reviews", ["Paste one per line", "Upload a CSV"], horizontal=True, key="batch_mode")
    if mode == "Paste one per line":
        pasted = st.text_area(
            "One review per line",
            key="batch_lines",
            height=150,
            max_chars=MAX_BATCH_PASTE_CHARS,
            help=f"At most {MAX_BATCH_PASTE_CHARS:,} characters here; upload a CSV for more "
            f"(up to {MAX_BATCH_ROWS:,} reviews are scored on this page).",
        )
        lines = [line for line in pasted.splitlines() if line.strip()]
        return lines or None
    upload = st.file_uploader("CSV with a 'text' column (at most 5 MB)", type=["csv"], key="batch_csv")
    if upload is None:
        return None
    return parse_batch_csv(upload.getvalue(), upload.name)


def main() -> None:
    """Model picker, the live review section (a fragment: typing reruns only it) and batch mode."""
    st.title("Predict: what does the model think of a review?")
    choices = model_choices("sentiment")
    if not choices:
        no_model_message("sentiment")
        return
    for note in open_link("predict", predict_link(choices)):  # a lesson link sets the model and the review
        st.caption(f"⚠️ {note}")
    init_review(EXAMPLES["hate it → wonderful"])
    help_text = "Shipped models come with the app; class models were trained on the Train page."
    choice = model_picker(choices, "predict_model", help=help_text)
    config = choice.run.info.get("config", {})
    st.caption(
        f"{'Bidirectional ' if config.get('bidirectional') else ''}{str(config.get('cell', '')).upper()}, "
        f"{config.get('units', '?')} units, reads at most {config.get('maxlen', '?')} words."
    )
    live_section(choice, choices, order_models(), review_controls(EXAMPLES))
    with st.expander("Many reviews at once (batch mode)"):
        guarded(lambda: render_batch(choice, batch_inputs()))  # a bad CSV is reported inside the expander
    guarded(lambda: class_wall(choice))


def class_wall(choice) -> None:
    """The class wall (ui/fool_wall.py), imported here: the class database (SQLAlchemy) loads after the verdict."""
    from ui.fool_wall import fool_the_model

    fool_the_model(choice)


guarded(main)
