"""The Teacher page (AppTest): sign-in (absent from the navigation before it, wrong passwords refused and rate
limited), Cancel of a job, Rename / Delete of class runs as every model list sees them, Pause refusing new
training on the Train page, the end-of-lesson archive, and the health view."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.store import ModelStore

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("pages/teacher.py", "pages/train.py", "pages/predict.py", "app.py")
TEACHER, TRAIN, PREDICT, APP = (str(ROOT / page) for page in PAGES)
PASSWORD = "correct horse battery"
TIMEOUT = 120
GATED = "tests.job_tasks:gated"


@pytest.fixture(autouse=True)
def fresh_switches():
    """Every test starts with training open and no sign-in attempts counted (both are process-wide)."""
    from ui.common import set_training_paused
    from ui.teacher_auth import sign_in_limiter

    sign_in_limiter.clear()
    set_training_paused(False)
    yield
    set_training_paused(False)
    sign_in_limiter.clear()


@pytest.fixture
def class_store(tiny_store, monkeypatch, tmp_path) -> ModelStore:
    """A teacher password, and a class store holding copies of the two tiny runs (shipped: none)."""
    monkeypatch.setenv("RNNCORE_TEACHER_PASSWORD", PASSWORD)
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tmp_path / "no-shipped"))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    for name in ("tiny-sentiment", "tiny-chars"):
        shutil.copytree(tiny_store.root / name, tmp_path / "class_models" / name)
    return ModelStore(tmp_path / "class_models")


def run(path: str) -> AppTest:
    """One page run that raised nothing."""
    at = AppTest.from_file(path, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, password: str = PASSWORD) -> AppTest:
    """Submit the sign-in form."""
    at.text_input(key="teacher_password_input").input(password)
    at.button(key="teacher_sign_in_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in() -> AppTest:
    """The Teacher page of a session that signed in."""
    at = sign_in(run(TEACHER))
    assert at.button(key="teacher_sign_out"), "not signed in"
    return at


def shown(at: AppTest) -> str:
    """All visible text-ish output, joined."""
    kinds = ("title", "header", "markdown", "caption", "info", "warning", "error", "success")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


def titles(at: AppTest) -> list[str]:
    """The page titles the app's navigation registered in the last run."""
    return [info.get("page_name", "") for info in at._registered_pages.values()]


# --- signing in --------------------------------------------------------------------------------------------
def test_the_teacher_page_appears_only_after_signing_in(class_store):
    from ui.teacher_auth import SIGNED_IN_KEY, _fingerprint

    at = run(APP)
    assert "Teacher sign-in" in titles(at) and "Teacher" not in titles(at)
    # AppTest drops widget input on a page reached with switch_page, so the form is filled in below, on the
    # page itself; here the session is marked signed in as the form does it.
    at.session_state[SIGNED_IN_KEY] = _fingerprint(PASSWORD)
    at.run()
    assert "Teacher" in titles(at) and "Teacher sign-in" not in titles(at)
    at.session_state[SIGNED_IN_KEY] = _fingerprint("an old password")  # the password changed meanwhile
    at.run()
    assert "Teacher sign-in" in titles(at)


def test_a_wrong_password_is_refused_and_the_right_one_accepted(class_store):
    at = run(TEACHER)
    assert not _has(at, "teacher_pause") and not _has(at, "teacher_archive")  # refused: only the form
    sign_in(at, "wrong guess")
    assert "not right" in shown(at) and "4 tries left" in shown(at)
    assert not _has(at, "teacher_pause")
    sign_in(at)
    assert _has(at, "teacher_pause") and _has(at, "teacher_archive")
    assert "Teacher" in [title.value for title in at.title]
    assert PASSWORD not in shown(at)  # never echoed
    at.button(key="teacher_sign_out").click().run()
    assert not _has(at, "teacher_pause") and at.text_input(key="teacher_password_input")


def _has(at: AppTest, key: str) -> bool:
    """Whether the run drew a widget with this key."""
    return any(getattr(widget, "key", None) == key for widget in at.get("button") + at.get("checkbox"))


