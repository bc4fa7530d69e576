"""Predict page: type a review and watch a sentiment model's verdict change word by word, see which words
mattered and what the model actually reads, compare models, look at the hidden state, or score a batch.

Every word shown as HTML is html.escape()d: review text is user input and must never run in a browser."""

from __future__ import annotations

import html
import io

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from st_keyup import st_keyup

from rnncore.data.corpus import decode_user_bytes
from rnncore.errors import RnncoreError
from rnncore.inference.predict import MAX_REVIEW_CHARS
from rnncore.inference.short_reviews import example_lesson
from ui.common import ModelChoice, load_predictor, model_choices, no_model_message, show_error
from ui.navigation import use_app_navigation
from ui.order_compare import render_order_comparison

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
MAX_BATCH_ROWS = 2_000  # one shared 2-core server: bigger batches belong in `python -m rnncore predict`
# The pasted batch is re-sent with every rerun of the page (each keystroke in the review box): about 300 long
# reviews. A CSV upload (up to server.maxUploadSize) is sent once.
MAX_BATCH_PASTE_CHARS = 500_000
MAX_SHOWN_CUT_WORDS = 60  # truncated words listed on screen (a 1 MB paste has ~200,000 of them)
MAX_HEATMAP_WORDS = 300
REVIEW_LIMIT = (
    f"At most {MAX_REVIEW_CHARS:,} characters in the box; the model itself reads only its last (or first) "
    "few hundred words."
)
# Word-by-word views re-read the review once per word (O(words²) cell steps, twice for bidirectional
# models): past this budget they wait for a click instead of running on every keystroke.
LIVE_WORK_BUDGET = 45_000
MAX_COMPARED_CLASS_MODELS = 8  # besides the shipped ones; each is loaded (and cached) when compared


# --- review state: one session_state string, whichever input box is showing -------------------------
def _init_state() -> None:
    """Seed the review text and the input-widget generation counter."""
    st.session_state.setdefault("review_text", EXAMPLES["hate it → wonderful"])
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
    st.session_state["review_text"] = text or ""
    return st.session_state["review_text"]


# --- figures and HTML ---------------------------------------------------------------------------------
def gauge_figure(probability: float) -> go.Figure:
    """A 0–100 % gauge of P(positive) with the 50 % decision line."""
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=probability * 100,
            number={"suffix": "%", "valueformat": ".1f"},
            title={"text": "P(positive)"},
            gauge={
                "axis": {"range": [0, 100]},
                "bar": {"color": "#2e7d32" if probability >= 0.5 else "#c62828"},
                "steps": [{"range": [0, 50], "color": "#fdecea"}, {"range": [50, 100], "color": "#e8f5e9"}],
                "threshold": {"line": {"color": "black", "width": 3}, "value": 50},
            },
        ),
        layout={"height": 240, "margin": {"l": 30, "r": 40, "t": 50, "b": 10}},
    )
    return figure


def trajectory_figure(words: list[str], probabilities: np.ndarray) -> go.Figure:
    """P(positive) after each word, with the words on hover (and as ticks when there are few). Built in one
    constructor call: every add_*/update_* call re-validates the figure, which cost more server CPU per
    keystroke than the model itself."""
    steps = list(range(1, len(words) + 1))
    safe = [html.escape(word) for word in words]  # plotly renders a subset of HTML in labels
    few = len(words) <= 40
    line = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5}
    label = {"xref": "paper", "x": 1, "y": 0.5, "text": "undecided (0.5)", "showarrow": False, "yanchor": "bottom"}
    layout = {
        "height": 320,
        "margin": {"l": 20, "r": 20, "t": 20, "b": 20},
        "yaxis": {"range": [0, 1], "title": {"text": "P(positive)"}},
        "xaxis": {"tickvals": steps, "ticktext": safe, "tickangle": -45} if few else {"title": {"text": "word number"}},
        "shapes": [{**line, "line": {"dash": "dash", "color": "grey"}}],
        "annotations": [label],
    }
    trace = {
        "type": "scatter",
        "x": steps,
        "y": probabilities,
        "mode": "lines+markers",
        "customdata": safe,
        "connectgaps": True,
        "hovertemplate": "after “%{customdata}”<br>P(positive) = %{y:.2f}<extra></extra>",
    }
    return go.Figure(data=[trace], layout=layout)


