"""Predict's "order ignored vs order read" panel: the chosen RNN beside the shipped bag-of-words model (and, when
one is shipped, the word-pairs model), on the review as typed and with its words in reverse order. The bag of words
gives both the same verdict by construction; an RNN reads in order, so it may not; word pairs are in between."""

from __future__ import annotations

import html
from dataclasses import dataclass

import streamlit as st

from rnncore.bagofwords.config import reads_pairs
from rnncore.bagofwords.model import BagOfWords, load_bag_of_words
from rnncore.data.text import tokenize
from ui.common import ModelChoice, model_choices

MAX_SHOWN_WORDS = 8
LIVE_REVERSED_WORDS = 30  # longer reviews are read backwards on a click (a whole extra pass per keystroke)
LESSON = (
    "The **bag of words** adds up one weight per distinct word, wherever it stands: *not bad* and *bad not* "
    "are the same input for it. The **RNN** reads the words in order, carrying a state from one to the next, "
    "so it *can* learn that *not* flips what follows — whether it did is what the two verdicts show."
)
PAIRS_LESSON = (
    " The **word pairs** model also weighs each pair of neighbouring words: *not bad* is a pair of its own and "
    "*bad not* another, but *not at all bad* holds no such pair. It scores IMDB's long reviews better than the RNNs; "
    "short sentences need more of the order."
)


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(key: str, path: str) -> BagOfWords:
    return load_bag_of_words(path)


BagOfWordsChoice = tuple[ModelChoice, BagOfWords]


@dataclass(frozen=True)
class OrderModels:
    """The panel's order-free models: single words (order ignored) and, if one is available, word pairs."""

    words: BagOfWordsChoice
    pairs: BagOfWordsChoice | None = None


def order_models() -> OrderModels | None:
    """The first model of single words and the first of word pairs (shipped first), or None without a model of
    single words: word pairs see which word is next to which, so they cannot show what ignoring order does.
    Looked up once per page run (it reads every run.json), not per keystroke."""
    found: dict[bool, BagOfWordsChoice] = {}
    for choice in model_choices("bagofwords"):
        pairs = reads_pairs(choice.run.info["config"])
        if pairs not in found:
            found[pairs] = choice, _load(choice.key, str(choice.run.path))
    return OrderModels(found[False], found.get(True)) if False in found else None


def reversed_words(text: str) -> str:
    """The review's words, last first (punctuation other than ! and ? dropped, as the models drop it)."""
    return " ".join(reversed(tokenize(text)))


def _verdict(probability: float) -> str:
    return f"{'🙂 positive' if probability >= 0.5 else '🙁 negative'} · P(positive) = {probability:.3f}"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return html.escape(text).replace("|", "&#124;")


def render_order_comparison(
    predictor, rnn_label: str, text: str, probability: float | None = None, found: OrderModels | None = None
) -> None:
    """Two or three models, two word orders, one table; the bag of words' strongest words below.
    `probability`: the RNN's verdict on `text` when the caller has it already (Predict computed it for the gauge);
    `found`: the order-free models when the caller looked them up already. Few elements on purpose: this panel is
    redrawn on every keystroke of every student."""
    found = found or order_models()
    if found is None:
        return
    (choice, bag), pairs = found.words, found.pairs
    backwards = reversed_words(text)
    typed = predictor.predict_typed(text).probability if probability is None else probability
    rnn_back = bag_back = pairs_back = "–"
    with st.container(border=True):
        words = len(backwards.split())
        long_review = words > LIVE_REVERSED_WORDS
        # A reversed review shares no start with the last one, so the RNN reads it whole: on a click when long.
        if words > 1 and (not long_review or st.button("Read it backwards too", key="order_backwards")):
            rnn_back, bag_back = (
                _verdict(predictor.predict(backwards).probability),
                _verdict(bag.probability(backwards)),
            )
            pairs_back = _verdict(pairs[1].probability(backwards)) if pairs else "–"
        rows = [
            f"| Order read: {_cell(rnn_label)} | {_verdict(typed)} | {rnn_back} |",
            f"| Order ignored: {_cell(choice.run.name)} (bag of words) | {_verdict(bag.probability(text))} "
            f"| {bag_back} |",
        ]
        if pairs:
            rows.append(
                f"| Neighbours only: {_cell(pairs[0].run.name)} (word pairs) | "
                f"{_verdict(pairs[1].probability(text))} | {pairs_back} |"
            )
        st.markdown(
            "**Order read vs order ignored**\n\n| | As typed | Words reversed |\n|---|---|---|\n" + "\n".join(rows)
        )
        notes = []
        if words > 1:
            notes.append(f"Reversed: *{html.escape(backwards[:300])}*")
        strongest = bag.word_weights(text)[:MAX_SHOWN_WORDS]
        if strongest:
            shown = ", ".join(f"{html.escape(row.word)} {row.weight:+.2f}" for row in strongest)
            notes.append(f"The bag of words' strongest words (log-odds): {shown}")
        st.caption("  \n".join([*notes, LESSON + (PAIRS_LESSON if pairs else "")]))
