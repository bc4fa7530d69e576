"""Train page, settings: presets, the form with every RunConfig setting, classroom caps and the
size/time estimate shown before a job starts."""

from __future__ import annotations

import time

import streamlit as st

from rnncore.architecture import CELL_CLASS, count_parameters
from rnncore.config import CHARS_ONLY, IMDB_TRAIN_REVIEWS, MAX_COOCCURRENCE_VOCAB, RunConfig
from rnncore.jobs.bounds import estimate_seconds
from rnncore.presets import BY_LABEL, PRESETS
from rnncore.settings import described
from ui.common import ClassroomLimits, jobs_at_once, model_choices
from ui.settings_widgets import choices_of, help_of, number_input_for, typed

NOT_ON_FORM = ("task", "sentence_crops", "counterfactuals", *CHARS_ONLY)  # CLI-only or not sentiment settings
SETTINGS = [item.name for item in described(RunConfig) if item.name not in NOT_ON_FORM]
FIELDS = [*SETTINGS, "name"]  # the settings and the run name
EMBEDDING_INIT_LABELS = {"random": "random numbers", "cooccurrence": "word vectors (unlabelled reviews)"}


def preset_values(label: str) -> dict:
    """The form's values for the preset shown as `label`: its settings and its name as the run name."""
    preset = BY_LABEL[label]
    values = preset.values()
    return {**{field: values[field] for field in SETTINGS}, "name": preset.name}


def _key(field: str) -> str:
    return f"tr_{field}"


def apply_preset() -> None:
    """Callback of the preset selectbox: write the preset's values into the form's widget state."""
    for field, value in preset_values(st.session_state["tr_preset"]).items():
        st.session_state[_key(field)] = value


def init_state() -> None:
    """Give every form widget a value before the form renders: the value from the last visit (widget state
    is dropped when the user leaves the page, so a copy is kept) or the Quick preset."""
    first = preset_values(PRESETS[0].label)
    for field in FIELDS:
        if _key(field) not in st.session_state:
            st.session_state[_key(field)] = st.session_state.get(f"_kept_{field}", first[field])


def keep_state() -> None:
    """Copy the form values into non-widget keys so they survive a visit to another page."""
    for field in FIELDS:
        st.session_state[f"_kept_{field}"] = st.session_state[_key(field)]


def settings_form(limits: ClassroomLimits) -> tuple[str | None, dict]:
    """Render presets + form. Returns (action, values): action is "start", "check" or None (no button)."""
    labels = [preset.label for preset in PRESETS]
    st.selectbox("Preset", labels, key="tr_preset", on_change=apply_preset, help="Fills in the form below.")
    init_state()
    with st.form("train_settings"):
        st.markdown("**Model**")
        c = st.columns(4)
        c[0].selectbox("Cell", choices_of(RunConfig, "cell"), format_func=CELL_CLASS.get, key=_key("cell"))
        number_input_for(c[1], RunConfig, "units", "Units", key=_key("units"))
        number_input_for(c[2], RunConfig, "layers", "Layers", key=_key("layers"))
        c[3].checkbox("Bidirectional", key=_key("bidirectional"), help=help_of(RunConfig, "bidirectional"))
        c = st.columns(4)
        number_input_for(c[0], RunConfig, "embed_dim", "Embedding dim", key=_key("embed_dim"))
        c[1].selectbox(
            "Head (pooling)", choices_of(RunConfig, "pooling"), key=_key("pooling"), help=help_of(RunConfig, "pooling")
        )
        number_input_for(c[2], RunConfig, "dropout", "Dropout", key=_key("dropout"))
        c[3].checkbox("Mask padding", key=_key("mask_padding"), help=help_of(RunConfig, "mask_padding"))
        c = st.columns(2)
        number_input_for(c[0], RunConfig, "embedding_dropout", "Embedding dropout", key=_key("embedding_dropout"))
        c[1].selectbox(
            "Embedding starts from",
            choices_of(RunConfig, "embedding_init"),
            format_func=EMBEDDING_INIT_LABELS.get,
            key=_key("embedding_init"),
            help="Word vectors are counted once (about 30 s) in the 75,000 training + unlabelled reviews: words "
            f"used in similar contexts start close together. Needs a vocabulary of at most {MAX_COOCCURRENCE_VOCAB:,}.",
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
        number_input_for(c[0], RunConfig, "vocab_size", "Vocabulary size", key=_key("vocab_size"))
        number_input_for(c[1], RunConfig, "maxlen", "Max length (words)", key=_key("maxlen"))
        sides = choices_of(RunConfig, "truncating")
        c[2].radio("Truncating", sides, horizontal=True, key=_key("truncating"), help="pre = cut the beginning")
        c[3].radio("Padding", choices_of(RunConfig, "padding"), horizontal=True, key=_key("padding"))
        c = st.columns(4)
        number_input_for(c[0], RunConfig, "limit", "Training reviews (0 = all)", key=_key("limit"))
        number_input_for(c[1], RunConfig, "validation_fraction", "Validation fraction", key=_key("validation_fraction"))
        number_input_for(c[2], RunConfig, "seed", "Seed", key=_key("seed"))
        st.markdown("**Training**")
        c = st.columns(4)
        c[0].selectbox("Optimizer", choices_of(RunConfig, "optimizer"), key=_key("optimizer"))
        number_input_for(c[1], RunConfig, "learning_rate", "Learning rate", format="%.4f", key=_key("learning_rate"))
        number_input_for(c[2], RunConfig, "batch_size", "Batch size", key=_key("batch_size"))
        number_input_for(c[3], RunConfig, "epochs", "Epochs", key=_key("epochs"))
        c = st.columns(4)
        number_input_for(c[0], RunConfig, "patience", "Early-stopping patience (0 = off)", key=_key("patience"))
        number_input_for(c[1], RunConfig, "clipnorm", "Clip gradient norm (0 = off)", key=_key("clipnorm"))
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
    settings = typed(RunConfig, {k: v for k, v in values.items() if k != "name"})
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
