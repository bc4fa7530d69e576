"""Train page, settings: presets, the form with every RunConfig setting, classroom caps and the
size/time estimate shown before a job starts."""

from __future__ import annotations

import time

import streamlit as st

from rnncore.architecture import CELL_CLASS, count_parameters
from rnncore.config import CELLS, EMBEDDING_INITS, OPTIMIZERS, POOLINGS, SIDES, RunConfig
from rnncore.presets import PRESETS as RECIPES
from rnncore.teach import estimate_seconds
from ui.common import ClassroomLimits, jobs_at_once, model_choices

IMDB_TRAIN_REVIEWS = 25_000
RUN_NAMES = ("quick-gru32", "notebook-simplernn32", "best-bigru64", "lm-lstm256", "scratch-lstm256")
# The recipes live in rnncore.presets (the benchmarks use them too); the form adds a run name.
PRESETS = {
    label: {**{k: v for k, v in recipe.items() if k != "task"}, "name": name}
    for (label, recipe), name in zip(RECIPES.items(), RUN_NAMES, strict=True)
}
BASE = next(iter(PRESETS.values()))
FIELDS = list(BASE)
EMBEDDING_INIT_LABELS = {"random": "random numbers", "cooccurrence": "word vectors (unlabelled reviews)"}


def _key(field: str) -> str:
    return f"tr_{field}"


def apply_preset() -> None:
    """Callback of the preset selectbox: write the preset's values into the form's widget state."""
    for field, value in PRESETS[st.session_state["tr_preset"]].items():
        st.session_state[_key(field)] = value


def init_state() -> None:
    """Give every form widget a value before the form renders: the value from the last visit (widget state
    is dropped when the user leaves the page, so a copy is kept) or the Quick preset."""
    first = PRESETS[next(iter(PRESETS))]
    for field in FIELDS:
        if _key(field) not in st.session_state:
            st.session_state[_key(field)] = st.session_state.get(f"_kept_{field}", first[field])


def keep_state() -> None:
    """Copy the form values into non-widget keys so they survive a visit to another page."""
    for field in FIELDS:
        st.session_state[f"_kept_{field}"] = st.session_state[_key(field)]


def settings_form(limits: ClassroomLimits) -> tuple[str | None, dict]:
    """Render presets + form. Returns (action, values): action is "start", "check" or None (no button)."""
    st.selectbox("Preset", list(PRESETS), key="tr_preset", on_change=apply_preset, help="Fills in the form below.")
    init_state()
    with st.form("train_settings"):
        st.markdown("**Model**")
        c = st.columns(4)
        c[0].selectbox("Cell", CELLS, format_func=CELL_CLASS.get, key=_key("cell"))
        c[1].number_input("Units", 1, 1024, key=_key("units"))
        c[2].number_input("Layers", 1, 4, key=_key("layers"))
        c[3].checkbox("Bidirectional", key=_key("bidirectional"))
        c = st.columns(4)
        c[0].number_input("Embedding dim", 1, 1024, key=_key("embed_dim"))
        c[1].selectbox("Head (pooling)", POOLINGS, key=_key("pooling"), help="last state, or max/mean over time")
        c[2].number_input("Dropout", 0.0, 0.9, step=0.05, key=_key("dropout"))
        c[3].checkbox("Mask padding", key=_key("mask_padding"), help="Embedding(mask_zero=True)")
        c = st.columns(2)
        c[0].number_input(
            "Embedding dropout", 0.0, 0.9, step=0.05, key=_key("embedding_dropout"), help="SpatialDropout1D"
        )
        c[1].selectbox(
            "Embedding starts from",
            EMBEDDING_INITS,
            format_func=EMBEDDING_INIT_LABELS.get,
            key=_key("embedding_init"),
            help="Word vectors are counted once (about 30 s) in the 75,000 training + unlabelled reviews: words "
            "used in similar contexts start close together. Needs a vocabulary of at most 20,000.",
        )
        language_models = ["", *(choice.run.name for choice in model_choices("wordlm"))]
        if st.session_state[_key("language_model")] not in language_models:
            st.session_state[_key("language_model")] = ""  # that language model is not on this server
        st.selectbox(
            "Start from a pretrained language model",
            language_models,
            format_func=lambda name: name or "no (random start)",
            key=_key("language_model"),
            help="Transfer learning: the Embedding and LSTM start from a word language model pretrained on IMDB's "
            "75,000 training + unlabelled reviews. Needs an LSTM of one layer, not bidirectional, with the language "
            "model's vocabulary size, embedding dim and units (the preset sets them).",
        )
        st.markdown("**Data**")
        c = st.columns(4)
        c[0].number_input("Vocabulary size", 3, 100_000, step=1000, key=_key("vocab_size"))
        c[1].number_input("Max length (words)", 1, 5_000, step=50, key=_key("maxlen"))
        c[2].radio("Truncating", SIDES, horizontal=True, key=_key("truncating"), help="pre = cut the beginning")
        c[3].radio("Padding", SIDES, horizontal=True, key=_key("padding"))
        c = st.columns(4)
        c[0].number_input("Training reviews (0 = all)", 0, IMDB_TRAIN_REVIEWS, step=1000, key=_key("limit"))
        c[1].number_input("Validation fraction", 0.01, 0.49, step=0.05, key=_key("validation_fraction"))
        c[2].number_input("Seed", 0, 2**31 - 1, key=_key("seed"))
        st.markdown("**Training**")
        c = st.columns(4)
        c[0].selectbox("Optimizer", OPTIMIZERS, key=_key("optimizer"))
        c[1].number_input("Learning rate", 1e-5, 1.0, step=0.0005, format="%.4f", key=_key("learning_rate"))
        c[2].number_input("Batch size", 1, 4096, key=_key("batch_size"))
        c[3].number_input("Epochs", 1, 1000, key=_key("epochs"))
        c = st.columns(4)
        c[0].number_input("Early-stopping patience (0 = off)", 0, 1000, key=_key("patience"))
        c[1].number_input("Clip gradient norm (0 = off)", 0.0, 1000.0, step=0.5, key=_key("clipnorm"))
        c[2].text_input("Run name", key=_key("name"), max_chars=60)
        buttons = st.columns([1, 1, 3])
        check = buttons[0].form_submit_button("Check size & time", key="tr_check")
        start = buttons[1].form_submit_button("Start training", type="primary", key="tr_start")
    keep_state()
    values = {field: st.session_state[_key(field)] for field in FIELDS}
    return ("start" if start else "check" if check else None), values


