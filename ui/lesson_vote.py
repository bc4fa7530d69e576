"""Predict, then reveal, on Sequence Lab: the teacher opens a question tied to a setup (a lesson link's query, e.g.
`task=memory&length=50`); a student answers it before they may run that setup; once the teacher reveals it, the
class's answers show as a chart beside what the class's runs of that setup actually did.

The questions, answers and outcomes live in the class database (rnncore/classroom), so every session and replica
sees them. A student's finished run of a question's setup is recorded there (each cell once) the next time their
page runs; so the reveal counts every run of the setup that finished since the question was opened."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

import plotly.graph_objects as go
import streamlit as st

from rnncore.architecture import CELL_CLASS
from rnncore.classroom import Outcome, Question, class_db
from rnncore.classroom.database import OPEN, REVEALED
from rnncore.jobs.job import DONE, Job
from rnncore.lab.config import LAB_CELLS, LAB_TASKS, LabConfig
from rnncore.lab.tasks import TASKS
from ui.common import guarded, job_pool
from ui.lab import COLOURS, LEARNING_RATES, UNITS
from ui.student import student_id

SETUP_KEYS = ("task", "length", "cells", "units", "lr", "seed")
POLL_SECONDS = 8.0  # while a question is open, the panel checks this often whether the teacher has revealed it
SHOWN = 3  # questions on the page at once (the newest)


# ------------------------------------------------------------------ setups
def _cells(text: str) -> str:
    cells = [cell for cell in text.split(",") if cell]
    if not 1 <= len(cells) <= 3 or len(set(cells)) != len(cells) or not set(cells) <= set(LAB_CELLS):
        raise ValueError(f"cells must be one to three of {', '.join(LAB_CELLS)}, separated by commas")
    return ",".join(cells)


def _member(name: str, options: tuple, convert: Callable) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value not in options:
            raise ValueError(f"{name} must be one of {', '.join(map(str, options))}")
        return str(value)

    return check


def parse_setup(text: str) -> dict[str, str]:
    """A Sequence Lab setup from a lesson link (the whole address, or the part after '?'): its task (required)
    and any of length, cells, units, lr and seed; `lock` and unknown names are dropped. ValueError, saying
    what is wrong, for a bad value."""
    text = text.strip()
    query = urlsplit(text).query if "?" in text else text
    values = {name: value.strip() for name, value in parse_qsl(query) if name in SETUP_KEYS and value.strip()}
    task = values.get("task")
    if task not in LAB_TASKS:
        raise ValueError(f"The setup needs a task, one of {', '.join(LAB_TASKS)} (e.g. task=memory&length=50).")
    spec = TASKS[task]
    checks = {
        "length": _member("length", tuple(range(spec.min_length, spec.max_length + 1)), int),
        "cells": _cells,
        "units": _member("units", UNITS, int),
        "lr": _member("lr", LEARNING_RATES, float),
        "seed": _member("seed", tuple(range(10_000)), int),
    }
    setup = {"task": task}
    for name in SETUP_KEYS[1:]:
        if name in values:
            setup[name] = checks[name](values[name])
    return setup


def setup_query(setup: dict[str, str]) -> str:
    """The setup as a lesson link's query (what the database keeps)."""
    return urlencode(setup, safe=",")


def describe_setup(setup: dict[str, str]) -> str:
    """The setup in words, e.g. "memory, length 50, cells SimpleRNN / LSTM"."""
    parts = [TASKS[setup["task"]].title if setup.get("task") in TASKS else setup.get("task", "?")]
    if "length" in setup:
        parts.append(f"length {setup['length']}")
    if "cells" in setup:
        parts.append("cells " + " / ".join(CELL_CLASS.get(cell, cell) for cell in setup["cells"].split(",")))
    for name, words in (("units", "units"), ("lr", "learning rate"), ("seed", "seed")):
        if name in setup:
            parts.append(f"{words} {setup[name]}")
    return ", ".join(parts)


