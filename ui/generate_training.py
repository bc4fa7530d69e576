"""Generate's "Train a small character model": Shakespeare, IMDB text or the student's own text, trained by a
worker process while a fragment polls its progress; the finished model joins the page's model picker."""

from __future__ import annotations

import math

import streamlit as st

from ui.common import classroom_limits, guarded, job_pool, paused_notice, submit_training, training_off_notice
from ui.job_monitor import job_monitor

MAX_NAME_CHARS = 60  # store names are cut to 60 characters anyway (rnncore.store.safe_name)


def corpus_from_form(max_pasted_chars: int):
    """(corpus key for the config, CharCorpus or None) from the corpus choice; raises clear errors. The paste
    box takes at most `max_pasted_chars` characters (the page sizes it: pages/generate.py)."""
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
        max_chars=max_pasted_chars,
        help=f"At most {max_pasted_chars:,} characters here; upload a .txt file for a longer text. "
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


def job_progress(job_id: int) -> None:
    """Live progress of the session's training job (polls once a second while it runs)."""
    job_monitor([job_id], _progress, stop_key="stop_training", stop_label="Stop training")


def _progress(jobs: list) -> None:
    job = jobs[0]
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


def render_finished_job(job) -> None:
    """What became of the session's last job."""
    if job.status == "failed":
        st.error(f"Training failed: {job.error}", icon="⚠️")
    elif job.saved is not None:
        st.success(f"Saved as **{job.saved.name}** — it is now in the model list above.", icon="✅")
        if st.session_state.get("generate_announced") != job.id:
            st.session_state["generate_announced"] = job.id
            st.session_state["generate_model_next"] = f"{job.saved.name} (class)"
            st.rerun()
    elif job.status == "cancelled":
        st.info("Training was stopped before any epoch finished; nothing was saved.")


def render_training(max_pasted_chars: int) -> None:
    """Train a small character model on Shakespeare, IMDB text or the student's own text (pasted: at most
    `max_pasted_chars` characters)."""
    limits = classroom_limits()
    if training_off_notice("You can still generate with the models above."):
        return
    paused_notice()
    job_id = st.session_state.get("generate_job")
    job = job_pool().get(job_id) if job_id else None
    if job is not None and not job.is_finished:
        job_progress(job.id)
        return
    if job is not None:
        render_finished_job(job)
    corpus_key, make_corpus = corpus_from_form(max_pasted_chars)
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
        # Bad text or data offline (the message names RNNCORE_DATA_DIR): said here, and the form keeps its values.
        guarded(lambda: start_training(corpus_key, make_corpus if corpus_key == "custom" else None, settings, name))
