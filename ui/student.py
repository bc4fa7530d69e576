"""Who a student is, for their jobs: a random id kept in a browser cookie, so a reload or a second tab of the same
browser is the same student (and can stop their job), and two browsers are two students. No personal data.

Streamlit reads cookies only from the request that opened the session (`st.context.cookies`, read-only), so
a first visit gets a new id and writes it with a line of JavaScript (`st.html(..., unsafe_allow_javascript=
True)`, which runs in the page itself, not in an iframe); every later session of that browser sends it. When no
cookie can be read (AppTest, a browser that refuses cookies) the id lasts as long as the session."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

import streamlit as st

COOKIE = "rnncore_student"
STATE_KEY = "owner_id"
MAX_AGE = 180 * 24 * 3600  # seconds: a term; the id means nothing outside this server
_ID = re.compile(r"[0-9a-f]{32}")  # what new_id makes: anything else in the cookie is ignored


def new_id() -> str:
    """A fresh random student id (128 bits: not guessable, so one student cannot stop another's job)."""
    return uuid.uuid4().hex


def owner_from_cookies(cookies: Mapping[str, str]) -> str | None:
    """The student id in a request's cookies, or None when there is none (or it is not one of ours)."""
    value = str(cookies.get(COOKIE, "")).strip()
    return value if _ID.fullmatch(value) else None


def request_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when this session opened (empty where there is no browser)."""
    try:
        return st.context.cookies
    except Exception:  # no script-run context (a thread, a test): nothing to read
        return {}


def student_id() -> str:
    """This browser's student id: from its cookie, else made for this session (kept in session state)."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = owner_from_cookies(request_cookies()) or new_id()
    return st.session_state[STATE_KEY]


def cookie_script(owner: str) -> str:
    """The <script> that stores `owner` in this site's cookie (Secure on https; Lax: sent on the app's own
    requests and links to it, never to other sites)."""
    if not _ID.fullmatch(owner):
        raise ValueError(f"not a student id: {owner!r}")
    attributes = f"Max-Age={MAX_AGE}; Path=/; SameSite=Lax"
    return (
        f"<script>document.cookie = '{COOKIE}={owner}; {attributes}'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def remember_student() -> None:
    """Write the student id into a cookie when the browser did not send one (it then lasts a term). Call on
    every app run: the same element each run (the browser runs its script once), so a run cut short by a
    rerun before the browser drew it cannot lose the cookie; in the sidebar, below the page links."""
    if owner_from_cookies(request_cookies()) is None:
        st.sidebar.html(cookie_script(student_id()), unsafe_allow_javascript=True)