def attribution_html(words: list[str], deltas: np.ndarray) -> str:
    """Words tinted green (pushed towards positive) or red (towards negative); every word escaped."""
    scale = float(np.abs(deltas).max()) if len(deltas) else 0.0
    spans = []
    for word, delta in zip(words, deltas):
        strength = abs(float(delta)) / scale if scale > 0 else 0.0
        colour = "46,125,50" if delta >= 0 else "198,40,40"
        spans.append(
            f'<span title="{float(delta):+.3f}" style="background: rgba({colour},{0.08 + 0.6 * strength:.2f}); '
            f'padding: 2px 4px; margin: 2px; border-radius: 4px; display: inline-block">{html.escape(word)}</span>'
        )
    return f'<div style="line-height: 2.2">{"".join(spans)}</div>'


def tokens_html(tokens: list, maxlen: int) -> str:
    """Chips for the tokens the model sees: unknown words marked, truncated words greyed and struck out."""
    kept = [token for token in tokens if not token.truncated]
    cut = [token for token in tokens if token.truncated]
    shown_cut = cut[:MAX_SHOWN_CUT_WORDS]

    def chip(token) -> str:
        word = html.escape(token.text)
        if token.truncated:
            return f'<span style="color:#999;text-decoration:line-through;margin:2px">{word}</span>'
        if token.oov:
            return (
                f'<span title="not in the vocabulary: the model sees &lt;unk&gt;" style="background:#fff3cd;'
                f'border:1px dashed #c90;padding:1px 4px;margin:2px;border-radius:4px;display:inline-block">'
                f"{word} → &lt;unk&gt;</span>"
            )
        return (
            f'<span title="id {token.token_id}" style="background:#eef2ff;padding:1px 4px;margin:2px;'
            f'border-radius:4px;display:inline-block">{word}</span>'
        )

    before = tokens and tokens[0].truncated  # 'pre' truncation cuts the start, 'post' the end
    cut_part = " ".join(chip(token) for token in shown_cut)
    if len(cut) > len(shown_cut):
        cut_part += f' <span style="color:#999">… and {len(cut) - len(shown_cut):,} more cut</span>'
    kept_part = " ".join(chip(token) for token in kept)
    parts = [cut_part, kept_part] if before else [kept_part, cut_part]
    legend = (
        f'<div style="font-size:0.8em;color:#666">{len(kept)} of at most {maxlen} words read · '
        f"{sum(t.oov for t in kept)} unknown · {len(cut):,} cut off</div>"
    )
    return f'<div style="line-height:2">{" ".join(p for p in parts if p)}</div>{legend}'


def heatmap_figure(words: list[str], hidden: np.ndarray, bidirectional: bool) -> go.Figure:
    """Hidden state of the last layer: one row per unit, one column per word."""
    units = hidden.shape[1]
    half = units // 2
    names = (
        [f"→ {n}" for n in range(half)] + [f"← {n}" for n in range(half)]
        if bidirectional
        else [f"unit {n}" for n in range(units)]
    )
    safe = [html.escape(word) for word in words]
    figure = go.Figure(
        go.Heatmap(
            z=hidden.T,
            x=list(range(1, len(words) + 1)),
            y=names,
            customdata=[safe] * units,
            colorscale="RdBu",
            zmid=0,
            colorbar={"title": "value"},
            hovertemplate="%{y} after “%{customdata}”: %{z:.2f}<extra></extra>",
        )
    )
    if len(words) <= 40:
        figure.update_xaxes(tickvals=list(range(1, len(words) + 1)), ticktext=safe, tickangle=-45)
    figure.update_layout(height=min(900, 120 + 8 * units), margin={"l": 20, "r": 20, "t": 20, "b": 20})
    return figure


