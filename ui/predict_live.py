"""Predict's live section, a fragment: the review box and everything computed from it (verdict, word order,
the detail tabs, the model comparison), so that typing reruns only this part of the page."""

from __future__ import annotations

import streamlit as st

from rnncore.inference.predict import MAX_REVIEW_CHARS, Prediction
from rnncore.inference.short_reviews import example_lesson
from ui.common import ModelChoice, guarded, load_predictor
from ui.lesson_links import link_box, update_link
from ui.order_compare import OrderModels, render_order_comparison
from ui.predict_compare import render_comparison
from ui.predict_figures import attribution_html, gauge_html, heatmap_figure, tokens_html, trajectory_figure
from ui.predict_link import predict_link
from ui.predict_review import review_input

MAX_HEATMAP_WORDS = 300
# Word-by-word views re-read the review once per word (O(words²) cell steps, twice for bidirectional
# models): past this budget they wait for a click instead of running on every keystroke.
LIVE_WORK_BUDGET = 45_000
TAB_NAMES = ["Word by word", "Which words mattered", "What the model sees", "Hidden state"]


@st.fragment
def live_section(choice: ModelChoice, choices: list[ModelChoice], order: OrderModels | None, long_mode: bool) -> None:
    """Review box and everything that follows it; a fragment, so typing reruns only this part (with the arguments
    of the page's last full run: the model lists are not re-read from disk per keystroke)."""
    text = review_input(long_mode)
    if not text.strip():
        st.info("Type a review above (or click an example) to see what the model thinks.", icon="✍️")
        return
    # Its own boundary: a keystroke reruns only this fragment, so the page's boundary is not around it then.
    guarded(lambda: render_views(choice, choices, order, text))
    fields = predict_link(choices)
    update_link(fields)  # the address bar always links to this model and review
    link_box(fields)


def render_views(choice: ModelChoice, choices: list[ModelChoice], order: OrderModels | None, text: str) -> None:
    """Verdict, word-order comparison, detail tabs and (when switched on) the model comparison."""
    predictor = load_predictor(choice)
    prediction = render_verdict(predictor, text)
    render_order_comparison(predictor, choice.label, text, prediction.probability, order)
    render_details(predictor, choice.key, text)
    if st.toggle("Compare models on this review", key="compare_all"):
        render_comparison(text, choices)


def render_verdict(predictor, text: str) -> Prediction:
    """Gauge, label and the notes about cut text; returns the prediction shown."""
    prediction = predictor.predict_typed(text)  # read on from the words this review shares with the last one
    left, right = st.columns([2, 3])
    left.html(gauge_html(prediction.probability))
    emoji = "🙂" if prediction.label == "positive" else "🙁"
    right.metric(
        "Verdict",
        f"{emoji} {prediction.label}",
        f"P(positive) = {prediction.probability:.3f}",
        delta_color="off",
        delta_arrow="off",
    )
    confidence = abs(prediction.probability - 0.5) * 2
    right.caption(
        "How sure: "
        + ("very" if confidence > 0.8 else "fairly" if confidence > 0.4 else "not very")
        + f" ({confidence:.0%} of the way from undecided to certain)."
    )
    lesson = example_lesson(text, prediction.probability)  # a model's known blind spot, said as a teaching point
    if lesson:
        right.info(lesson, icon="🎓")
    typed = st.session_state.get("review_typed_chars", len(text))
    if typed > MAX_REVIEW_CHARS:
        right.warning(f"Your review has {typed:,} characters; only the first {MAX_REVIEW_CHARS:,} were read.")
    tokens = predictor.tokens(text)
    cut = sum(token.truncated for token in tokens)
    if cut:
        side = "first" if predictor.config.truncating == "pre" else "last"
        right.info(
            f"The model reads at most {predictor.config.maxlen} words, so the {side} {cut:,} words "
            "were cut (see *What the model sees*).",
            icon="✂️",
        )
    return prediction


