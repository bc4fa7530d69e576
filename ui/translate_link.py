"""Translate's lesson link: `?task=reverse&length=20&cell=gru&units=32&attention=both&seed=1` opens the page in
that setup (`&lock=task,attention` hides those controls)."""

from __future__ import annotations

import streamlit as st

from rnncore.seq2seq.config import SEQ2SEQ_CELLS, SEQ2SEQ_TASKS
from rnncore.seq2seq.tasks import TASKS
from ui.lesson_links import LinkField, choice, whole

UNITS = (16, 32, 64, 128)
ATTENTION = {"both": "both side by side", "on": "on", "off": "off"}  # URL value → the radio's option
MAX_SEED = 9999


def task_name() -> str:
    """The task chosen so far (the link's, before the selectbox exists)."""
    return st.session_state.get("t2_task", SEQ2SEQ_TASKS[0])


def length_key() -> str:
    """One difficulty slider per task: their ranges differ."""
    return f"t2_length_{task_name()}"


def _length(text: str) -> int:
    task = TASKS[task_name()]
    return whole(task.min_length, task.max_length)(text)


def _units(text: str) -> int:
    if text not in {str(units) for units in UNITS}:
        raise ValueError(f"one of {', '.join(map(str, UNITS))}")
    return int(text)


def _attention(text: str) -> str:
    return ATTENTION[choice(tuple(ATTENTION))(text)]


def _attention_text(option: str) -> str:
    return next(name for name, shown in ATTENTION.items() if shown == option)


LINK = [
    LinkField("task", "t2_task", choice(SEQ2SEQ_TASKS)),
    LinkField("length", length_key, _length),
    LinkField("cell", "t2_cell", choice(SEQ2SEQ_CELLS)),
    LinkField("units", "t2_units", _units),
    LinkField("attention", "t2_attention", _attention, _attention_text),
    LinkField("seed", "t2_seed", whole(0, MAX_SEED)),
]
TASK, LENGTH, CELL, UNITS_FIELD, ATTENTION_FIELD, SEED = LINK