# --- page sections ------------------------------------------------------------------------------------
def render_verdict(predictor, text: str) -> None:
    """Gauge, label and the notes about cut text."""
    prediction = predictor.predict(text)
    left, right = st.columns([2, 3])
    left.plotly_chart(gauge_figure(prediction.probability), key="gauge")
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
    if len(text) > MAX_REVIEW_CHARS:
        right.warning(f"Your review has {len(text):,} characters; only the first {MAX_REVIEW_CHARS:,} were read.")
    tokens = predictor.tokens(text)
    cut = sum(token.truncated for token in tokens)
    if cut:
        side = "first" if predictor.config.truncating == "pre" else "last"
        right.info(
            f"The model reads at most {predictor.config.maxlen} words, so the {side} {cut:,} words "
            "were cut (see *What the model sees*).",
            icon="✂️",
        )


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


TAB_NAMES = ["Word by word", "Which words mattered", "What the model sees", "Hidden state"]


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


def comparison_models(choices: list[ModelChoice]) -> list[ModelChoice]:
    """The models to compare: every shipped one plus the class models the student picks (the class store can
    hold dozens, and loading each is a file read and a warm-up on a shared server)."""
    shipped = [choice for choice in choices if choice.source == "shipped"]
    by_label = {choice.label: choice for choice in choices if choice.source != "shipped"}
    picked = []
    if by_label:
        picked = st.multiselect(
            "Class models to include",
            list(by_label),
            key="compare_class_models",
            max_selections=MAX_COMPARED_CLASS_MODELS,
            help=f"The shipped models are always compared; add up to {MAX_COMPARED_CLASS_MODELS} class models.",
        )
    return shipped + [by_label[label] for label in picked if label in by_label]


def comparison_rows(text: str, models: list[ModelChoice]) -> list[dict]:
    """Each model's probability for the review; a model that cannot load gets its reason instead."""
    rows = []
    for choice in models:
        try:
            probability = load_predictor(choice).predict(text).probability
            rows.append(
                {
                    "model": choice.label,
                    "P(positive)": round(probability, 4),
                    "verdict": "positive" if probability >= 0.5 else "negative",
                }
            )
        except Exception as error:  # one broken model must not hide the others
            rows.append({"model": choice.label, "P(positive)": None, "verdict": f"could not load: {error}"})
    return rows


def render_comparison(text: str, choices: list[ModelChoice]) -> None:
    """The chosen sentiment models' probabilities for the same review, computed when the button is clicked
    (this section sits in the typing fragment: running it on every keystroke would load every model each time)."""
    models = comparison_models(choices)
    request = (hash(text), tuple(choice.key for choice in models))
    if st.button(f"Compare {len(models)} models on this review", key="compare_run", disabled=not models):
        with st.spinner("Asking each model …"):
            st.session_state["compare_result"] = (request, comparison_rows(text, models))
    stored = st.session_state.get("compare_result")
    if stored is None:
        st.caption("Press the button to see what each model thinks of the review above.")
        return
    if stored[0] != request:
        st.caption("The review or the models changed since the last comparison: press the button to update it.")
    table = pd.DataFrame(stored[1])
    st.dataframe(table, hide_index=True)
    usable = table.dropna(subset=["P(positive)"])
    figure = go.Figure(
        go.Bar(
            x=usable["P(positive)"],
            y=[html.escape(m) for m in usable["model"]],
            orientation="h",
            marker_color=["#2e7d32" if p >= 0.5 else "#c62828" for p in usable["P(positive)"]],
        )
    )
    figure.add_vline(x=0.5, line_dash="dash", line_color="grey")
    figure.update_xaxes(range=[0, 1], title="P(positive)")
    figure.update_layout(height=100 + 40 * len(usable), margin={"l": 20, "r": 20, "t": 20, "b": 20})
    st.plotly_chart(figure, key="compare_chart")