def question_setup(question: Question) -> dict[str, str]:
    """A stored question's setup (an unreadable one reads as no setup: it then matches no run)."""
    try:
        return parse_setup(question.setup)
    except ValueError:
        return {}


def matches(setup: dict[str, str], config: LabConfig) -> bool:
    """Whether a lab run's settings are the question's setup: every setting it names is equal, and the run
    trains at least one of its cells."""
    if not setup or setup.get("task") != config.task:
        return False
    plain = {"length": config.length, "units": config.units, "lr": config.learning_rate, "seed": config.seed}
    for name, value in plain.items():
        if name in setup and float(setup[name]) != float(value):
            return False
    return not set(setup_cells(setup)).isdisjoint(config.cells)


def setup_cells(setup: dict[str, str]) -> list[str]:
    """The cells a setup is about (all of them when it names none)."""
    return setup["cells"].split(",") if "cells" in setup else list(LAB_CELLS)


# ------------------------------------------------------------------ the class's runs
def run_key(job: Job) -> str:
    """One run, however many students were given it (an identical submission may share a finished run)."""
    return f"{job.id}:{job.created:.3f}"


def record_runs(owner: str, jobs: list[Job], questions: list[Question]) -> int:
    """Record each finished run of a question's setup (started after the question opened) in the database,
    each cell once; returns how many cells were newly recorded."""
    database, recorded = class_db(), 0
    for job in jobs:
        result = job.result
        if job.status != DONE or result is None or not getattr(result, "outcomes", None) or result.cancelled:
            continue
        for question in questions:
            setup = question_setup(question)
            if job.created < question.created or not matches(setup, job.config):
                continue
            for cell, outcome in result.outcomes.items():
                if cell in setup_cells(setup):
                    recorded += database.record_outcome(
                        question.id,
                        owner,
                        run_key(job),
                        cell,
                        outcome.metric,
                        result.baseline,
                        result.higher_is_better,
                    )
    return recorded


def outcome_rows(outcomes: list[Outcome]) -> list[dict]:
    """Per cell (in the lab's order): how many runs, their mean and best metric, how many beat the baseline."""
    rows = []
    for cell in LAB_CELLS:
        mine = [outcome for outcome in outcomes if outcome.cell == cell]
        if not mine:
            continue
        metrics = [outcome.metric for outcome in mine]
        higher = mine[0].higher_is_better
        rows.append(
            {
                "cell": CELL_CLASS[cell],
                "runs": len(mine),
                "mean": round(sum(metrics) / len(metrics), 4),
                "best": round(max(metrics) if higher else min(metrics), 4),
                "baseline": round(sum(outcome.baseline for outcome in mine) / len(mine), 4),
                "beat the baseline": f"{sum(outcome.beats_baseline for outcome in mine)} of {len(mine)}",
            }
        )
    return rows


# ------------------------------------------------------------------ charts
def answers_figure(tally: dict[str, int], mine: str | None) -> go.Figure:
    """The class's answers: one bar per choice (the student's own darker)."""
    colours = ["#1f4e79" if choice == mine else "#8fb3d9" for choice in tally]
    figure = go.Figure(go.Bar(x=list(tally), y=list(tally.values()), marker_color=colours, text=list(tally.values())))
    figure.update_layout(
        title="What the class predicted", yaxis_title="students", height=300, margin=dict(l=10, r=10, t=40, b=10)
    )
    return figure


def outcomes_figure(rows: list[dict], metric_name: str) -> go.Figure:
    """What the class's runs did: each cell's mean metric over the runs, with the baseline dashed."""
    cells = {CELL_CLASS[cell]: cell for cell in LAB_CELLS}
    figure = go.Figure(
        go.Bar(
            x=[row["cell"] for row in rows],
            y=[row["mean"] for row in rows],
            marker_color=[COLOURS[cells[row["cell"]]] for row in rows],
            text=[f"{row['mean']:.3g} ({row['runs']} runs)" for row in rows],
        )
    )
    if rows:
        figure.add_hline(y=rows[0]["baseline"], line_dash="dash", annotation_text="baseline")
    figure.update_layout(
        title="What the class's runs did", yaxis_title=metric_name, height=300, margin=dict(l=10, r=10, t=40, b=10)
    )
    return figure


