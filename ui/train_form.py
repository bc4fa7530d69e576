"""Train page, settings: presets, the form with every RunConfig setting, classroom caps and the
size/time estimate shown before a job starts."""

from __future__ import annotations

import time

import streamlit as st

from rnncore.architecture import CELL_CLASS, count_parameters
from rnncore.config import IMDB_TRAIN_REVIEWS, MAX_COOCCURRENCE_VOCAB, RunConfig
from rnncore.jobs.bounds import estimate_seconds
from rnncore.presets import PRESETS
from ui.common import ClassroomLimits, jobs_at_once, model_choices
from ui.lesson_links import control, link_box, open_link, update_link
from ui.settings_widgets import choices_of, help_of, number_input_for, typed
from ui.train_link import BY_PARAM, LINK, PRESET, SETTINGS, apply_preset, key, preset_values

FIELDS = [*SETTINGS, "name"]  # the settings and the run name
EMBEDDING_INIT_LABELS = {"random": "random numbers", "cooccurrence": "word vectors (unlabelled reviews)"}
LINK_CHECKED = "_train_link_checked"
EMBEDDING_INIT_HELP = (
    "Word vectors are counted once (about 30 s) in the 75,000 training + unlabelled reviews: words used in similar "
    f"contexts start close together. Needs a vocabulary of at most {MAX_COOCCURRENCE_VOCAB:,}."
)
LANGUAGE_MODEL_HELP = (
    "Transfer learning: the Embedding and LSTM start from a word language model pretrained on IMDB's 75,000 "
    "training + unlabelled reviews. Needs an LSTM of one layer, not bidirectional, with the language model's "
    "vocabulary size, embedding dim and units (the preset sets them)."
)


def init_state() -> None:
    """Give every form widget a value before the form renders: the value from the last visit (widget state
    is dropped when the user leaves the page, so a copy is kept) or the Quick preset."""
    first = preset_values(PRESETS[0].label)
    for field in FIELDS:
        if key(field) not in st.session_state:
            st.session_state[key(field)] = st.session_state.get(f"_kept_{field}", first[field])


def keep_state() -> None:
    """Copy the form values into non-widget keys so they survive a visit to another page."""
    for field in FIELDS:
        st.session_state[f"_kept_{field}"] = st.session_state[key(field)]


def open_train_link(limits: ClassroomLimits) -> None:
    """On the first visit, set the form from a lesson link (its preset, then the settings it changes) and show a
    note for each value not used; settings each valid but not together fall back to the preset's, with a note."""
    for note in open_link("train", LINK):
        st.caption(f"⚠️ {note}")
    if st.session_state.get(LINK_CHECKED):
        return
    st.session_state[LINK_CHECKED] = True
    if not any(field.param in st.query_params for field in LINK):
        return
    init_state()
    try:
        build_config({field: st.session_state[key(field)] for field in FIELDS}, limits)
    except ValueError as error:
        st.session_state.setdefault(PRESET.widget_key(), PRESETS[0].label)
        apply_preset()
        st.caption(f"⚠️ The link's settings do not go together ({error}); the preset's settings are shown.")


def settings_form(limits: ClassroomLimits) -> tuple[str | None, dict]:
    """Render presets + form, set from a lesson link when the page was opened with one (the address bar follows
    the form). Returns (action, values): action is "start", "check" or None (no button)."""
    open_train_link(limits)
    labels = [preset.label for preset in PRESETS]
    control(
        PRESET,
        lambda: st.selectbox(
            "Preset", labels, key=PRESET.widget_key(), on_change=apply_preset, help="Fills in the form below."
        ),
    )
    init_state()
    shown: dict = {}  # each setting's value: its widget's, or the link's for a control the link locks

    def put(name: str, render) -> None:
        shown[name] = control(BY_PARAM[name], render)

    def number(container, name: str, label: str, **options) -> None:
        put(name, lambda: number_input_for(container, RunConfig, name, label, key=key(name), **options))

    with st.form("train_settings"):
        st.markdown("**Model**")
        c = st.columns(4)
        put(
            "cell",
            lambda: c[0].selectbox("Cell", choices_of(RunConfig, "cell"), format_func=CELL_CLASS.get, key=key("cell")),
        )
        number(c[1], "units", "Units")
        number(c[2], "layers", "Layers")
        put(
            "bidirectional",
            lambda: c[3].checkbox("Bidirectional", key=key("bidirectional"), help=help_of(RunConfig, "bidirectional")),
        )
        c = st.columns(4)
        number(c[0], "embed_dim", "Embedding dim")
        put(
            "pooling",
            lambda: c[1].selectbox(
                "Head (pooling)",
                choices_of(RunConfig, "pooling"),
                key=key("pooling"),
                help=help_of(RunConfig, "pooling"),
            ),
        )
        number(c[2], "dropout", "Dropout")
        put(
            "mask_padding",
            lambda: c[3].checkbox("Mask padding", key=key("mask_padding"), help=help_of(RunConfig, "mask_padding")),
        )
        c = st.columns(2)
        number(c[0], "embedding_dropout", "Embedding dropout")
        put(
            "embedding_init",
            lambda: c[1].selectbox(
                "Embedding starts from",
                choices_of(RunConfig, "embedding_init"),
                format_func=EMBEDDING_INIT_LABELS.get,
                key=key("embedding_init"),
                help=EMBEDDING_INIT_HELP,
            ),
        )
        language_models = ["", *(choice.run.name for choice in model_choices("wordlm"))]
        if st.session_state[key("language_model")] not in language_models:
            st.session_state[key("language_model")] = ""  # that language model is not on this server
        put(
            "language_model",
            lambda: st.selectbox(
                "Start from a pretrained language model",
                language_models,
                format_func=lambda name: name or "no (random start)",
                key=key("language_model"),
                help=LANGUAGE_MODEL_HELP,
            ),
        )
        st.markdown("**Data**")
        c = st.columns(4)
        number(c[0], "vocab_size", "Vocabulary size")
        number(c[1], "maxlen", "Max length (words)")
        sides = choices_of(RunConfig, "truncating")
        put(
            "truncating",
            lambda: c[2].radio(
                "Truncating", sides, horizontal=True, key=key("truncating"), help="pre = cut the beginning"
            ),
        )
        put(
            "padding",
            lambda: c[3].radio("Padding", choices_of(RunConfig, "padding"), horizontal=True, key=key("padding")),
        )
        c = st.columns(4)
        number(c[0], "limit", "Training reviews (0 = all)")
        number(c[1], "validation_fraction", "Validation fraction")
        number(c[2], "seed", "Seed")
        st.markdown("**Training**")
        c = st.columns(4)
        put("optimizer", lambda: c[0].selectbox("Optimizer", choices_of(RunConfig, "optimizer"), key=key("optimizer")))
        number(c[1], "learning_rate", "Learning rate", format="%.4f")
        number(c[2], "batch_size", "Batch size")
        number(c[3], "epochs", "Epochs")
        c = st.columns(4)
        number(c[0], "patience", "Early-stopping patience (0 = off)")
        number(c[1], "clipnorm", "Clip gradient norm (0 = off)")
        c[2].text_input("Run name", key=key("name"), max_chars=60)
        buttons = st.columns([1, 1, 3])
        check = buttons[0].form_submit_button("Check size & time", key="tr_check")
        start = buttons[1].form_submit_button("Start training", type="primary", key="tr_start")
    keep_state()
    update_link(LINK)  # a form sends its widgets on Check or Start, so the address bar follows then
    link_box(LINK)
    values = {field: shown.get(field, st.session_state[key(field)]) for field in FIELDS}
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