def review_controls() -> bool:
    """Example buttons and the long-review switch. Outside the typing fragment: they change the review box
    itself (a full rerun), and every element left out of the fragment is server CPU saved per keystroke."""
    st.write("Try an example:")
    columns = st.columns(len(EXAMPLES))
    for column, (label, example) in zip(columns, EXAMPLES.items()):
        column.button(label, key=f"example_{label}", on_click=set_review, args=(example,))
    return st.toggle(
        "Long review (plain text box, press Ctrl+Enter to update)",
        key="predict_long",
        on_change=lambda: set_review(st.session_state["review_text"]),
        help=REVIEW_LIMIT,
    )


@st.fragment
def live_section(choice: ModelChoice, choices: list[ModelChoice], long_mode: bool) -> None:
    """Review box and everything that follows it; a fragment, so typing reruns only this part."""
    text = review_input(long_mode)
    if not text.strip():
        st.info("Type a review above (or click an example) to see what the model thinks.", icon="✍️")
        return
    try:
        predictor = load_predictor(choice)
        render_verdict(predictor, text)
        render_order_comparison(predictor, choice.label, text)
        render_details(predictor, choice.key, text)
        if st.toggle("Compare models on this review", key="compare_all"):
            render_comparison(text, choices)
    except Exception as error:
        show_error(error)


# --- batch mode -----------------------------------------------------------------------------------------
def parse_batch_csv(data: bytes, name: str = "the CSV file") -> list[str]:
    """Reviews from the 'text' column of an uploaded CSV; clear errors for anything else."""
    content = decode_user_bytes(data, name)
    try:
        frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise RnncoreError(f"{name} could not be read as CSV: {error}") from error
    columns = {str(column).strip().lower(): column for column in frame.columns}
    if "text" not in columns:
        found = ", ".join(repr(str(column)) for column in frame.columns) or "none"
        raise RnncoreError(
            f"{name} has no 'text' column (columns found: {found}). Put one review per row in a column named text."
        )
    return [value for value in frame[columns["text"]].astype(str) if value.strip()]


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


def render_batch(choice: ModelChoice) -> None:
    """Score many reviews at once and offer the results as CSV."""
    try:
        texts = batch_inputs()
    except RnncoreError as error:
        show_error(error)
        return
    if not texts:
        st.caption("Paste reviews or upload a CSV to score them all at once.")
        return
    if len(texts) > MAX_BATCH_ROWS:
        st.warning(
            f"{len(texts):,} reviews given; only the first {MAX_BATCH_ROWS:,} are scored here "
            "(use `python -m rnncore predict` for more)."
        )
        texts = texts[:MAX_BATCH_ROWS]
    if st.button(f"Predict all {len(texts):,}", key="batch_run", type="primary"):
        with st.spinner("Scoring …"):
            predictions = load_predictor(choice).predict_batch(texts)
        st.session_state["batch_result"] = pd.DataFrame(
            {
                "text": texts,
                "probability": [round(p.probability, 4) for p in predictions],
                "label": [p.label for p in predictions],
            }
        )
    result = st.session_state.get("batch_result")
    if result is not None:
        st.dataframe(result, hide_index=True)
        st.download_button(
            "Download CSV",
            result.to_csv(index=False).encode("utf-8"),
            "predictions.csv",
            "text/csv",
            key="batch_download",
            on_click="ignore",
        )


def main() -> None:
    """Render the Predict page."""
    st.title("Predict: what does the model think of a review?")
    choices = model_choices("sentiment")
    if not choices:
        no_model_message("sentiment")
        return
    _init_state()
    labels = [choice.label for choice in choices]
    label = st.selectbox(
        "Model",
        labels,
        key="predict_model",
        help="Shipped models come with the app; class models were trained on the Train page.",
    )
    choice = choices[labels.index(label)] if label in labels else choices[0]
    config = choice.run.info.get("config", {})
    st.caption(
        f"{'Bidirectional ' if config.get('bidirectional') else ''}{str(config.get('cell', '')).upper()}, "
        f"{config.get('units', '?')} units, reads at most {config.get('maxlen', '?')} words."
    )
    live_section(choice, choices, review_controls())
    with st.expander("Many reviews at once (batch mode)"):
        render_batch(choice)


try:
    main()
except Exception as error:  # no traceback ever reaches a student
    show_error(error)