# ------------------------------------------------------------------ the page's panel
def reveal(question: Question, setup: dict[str, str], mine: str | None) -> None:
    """The class's answers beside what the class's runs of the setup did, and the student's own run."""
    database = class_db()
    tally, outcomes = database.tally(question.id), database.outcomes(question.id)
    rows = outcome_rows(outcomes)
    metric_name = TASKS[setup["task"]].metric_name if setup.get("task") in TASKS else "metric"
    left, right = st.columns(2)
    left.plotly_chart(answers_figure(tally, mine), width="stretch", key=f"vote_answers_{question.id}")
    if rows:
        right.plotly_chart(outcomes_figure(rows, metric_name), width="stretch", key=f"vote_runs_{question.id}")
        st.dataframe(rows, hide_index=True, width="stretch", key=f"vote_table_{question.id}")
    else:
        right.info("No run of this setup has finished since the question opened: press **Train** to add one.")
    own = [outcome for outcome in outcomes if outcome.owner == student_id()]
    if own:
        cells = ", ".join(f"{CELL_CLASS.get(outcome.cell, outcome.cell)} {outcome.metric:.3g}" for outcome in own)
        st.caption(f"Your run: {cells} ({metric_name}).")
    st.caption(f"{sum(tally.values())} answers. " + (f"Yours: **{mine}**." if mine else "You did not answer."))


def show_question(question: Question) -> None:
    """One question: answer it (open), your answer while the class answers, or the reveal."""
    database, owner = class_db(), student_id()
    setup = question_setup(question)
    mine = database.answer_of(question.id, owner)
    with st.container(border=True):
        st.markdown(f"**Question from your teacher:** {question.prompt}")
        if setup:
            st.caption(f"Setup: {describe_setup(setup)} · [open this setup](?{setup_query(setup)})")
        if question.state == REVEALED:
            reveal(question, setup, mine)
        elif mine is None:
            picked = st.radio(
                "Your prediction", question.choices, index=None, key=f"vote_choice_{question.id}", horizontal=True
            )
            if st.button("Lock in my prediction", key=f"vote_submit_{question.id}", disabled=picked is None):
                database.answer(question.id, owner, picked)
                st.rerun()
            st.caption("Predict first: you can run this setup once you have answered.")
        else:
            count = sum(database.tally(question.id).values())
            st.caption(
                f"Your prediction: **{mine}** · {count} answers so far. The results show when the teacher reveals."
            )


def active_questions() -> list[Question]:
    """Questions open for answers or revealed, newest first."""
    return class_db().questions((OPEN, REVEALED))[:SHOWN]


def _panel() -> None:
    questions = active_questions()
    owner = student_id()
    record_runs(owner, job_pool().jobs(owner, lane="lab"), questions)
    for question in questions:
        guarded(lambda question=question: show_question(question))


@st.fragment(run_every=POLL_SECONDS)
def _polling_panel() -> None:
    guarded(_panel)  # its own boundary: a timed rerun of a fragment runs outside the page's


def questions_part() -> None:
    """The teacher's questions at the top of Sequence Lab; while one is open the panel polls for the reveal."""
    questions = active_questions()
    if any(question.state == OPEN for question in questions):
        _polling_panel()
    elif questions:
        _panel()


def may_run(config: LabConfig) -> bool:
    """Whether the student may run `config`: not while an open question about this setup waits for their
    answer (then says so). The database failing never stops a run."""
    try:
        database, owner = class_db(), student_id()
        waiting = [
            question
            for question in database.questions((OPEN,))
            if matches(question_setup(question), config) and database.answer_of(question.id, owner) is None
        ]
    except Exception:  # the lab works without the class layer
        return True
    if waiting:
        st.warning("Answer your teacher's question above first: predict, then run.", icon="✋")
    return not waiting