def test_without_a_password_the_page_says_how_to_set_one(monkeypatch):
    monkeypatch.delenv("RNNCORE_TEACHER_PASSWORD", raising=False)
    at = run(TEACHER)
    assert "No teacher password is set" in shown(at) and "teacher_password" in shown(at)
    assert not at.text_input


def test_the_password_can_come_from_secrets(monkeypatch):
    monkeypatch.delenv("RNNCORE_TEACHER_PASSWORD", raising=False)
    at = AppTest.from_file(TEACHER, default_timeout=TIMEOUT)
    at.secrets["classroom"] = {"teacher_password": "from-secrets"}
    at.run()
    assert _has(sign_in(at, "from-secrets"), "teacher_pause")


def test_sign_in_attempts_are_rate_limited(class_store):
    at = run(TEACHER)
    for _ in range(5):
        sign_in(at, "guess")
    sign_in(at)  # the right password, but after five tries within the minute
    assert "Too many sign-in attempts" in shown(at)
    assert not _has(at, "teacher_pause")
    assert run(TEACHER).text_input(key="teacher_password_input")  # another session may still try


def test_the_limiter_backs_off_for_everyone_after_many_failures():
    from ui.teacher_auth import SignInLimiter

    now = [1000.0]
    limiter = SignInLimiter(per_key=5, window=60, global_failures=4, backoff=30, clock=lambda: now[0])
    for n in range(4):  # four sessions, one wrong guess each
        assert limiter.wait_seconds(f"s{n}") == 0
        limiter.attempt(f"s{n}", correct=False)
    assert limiter.wait_seconds("someone else") == pytest.approx(30)
    now[0] += 31
    assert limiter.wait_seconds("someone else") == 0
    for _ in range(5):
        limiter.attempt("one", correct=False)
    assert limiter.wait_seconds("one") > 0 and limiter.tries_left("one") == 0
    now[0] += 61
    assert limiter.wait_seconds("one") == 0 and limiter.tries_left("one") == 5


# --- jobs --------------------------------------------------------------------------------------------------
def test_cancel_a_waiting_and_a_running_job(class_store, tmp_path):
    from ui.common import job_pool

    pool = job_pool()
    running = pool.submit(GATED, {"folder": str(tmp_path), "name": "a"}, owner="a" * 32, label="first job")
    waiting = pool.submit(GATED, {"folder": str(tmp_path), "name": "b"}, owner="b" * 32, label="second job")
    try:
        deadline = time.monotonic() + 90
        while not (tmp_path / "started-a").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running.status == "running" and waiting.status == "queued"
        at = signed_in()
        assert "second job" in shown(at) and "position 1" in shown(at) and "aaaaaa" in shown(at)
        at.button(key=f"teacher_cancel_{waiting.id}").click().run()
        assert waiting.status == "cancelled"
        assert f"Job #{waiting.id} cancelled" in shown(at)
        at.button(key=f"teacher_cancel_{running.id}").click().run()
        assert running.wait(60) and running.status == "cancelled"
        assert not at.exception
    finally:
        for job in (running, waiting):
            job.cancel()
        for name in "ab":
            (tmp_path / f"release-{name}").touch()


# --- class runs --------------------------------------------------------------------------------------------
def _predict_models() -> list[str]:
    return list(run(PREDICT).selectbox(key="predict_model").options)


