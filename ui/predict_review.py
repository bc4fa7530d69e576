"""The Predict page's review: one session_state string ("review_text"), whichever input box is showing, the
box itself and the controls that replace it (example buttons, the long-review switch).

st_keyup cannot be given new text once drawn, so replacing the review bumps "review_version": the boxes' keys
carry that generation, and a fresh widget shows the new text."""

from __future__ import annotations

import streamlit as st
from st_keyup import st_keyup

from rnncore.inference.predict import MAX_REVIEW_CHARS

REVIEW_LIMIT = (
    f"At most {MAX_REVIEW_CHARS:,} characters in the box; the model itself reads only its last (or first) "
    "few hundred words."
)


def init_review(default: str) -> None:
    """Seed the review text (with `default`) and the input-widget generation counter."""
    st.session_state.setdefault("review_text", default)
    st.session_state.setdefault("review_version", 0)


def _input_key(kind: str) -> str:
    """Widget key for the current generation (a new key is the only way to push text into st_keyup)."""
    return f"review_{kind}_{st.session_state['review_version']}"


def set_review(text: str) -> None:
    """Replace the review (example buttons): bump the generation so fresh widgets show the new text."""
    for kind in ("keyup", "area"):
        st.session_state.pop(_input_key(kind), None)
        st.session_state.pop(f"_st_keyup_{_input_key(kind)}", None)
    st.session_state["review_text"] = text
    st.session_state["review_version"] += 1


def review_input(long_mode: bool) -> str:
    """The review box: st_keyup (updates as you type) or a plain text area for long reviews."""
    if long_mode:
        text = st.text_area(
            "Review",
            value=st.session_state["review_text"],
            height=180,
            key=_input_key("area"),
            max_chars=MAX_REVIEW_CHARS,
            help=REVIEW_LIMIT,
        )
    else:  # st_keyup has no help tooltip: review_controls says the limit once, outside the typing fragment
        text = st_keyup(
            "Review — the prediction updates as you type",
            value=st.session_state["review_text"],
            max_chars=MAX_REVIEW_CHARS,
            debounce=300,
            key=_input_key("keyup"),
            placeholder="Type a movie review …",
        )
    # max_chars binds the browser only; a client of the websocket can send 20 MB, so the server cuts it too
    st.session_state["review_typed_chars"] = len(text or "")
    st.session_state["review_text"] = (text or "")[:MAX_REVIEW_CHARS]
    return st.session_state["review_text"]


def review_controls(examples: dict[str, str]) -> bool:
    """Example buttons (label -> review) and the long-review switch; returns whether long mode is on. Outside
    the typing fragment: they change the review box itself (a full rerun), and every element left out of the
    fragment is server CPU saved per keystroke."""
    st.write("Try an example:")
    columns = st.columns(len(examples))
    for column, (label, example) in zip(columns, examples.items()):
        column.button(label, key=f"example_{label}", on_click=set_review, args=(example,))
    return st.toggle(
        "Long review (plain text box, press Ctrl+Enter to update)",
        key="predict_long",
        on_change=lambda: set_review(st.session_state["review_text"]),
        help=REVIEW_LIMIT,
    )
