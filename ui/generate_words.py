"""Generate's word section: the language model pretrained on IMDB's reviews (the one the sentiment models start
from) writes a movie review one word at a time, shows how likely each word was and what it chose from, and
says which of two wordings it finds more natural — word order, measured."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import streamlit as st

from rnncore.inference.word_writer import END_MARK, MAX_WORDS, WordStep, WordWriter, join_words
from ui.common import ModelChoice, model_choices, model_picker

MAX_PRIME_CHARS = 500
MAX_SENTENCE_CHARS = 300
PAIR = ("the film was not bad", "the film was bad not")


@st.cache_resource(max_entries=4, show_spinner="Loading the language model …")
def _load_writer(key: str, _choice: ModelChoice) -> WordWriter:
    del key  # only part of the cache key: it changes when the run's files do
    return WordWriter.from_run(_choice.run)


def words_html(steps: list[WordStep], prime: str) -> str:
    """The review with every written word shaded by how likely it was (hover: the probability)."""
    spans = [f"<b>{html.escape(prime)}</b>"] if prime else []
    for step in steps:
        if step.word == END_MARK:
            spans.append('<span title="the model ended the review here">⏹</span>')
            break
        shade = 0.15 + 0.6 * step.probability
        spans.append(
            f'<span title="{step.probability:.1%}" style="background:rgba(75,107,251,{shade:.2f});'
            f'border-radius:3px;padding:0 2px">{html.escape(step.word)}</span>'
        )
    return f'<div style="line-height:2;font-size:1.05em">{" ".join(spans)}</div>'


def alternatives_figure(step: WordStep) -> go.Figure:
    """The most likely next words at one step as bars, the drawn word in orange."""
    words, probabilities = list(step.top_words), [float(p) for p in step.top_probabilities]
    if step.word not in words:
        words.append(step.word)
        probabilities.append(step.probability)
    colours = ["#ff7f0e" if word == step.word else "#4b6bfb" for word in words][::-1]
    bars = go.Bar(
        x=probabilities[::-1],
        y=[html.escape(word) for word in words][::-1],
        orientation="h",
        marker_color=colours,
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    )
    layout = dict(height=380, margin=dict(l=20, r=20, t=10, b=20), xaxis=dict(tickformat=".0%", title="probability"))
    return go.Figure(data=[bars], layout=layout).update_yaxes(type="category")


def render_writing(writer: WordWriter) -> None:
    """Controls, the written review and the alternatives behind any word."""
    prime = st.text_input(
        "Start the review with",
        "this movie was",
        max_chars=MAX_PRIME_CHARS,
        key="words_prime",
        help=f"At most {MAX_PRIME_CHARS} characters; the model reads them one word at a time before it writes.",
    )
    columns = st.columns(4)
    length = columns[0].slider("Words", 5, min(MAX_WORDS, 200), 60, key="words_length")
    temperature = columns[1].slider("Temperature", 0.1, 2.0, 0.8, 0.05, key="words_temperature")
    top_k = columns[2].select_slider("Top-k", [0, 5, 10, 40, 100, 1000], 40, key="words_top_k", help="0 = every word")
    seed = columns[3].number_input("Seed", 0, 2**31 - 1, 1, key="words_seed")
    if st.button("Write a review", type="primary", key="words_write"):
        steps = list(writer.write(prime, int(length), float(temperature), int(top_k), int(seed)))
        st.session_state["words_result"] = {"prime": prime, "steps": steps}
    result = st.session_state.get("words_result")
    if not result:
        return
    steps = result["steps"]
    st.html(words_html(steps, result["prime"]))
    st.caption("Darker = the model was surer of that word. Hover a word for its probability.")
    if len(steps) > 1:
        position = st.slider("Look at word", 1, len(steps), 1, key="words_position")
    else:
        position = 1
    step = steps[position - 1]
    before = join_words([s.word for s in steps[: position - 1]])
    context = html.escape(f"{result['prime']} {before}".strip()[-120:])
    st.html(f"<p>After <i>…{context}</i> it chose <b>{html.escape(step.word)}</b></p>")
    st.plotly_chart(alternatives_figure(step), key="words_bars")


def render_order_test(writer: WordWriter) -> None:
    """Two wordings, two perplexities: the model has learned which order English uses."""
    st.subheader("Which wording does it find more natural?")
    left, right = st.columns(2)
    limit = f"At most {MAX_SENTENCE_CHARS} characters."
    first = left.text_input("Wording A", PAIR[0], max_chars=MAX_SENTENCE_CHARS, key="words_a", help=limit)
    second = right.text_input("Wording B", PAIR[1], max_chars=MAX_SENTENCE_CHARS, key="words_b", help=limit)
    for column, text in ((left, first), (right, second)):
        try:
            perplexity, count = writer.perplexity(text)
        except ValueError as error:
            column.warning(str(error))
            continue
        column.metric("Perplexity per word", f"{perplexity:,.1f}", help=f"{count} words scored")
    st.caption(
        "Perplexity: as unsure as if choosing among that many equally likely words at each step (lower = more "
        "natural to the model). The same words in another order get another score: this network reads in order. "
        "A bag-of-words model could not tell the two apart."
    )


def render_word_writer() -> None:
    """The section: pick a language model, write, inspect, compare wordings."""
    choices = model_choices("wordlm")
    if not choices:
        st.info("No word language model here: train one with `python -m rnncore train lm`.")
        return
    choice = model_picker(choices, "words_model", label="Language model")
    history = choice.run.info.get("history") or [{}]
    perplexity = history[-1].get("heldout_perplexity")
    if perplexity:
        st.caption(
            f"An LSTM that read IMDB's 75,000 training and unlabelled reviews to predict the next word; held-out "
            f"perplexity {perplexity:,.0f} after {len(history)} epoch(s). Predict's LSTM was fine-tuned from it."
        )
    writer = _load_writer(choice.key, choice)
    render_writing(writer)
    render_order_test(writer)
