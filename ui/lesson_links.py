"""Lesson links: a page's setup lives in the URL (`?task=adding&length=50&cells=lstm,gru&seed=1`), so a teacher can
hand out a link that opens the page in a chosen state, and `lock=` hides chosen controls for a guided exercise.

A page declares its link fields once; `open_link` sets the widgets from the URL on the session's first visit (bad
or unknown values fall back to the defaults with a note, never an error), `update_link` writes the widgets back
into the URL after every change, and `link_box` shows the link to copy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

LOCK = "lock"


@dataclass(frozen=True)
class LinkField:
    """One URL parameter and the widget it sets."""

    param: str  # the name in the URL, e.g. "length"
    key: str | Callable[[], str]  # the widget's session key (a callable when it depends on another widget)
    parse: Callable[[str], Any]  # text → widget value; raises ValueError for a value the widget cannot take
    show: Callable[[Any], str] = str  # widget value → text
    # Run after open_link sets this widget from the URL: Train's preset fills in the settings the fields after it
    # may then change.
    then: Callable[[], None] | None = None
    # The value the link leaves out (None: always written): Train's link names its preset and only the settings
    # that differ from it, so a teacher's link stays short enough to read.
    usual: Callable[[], Any] | None = None

    def widget_key(self) -> str:
        """The session key of the widget this parameter sets."""
        return self.key() if callable(self.key) else self.key


def choice(options: tuple | list) -> Callable[[str], str]:
    """A parser accepting one of `options`."""

    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(f"one of {', '.join(map(str, options))}")
        return text

    return parse


def whole(low: int, high: int) -> Callable[[str], int]:
    """A parser accepting a whole number in [low, high]."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return value

    return parse


def open_link(page: str, fields: list[LinkField]) -> list[str]:
    """On this session's first visit to `page`, copy valid URL values into the widgets (in field order, so a
    field whose key depends on an earlier one sees it). Returns one note per value that was not used."""
    done = f"_link_opened_{page}"
    if st.session_state.get(done):
        return []
    st.session_state[done] = True
    notes, known = [], {field.param for field in fields} | {LOCK}
    for field in fields:
        text = st.query_params.get(field.param)
        if text is None:
            continue
        try:
            st.session_state[field.widget_key()] = field.parse(text)
        except ValueError as error:
            notes.append(f"`{field.param}={text[:40]}` was not used (it must be {error}); the default is shown.")
            continue
        if field.then:
            field.then()
    notes += [
        f"`{name}` is not a setting of this page; it was ignored." for name in st.query_params if name not in known
    ]
    return notes


def locked(param: str) -> bool:
    """Whether the link hides the control of `param` (`lock=task,length`)."""
    return param in st.query_params.get(LOCK, "").split(",")


def control(field: LinkField, render: Callable[[], Any]) -> Any:
    """The value of one setting: from the URL, with no widget, when the link locks it (and its value is valid);
    otherwise whatever the widget `render()` draws returns."""
    if locked(field.param) and field.param in st.query_params:
        try:
            return field.parse(st.query_params[field.param])
        except ValueError:
            pass  # a bad locked value: show the control instead (open_link has said why)
    return render()


def _values(fields: list[LinkField]) -> dict[str, str]:
    """Each field's current value as URL text: a locked one as the URL has it, the others from their widgets."""
    values = {}
    for field in fields:
        key = field.widget_key()
        if locked(field.param) and field.param in st.query_params:
            values[field.param] = st.query_params[field.param]
        elif key in st.session_state and (field.usual is None or st.session_state[key] != field.usual()):
            values[field.param] = field.show(st.session_state[key])
    return values


def update_link(fields: list[LinkField]) -> None:
    """Write the widgets' current values into the URL (the lock is kept), so the address bar is always a link
    to what the student sees."""
    values = _values(fields)
    if LOCK in st.query_params:
        values[LOCK] = st.query_params[LOCK]
    if dict(st.query_params) != values:
        st.query_params.from_dict(values)


def link_box(fields: list[LinkField]) -> None:
    """ "Copy a link to this setup": the page's address with its settings (st.code has a copy button)."""
    values = _values(fields)
    base = (st.context.url or "").split("?")[0]
    with st.expander("Copy a link to this setup"):
        st.code(f"{base}?{urlencode(values, safe=',')}", language=None)
        example = ",".join(field.param for field in fields[:2])  # this page's own names, not another page's
        st.caption(f"Add `&lock={example}` (any of the names) to hide those controls for a guided exercise.")