def test_rename_and_delete_a_class_run(class_store):
    from ui.common import model_choices

    at = signed_in()
    at.selectbox(key="teacher_run").set_value("tiny-sentiment")
    at.text_input(key="teacher_new_name").input("Best of Class 3B")
    at.button(key="teacher_rename").click().run()
    assert sorted(run.name for run in class_store.list_runs()) == ["best-of-class-3b", "tiny-chars"]
    assert [choice.label for choice in model_choices("sentiment")] == ["best-of-class-3b (class)"]
    assert _predict_models() == ["best-of-class-3b (class)"]
    assert "Renamed 'tiny-sentiment' to 'best-of-class-3b'" in shown(at)

    at.selectbox(key="teacher_run").set_value("tiny-chars")
    at.text_input(key="teacher_new_name").input("best-of-class-3b")  # taken: refused, nothing changed
    at.button(key="teacher_rename").click().run()
    assert "already a model called 'best-of-class-3b'" in shown(at)
    assert sorted(run.name for run in class_store.list_runs()) == ["best-of-class-3b", "tiny-chars"]

    at.selectbox(key="teacher_run").set_value("best-of-class-3b")
    assert at.button(key="teacher_delete").disabled  # not before it is confirmed
    at.checkbox(key="teacher_delete_sure").check().run()
    at.button(key="teacher_delete").click().run()
    assert [run.name for run in class_store.list_runs()] == ["tiny-chars"]
    assert model_choices("sentiment") == []
    assert "No sentiment model is available" in shown(run(PREDICT))
    assert not at.exception


# --- pause -------------------------------------------------------------------------------------------------
def test_pause_refuses_new_training_with_a_notice(class_store):
    from ui.common import training_paused

    at = signed_in()
    at.button(key="teacher_pause").click().run()
    assert training_paused() and "Training is **paused**" in shown(at)

    train = run(TRAIN)
    assert "paused training for the class" in shown(train)
    for field, value in dict(units=4, embed_dim=4, vocab_size=60, maxlen=20, epochs=1, batch_size=8).items():
        train.number_input(key=f"tr_{field}").set_value(value)
    train.button(key="tr_start").click().run()
    assert any("paused training" in error.value for error in train.error)
    assert "tr_job_id" not in train.session_state  # nothing was queued

    at.button(key="teacher_resume").click().run()
    assert not training_paused()
    assert "paused training" not in shown(run(TRAIN))


# --- end of lesson and health ------------------------------------------------------------------------------
def test_archive_moves_every_class_run_and_starts_clean(class_store):
    at = signed_in()
    assert at.button(key="teacher_archive").disabled  # not before it is confirmed
    at.checkbox(key="teacher_archive_sure").check().run()
    at.button(key="teacher_archive").click().run()
    assert not at.exception
    assert class_store.list_runs() == [] and class_store.root.is_dir()
    (archive,) = (class_store.root.parent / "class_models_archive").iterdir()
    assert len(archive.name) == len("2026-12-01-1530")
    assert sorted(run.name for run in ModelStore(archive).list_runs()) == ["tiny-chars", "tiny-sentiment"]
    assert "Archived 2 runs" in shown(at)
    assert "No class model yet" in shown(at)


def test_archive_folders_never_collide(tmp_path):
    from ui.teacher_runs import archive_runs

    store = ModelStore(tmp_path / "class_models")
    (store.root / "one").mkdir(parents=True)
    first, moved = archive_runs(store, now=0)
    (store.root / "two").mkdir()
    second, _ = archive_runs(store, now=0)  # the same minute
    assert moved == 1 and first != second and second.name == f"{first.name}-2"
    assert (first / "one").is_dir() and (second / "two").is_dir()


def test_health_shows_processes_lanes_disk_and_the_address(class_store):
    import os

    at = signed_in()
    processes = at.dataframe[-2].value
    assert processes["process"].iloc[0] == "server" and processes["pid"].iloc[0] == os.getpid()
    assert processes["memory"].iloc[0].endswith("MB")
    assert "train" in at.dataframe[-1].value["lane"].tolist()
    assert "Free disk (class store)" in [metric.label for metric in at.metric]
    assert "http://" in shown(at) and ":8501/" in shown(at)
    assert at.get("image"), "no QR code of the address"


def test_process_usage_reads_this_process():
    import os

    from ui.teacher_health import CpuMeter, process_usage

    usage = process_usage(os.getpid())
    assert usage is not None and usage.rss_bytes > 10 * 2**20 and usage.cpu_seconds > 0
    assert process_usage(2**22 + 12345) is None  # no such process
    meter = CpuMeter()
    assert meter.percent(usage, now=0.0) is None
    later = type(usage)(usage.pid, usage.rss_bytes, usage.cpu_seconds + 0.5)
    assert meter.percent(later, now=1.0) == pytest.approx(50.0)
