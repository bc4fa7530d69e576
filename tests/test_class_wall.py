"""The class layer in AppTest, over SQLite and PostgreSQL: the "fool the model" wall with two student sessions and
the teacher (escaping, caps, moderation, approve / hide / delete, CSV), and a predict-then-reveal question opened
by the teacher, answered by several Sequence Lab sessions (who may not run its setup before answering) and revealed
beside what the class's runs did; Pause kept in the same database."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnncore.classroom.database import APPROVED, HIDDEN, MAX_NICKNAME_CHARS, MAX_TEXT_CHARS, OPEN, PENDING
from tests.db_backends import BACKENDS, use_backend

ROOT = Path(__file__).resolve().parent.parent
PREDICT, TEACHER, LAB = (str(ROOT / "pages" / name) for name in ("predict.py", "teacher.py", "sequence_lab.py"))
PASSWORD = "correct horse battery"
TIMEOUT = 120
SCRIPT = "<script>alert('wall')</script>"


@pytest.fixture(params=BACKENDS)
def classroom(request, tiny_store, monkeypatch, tmp_path):
    """A teacher password, a class store holding the tiny sentiment model (nothing shipped), an empty class
    database on each back end."""
    from ui.teacher_auth import sign_in_limiter

    sign_in_limiter.clear()
    monkeypatch.setenv("RNNCORE_TEACHER_PASSWORD", PASSWORD)
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tmp_path / "no-shipped"))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    shutil.copytree(tiny_store.root / "tiny-sentiment", tmp_path / "class_models" / "tiny-sentiment")
    database = use_backend(request.param, monkeypatch)
    yield database
    database.clear()
    sign_in_limiter.clear()


def run(path: str, **params: str) -> AppTest:
    """One run of a page (opened with the query `params`) that raised nothing."""
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def teacher() -> AppTest:
    """The Teacher page, signed in."""
    at = run(TEACHER)
    at.text_input(key="teacher_password_input").input(PASSWORD)
    at.button(key="teacher_sign_in_button").click()
    return rerun(at)


def shown(at: AppTest) -> str:
    kinds = ("title", "header", "markdown", "caption", "info", "warning", "error", "success")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


def wall_lines(at: AppTest) -> list[str]:
    """The wall's entries as the page's Markdown has them."""
    return [str(element.value) for element in at.markdown if " fooled *" in str(element.value)]


def model_says(text: str) -> str:
    """What the tiny model answers (so a test can mean the opposite)."""
    from rnncore.inference.predict import Predictor
    from rnncore.inference.runs import load_network_run
    from rnncore.paths import class_models_dir
    from rnncore.store import ModelStore

    return Predictor(load_network_run(ModelStore(class_models_dir()).get("tiny-sentiment"))).predict(text).label


def opposite(label: str) -> str:
    return "negative" if label == "positive" else "positive"


def try_to_fool(at: AppTest, text: str, meant: str, nickname: str = "") -> AppTest:
    at.text_input(key="fool_text").input(text)
    at.radio(key="fool_meant").set_value(meant)
    if nickname:
        at.text_input(key="fool_nickname").input(nickname)
    at.button(key="fool_submit").click()
    return rerun(at)


# ------------------------------------------------------------------ the wall
def test_the_wall_with_two_sessions_and_the_teacher(classroom):
    ann, bob = run(PREDICT), run(PREDICT)
    assert ann.text_input(key="fool_text").proto.max_chars == MAX_TEXT_CHARS
    assert ann.text_input(key="fool_nickname").proto.max_chars == MAX_NICKNAME_CHARS
    assert "Nothing on the wall yet" in shown(ann)

    # Ann fools the model with markup in her sentence and nickname; moderation (on by default) holds it back.
    sentence = f"{SCRIPT} what a [link](javascript:alert(1)) **film**"
    said = model_says(sentence)
    try_to_fool(ann, sentence, opposite(said), nickname="<b onclick=x>Ann</b>")
    assert any("You fooled it" in s.value and "once the teacher approves" in s.value for s in ann.success)
    try_to_fool(bob, "a sentence the model reads right", model_says("a sentence the model reads right"))
    assert any("Not fooled" in info.value for info in bob.info)
    assert wall_lines(rerun(bob)) == [] and "Nothing on the wall yet" in shown(bob)
    assert "1 of your sentences wait" in shown(rerun(ann))
    (entry,) = classroom.entries()
    assert entry.state == PENDING and entry.text == sentence and entry.predicted == said

    # The teacher sees it escaped and approves it: both students see it, escaped, with the leaderboard.
    desk = teacher()
    (line,) = wall_lines(desk)
    assert "&lt;script&gt;" in line and "<script>" not in line and "<b" not in line
    assert "\\[link\\]\\(javascript" in line and "\\*\\*film\\*\\*" in line  # no link, no bold: just text
    desk.button(key=f"teacher_wall_{APPROVED}_{entry.id}").click()
    rerun(desk)
    for student in (ann, bob):
        (line,) = wall_lines(rerun(student))
        assert "&lt;script&gt;" in line and "&lt;b onclick=x&gt;Ann&lt;/b&gt;" in line
        board = student.dataframe[0].value
        assert list(board["nickname"]) == ["<b onclick=x>Ann</b>"] and list(board["fooled it"]) == [1]

    # A sentence at the cap is kept whole (the box refuses more; the database cuts anything longer).
    long = ("a rambling sentence " * 40)[: MAX_TEXT_CHARS - 1] + "!"
    try_to_fool(bob, long, opposite(model_says(long)), nickname="bob")
    assert max(len(e.text) for e in classroom.entries()) == MAX_TEXT_CHARS

    # Moderation off: Bob's next sentence shows at once for Ann; hidden ones never, deleted ones are gone.
    desk.button(key="teacher_wall_moderation_off").click()
    assert "Moderation is off" in shown(rerun(desk))
    quick = "the plot was fine I suppose"
    try_to_fool(bob, quick, opposite(model_says(quick)))
    assert any("is on the class wall" in s.value for s in bob.success)
    assert len(wall_lines(rerun(ann))) == 3  # Ann's approved one and Bob's two pending ones
    bobs = [e for e in classroom.entries() if e.nickname == "bob"]
    desk = rerun(desk)
    desk.button(key=f"teacher_wall_{HIDDEN}_{bobs[0].id}").click()
    rerun(desk)
    desk.button(key=f"teacher_wall_delete_{bobs[1].id}").click()
    rerun(desk)
    assert [e.state for e in classroom.entries()] == [HIDDEN, APPROVED]
    (line,) = wall_lines(rerun(ann))
    assert "Ann" in line
    assert "2 sentences: 0 waiting, 1 approved, 1 hidden" in shown(desk)

    # The CSV: every entry as typed (a test set written by the class).
    assert desk.get("download_button")[0].proto.label == "Download the wall as CSV"
    rows = list(csv.DictReader(io.StringIO(classroom.wall_csv())))
    assert [row["text"] for row in rows] == [sentence, bobs[0].text] and rows[0]["label"] == opposite(said)


def test_a_second_find_of_the_same_sentence_is_refused(classroom):
    ann, bob = run(PREDICT), run(PREDICT)
    sentence = "Honestly I could watch it again"
    meant = opposite(model_says(sentence))
    try_to_fool(ann, sentence, meant)
    try_to_fool(bob, "  honestly I could   WATCH it again ", meant)
    assert any("already put this sentence" in warning.value for warning in bob.warning)
    assert len(classroom.entries()) == 1


# ------------------------------------------------------------------ predict, then reveal
def _finished_lab_job(owner: str, cells: dict[str, float], length: int = 50, seed: int = 0):
    """A finished Sequence Lab run of `owner` (no worker: the result is made here)."""
    from rnncore.jobs.job import DONE, Job
    from rnncore.lab.config import LabConfig
    from rnncore.lab.results import CellOutcome, LabResult

    config = LabConfig(task="memory", cells=tuple(cells), length=length, seed=seed)
    outcomes = {
        cell: CellOutcome(cell, metric, 1.0, [], np.full(4, 0.25), np.zeros((length, 16)), np.ones(length))
        for cell, metric in cells.items()
    }
    result = LabResult(config, "accuracy", True, "chance", 0.25, outcomes, np.zeros((length, 5)), np.array(1), 12.0)
    job = Job(hash((owner, seed, length)) % 10_000, "t", None, "lab", owner, "run", config)
    job.finish(DONE, result)
    return job


def test_a_question_opened_answered_by_several_sessions_and_revealed(classroom):
    from ui.lesson_vote import record_runs

    desk = teacher()
    desk.text_input(key="teacher_question_setup").input("task=chess")
    desk.button(key="teacher_question_open").click()
    assert any("needs a task" in error.value for error in rerun(desk).error)
    assert classroom.questions() == []
    link = "http://localhost:8501/sequence_lab?task=memory&length=50&cells=simplernn,lstm,gru&lock=task"
    desk.text_input(key="teacher_question_setup").input(link)
    desk.button(key="teacher_question_open").click()
    rerun(desk)
    (question,) = classroom.questions()
    assert question.state == OPEN and question.setup == "task=memory&length=50&cells=simplernn,lstm,gru"
    assert question.choices == ("SimpleRNN", "LSTM", "GRU", "None of them")
    assert f"Question #{question.id} is open" in shown(desk)

    # Three students open the lesson link; none may run the setup before predicting.
    students = [run(LAB, task="memory", length="50") for _ in range(3)]
    assert all(question.prompt in shown(student) for student in students)
    students[0].button(key="lab_train").click()
    rerun(students[0])
    assert any("Answer your teacher's question" in warning.value for warning in students[0].warning)
    assert "lab_job_id" not in students[0].session_state  # nothing was submitted
    for student, choice in zip(students, ("SimpleRNN", "LSTM", "SimpleRNN")):
        student.radio(key=f"vote_choice_{question.id}").set_value(choice)
        rerun(student)  # picking enables the button
        student.button(key=f"vote_submit_{question.id}").click()
        rerun(student)
        assert f"Your prediction: **{choice}**" in shown(student)
        assert not student.get("plotly_chart") or "What the class predicted" not in str(student.get("plotly_chart"))
    assert classroom.tally(question.id) == {"SimpleRNN": 2, "LSTM": 1, "GRU": 0, "None of them": 0}
    assert "3 answers (SimpleRNN 2 · LSTM 1 · GRU 0 · None of them 0)" in shown(rerun(desk))

    # Their runs of the setup finish (another setup's run does not count), then the teacher reveals.
    owners = [student.session_state["owner_id"] for student in students]
    record_runs(owners[0], [_finished_lab_job(owners[0], {"simplernn": 1.0, "lstm": 0.25, "gru": 0.27})], [question])
    record_runs(owners[1], [_finished_lab_job(owners[1], {"simplernn": 0.98, "lstm": 0.252}, seed=1)], [question])
    record_runs(owners[2], [_finished_lab_job(owners[2], {"simplernn": 1.0}, length=20)], [question])
    assert len(classroom.outcomes(question.id)) == 5
    desk.button(key=f"teacher_question_revealed_{question.id}").click()
    rerun(desk)
    for student in students:
        rerun(student)
        charts = " ".join(str(chart.proto.spec) for chart in student.get("plotly_chart"))
        assert "What the class predicted" in charts and "What the class's runs did" in charts
        table = student.dataframe[0].value
        assert list(table["cell"]) == ["SimpleRNN", "LSTM", "GRU"] and list(table["runs"]) == [2, 2, 1]
        assert list(table["beat the baseline"]) == ["2 of 2", "0 of 2", "1 of 1"]
        assert "3 answers" in shown(student)
    assert "Your run: SimpleRNN 1, LSTM 0.25, GRU 0.27 (accuracy)." in shown(students[0])
    assert "Your run" not in shown(students[2])  # their run was of another length

    # Closed: the question leaves the page.
    desk.button(key=f"teacher_question_closed_{question.id}").click()
    rerun(desk)
    assert question.prompt not in shown(rerun(students[0]))


def test_setups_parse_and_match():
    from rnncore.lab.config import LabConfig
    from ui.lesson_vote import describe_setup, matches, parse_setup, setup_query

    setup = parse_setup("https://class.example/sequence_lab?task=adding&length=50&cells=lstm,gru&lock=task&x=1")
    assert setup == {"task": "adding", "length": "50", "cells": "lstm,gru"}
    assert setup_query(setup) == "task=adding&length=50&cells=lstm,gru"
    assert describe_setup(setup) == "The adding problem, length 50, cells LSTM / GRU" or "length 50" in describe_setup(
        setup
    )
    assert parse_setup("?task=memory&units=16&lr=0.01&seed=3") == {
        "task": "memory",
        "units": "16",
        "lr": "0.01",
        "seed": "3",
    }
    for bad, words in (
        ("length=50", "needs a task"),
        ("task=memory&length=5000", "length must be"),
        ("task=memory&cells=rnn", "cells must be"),
        ("task=memory&units=7", "units must be"),
        ("task=memory&lr=abc", "lr must be"),
    ):
        with pytest.raises(ValueError, match=words):
            parse_setup(bad)
    assert matches(setup, LabConfig(task="adding", cells=("simplernn", "gru"), length=50))
    assert not matches(setup, LabConfig(task="adding", cells=("simplernn",), length=50))  # none of its cells
    assert not matches(setup, LabConfig(task="adding", cells=("lstm",), length=40))
    assert not matches(setup, LabConfig(task="memory", cells=("lstm",), length=50))
    assert matches({"task": "memory", "lr": "0.01"}, LabConfig(task="memory", learning_rate=0.01))
    assert not matches({}, LabConfig())


# ------------------------------------------------------------------ pause, in the same database
def test_pause_lives_in_the_class_database(classroom):
    from ui.common import set_training_paused, training_paused

    desk = teacher()
    desk.button(key="teacher_pause").click()
    rerun(desk)
    assert training_paused() and classroom.switch("training_paused", False)
    set_training_paused(False)
    assert not classroom.switch("training_paused", True)
    assert "Training is open" in shown(rerun(desk))


def _gate(length: int) -> None:
    """Script: whether this session may run memory at `length`."""
    import streamlit as st

    from rnncore.lab.config import LabConfig
    from ui.lesson_vote import may_run

    st.session_state.setdefault("owner_id", "e" * 32)
    st.caption(f"may run: {may_run(LabConfig(task='memory', cells=('lstm',), length=length))}")


def test_the_gate_opens_once_answered_and_only_guards_its_setup(classroom):
    question = classroom.open_question("Which?", ["LSTM", "GRU"], "task=memory&length=50")
    at = AppTest.from_function(_gate, args=(50,), default_timeout=30).run()
    assert "may run: False" in shown(at)
    assert "may run: True" in shown(AppTest.from_function(_gate, args=(40,), default_timeout=30).run())
    classroom.answer(question.id, "e" * 32, "GRU")
    assert "may run: True" in shown(rerun(at))
