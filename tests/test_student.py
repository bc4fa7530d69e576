"""Who a student is: the id from the browser's cookie (the same after a reload and in a second tab), a
per-session id when there is no cookie, and the script that writes the cookie (ui/student.py).

AppTest cannot send cookies, so the sessions here get theirs by replacing ui.student.request_cookies (the one
place that reads st.context.cookies); without it they show the per-session fallback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.student as student

ID = "0123456789abcdef0123456789abcdef"


def _app():
    import streamlit as st

    from ui.student import remember_student, student_id

    remember_student()
    st.write(student_id())


def _session() -> AppTest:
    at = AppTest.from_function(_app, default_timeout=30).run()
    assert not at.exception
    return at


def _cookie_scripts(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html") if student.COOKIE in element.proto.body]


def test_the_owner_comes_from_our_cookie_only():
    assert student.owner_from_cookies({student.COOKIE: ID, "_ga": "x"}) == ID
    assert student.owner_from_cookies({}) is None
    for junk in ("", "abc", ID.upper(), ID + "0", "'; alert(1); '", "0" * 31 + "g"):
        assert student.owner_from_cookies({student.COOKIE: junk}) is None
    assert student.owner_from_cookies({student.COOKIE: student.new_id()}) is not None
    assert student.new_id() != student.new_id()


def test_the_cookie_script_stores_the_id_for_the_whole_site():
    script = student.cookie_script(ID)
    assert script.startswith("<script>") and f"{student.COOKIE}={ID}; Max-Age=" in script
    assert "Path=/" in script and "SameSite=Lax" in script and "'https:'" in script
    with pytest.raises(ValueError):
        student.cookie_script("not'an-id")


def test_without_a_cookie_each_session_is_its_own_student_and_writes_one():
    first, second = _session(), _session()
    assert first.session_state["owner_id"] != second.session_state["owner_id"]
    assert student.owner_from_cookies({student.COOKIE: first.session_state["owner_id"]})  # a well-formed id
    assert _cookie_scripts(first) == [student.cookie_script(first.session_state["owner_id"])]
    first.run()  # the same id on every rerun of the session
    assert first.markdown[0].value == first.session_state["owner_id"]


def test_with_the_cookie_a_new_session_is_the_same_student(monkeypatch):
    monkeypatch.setattr(student, "request_cookies", lambda: {student.COOKIE: ID})
    reload, second_tab = _session(), _session()
    assert reload.session_state["owner_id"] == second_tab.session_state["owner_id"] == ID
    assert _cookie_scripts(reload) == []  # the browser has it already
    monkeypatch.setattr(student, "request_cookies", lambda: {student.COOKIE: "forged"})
    assert _session().session_state["owner_id"] != ID  # a malformed cookie is ignored: a new id
