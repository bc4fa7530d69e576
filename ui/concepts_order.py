"""Concepts tab "Why order matters": one sentence, read in order by an RNN and as a bag of words."""

from __future__ import annotations

import streamlit as st

from ui.common import load_predictor, model_choices
from ui.order_compare import order_models, render_order_comparison

MAX_SENTENCE_CHARS = 300


def order_section() -> None:
    """A sentence box; the best shipped RNN and the bag-of-words model judge it and its words reversed."""
    st.markdown(
        "A **bag-of-words** model only asks *which* words a review contains: it adds one learned weight per "
        "word and never looks at their order, so *not bad* and *bad not* are literally the same input. A "
        "**recurrent network** reads one word at a time and carries a state forward, so what came before "
        "(*not*, *but*, *used to*) can change what a word means. On long IMDB reviews the two score about the "
        "same — most reviews say *great* or *awful* many times — and short sentences show where order is needed."
    )
    sentence = st.text_input(
        "Try a sentence",
        "The film was not bad.",
        max_chars=MAX_SENTENCE_CHARS,
        key="order_sentence",
        help=f"At most {MAX_SENTENCE_CHARS} characters: both models re-read it word by word.",
    )
    rnns = model_choices("sentiment")
    if not sentence.strip() or not rnns:
        st.info("Type a sentence (a sentiment model must be available).", icon="✍️")
        return
    found = order_models()
    if found is None:
        st.info("No bag-of-words model is available (`python -m rnncore train bagofwords`).", icon="ℹ️")
        return
    render_order_comparison(load_predictor(rnns[0]), rnns[0].label, sentence, found=found)
    st.caption(
        "Things to try: *not good* vs *good*; *I expected it to be awful, but it was wonderful*; "
        "*it used to be my favourite, now it bores me*. When both models get it wrong, the RNN *could* have "
        "read the order but did not learn to: it only knows what its training reviews taught it."
    )
