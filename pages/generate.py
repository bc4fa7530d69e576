"""Generate page: a character-level model writes text one character at a time. Students see the text stream
in, the probabilities behind every choice, what temperature does, how good the model is (nats / bits per
character), and can train a small model of their own.

The page holds what a student can send it: the priming text box and the size of the training paste box, sized
together so that one rerun fits one WebSocket message (tests/test_input_limits.py reads them from this file).
Its sections live in ui/generate_*.py."""

from __future__ import annotations

import streamlit as st

from ui.common import ModelChoice, guarded, load_sampler, model_choices, no_model_message
from ui.generate_link import PRIME, generate_link
from ui.generate_training import render_training
from ui.generate_words import render_word_writer
from ui.generate_writing import pick_model, render_generator
from ui.lesson_links import LinkField, control, link_box, open_link, update_link
from ui.navigation import use_app_navigation

use_app_navigation()  # first: a direct visit after a restart is served through app.py

DEFAULT_PRIME = "ROMEO:"
MAX_PRIME_CHARS = 2_000  # primed one step at a time: more would only slow the shared server
# Every widget value travels with every rerun of the page (each slider move re-sends the whole paste), so a
# pasted corpus is kept to 500,000 characters; longer texts (up to 5 MB) come as a file upload instead.
MAX_PASTED_CORPUS_CHARS = 500_000


def prime_text(sampler) -> str:
    """The priming text box; characters the model never saw are left out (and named)."""
    chars = sampler.vocabulary.chars
    default = DEFAULT_PRIME if all(c in chars for c in DEFAULT_PRIME) else ""
    typed = control(
        PRIME,
        lambda: st.text_area(
            "Start the text with (priming text)",
            value=default,
            height=80,
            max_chars=MAX_PRIME_CHARS,
            key="generate_prime",
            help=f"The model reads this first; its hidden state then carries the 'mood' forward. At most "
            f"{MAX_PRIME_CHARS:,} characters (the model reads them one at a time before it writes).",
        ),
    )
    kept, dropped = sampler.vocabulary.keep_known(typed)
    if dropped:
        st.warning(f"This model has never seen these characters, so they were left out: {dropped!r}")
    return kept


def write_with(choice: ModelChoice, link: list[LinkField]) -> None:
    """The priming text, then the generator's controls, output and inspection tools for one model; then the
    lesson link to this setup."""
    sampler = load_sampler(choice)
    render_generator(choice, sampler, prime_text(sampler))
    update_link(link)  # the address bar always links to this model, priming text and temperature
    link_box(link)


def chosen_model(choices: list[ModelChoice], link: list[LinkField]) -> ModelChoice:
    """The model picker, or the link's model when the link locks it."""
    label = control(link[0], lambda: pick_model(choices).label)
    return next((choice for choice in choices if choice.label == label), choices[0])


def main() -> None:
    """Render the Generate page."""
    st.title("Generate: writing one character at a time")
    st.markdown(
        "A character-level RNN reads text and predicts the **next character**. To write, it draws a "
        "character from that prediction, feeds it back in, and repeats."
    )
    choices = model_choices("chars")
    if choices:
        link = generate_link(choices)
        for note in open_link("generate", link):  # a lesson link sets the model, priming text and temperature
            st.caption(f"⚠️ {note}")
        choice = chosen_model(choices, link)
        guarded(lambda: write_with(choice, link))  # keep the training section usable even if this model fails
    else:
        no_model_message("chars")
    with st.expander("Train a small character model", expanded=not choices):
        render_training(MAX_PASTED_CORPUS_CHARS)
    st.header("Writing one word at a time", divider=True)
    guarded(render_word_writer)


guarded(main)
