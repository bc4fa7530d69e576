"""Predict's "Fool the model": a student writes a sentence and the label they mean; when the model gets it wrong,
the sentence goes on the class wall (rnncore/classroom: shared by every session and replica), shown to the class
once the teacher approves it (while moderation is on), with a leaderboard by nickname. The wall re-reads itself
every few seconds (a fragment), so the class sees each other's sentences arrive.

Everything a student typed is shown through `plain()`: HTML-escaped and with Markdown's characters escaped, so a
sentence or nickname can neither inject markup nor format the wall."""

from __future__ import annotations

import html
import re

import streamlit as st

from rnncore.classroom import WallEntry, class_db
from rnncore.classroom.database import LABELS, MAX_NICKNAME_CHARS, MAX_TEXT_CHARS, PENDING, clean_text
from rnncore.classroom.wall_tuning import (
    MIN_SENTENCES,
    WALL_TUNING_TASK,
    TuningResult,
    latest_result,
    save_result,
    tuning_request,
)
from rnncore.jobs import JobRefused
from rnncore.jobs.job import DONE, FAILED
from ui.common import ModelChoice, classroom_limits, guarded, job_pool, load_predictor
from ui.student import student_id

WALL_SHOWN = 20  # the newest entries the page shows (the teacher's CSV has them all)
# How often an open Predict page re-reads the wall: a classmate's sentence shows within seconds. One re-read costs
# ~9 ms of server CPU (measured, empty wall), so a class of 30 at 10 s adds ~3 % of a core beside its typing.
WALL_REFRESH_SECONDS = 10.0
NICKNAME_KEY = "fool_nickname"
TUNING_JOB_KEY = "wall_tuning_job"  # this session's fine-tuning job id
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


def wall() -> list[WallEntry]:
    """The class wall (newest first), the student's own sentences waiting for approval, and the leaderboard;
    returns the entries the class sees."""
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
    return entries


def tuning_panel(choice: ModelChoice, entries: list[WallEntry]) -> None:
    """Teach a copy of the model with the wall's `entries`: the latest result (which held-back sentences the copy
    now gets right), this session's job while it runs, and the button that starts one."""
    database = class_db()
    job = _collect_tuning_job()
    st.markdown("**Teach a copy of the model with the wall**")
    result = latest_result(database)
    if result:
        show_tuning_result(result, entries)
    if job is not None and not job.is_finished:
        progress = job.last_event("epoch")
        done = f": epoch {progress.epoch} of {progress.epochs}" if progress else " (waiting for a worker)"
        st.caption(f"{plain(job.label)}{done} …")
        return
    request = tuning_request(str(choice.run.path), choice.label, entries)
    if request is None:
        st.caption(
            f"Once the wall holds {MIN_SENTENCES} sentences, a copy of the model can learn from three quarters of "
            "them and be tested on the rest."
        )
        return
    if not classroom_limits().training_enabled:
        st.caption("Training is switched off for the class, so no copy can be fine-tuned now.")
        return
    label = f"Fine-tune a copy of {plain(choice.label)} on the wall"  # a label is Markdown: a run name's _ is not
    help_text = (
        f"A copy learns from {len(request.train)} of the wall's sentences; the other {len(request.held_back)} are "
        "held back to test it. The model itself does not change."
    )
    if st.button(label, key="wall_tune", icon=":material/school:", help=help_text):
        try:
            job = job_pool().submit(
                WALL_TUNING_TASK,
                request,
                lane="lab",  # seconds of training: never behind a long IMDB job
                # nobody's lab run: Sequence Lab and Translate let a student run one at a time, and this one is
                # the class's (the session keeps its id to collect the result)
                label=f"Fine-tuning a copy of {choice.label} on the wall",
                reuse_key=request.reuse_key(),  # classmates asking for the same get the same job
            )
        except JobRefused as refusal:
            st.warning(str(refusal), icon="⛔")
            return
        st.session_state[TUNING_JOB_KEY] = job.id
        st.caption(f"{plain(job.label)} (waiting for a worker) …")


def _collect_tuning_job():
    """This session's fine-tuning job, after storing its result for the class once it is done (any session that
    shares the job may do it: the result is the same). None when there is none, or after it ended."""
    job_id = st.session_state.get(TUNING_JOB_KEY)
    if job_id is None:
        return None  # no job_pool() call: Predict must not start the workers for nothing
    job = job_pool().get(job_id)
    if job is None or not job.is_finished:
        return job
    del st.session_state[TUNING_JOB_KEY]
    if job.status == DONE:
        save_result(class_db(), job.result["model"], job.result["trained_on"], job.result["held_back"])
    elif job.status == FAILED:
        st.warning(f"The fine-tuning failed: {job.error}", icon="⚠️")
    return None


def show_tuning_result(result: TuningResult, entries: list[WallEntry]) -> None:
    """How many held-back sentences the model and its fine-tuned copy get right, and each one as a table row (a
    dataframe: what a student typed is shown as data, never as markup)."""
    by_id = {entry.id: entry for entry in entries}
    rows = []
    for held in result.held_back:
        entry = by_id.get(held.entry_id)
        if entry is None:
            continue  # hidden or deleted since
        before, after = (("positive" if p >= 0.5 else "negative") for p in (held.before, held.after))
        rows.append(
            {
                "held-back sentence": entry.text,
                "meant": entry.meant,
                "the model": f"{'✅' if before == entry.meant else '❌'} {before} ({held.before:.2f})",
                "the copy": f"{'✅' if after == entry.meant else '❌'} {after} ({held.after:.2f})",
            }
        )
    if not rows:
        return
    right_before = sum(row["the model"].startswith("✅") for row in rows)
    right_after = sum(row["the copy"].startswith("✅") for row in rows)
    st.caption(
        f"A copy of *{plain(result.model)}* learned from {result.trained_on} wall sentences. Of {len(rows)} it never "
        f"saw, it now gets **{right_after}** right; the model itself got {right_before}."
    )
    st.dataframe(rows, hide_index=True, width="stretch", key="wall_tuning_rows")


@st.fragment(run_every=WALL_REFRESH_SECONDS)
def live_wall(choice: ModelChoice) -> None:
    """The wall, re-read every few seconds on its own: a fragment, so classmates' new sentences (and the teacher's
    approvals, and a fine-tuned copy's result) show without the student doing anything, and no timed rerun
    touches the verdict above."""
    entries: list[WallEntry] = []  # read once, for the wall and for the fine-tuning panel
    guarded(lambda: entries.extend(wall()))  # its own boundaries: a timed rerun of a fragment runs outside the page's
    guarded(lambda: tuning_panel(choice, entries))


def fool_the_model(choice: ModelChoice) -> None:
    """The whole section, in an expander under Predict's views."""
    with st.expander("Fool the model: the class wall", icon=":material/psychology_alt:"):
        st.caption(
            f"Write a sentence whose meaning you know and say what it means. If **{plain(choice.label)}** gets it "
            "wrong, it goes on the class wall: a test set written by the class."
        )
        submit_form(choice)
        live_wall(choice)
