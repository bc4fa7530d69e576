"""Predict's "Fool the model": a student writes a sentence and the label they mean; when the model gets it wrong,
the sentence goes on the class wall (rnncore/classroom: shared by every session and replica), shown to the class
once the teacher approves it (while moderation is on), with a leaderboard by nickname.

Everything a student typed is shown through `plain()`: HTML-escaped and with Markdown's characters escaped, so a
sentence or nickname can neither inject markup nor format the wall."""

from __future__ import annotations

import html
import re

import streamlit as st

from rnncore.classroom import WallEntry, class_db
from rnncore.classroom.database import LABELS, MAX_NICKNAME_CHARS, MAX_TEXT_CHARS, PENDING, clean_text
from ui.common import ModelChoice, load_predictor
from ui.student import student_id

WALL_SHOWN = 20  # the newest entries the page shows (the teacher's CSV has them all)
NICKNAME_KEY = "fool_nickname"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")


def plain(text: str) -> str:
    """Text a student typed, safe inside st.markdown: HTML-escaped, Markdown's special characters escaped."""
    return _MARKDOWN.sub(r"\\\1", html.escape(str(text), quote=False))


def entry_line(entry: WallEntry) -> str:
    """One wall entry in Markdown: who, the sentence, what they meant and what the model said."""
    return (
        f"**{plain(entry.nickname)}** fooled *{plain(entry.model)}*: “{plain(entry.text)}” — meant "
        f"{entry.meant}, the model said {entry.predicted} (P(positive) = {entry.probability:.2f})"
    )


def submit_form(choice: ModelChoice) -> None:
    """The sentence, the label meant and the nickname (a form: typing sends nothing until Submit)."""
    with st.form("fool_form", border=False):
        text = st.text_input(
            "A sentence that the model will get wrong",
            key="fool_text",
            max_chars=MAX_TEXT_CHARS,
            placeholder="e.g. I was ready to hate it and I was wrong",
            help=f"At most {MAX_TEXT_CHARS} characters. The class sees it once the teacher approves it.",
        )
        meant_column, name_column = st.columns([1, 1])
        meant = meant_column.radio("What it really means", LABELS, horizontal=True, key="fool_meant")
        nickname = name_column.text_input(
            "Your nickname on the wall",
            key=NICKNAME_KEY,
            max_chars=MAX_NICKNAME_CHARS,
            placeholder="anonymous",
            help=f"At most {MAX_NICKNAME_CHARS} characters; no real name needed. The leaderboard counts you by it.",
        )
        sent = st.form_submit_button("Try to fool it", key="fool_submit", icon=":material/psychology_alt:")
    if sent:
        try_sentence(choice, text, meant, nickname)


def try_sentence(choice: ModelChoice, text: str, meant: str, nickname: str) -> None:
    """Ask the model; put the sentence on the wall when it is wrong, and say what happened."""
    text = clean_text(text, MAX_TEXT_CHARS)
    if not text:
        st.warning("Type a sentence first.", icon="✏️")
        return
    prediction = load_predictor(choice).predict(text)
    said = f"the model says **{prediction.label}** (P(positive) = {prediction.probability:.2f})"
    if prediction.label == meant:
        st.info(f"Not fooled: {said}. Try another wording.", icon="🤖")
        return
    database = class_db()
    try:
        database.add_entry(student_id(), nickname, text, meant, prediction.label, prediction.probability, choice.label)
    except ValueError as error:
        st.warning(f"You fooled it ({said}), but: {error}", icon="ℹ️")
        return
    if database.moderation():
        st.success(f"You fooled it: {said}. Your sentence shows on the wall once the teacher approves it.", icon="🎉")
    else:
        st.success(f"You fooled it: {said}. Your sentence is on the class wall.", icon="🎉")


def wall() -> None:
    """The class wall (newest first), the student's own sentences waiting for approval, and the leaderboard."""
    database = class_db()
    entries = database.entries(visible_only=True)
    waiting = [entry for entry in database.entries(owner=student_id()) if entry.state == PENDING]
    if waiting and database.moderation():
        st.caption(f"{len(waiting)} of your sentences wait for the teacher's approval.")
    wall_column, board_column = st.columns([3, 1])
    with wall_column:
        st.markdown("**The class wall**")
        if not entries:
            st.caption("Nothing on the wall yet: be the first to fool the model.")
        for entry in entries[:WALL_SHOWN]:
            st.markdown(entry_line(entry))
        if len(entries) > WALL_SHOWN:
            st.caption(f"… and {len(entries) - WALL_SHOWN} more.")
    with board_column:
        st.markdown("**Leaderboard**")
        board = database.leaderboard(visible=entries)
        if board:
            rows = [{"nickname": nickname, "fooled it": count} for nickname, count in board]
            st.dataframe(rows, hide_index=True, width="stretch", key="fool_board")
        else:
            st.caption("No one yet.")


def fool_the_model(choice: ModelChoice) -> None:
    """The whole section, in an expander under Predict's views."""
    with st.expander("Fool the model: the class wall", icon=":material/psychology_alt:"):
        st.caption(
            f"Write a sentence whose meaning you know and say what it means. If **{plain(choice.label)}** gets it "
            "wrong, it goes on the class wall: a test set written by the class."
        )
        submit_form(choice)
        wall()
