"""Generate page: a character-level model writes text one character at a time. Students see the text stream
in, the probabilities behind every choice, what temperature does, how good the model is (nats / bits per
character), and can train a small model of their own."""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import streamlit as st

from rnncore.inference.sample import TOP_KEPT
from ui.common import (
    ModelChoice,
    classroom_limits,
    job_pool,
    load_sampler,
    model_choices,
    no_model_message,
    show_error,
    submit_training,
)
from ui.navigation import use_app_navigation

use_app_navigation()  # first: a direct visit after a restart is served through app.py

DEFAULT_PRIME = "ROMEO:"
MAX_LENGTH = 2_000  # a shared server: 2,000 characters is plenty to read in class
STREAM_EVERY = 20  # characters between screen updates while generating
BARS_EVERY = 100  # characters between probability-bar updates (a chart costs more than text)
TOP_BARS = TOP_KEPT  # every alternative a generated step keeps
TEMPERATURES = (0.2, 0.8, 1.2)
COMPARE_LENGTH = 300
MAX_PRIME_CHARS = 2_000  # primed one step at a time: more would only slow the shared server
# Every widget value travels with every rerun of the page (each slider move re-sends the whole paste), so a
# pasted corpus is kept to 500,000 characters; longer texts (up to 5 MB) come as a file upload instead.
MAX_PASTED_CORPUS_CHARS = 500_000
MAX_NAME_CHARS = 60  # store names are cut to 60 characters anyway (rnncore.store.safe_name)
READABLE = {" ": "␣ space", "\n": "⏎ newline", "\t": "⇥ tab", "\r": "↵ return"}


def readable(char: str) -> str:
    """A character as a bar label: whitespace named, control characters shown as escapes."""
    if char in READABLE:
        return READABLE[char]
    return char if char.isprintable() else repr(char)


