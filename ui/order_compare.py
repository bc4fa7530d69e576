"""Predict's "order ignored vs order read" panel: the chosen RNN beside the shipped bag-of-words model, on the
review as typed and with its words in reverse order. The bag of words gives both the same verdict by
construction; an RNN reads in order, so it may not."""

from __future__ import annotations

import html

import streamlit as st

from rnncore.bagofwords.model import BagOfWords, load_bag_of_words
from rnncore.data.text import tokenize
from ui.common import ModelChoice, model_choices

MAX_SHOWN_WORDS = 8
LESSON = (
    "The **bag of words** adds up one weight per distinct word, wherever it stands: *not bad* and *bad not* "
    "are the same input for it. The **RNN** reads the words in order, carrying a state from one to the next, "
    "so it *can* learn that *not* flips what follows — whether it did is what the two verdicts show."
)


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(key: str, path: str) -> BagOfWords:
    return load_bag_of_words(path)


def bag_of_words_model() -> tuple[ModelChoice, BagOfWords] | None:
    """The first bag-of-words model (shipped first), or None when there is none."""
    choices = model_choices("bagofwords")
    if not choices:
        return None
    return choices[0], _load(choices[0].key, str(choices[0].run.path))


def reversed_words(text: str) -> str:
    """The review's words, last first (punctuation other than ! and ? dropped, as the models drop it)."""
    return " ".join(reversed(tokenize(text)))


def _verdict(probability: float) -> str:
    return f"{'🙂 positive' if probability >= 0.5 else '🙁 negative'} · P(positive) = {probability:.3f}"


def render_order_comparison(predictor, rnn_label: str, text: str, probability: float | None = None) -> None:
    """Two models, two word orders, four verdicts; the bag of words' strongest words beside them. `probability`:
    the RNN's verdict on `text` when the caller has it already (Predict computed it for the gauge)."""
    found = bag_of_words_model()
    if found is None:
        return
    choice, bag = found
    backwards = reversed_words(text)
    with st.container(border=True):
        st.markdown("**Order read vs order ignored**")
        read, ignored = st.columns(2)
        read.caption(f"Order read: {html.escape(rnn_label)}")
        typed = predictor.predict(text).probability if probability is None else probability
        read.markdown(f"As typed: {_verdict(typed)}")
        ignored.caption(f"Order ignored: {html.escape(choice.run.name)} (bag of words)")
        ignored.markdown(f"As typed: {_verdict(bag.probability(text))}")
        if len(backwards.split()) > 1:
            read.markdown(f"Words reversed: {_verdict(predictor.predict(backwards).probability)}")
            ignored.markdown(f"Words reversed: {_verdict(bag.probability(backwards))}")
            st.caption(f"Reversed: *{html.escape(backwards[:300])}*")
        strongest = bag.word_weights(text)[:MAX_SHOWN_WORDS]
        if strongest:
            shown = ", ".join(f"{html.escape(row.word)} {row.weight:+.2f}" for row in strongest)
            ignored.caption(f"Its strongest words (log-odds): {shown}")
        st.caption(LESSON)
