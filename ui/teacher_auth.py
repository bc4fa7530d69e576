"""The teacher's sign-in: a password from `.streamlit/secrets.toml` (`[classroom] teacher_password = "…"`) or
RNNCORE_TEACHER_PASSWORD, compared in constant time, with attempts rate-limited per session and across the
server. The password is never logged, shown or kept in session state: a signed-in session holds only a keyed
fingerprint of it, so changing the password (and restarting) signs every teacher session out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

import streamlit as st

from rnncore import environment
from ui.common import classroom_table
from ui.student import student_id

PASSWORD_VARIABLE = environment.TEACHER_PASSWORD.name
SIGNED_IN_KEY = "teacher_signed_in"  # session state: the fingerprint of the password signed in with


def teacher_password() -> str:
    """The configured password ("" when none): RNNCORE_TEACHER_PASSWORD, else secrets.toml's [classroom]
    teacher_password (or rnncore_teacher_password, the spelling of the other classroom settings)."""
    value = environment.raw(environment.TEACHER_PASSWORD)
    if value is None:
        value = classroom_table().get("teacher_password")
    if value is None:
        value = environment.text(environment.TEACHER_PASSWORD, classroom_table())
    return "" if not str(value).strip() else str(value)  # a blank password would let anyone in


class SignInLimiter:
    """Attempts allowed per session (`per_key` in `window` seconds), and a server-wide back-off of `backoff`
    seconds once `global_failures` wrong passwords arrived within `window` from any sessions (a new session per
    guess must not get around the per-session limit). Thread-safe: every session of the server shares one."""

    def __init__(
        self,
        per_key: int = 5,
        window: float = 60.0,
        global_failures: int = 20,
        backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_key, self.window, self.global_failures, self.backoff = per_key, window, global_failures, backoff
        self.clock = clock
        self._attempts: dict[str, deque[float]] = {}
        self._failures: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def _forget_old(self, now: float) -> None:
        for key in list(self._attempts):
            times = self._attempts[key]
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times:  # bounded memory: sessions that stopped trying are dropped
                del self._attempts[key]
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()

    def wait_seconds(self, key: str) -> float:
        """Seconds until `key` may try again (0 = now)."""
        with self._lock:
            now = self.clock()
            self._forget_old(now)
            wait = max(0.0, self._blocked_until - now)
            times = self._attempts.get(key)
            if times and len(times) >= self.per_key:
                wait = max(wait, times[0] + self.window - now)
            return wait

    def attempt(self, key: str, correct: bool) -> None:
        """Record one attempt of `key` (call only when wait_seconds said it may try)."""
        with self._lock:
            now = self.clock()
            self._attempts.setdefault(key, deque()).append(now)
            if correct:
                return
            self._failures.append(now)
            if len(self._failures) >= self.global_failures:
                self._blocked_until = now + self.backoff
                self._failures.clear()

    def tries_left(self, key: str) -> int:
        """Attempts `key` still has in the current window."""
        with self._lock:
            self._forget_old(self.clock())
            return max(0, self.per_key - len(self._attempts.get(key, ())))


@st.cache_resource
def sign_in_limiter() -> SignInLimiter:
    """The server's one limiter (process-wide, so a reload or another tab does not reset it)."""
    return SignInLimiter()


@st.cache_resource
def _fingerprint_key() -> bytes:
    """A random key for this server process: fingerprints mean nothing elsewhere or after a restart."""
    return secrets.token_bytes(32)


def _fingerprint(password: str) -> str:
    return hmac.new(_fingerprint_key(), password.encode("utf-8"), hashlib.sha256).hexdigest()


def password_matches(given: str, password: str) -> bool:
    """Constant-time comparison (no timing hint about how much of a guess was right)."""
    return bool(password) and hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))


def teacher_signed_in() -> bool:
    """Whether this session signed in with the password that is configured now."""
    password = teacher_password()
    held = st.session_state.get(SIGNED_IN_KEY)
    return bool(password) and isinstance(held, str) and hmac.compare_digest(held, _fingerprint(password))


def sign_out() -> None:
    """Forget this session's sign-in."""
    st.session_state.pop(SIGNED_IN_KEY, None)


def teacher_page_look() -> dict[str, str]:
    """Title and icon of the Teacher page in the navigation: "Teacher sign-in" until this session signs in,
    then "Teacher" (app.py keeps its address, /teacher, the same)."""
    if teacher_signed_in():
        return {"title": "Teacher", "icon": ":material/co_present:"}
    return {"title": "Teacher sign-in", "icon": ":material/lock:"}


def no_password_message() -> None:
    """How to set a password, for a server that has none."""
    st.info(
        "No teacher password is set on this server, so the Teacher page is closed. To open it, put\n\n"
        '```toml\n[classroom]\nteacher_password = "a long passphrase"\n```\n\n'
        f"into `.streamlit/secrets.toml` (beside the app), or set the environment variable `{PASSWORD_VARIABLE}`, "
        "then restart the app.",
        icon="🔒",
    )


def sign_in_form() -> None:
    """The sign-in form; on the right password this session is signed in and the app reruns (the navigation
    then shows "Teacher")."""
    st.title("Teacher sign-in")
    password = teacher_password()
    if not password:
        no_password_message()
        return
    st.caption("For the teacher: the class's jobs and models, and the server's health. Students need nothing here.")
    with st.form("teacher_sign_in", clear_on_submit=True):  # the typed password does not stay in the form
        given = st.text_input(
            "Teacher password",
            type="password",
            key="teacher_password_input",
            max_chars=200,
            help="The password set for this server (at most 200 characters).",
        )
        submitted = st.form_submit_button("Sign in", key="teacher_sign_in_button")
    if not submitted:
        return
    limiter, who = sign_in_limiter(), student_id()
    wait = limiter.wait_seconds(who)
    if wait > 0:  # refused before the password is even compared
        st.error(f"Too many sign-in attempts. Wait {wait:.0f} s, then try again.", icon="⏳")
        return
    correct = password_matches(given or "", password)
    limiter.attempt(who, correct)
    if not correct:
        left = limiter.tries_left(who)
        st.error(f"That password is not right ({left} {'try' if left == 1 else 'tries'} left this minute).", icon="⛔")
        return
    st.session_state[SIGNED_IN_KEY] = _fingerprint(password)
    st.rerun()
