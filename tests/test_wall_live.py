"""The class wall on Predict re-reads itself (a fragment with run_every, over SQLite and PostgreSQL): a classmate's
sentence, and the teacher's approval, arrive in the timed rerun the browser sends for the wall alone, without the
student doing anything, and that rerun runs no part of the page but the wall (the verdict is not computed again)."""

from __future__ import annotations

import dataclasses

from streamlit.runtime.scriptrunner import RerunData
from streamlit.testing.v1 import AppTest, local_script_runner

from rnncore.classroom.database import APPROVED
from tests.test_class_wall import PREDICT, classroom, model_says, opposite, rerun, run, try_to_fool, wall_lines
from ui.fool_wall import WALL_REFRESH_SECONDS

__all__ = ["classroom"]  # the fixture, over both back ends


def wall_timers(monkeypatch) -> list[tuple[str, float]]:
    """Every auto-rerun timer (fragment id, seconds) the runs from now on ask the browser to set."""
    timers: list[tuple[str, float]] = []
    parse = local_script_runner.parse_tree_from_messages

    def recording(messages):
        for message in messages:
            if message.WhichOneof("type") == "auto_rerun":
                timers.append((message.auto_rerun.fragment_id, message.auto_rerun.interval))
        return parse(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", recording)
    return timers


def timed_rerun(at: AppTest, fragment_id: str, monkeypatch) -> AppTest:
    """What the browser sends when a fragment's timer fires: a rerun of that fragment only. AppTest has no call for
    it, so the rerun request its runner builds is given the fragment's id."""

    def fragment_rerun(**values) -> RerunData:
        return dataclasses.replace(RerunData(**values), fragment_id_queue=[fragment_id], is_auto_rerun=True)

    with monkeypatch.context() as patch:
        patch.setattr(local_script_runner, "RerunData", fragment_rerun)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_classmates_sentence_arrives_on_the_wall_by_itself(classroom, monkeypatch):
    timers = wall_timers(monkeypatch)
    ann, bob = run(PREDICT), run(PREDICT)
    (wall_fragment,) = {fragment for fragment, every in timers if every == WALL_REFRESH_SECONDS}
    assert wall_lines(ann) == [] and ann.session_state["review_text"]

    import ui.predict_live

    verdicts = []  # one per run of Predict's verdict section (the page imports it anew on each whole-page run)
    live_section = ui.predict_live.live_section
    monkeypatch.setattr(ui.predict_live, "live_section", lambda *a: verdicts.append(1) or live_section(*a))
    sentence = "I was ready to hate it and I was wrong"
    try_to_fool(bob, sentence, opposite(model_says(sentence)), nickname="bob")  # held back: moderation is on
    (entry,) = classroom.entries()
    verdicts.clear()
    assert wall_lines(timed_rerun(ann, wall_fragment, monkeypatch)) == []  # not approved yet
    classroom.set_entry_state(entry.id, APPROVED)  # the teacher approves it on the Teacher page
    (line,) = wall_lines(timed_rerun(ann, wall_fragment, monkeypatch))
    assert "**bob** fooled" in line and "I was ready to hate it" in line
    assert verdicts == []  # the timed reruns ran the wall alone: no verdict computed or drawn
    drawn = [str(markdown.value) for markdown in ann.markdown]
    teach = "**Teach a copy of the model with the wall**"
    assert drawn == ["**The class wall**", line, "**Leaderboard**", teach] and not ann.title  # the wall alone
    before = ann.session_state["review_text"]
    rerun(ann)  # the next whole-page run still has the student's review and shows the wall as well
    assert ann.session_state["review_text"] == before and verdicts == [1] and wall_lines(ann) == [line]
