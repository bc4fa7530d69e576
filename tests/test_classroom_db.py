"""The class database (rnncore/classroom), each test over SQLite and PostgreSQL: the wall (caps, cleaning, one
entry per sentence and model, moderation, leaderboard, CSV), questions (answer once, tally, outcomes once,
delete), live settings, two "replicas" and many threads writing at once; SQLite's file, WAL mode and URL."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from sqlalchemy import text

from rnncore.classroom import ClassDB, class_db, database_url
from rnncore.classroom.database import (
    APPROVED,
    CLOSED,
    HIDDEN,
    MAX_ENTRIES_PER_STUDENT,
    MAX_NICKNAME_CHARS,
    MAX_TEXT_CHARS,
    OPEN,
    PENDING,
    REVEALED,
    clean_text,
)
from tests.db_backends import BACKENDS, use_backend

A, B, C = "a" * 32, "b" * 32, "c" * 32


@pytest.fixture(params=BACKENDS)
def class_database(request, monkeypatch, tmp_path) -> ClassDB:
    """An empty class database on each back end in turn (SQLite: beside a class store of this test's own)."""
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    database = use_backend(request.param, monkeypatch)
    yield database
    database.clear()


def _fooled(database: ClassDB, owner: str, text: str, nickname: str = "ann", model: str = "m (shipped)"):
    return database.add_entry(owner, nickname, text, "positive", "negative", 0.2, model)


# ------------------------------------------------------------------ the wall
def test_entries_are_cleaned_capped_and_kept_as_typed(class_database):
    entry = _fooled(class_database, A, "  <script>alert('x')</script>\n\u202eloved it\u200b  " + "!" * 1000, "<b>" * 20)
    assert entry.text.startswith("<script>alert('x')</script> loved it")  # stored raw: the page escapes it
    assert "\u202e" not in entry.text and "\u200b" not in entry.text and "\n" not in entry.text
    assert len(entry.text) == MAX_TEXT_CHARS and len(entry.nickname) == MAX_NICKNAME_CHARS
    assert class_database.entries() == [entry]
    assert _fooled(class_database, B, "fine", nickname="   ").nickname == "anonymous"


def test_only_a_wrong_answer_goes_on_the_wall_and_only_once(class_database):
    with pytest.raises(ValueError, match="got this one right"):
        class_database.add_entry(A, "ann", "great film", "positive", "positive", 0.9, "m")
    with pytest.raises(ValueError, match="Type a sentence"):
        _fooled(class_database, A, " \n ")
    with pytest.raises(ValueError, match="label"):
        class_database.add_entry(A, "ann", "x", "neutral", "negative", 0.1, "m")
    _fooled(class_database, A, "Not bad at all")
    with pytest.raises(ValueError, match="already put this sentence"):
        _fooled(class_database, B, "  not   BAD at all ")  # same sentence, any case and spacing
    _fooled(class_database, B, "not bad at all", model="other (class)")  # another model: a new find
    assert len(class_database.entries()) == 2


def test_a_student_has_a_capped_number_of_entries(class_database):
    for number in range(MAX_ENTRIES_PER_STUDENT):
        _fooled(class_database, A, f"sentence {number}")
    with pytest.raises(ValueError, match="limit"):
        _fooled(class_database, A, "one more")
    class_database.delete_entry(class_database.entries(owner=A)[0].id)
    _fooled(class_database, A, "one more")  # a deleted entry frees its place


def test_moderation_decides_what_the_class_sees(class_database):
    assert class_database.moderation()  # on by default
    first, second, third = (_fooled(class_database, owner, f"sentence {owner[0]}") for owner in (A, B, C))
    assert class_database.entries(visible_only=True) == []
    assert class_database.set_entry_state(first.id, APPROVED)
    assert class_database.set_entry_state(third.id, HIDDEN)
    assert [entry.id for entry in class_database.entries(visible_only=True)] == [first.id]
    class_database.set_moderation(False)  # pending ones show too; hidden ones never
    assert [entry.id for entry in class_database.entries(visible_only=True)] == [second.id, first.id]
    assert not class_database.moderation()
    assert class_database.delete_entry(second.id) and not class_database.delete_entry(second.id)
    assert not class_database.set_entry_state(second.id, APPROVED)
    with pytest.raises(ValueError):
        class_database.set_entry_state(first.id, "famous")
    assert {entry.id: entry.state for entry in class_database.entries()} == {first.id: APPROVED, third.id: HIDDEN}


def test_leaderboard_counts_students_by_id_under_their_latest_nickname(class_database):
    class_database.set_moderation(False)
    _fooled(class_database, A, "one", "ann")
    _fooled(class_database, B, "two", "bob")
    _fooled(class_database, B, "three", "bobby")
    _fooled(class_database, C, "four", "ann")  # another student with the same nickname
    hidden = _fooled(class_database, C, "five", "ann")
    class_database.set_entry_state(hidden.id, HIDDEN)  # hidden entries do not count
    assert class_database.leaderboard() == [("bobby", 2), ("ann", 1), ("ann", 1)]
    assert class_database.leaderboard(limit=1) == [("bobby", 2)]


def test_the_wall_as_csv(class_database):
    _fooled(class_database, A, 'he said "wow", then left', "=HYPERLINK(1)")
    class_database.add_entry(B, "bob", "-1 stars, would watch again", "positive", "negative", 0.01234, "m")
    rows = list(csv.DictReader(io.StringIO(class_database.wall_csv())))
    assert [row["text"] for row in rows] == ['he said "wow", then left', "'-1 stars, would watch again"]
    assert rows[0]["nickname"] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet
    assert rows[1] | {"created": "", "id": ""} == {
        "id": "",
        "created": "",
        "nickname": "bob",
        "text": "'-1 stars, would watch again",
        "label": "positive",
        "model_said": "negative",
        "p_positive": "0.0123",
        "model": "m",
        "state": PENDING,
    }


# ------------------------------------------------------------------ questions
def test_a_question_is_answered_once_per_student_and_tallied(class_database):
    with pytest.raises(ValueError, match="two to"):
        class_database.open_question("Which?", ["only one", "", "only one"], "task=memory")
    with pytest.raises(ValueError, match="question first"):
        class_database.open_question("  ", ["a", "b"], "task=memory")
    question = class_database.open_question("Which cell?", ["SimpleRNN", "LSTM", "GRU"], "task=memory&length=50")
    assert class_database.question(question.id) == question and question.state == OPEN
    assert class_database.answer(question.id, A, "LSTM")
    assert not class_database.answer(question.id, A, "GRU")  # once: the first answer stands
    assert class_database.answer(question.id, B, "SimpleRNN") and class_database.answer(question.id, C, "LSTM")
    with pytest.raises(ValueError, match="Pick one of"):
        class_database.answer(question.id, "d" * 32, "Transformer")
    assert class_database.answer_of(question.id, A) == "LSTM" and class_database.answer_of(question.id, "x") is None
    assert class_database.tally(question.id) == {"SimpleRNN": 1, "LSTM": 2, "GRU": 0}
    assert class_database.set_question_state(question.id, REVEALED)
    with pytest.raises(ValueError, match="no longer open"):
        class_database.answer(question.id, "d" * 32, "GRU")
    assert [q.id for q in class_database.questions((OPEN, REVEALED))] == [question.id]
    class_database.set_question_state(question.id, CLOSED)
    assert class_database.questions((OPEN, REVEALED)) == []


def test_outcomes_are_recorded_once_and_deleted_with_their_question(class_database):
    question = class_database.open_question("Which?", ["a", "b"], "task=memory&length=50")
    assert class_database.record_outcome(question.id, A, "7:1.000", "lstm", 0.252, 0.25, True)
    assert not class_database.record_outcome(question.id, B, "7:1.000", "lstm", 0.252, 0.25, True)  # a shared run
    assert class_database.record_outcome(question.id, A, "7:1.000", "simplernn", 1.0, 0.25, True)
    assert not class_database.record_outcome(question.id, A, "8:1.000", "gru", float("nan"), 0.25, True)
    outcomes = class_database.outcomes(question.id)
    assert [(o.cell, o.beats_baseline) for o in outcomes] == [("lstm", False), ("simplernn", True)]
    class_database.answer(question.id, A, "a")
    other = class_database.open_question("Another?", ["a", "b"], "task=adding")
    assert class_database.delete_question(question.id)
    assert class_database.question(question.id) is None and class_database.outcomes(question.id) == []
    assert class_database.tally(question.id) == {} and class_database.questions() == [other]


# ------------------------------------------------------------------ settings, replicas, threads
def test_live_settings(class_database):
    assert class_database.setting("nothing", "default") == "default"
    class_database.set_setting("colour", "blue")
    class_database.set_setting("colour", "green")
    assert class_database.setting("colour") == "green"
    assert class_database.switch("training_paused", False) is False
    class_database.set_switch("training_paused", True)
    assert class_database.switch("training_paused", False) is True


def test_two_replicas_see_each_others_writes(class_database):
    other = ClassDB(class_database.url)  # its own engine and pool, as a second app server would have
    try:
        other.set_moderation(False)
        assert not class_database.moderation()
        entry = _fooled(class_database, A, "seen by both")
        assert [e.id for e in other.entries(visible_only=True)] == [entry.id]
    finally:
        other.engine.dispose()


def test_many_threads_writing_at_once(class_database):
    question = class_database.open_question("Which?", ["a", "b"], "task=memory")
    owners = [f"{n:032x}" for n in range(16)]
    results, errors = [], []

    def student(owner: str) -> None:
        try:
            for attempt in range(3):  # every student presses three times: one answer counts
                results.append(class_database.answer(question.id, owner, "ab"[attempt % 2]))
            _fooled(class_database, owner, f"threaded {owner}")
            _fooled(class_database, owner, "the same sentence for all")  # only one of these lands
        except ValueError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=student, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == len(owners) and class_database.tally(question.id) == {"a": 16, "b": 0}
    assert len(class_database.entries()) == len(owners) + 1
    assert errors == ["Someone already put this sentence on the wall for this model."] * (len(owners) - 1)


# ------------------------------------------------------------------ SQLite's file, URL
def test_sqlite_lives_beside_the_class_store_in_wal_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("RNNCORE_DATABASE_URL", raising=False)
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "store" / "class_models"))
    assert database_url() == f"sqlite:///{tmp_path / 'store' / 'class_models.sqlite3'}"
    database = class_db()
    database.set_setting("x", "1")
    assert (tmp_path / "store" / "class_models.sqlite3").is_file()
    assert not (tmp_path / "store" / "class_models").exists()  # beside the store, not inside it
    with database.engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA busy_timeout")) >= 10_000


def test_the_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere' / 'class.db'}")
    assert database_url().endswith("elsewhere/class.db")
    class_db().set_setting("x", "1")
    assert (tmp_path / "elsewhere" / "class.db").is_file()


def test_clean_text():
    assert clean_text("a\tb\r\nc\x00d\u2028e", 100) == "a b c d e"
    assert clean_text("x" * 10, 4) == "xxxx"