def build_config(values: dict, limits: ClassroomLimits) -> tuple[RunConfig, list[str]]:
    """A validated RunConfig from form values, capped to the classroom limits (with a note per cap).
    Raises ValueError with a readable message for invalid settings."""
    settings = {k: v for k, v in values.items() if k != "name"}
    for field in (
        "units",
        "layers",
        "embed_dim",
        "vocab_size",
        "maxlen",
        "batch_size",
        "epochs",
        "limit",
        "seed",
        "patience",
    ):
        settings[field] = int(settings[field])
    for field in ("dropout", "embedding_dropout", "learning_rate", "validation_fraction", "clipnorm"):
        settings[field] = float(settings[field])
    notes = []
    if settings["epochs"] > limits.max_epochs:
        notes.append(f"Epochs capped at {limits.max_epochs} (classroom limit).")
        settings["epochs"] = limits.max_epochs
    if limits.max_train_reviews < IMDB_TRAIN_REVIEWS and (
        settings["limit"] == 0 or settings["limit"] > limits.max_train_reviews
    ):
        notes.append(f"Training reviews capped at {limits.max_train_reviews:,} (classroom limit).")
        settings["limit"] = limits.max_train_reviews
    return RunConfig(task="sentiment", **settings), notes


def run_name(values: dict, config: RunConfig) -> str:
    """The user's run name, or a descriptive default."""
    name = str(values.get("name") or "").strip()
    return name or f"{'bi' if config.bidirectional else ''}{config.cell}{config.units}-{time.strftime('%H%M%S')}"


def show_estimate(config: RunConfig) -> None:
    """Parameter count (no TensorFlow) and a labelled rough time estimate."""
    examples = int((config.limit or IMDB_TRAIN_REVIEWS) * (1 - config.validation_fraction))
    seconds = estimate_seconds(config, examples)
    c = st.columns(3)
    c[0].metric("Parameters", f"{count_parameters(config, config.vocab_size):,}")
    c[1].metric("Training reviews", f"{examples:,}")
    c[2].metric("Estimated time", _duration(seconds))
    st.caption(
        "Estimate = epochs × batches × maxlen × layers × directions × (per-step overhead + batch × cell cost × "
        "units × (input + units) FLOPs ÷ CPU speed); cell cost SimpleRNN 1, GRU 3, LSTM 4. Only a guide: "
        f"the real time depends on the server and on other students' jobs (they run {jobs_at_once()})."
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"≈ {max(1, round(seconds))} s"
    if seconds < 5400:
        return f"≈ {round(seconds / 60)} min"
    return f"≈ {seconds / 3600:.1f} h"
