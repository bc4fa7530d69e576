"""The Teacher page (AppTest): sign-in (absent from the navigation before it, wrong passwords refused and rate
limited), Cancel of a job, Rename / Delete of class runs as every model list sees them, Pause refusing new
training on the Train page, the classroom settings changed live (a lowered cap refusing a job, a changed limit
and the training switch seen by the Train page without a restart, Reset, bad values refused), the end-of-lesson
archive (which also clears the wall and the questions), and the health view."""

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


# --- classroom settings, live -----------------------------------------------------------------------------
TINY_FORM = dict(units=4, embed_dim=4, vocab_size=60, maxlen=20, epochs=1, batch_size=8)


def _train_form(**values) -> AppTest:
    """The Train page with the tiny settings (and `values`) typed into its form."""
    train = run(TRAIN)
    for field, value in {**TINY_FORM, **values}.items():
        train.number_input(key=f"tr_{field}").set_value(value)
    return train


def _in_force(name: str):
    from rnncore import environment
    from rnncore.classroom import live

    live.forget_cache()  # what another session would read once the cache has aged
    return live.in_force(environment.BY_NAME[name])


def test_a_lowered_cap_refuses_a_job_the_default_allowed(class_store):
    check = _train_form()
    check.button(key="tr_check").click().run()
    assert "RNNCORE_MAX_PARAMETERS" not in shown(check)  # the default cap lets this job through

    at = signed_in()
    at.number_input(key="teacher_setting_max_parameters").set_value(100)
    at.button(key="teacher_settings_save").click().run()
    assert not at.exception
    assert "Saved: Max parameters per model: 100 (was 3,000,000)" in shown(at)
    assert "In force: **100**, changed by the teacher (default: 3,000,000)" in shown(at)
    assert _in_force("RNNCORE_MAX_PARAMETERS").value == 100

    train = _train_form()  # a student's page, no restart
    assert "100 parameters" in shown(train)
    train.button(key="tr_start").click().run()
    refusals = [error.value for error in train.error]
    assert any("classroom limit is 100 (RNNCORE_MAX_PARAMETERS)" in text for text in refusals), refusals
    assert "tr_job_id" not in train.session_state  # nothing was queued


def test_a_changed_limit_and_the_training_switch_take_effect_without_restart(class_store):
    at = signed_in()
    at.number_input(key="teacher_setting_max_epochs").set_value(2)
    at.button(key="teacher_settings_save").click().run()
    train = _train_form(epochs=5)
    assert "at most 2 epochs" in shown(train) and _has(train, "tr_start")
    train.button(key="tr_check").click().run()
    assert "Epochs capped at 2 (classroom limit)." in shown(train)

    at.toggle(key="teacher_setting_training").set_value(False)
    at.button(key="teacher_settings_save").click().run()
    assert "Saved: Training on: off (was on)" in shown(at)
    off = run(TRAIN)
    assert "Training is switched off" in shown(off) and not _has(off, "tr_start")


def test_reset_returns_a_setting_to_the_server_value(class_store, monkeypatch):
    monkeypatch.setenv("RNNCORE_STORE_MB_PER_STUDENT", "300")
    at = signed_in()
    assert "In force: **300**, environment variable RNNCORE_STORE_MB_PER_STUDENT" in shown(at)
    assert "none is changed by the teacher" in shown(at)
    at.number_input(key="teacher_setting_store_mb_per_student").set_value(50)
    at.button(key="teacher_settings_save").click().run()
    assert _in_force("RNNCORE_STORE_MB_PER_STUDENT").value == 50
    assert "changed by the teacher (environment variable: 300)" in shown(at)

    at.button(key="teacher_setting_store_mb_per_student_reset").click().run()
    assert not at.exception
    item = _in_force("RNNCORE_STORE_MB_PER_STUDENT")
    assert (item.value, item.source) == (300, "environment")
    assert at.number_input(key="teacher_setting_store_mb_per_student").value == 300  # the widget follows
    assert "back to the server's value (300)" in shown(at)
    assert "none is changed by the teacher" in shown(at)


def test_bad_values_are_refused(class_store):
    from rnncore.classroom import class_db
    from rnncore.classroom.live import PREFIX, forget_cache

    at = signed_in()
    at.number_input(key="teacher_setting_max_jobs").set_value(0)  # below the declared minimum: the widget refuses
    at.button(key="teacher_settings_save").click().run()
    assert not at.exception and "Nothing changed." in shown(at)
    assert _in_force("RNNCORE_MAX_JOBS").source == "default"

    # A stored value that is not valid (the database edited by hand, or a limit changed since) is not used: the
    # server's value applies, and the page says why, naming the setting, with a Reset.
    class_db().set_setting(PREFIX + "RNNCORE_MAX_EPOCHS", "zero")
    forget_cache()  # as if two seconds had passed
    at.run()
    assert any("RNNCORE_MAX_EPOCHS='zero' is not valid" in warning.value for warning in at.warning)
    assert "at most 20 epochs" in shown(run(TRAIN))
    at.button(key="teacher_setting_max_epochs_reset").click().run()
    assert not any("not valid" in warning.value for warning in at.warning)
    assert class_db().setting(PREFIX + "RNNCORE_MAX_EPOCHS", "unset") == "unset"


def test_the_end_of_lesson_also_clears_the_wall_and_the_questions(class_store):
    from rnncore import environment
    from rnncore.classroom import class_db, live

    database = class_db()
    database.add_entry("s" * 32, "Ada", "Not bad at all", "positive", "negative", 0.2, "tiny-sentiment")
    database.open_question("Which cell?", ["LSTM", "GRU"], "task=memory&length=50")
    live.set_value(environment.MAX_EPOCHS, 3)
    at = signed_in()
    assert "1 sentences" in shown(at) and "(1, with their answers)" in shown(at)
    offered = [element for element in at.get("download_button") if "before it is cleared" in str(element.proto)]
    assert offered and not offered[0].proto.disabled  # the wall's CSV is offered before it goes
    at.checkbox(key="teacher_archive_sure").check().run()
    at.button(key="teacher_archive").click().run()
    assert not at.exception
    assert "Archived 2 runs" in shown(at) and "cleared 1 wall sentences and 1 questions" in shown(at)
    assert database.entries() == [] and database.questions() == []
    assert _in_force("RNNCORE_MAX_EPOCHS").value == 3  # the teacher's settings stay
