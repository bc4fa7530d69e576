"""Teacher page: the "fool the model" wall (approve, hide or delete each sentence; moderation on or off, live for
the class; the wall as CSV, a test set written by the class) and the predict-then-reveal questions of Sequence
Lab (open one tied to a setup, watch the answers come in, reveal them, close or delete). Both live in the class
database (rnncore/classroom)."""

from __future__ import annotations

import streamlit as st

from rnncore.classroom import Question, WallEntry, class_db
from rnncore.classroom.database import (
    APPROVED,
    CLOSED,
    HIDDEN,
    MAX_CHOICE_CHARS,
    MAX_CHOICES,
    MAX_PROMPT_CHARS,
    MAX_SETUP_CHARS,
    OPEN,
    PENDING,
    REVEALED,
)
from ui.fool_wall import entry_line, plain
from ui.lesson_vote import describe_setup, parse_setup, question_setup, setup_query
from ui.teacher_jobs import flash

ENTRIES_SHOWN = 100  # the newest entries with their buttons (the CSV has every one)
QUESTIONS_SHOWN = 10
MAX_CHOICES_TEXT = (MAX_CHOICE_CHARS + 1) * MAX_CHOICES  # the choices box: every choice at its longest
EXAMPLE_PROMPT = "At length 50, which cell learns the memory task within the lab's 15 seconds?"
EXAMPLE_CHOICES = "SimpleRNN\nLSTM\nGRU\nNone of them"
EXAMPLE_SETUP = "task=memory&length=50&cells=simplernn,lstm,gru"
STATE_WORDS = {PENDING: "⏳ waiting", APPROVED: "✅ on the wall", HIDDEN: "🚫 hidden"}


def moderation_part() -> None:
    """Moderation on (the class sees approved sentences only) or off (every sentence not hidden)."""
    database = class_db()
    if database.moderation():
        st.caption("Moderation is **on**: a new sentence shows on the wall once you approve it.")
        if st.button("Switch moderation off", key="teacher_wall_moderation_off", icon=":material/visibility:"):
            database.set_moderation(False)
            flash("Moderation is off: every sentence that is not hidden shows on the wall.")
            st.rerun()
    else:
        st.caption("Moderation is **off**: new sentences show on the wall at once (hide any you do not want).")
        if st.button("Switch moderation on", key="teacher_wall_moderation_on", icon=":material/shield:"):
            database.set_moderation(True)
            flash("Moderation is on: only sentences you approve show on the wall.")
            st.rerun()


def entry_row(entry: WallEntry) -> None:
    """One sentence with Approve, Hide and Delete."""
    text, approve, hide, remove = st.columns([7, 1, 1, 1], vertical_alignment="center")
    text.markdown(f"{STATE_WORDS.get(entry.state, entry.state)} · {entry_line(entry)}")
    actions = (
        (approve, "Approve", APPROVED, entry.state == APPROVED),
        (hide, "Hide", HIDDEN, entry.state == HIDDEN),
    )
    for column, words, state, disabled in actions:
        if column.button(words, key=f"teacher_wall_{state}_{entry.id}", disabled=disabled):
            class_db().set_entry_state(entry.id, state)
            flash(f"Sentence #{entry.id}: {STATE_WORDS[state]}.")
            st.rerun()
    if remove.button("Delete", key=f"teacher_wall_delete_{entry.id}"):
        class_db().delete_entry(entry.id)
        flash(f"Sentence #{entry.id} deleted.")
        st.rerun()


def wall_part() -> None:
    """Moderation, the CSV, then every sentence, waiting ones first."""
    moderation_part()
    database = class_db()
    entries = database.entries()
    counts = {state: sum(entry.state == state for entry in entries) for state in STATE_WORDS}
    st.caption(
        f"{len(entries)} sentences: {counts[PENDING]} waiting, {counts[APPROVED]} approved, {counts[HIDDEN]} hidden."
    )
    st.download_button(
        "Download the wall as CSV",
        database.wall_csv(),
        file_name="class-wall.csv",
        mime="text/csv",
        key="teacher_wall_csv",
        icon=":material/download:",
        disabled=not entries,
    )
    ordered = sorted(entries, key=lambda entry: entry.state != PENDING)  # stable: newest first within each
    for entry in ordered[:ENTRIES_SHOWN]:
        entry_row(entry)
    if len(entries) > ENTRIES_SHOWN:
        st.caption(f"… and {len(entries) - ENTRIES_SHOWN} older ones (all are in the CSV).")


def question_form() -> None:
    """Open a question tied to a Sequence Lab setup."""
    with st.form("teacher_question_form"):
        prompt = st.text_input(
            "Question",
            EXAMPLE_PROMPT,
            key="teacher_question_prompt",
            max_chars=MAX_PROMPT_CHARS,
            help=f"At most {MAX_PROMPT_CHARS} characters.",
        )
        choices = st.text_area(
            f"Choices, one per line (two to {MAX_CHOICES})",
            EXAMPLE_CHOICES,
            key="teacher_question_choices",
            height=120,
            max_chars=MAX_CHOICES_TEXT,
            help=f"At most {MAX_CHOICE_CHARS} characters a choice.",
        )
        setup = st.text_input(
            "Setup: a Sequence Lab lesson link, or the part after '?'",
            EXAMPLE_SETUP,
            key="teacher_question_setup",
            max_chars=MAX_SETUP_CHARS,
            help=f"At most {MAX_SETUP_CHARS} characters. Copy it from Sequence Lab's 'Copy a link to this setup'. "
            "Students answer before they may run this setup; the reveal shows what their runs of it did.",
        )
        opened = st.form_submit_button("Open the question", key="teacher_question_open", icon=":material/quiz:")
    if opened:
        query = setup_query(parse_setup(setup))  # a bad setup: the section's boundary says why
        question = class_db().open_question(prompt, choices.splitlines(), query)
        flash(f"Question #{question.id} is open: students answer it on Sequence Lab.")
        st.rerun()


def question_row(question: Question) -> None:
    """One question: its answers so far and the buttons that move it on."""
    database = class_db()
    tally = database.tally(question.id)
    runs = len({outcome.run_key for outcome in database.outcomes(question.id)})
    setup = question_setup(question)
    words = {OPEN: "open for answers", REVEALED: "revealed", CLOSED: "closed"}[question.state]
    st.markdown(f"**#{question.id} {plain(question.prompt)}** — {words}")
    counts = " · ".join(f"{plain(choice)} {count}" for choice, count in tally.items())
    where = describe_setup(setup) if setup else "no setup"
    st.caption(f"{sum(tally.values())} answers ({counts}); {runs} runs of the setup · {where} · `?{question.setup}`")
    buttons = st.columns(4)
    moves = {
        OPEN: [("Reveal", REVEALED), ("Close", CLOSED)],
        REVEALED: [("Hide the answers", OPEN), ("Close", CLOSED)],
        CLOSED: [("Reopen", OPEN)],
    }[question.state]
    for column, (label, state) in zip(buttons, moves):
        if column.button(label, key=f"teacher_question_{state}_{question.id}"):
            database.set_question_state(question.id, state)
            flash(f"Question #{question.id}: {label.lower()}.")
            st.rerun()
    if buttons[3].button("Delete", key=f"teacher_question_delete_{question.id}"):
        database.delete_question(question.id)
        flash(f"Question #{question.id} deleted with its answers.")
        st.rerun()


def questions_part() -> None:
    """The form, then the latest questions."""
    question_form()
    questions = class_db().questions()
    if not questions:
        st.caption("No question yet.")
    for question in questions[:QUESTIONS_SHOWN]:
        question_row(question)