@st.cache_data(max_entries=32, show_spinner="Re-reading the review word by word …")
def word_view(model_key: str, text: str, view: str, _predictor) -> tuple:
    """predictor.trajectory / .attribution, cached per model and text (reruns and other users are instant)."""
    return getattr(_predictor, view)(text)


def is_heavy(predictor, text: str, view: str) -> bool:
    """Whether a word-by-word view of this review is too slow to recompute on every keystroke."""
    words = sum(not token.truncated for token in predictor.tokens(text))
    directions = 2 if predictor.config.bidirectional else 1
    if view == "trajectory" and not predictor.config.bidirectional:
        return False  # a forward-only model gives the whole trajectory in one pass
    return words * words * directions > LIVE_WORK_BUDGET


def word_view_on_demand(predictor, model_key: str, text: str, view: str) -> tuple | None:
    """The view at once when cheap; for a long review, after a click (then cached)."""
    if view == "trajectory" and predictor.reads_on:  # the verdict's own reading: nothing to compute or cache
        return predictor.trajectory(text)
    if not is_heavy(predictor, text, view):
        return word_view(model_key, text, view, predictor)
    ready = st.session_state.get(f"confirmed_{view}") == (model_key, hash(text))
    if not ready:
        st.info(
            "This review is long, so this view takes a few seconds: the model re-reads the review once per word.",
            icon="⏱️",
        )
        if st.button("Compute it", key=f"compute_{view}"):
            st.session_state[f"confirmed_{view}"] = (model_key, hash(text))
            ready = True
    return word_view(model_key, text, view, predictor) if ready else None


def render_details(predictor, model_key: str, text: str) -> None:
    """Tabs: trajectory, attribution, tokens, hidden state. Only the open tab is computed: each keystroke
    reruns this fragment, and the views of the closed tabs cost most of a rerun's server CPU
    (BENCHMARKS.md, server_cpu_ms_per_keystroke)."""
    tabs = st.tabs(TAB_NAMES, key="predict_tab", on_change="rerun")
    if tabs[0].open:
        with tabs[0]:
            view = word_view_on_demand(predictor, model_key, text, "trajectory")
            if view is not None and view[0]:
                st.plotly_chart(trajectory_figure([t.text for t in view[0]], view[1]), key="trajectory")
                how = (
                    "A bidirectional model also reads backwards, so each point re-reads the review up to that word."
                    if predictor.config.bidirectional
                    else "The verdict the model would give had the review ended "
                    "at that word. Watch what happens at *not* and *but*."
                )
                st.caption(how)
            elif view is not None:
                st.info("None of these characters form words the model can read.")
    if tabs[1].open:
        with tabs[1]:
            view = word_view_on_demand(predictor, model_key, text, "attribution")
            if view is not None:
                st.html(attribution_html([t.text for t in view[0]], view[1]))
            st.caption(
                "Green words pushed the verdict towards positive, red towards negative: each word is replaced by "
                "<unk> in turn and the change in P(positive) measured (hover for the number)."
            )
    if tabs[2].open:
        with tabs[2]:
            st.html(tokens_html(predictor.tokens(text), predictor.config.maxlen))
            st.caption(
                "Lower-case words without punctuation (only ! and ? are kept). Words outside the "
                f"{predictor.vocabulary.size:,}-entry vocabulary all become the same <unk> token."
            )
    if tabs[3].open:
        with tabs[3]:
            tokens, internals = predictor.internals(text)
            hidden = internals.hidden[-1][0][-MAX_HEATMAP_WORDS:]
            words = [t.text for t in tokens][-MAX_HEATMAP_WORDS:] or ["<unk>"]
            st.plotly_chart(heatmap_figure(words, hidden, predictor.config.bidirectional), key="heatmap")
            st.caption(
                "Each column is the hidden state (last layer) after reading that word, each row one unit. "
                "Units that change colour at *not* or *but* are tracking something useful."
            )