def distribution_figure(step) -> go.Figure:
    """The most likely next characters of one SampleStep as horizontal bars; the drawn one highlighted (added
    below the others when it was a less likely pick than any of them)."""
    chars, probabilities = list(step.top_chars[:TOP_BARS]), list(step.top_probabilities[:TOP_BARS])
    if step.char not in chars:
        chars.append(step.char)
        probabilities.append(step.probability)
    labels = [html.escape(readable(char)) for char in chars][::-1]  # reversed: the most likely bar on top
    colours = ["#ff7f0e" if char == step.char else "#4b6bfb" for char in chars][::-1]
    figure = go.Figure(
        go.Bar(
            x=probabilities[::-1],
            y=labels,
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_yaxes(type="category")  # keep digits like "1" as categories, not numbers
    figure.update_xaxes(range=[0, 1], tickformat=".0%", title="probability")
    figure.update_layout(height=420, margin={"l": 20, "r": 20, "t": 10, "b": 20})
    return figure


def pick_model(choices: list[ModelChoice]) -> ModelChoice:
    """The model selectbox; defaults to a shipped Shakespeare model, or to a model just trained."""
    labels = [choice.label for choice in choices]
    wanted = st.session_state.pop("generate_select_next", None)
    if wanted in labels:
        st.session_state["generate_model"] = wanted
    default = next((n for n, c in enumerate(choices) if c.source == "shipped" and "shakespeare" in c.run.name), 0)
    if st.session_state.get("generate_model") not in labels:
        st.session_state["generate_model"] = labels[default]  # via state, not index=, so both never clash
    label = st.selectbox("Model", labels, key="generate_model")
    return choices[labels.index(label)] if label in labels else choices[default]


def render_quality(choice: ModelChoice, sampler, prime: str) -> None:
    """Loss in nats and bits per character, with a plain-language reading."""
    metrics = choice.run.metrics
    alphabet = sampler.vocabulary.size
    columns = st.columns(3)
    loss = metrics.get("val_loss_stateful", metrics.get("val_loss"))
    if loss is not None:
        bits = loss / math.log(2)
        columns[0].metric("Validation loss", f"{loss:.3f} nats/char")
        if "val_loss_stateful" in metrics:
            st.caption(
                "Held-out text read in one go with the state carried along, as when generating. Cut into "
                f"{choice.run.config.seq_len}-character windows that each start from a blank state (as in training) "
                f"it is {metrics['val_loss']:.3f}: the first characters of each window are guessed with no context."
            )
        columns[1].metric("Bits per character", f"{bits:.2f}")
        st.caption(
            f"**Reading it:** e^{loss:.2f} ≈ {math.exp(loss):.1f}, so on held-out text the model is as unsure as "
            f"if it were choosing among about **{math.exp(loss):.1f} equally likely characters** "
            f"(guessing blindly among its {alphabet} characters would be {alphabet}; {math.log(alphabet):.2f} nats)."
        )
    else:
        columns[0].caption("This model has no recorded validation loss.")
    if len(prime) >= 2:
        nats = sampler.nats_per_char(prime)
        columns[2].metric(
            "Your priming text",
            f"{nats:.2f} nats/char",
            f"{nats / math.log(2):.2f} bits/char",
            delta_color="off",
            delta_arrow="off",
            help="How surprised the model is by the text you typed.",
        )


def prime_text(sampler) -> str:
    """The priming text box; characters the model never saw are left out (and named)."""
    chars = sampler.vocabulary.chars
    default = DEFAULT_PRIME if all(c in chars for c in DEFAULT_PRIME) else ""
    typed = st.text_area(
        "Start the text with (priming text)",
        value=default,
        height=80,
        max_chars=MAX_PRIME_CHARS,
        key="generate_prime",
        help=f"The model reads this first; its hidden state then carries the 'mood' forward. At most "
        f"{MAX_PRIME_CHARS:,} characters (the model reads them one at a time before it writes).",
    )
    kept, dropped = sampler.vocabulary.keep_known(typed)
    if dropped:
        st.warning(f"This model has never seen these characters, so they were left out: {dropped!r}")
    return kept


def stream_generation(sampler, prime: str, settings: dict, text_slot, bars_slot) -> list:
    """Generate while updating the screen every STREAM_EVERY characters; returns the SampleStep list."""
    steps, generated = [], []
    for n, step in enumerate(sampler.generate(prime, **settings), start=1):
        steps.append(step)
        generated.append(step.char)
        if n % STREAM_EVERY == 0:
            text_slot.code(prime + "".join(generated), language=None, wrap_lines=True)
        if n % BARS_EVERY == 0:
            bars_slot.plotly_chart(distribution_figure(step), key=f"stream_{n}")
    return steps


def render_steps(result: dict) -> None:
    """Probability bars for any generated position (the last one by default)."""
    steps, text = result["steps"], result["text"]
    st.subheader("What the model was choosing from")
    position = st.slider(
        "Generated character",
        1,
        len(steps),
        len(steps),
        key=f"position_{result['id']}",
        help="Slide to any position to see the alternatives the model had at that step.",
    )
    step = steps[position - 1]
    before = result["prime"] + text[: position - 1]
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(distribution_figure(step), key="position_bars")
    with right:
        context = html.escape(before[-120:])
        st.html(
            f'<div style="font-family:monospace;white-space:pre-wrap">…{context}'
            f'<span style="background:#ff7f0e;color:white;padding:0 2px">{html.escape(step.char)}</span></div>'
            f'<p style="font-size:0.85em;color:#666">Picked <b>{html.escape(readable(step.char))}</b> with '
            f"probability {step.probability:.1%}. The orange bar is the character that was drawn.</p>"
        )


def render_temperatures(sampler, prime: str, seed: int, top_k: int) -> None:
    """The same seed at three temperatures, side by side."""
    st.subheader("Temperature side by side")
    st.caption(
        "Same model, same priming text, same seed: only the temperature changes. Low = safe and "
        "repetitive; high = adventurous and misspelled."
    )
    if st.button("Generate at 0.2 / 0.8 / 1.2", key="compare_temperatures"):
        st.session_state["temperature_texts"] = {
            t: "".join(s.char for s in sampler.generate(prime, COMPARE_LENGTH, t, top_k, False, seed))
            for t in TEMPERATURES
        }
    texts = st.session_state.get("temperature_texts")
    if texts:
        for column, (temperature, text) in zip(st.columns(len(texts)), texts.items()):
            column.markdown(f"**temperature {temperature}**")
            column.code(prime + text, language=None, wrap_lines=True)


def render_generator(choice: ModelChoice) -> None:
    """Controls, streaming output and the inspection tools for one model."""
    sampler = load_sampler(choice)
    prime = prime_text(sampler)
    columns = st.columns(5)
    length = columns[0].slider("Length", 10, MAX_LENGTH, 300, 10, key="generate_length")
    temperature = columns[1].slider(
        "Temperature",
        0.05,
        2.0,
        0.8,
        0.05,
        key="generate_temperature",
        help="Divides the logits before softmax: < 1 sharpens, > 1 flattens.",
    )
    top_k = columns[2].number_input(
        "Top-k (0 = off)",
        0,
        sampler.vocabulary.size,
        0,
        key="generate_top_k",
        help="Only the k most likely characters may be drawn.",
    )
    seed = columns[3].number_input(
        "Seed", 0, 2**31 - 1, 1, key="generate_seed", help="The same seed and settings always give the same text."
    )
    greedy = columns[4].toggle("Greedy", key="generate_greedy", help="Always take the most likely character.")
    render_quality(choice, sampler, prime)

    clicked = st.button("Generate", type="primary", key="generate_button")
    text_slot, bars_slot = st.empty(), st.empty()
    if clicked:
        settings = dict(
            length=int(length), temperature=float(temperature), top_k=int(top_k), greedy=greedy, seed=int(seed)
        )
        steps = stream_generation(sampler, prime, settings, text_slot, bars_slot)
        bars_slot.empty()
        st.session_state["generation"] = {
            "id": st.session_state.get("generation", {}).get("id", 0) + 1,
            "model": choice.key,
            "prime": prime,
            "steps": steps,
            "text": "".join(step.char for step in steps),
        }
    result = st.session_state.get("generation")
    if result and result["model"] == choice.key and result["steps"]:
        text_slot.code(result["prime"] + result["text"], language=None, wrap_lines=True)
        render_steps(result)
    render_temperatures(sampler, prime, int(seed), int(top_k))


# --- training a small char model ------------------------------------------------------------------------
def corpus_from_form():
    """(corpus key for the config, CharCorpus or None) from the corpus choice; raises clear errors."""
    from rnncore.data.corpus import MAX_ALPHABET, MIN_CORPUS_CHARS, UNKNOWN_CHAR, decode_user_bytes, text_corpus

    choice = st.radio("Learn from", ["Shakespeare", "IMDB reviews", "My own text"], horizontal=True, key="train_corpus")
    if choice == "Shakespeare":
        return "shakespeare", None
    if choice == "IMDB reviews":
        return "imdb", None
    pasted = st.text_area(
        f"Paste your text (at least {MIN_CORPUS_CHARS} characters)",
        key="train_text",
        height=120,
        max_chars=MAX_PASTED_CORPUS_CHARS,
        help=f"At most {MAX_PASTED_CORPUS_CHARS:,} characters here; upload a .txt file for a longer text. "
        f"Only the {MAX_ALPHABET} most frequent characters are learnt: any rarer one becomes {UNKNOWN_CHAR}.",
    )
    upload = st.file_uploader("… or upload a UTF-8 .txt file (at most 5 MB)", type=["txt"], key="train_file")
    if upload is not None:
        return "custom", lambda: text_corpus(decode_user_bytes(upload.getvalue(), upload.name), upload.name)
    return "custom", lambda: text_corpus(pasted)


def start_training(corpus_key: str, make_corpus, settings: dict, name: str) -> None:
    """Hand the job to a worker process. The student's own text is checked and prepared here (clear errors at
    once); Shakespeare and IMDB are loaded (or downloaded) by the worker, never by the server."""
    from rnncore.config import RunConfig
    from rnncore.data.datasets import prepare_chars

    config = RunConfig(
        task="chars", corpus=corpus_key, embed_dim=32, batch_size=64, learning_rate=0.003, patience=2, **settings
    )
    data = None
    if make_corpus:
        with st.spinner("Preparing the text …"):
            data = prepare_chars(config, make_corpus())
    job = submit_training(
        config,
        label=f"{settings['cell']} on {corpus_key}",
        save_name=name or f"{corpus_key}-{settings['cell']}",
        data=data,
    )
    st.session_state["generate_job"] = job.id
    st.rerun()


@st.fragment(run_every=1.0)
def job_progress(job_id: int) -> None:
    """Live progress of the session's training job (polls once a second while it runs)."""
    job = job_pool().get(job_id)
    if job is None:
        return
    if job.finished_flag:
        st.rerun()  # a full rerun refreshes the model picker and stops this polling
    if job.status == "queued":
        st.info(f"Waiting for the server: position {job.queue_position()} in the queue.", icon="⏳")
    batch = job.last_event("batch")
    epoch = job.last_event("epoch")
    if batch:
        loss = batch.metrics.get("loss")
        st.progress(
            batch.progress,
            text=f"Epoch {batch.epoch}/{batch.epochs} · batch {batch.batch}/{batch.batches}"
            + (f" · loss {loss:.3f} nats/char" if loss is not None else "")
            + f" · about {batch.eta_seconds:.0f} s left",
        )
    elif job.status == "running":
        last = job.last_event()
        st.progress(0.0, text=last.message if last and last.message else "Starting …")
    if epoch and "val_loss" in epoch.metrics:
        st.caption(
            f"After epoch {epoch.epoch}: validation loss {epoch.metrics['val_loss']:.3f} nats/char "
            f"({epoch.metrics['val_loss'] / math.log(2):.2f} bits/char)."
        )
    st.button(
        "Stop training",
        key="stop_training",
        on_click=job.cancel,
        help="Stops after the current batch and keeps the best weights so far.",
    )


def render_finished_job(job) -> None:
    """What became of the session's last job."""
    if job.status == "failed":
        st.error(f"Training failed: {job.error}", icon="⚠️")
    elif job.saved is not None:
        st.success(f"Saved as **{job.saved.name}** — it is now in the model list above.", icon="✅")
        if st.session_state.get("generate_announced") != job.id:
            st.session_state["generate_announced"] = job.id
            st.session_state["generate_select_next"] = f"{job.saved.name} (class)"
            st.rerun()
    elif job.status == "cancelled":
        st.info("Training was stopped before any epoch finished; nothing was saved.")


def render_training() -> None:
    """Train a small character model on Shakespeare, IMDB text or the student's own text."""
    limits = classroom_limits()
    if not limits.training_enabled:
        st.info(
            "Training is switched off on this server by the teacher (RNNCORE_TRAINING=off). "
            "You can still generate with the models above.",
            icon="🔒",
        )
        return
    job_id = st.session_state.get("generate_job")
    job = job_pool().get(job_id) if job_id else None
    if job is not None and not job.finished_flag:
        job_progress(job.id)
        return
    if job is not None:
        render_finished_job(job)
    corpus_key, make_corpus = corpus_from_form()
    columns = st.columns(4)
    cell = columns[0].selectbox("Cell", ["lstm", "gru", "simplernn"], key="train_cell")
    units = columns[1].select_slider("Units", [32, 64, 128, 256], 128, key="train_units")
    max_epochs = min(10, limits.max_epochs)
    epochs = columns[2].slider("Epochs", 1, max_epochs, min(3, max_epochs), key="train_epochs")
    seq_len = columns[3].select_slider(
        "Sequence length",
        [50, 100, 200],
        100,
        key="train_seq_len",
        help="Characters per training window (how far back gradients reach).",
    )
    name = st.text_input(
        "Name for the model",
        value=f"{corpus_key}-{cell}-{units}",
        key="train_name",
        max_chars=MAX_NAME_CHARS,
        help=f"At most {MAX_NAME_CHARS} characters; it is also the model's folder name.",
    )
    st.caption(
        "A few minutes on a shared server. You can keep using the app; the job keeps running if you leave this page."
    )
    if st.button("Start training", key="train_start", type="primary"):
        settings = dict(cell=cell, units=int(units), epochs=int(epochs), seq_len=int(seq_len))
        try:
            start_training(corpus_key, make_corpus if corpus_key == "custom" else None, settings, name)
        except Exception as error:  # bad text, data offline (the message names RNNCORE_DATA_DIR), …
            show_error(error)


def main() -> None:
    """Render the Generate page."""
    st.title("Generate: writing one character at a time")
    st.markdown(
        "A character-level RNN reads text and predicts the **next character**. To write, it draws a "
        "character from that prediction, feeds it back in, and repeats."
    )
    choices = model_choices("chars")
    if choices:
        choice = pick_model(choices)
        try:
            render_generator(choice)
        except Exception as error:  # keep the training section usable even if this model fails
            show_error(error)
    else:
        no_model_message("chars")
    with st.expander("Train a small character model", expanded=not choices):
        render_training()


try:
    main()
except Exception as error:  # no traceback ever reaches a student
    show_error(error)
