"""Teaching a copy of a model with the class wall: the split into sentences to learn from and sentences held back,
the job that fine-tunes a copy (in-process, on the tiny model: its verdicts before are the app's, it learns what
it is shown, Stop keeps the copy as it was, the run on disk is untouched) and the result every session reads
back from the class database (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from rnncore.classroom.database import APPROVED, WallEntry
from rnncore.classroom.wall_tuning import (
    HOLD_BACK_EVERY,
    MIN_SENTENCES,
    HeldBack,
    WallTuning,
    latest_result,
    save_result,
    split,
    tuning_request,
)
from tests.db_backends import BACKENDS, use_backend
from tests.test_class_wall import PREDICT, SCRIPT, classroom, opposite, rerun, run
from tests.test_wall_live import timed_rerun, wall_timers
from ui.fool_wall import WALL_REFRESH_SECONDS

__all__ = ["classroom"]  # the fixture, over both back ends


def entry(number: int, text: str = "", meant: str = "positive") -> WallEntry:
    """An approved wall entry (id `number`), as the database would return it."""
    text = text or f"sentence number {number}"
    return WallEntry(number, float(number), "owner", "nick", text, meant, "negative", 0.3, "tiny", APPROVED)


def test_every_fourth_sentence_is_held_back_and_keeps_its_side_as_the_wall_grows():
    wall = [entry(number) for number in range(1, 10)]
    train, held = split(wall)
    assert [e.id for e in held] == [4, 8] and [e.id for e in train] == [1, 2, 3, 5, 6, 7, 9]
    _, more_held = split([*wall, *(entry(number) for number in range(10, 14))])
    assert [e.id for e in more_held] == [4, 8, 12]
    assert tuning_request("runs/tiny", "tiny", wall[: MIN_SENTENCES - 1]) is None  # nothing to test on yet
    request = tuning_request("runs/tiny", "tiny", list(reversed(wall)))
    assert request.held_back == ((4, "sentence number 4", "positive"), (8, "sentence number 8", "positive"))
    assert len(request.train) == 7 and HOLD_BACK_EVERY == 4
    assert request.reuse_key() == tuning_request("runs/tiny", "tiny", wall).reuse_key()  # the same job for all
    changed = tuning_request("runs/tiny", "tiny", [*wall[:-1], entry(9, meant="negative")])
    assert changed.reuse_key() != request.reuse_key()
    assert tuning_request("runs/other", "other", wall).reuse_key() != request.reuse_key()


@pytest.fixture(params=BACKENDS)
def database(request, monkeypatch, tmp_path):
    """An empty class database on each back end."""
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    db = use_backend(request.param, monkeypatch)
    yield db
    db.clear()


def test_the_latest_result_replaces_the_one_before_in_the_class_database(database):
    assert latest_result(database) is None
    save_result(database, "tiny (class)", 9, [HeldBack(4, 0.25, 0.75), HeldBack(8, 0.5, 0.125)])
    save_result(database, "tiny-sentiment (class)", 7, [HeldBack(12, 0.1, 0.9), HeldBack(4, 0.2, 0.8)])
    result = latest_result(database)
    assert (result.model, result.trained_on) == ("tiny-sentiment (class)", 7)
    assert result.held_back == (HeldBack(4, 0.2, 0.8), HeldBack(12, 0.1, 0.9))  # entry 8's row is gone


SENTENCES = ["a great and moving film", "dull boring and far too long", "I loved every minute", "a waste of time"]


def _tuning(tiny_store, **changes) -> tuple[WallTuning, list[str]]:
    """Each sentence with the label the tiny model does not give it, to learn and to be tested on."""
    from rnncore.inference.predict import Predictor
    from rnncore.inference.runs import load_network_run

    predictor = Predictor(load_network_run(tiny_store.get("tiny-sentiment")))
    said = [predictor.predict(text).label for text in SENTENCES]
    meant = ["negative" if label == "positive" else "positive" for label in said]
    run_path = str(tiny_store.get("tiny-sentiment").path)
    request = WallTuning(
        run_path,
        "tiny-sentiment (shipped)",
        tuple(zip(SENTENCES, meant)),
        tuple((number, text, label) for number, (text, label) in enumerate(zip(SENTENCES, meant), start=1)),
        **{"epochs": 40, "learning_rate": 0.05, "batch_size": 4, **changes},
    )
    return request, [predictor.predict(text).probability for text in SENTENCES]


def _folder_digest(path) -> str:
    return hashlib.sha256(b"".join(file.read_bytes() for file in sorted(path.iterdir()) if file.is_file())).hexdigest()


def test_the_job_teaches_a_copy_and_scores_the_held_back_sentences(tiny_store):
    from rnncore.training.wall_tuning import run_wall_tuning_job

    request, app_says = _tuning(tiny_store)
    on_disk = _folder_digest(tiny_store.get("tiny-sentiment").path)
    events = []
    result = run_wall_tuning_job(request, events.append, lambda: False)
    held = result["held_back"]
    assert [h.entry_id for h in held] == [1, 2, 3, 4] and result["trained_on"] == 4 and result["epochs"] == 40
    np.testing.assert_allclose([h.before for h in held], app_says, atol=1e-4)  # the model's verdicts, as the app's
    meant = [label for _, _, label in request.held_back]
    assert [("positive" if h.after >= 0.5 else "negative") for h in held] == meant  # it learned what it was shown
    assert [e.epoch for e in events if e.kind == "epoch"] == list(range(1, 41))
    assert _folder_digest(tiny_store.get("tiny-sentiment").path) == on_disk  # a copy: the run is not changed


def test_stop_before_the_first_epoch_leaves_the_copy_as_the_model(tiny_store):
    from rnncore.errors import RnncoreError
    from rnncore.training.wall_tuning import run_wall_tuning_job

    request, app_says = _tuning(tiny_store)
    result = run_wall_tuning_job(request, lambda event: None, lambda: True)
    assert result["epochs"] == 0
    np.testing.assert_allclose([h.after for h in result["held_back"]], app_says, atol=1e-4)
    with pytest.raises(RnncoreError, match="held back"):
        run_wall_tuning_job(WallTuning(request.run_path, "tiny", request.train, ()), lambda e: None, lambda: False)


# ------------------------------------------------------------------ on Predict's wall
class InProcessPool:
    """The two calls of the job pool the wall makes; a job waits until `work()` runs it here, as a worker would."""

    def __init__(self):
        self.jobs: dict = {}

    def submit(self, task, payload, **options):
        """Queue a job (not run yet), as JobPool.submit does."""
        from rnncore.jobs.job import Job

        job = Job(len(self.jobs) + 1, task, payload, options["lane"], options.get("owner", ""), options["label"])
        job.reuse_key = options.get("reuse_key", "")
        self.jobs[job.id] = job
        return job

    def get(self, job_id):
        """The job by id (None if unknown)."""
        return self.jobs.get(job_id)

    def work(self) -> None:
        """Run every waiting job to its end, here and now."""
        from rnncore.jobs.job import DONE
        from rnncore.jobs.worker_main import resolve

        for job in self.jobs.values():
            if not job.is_finished:
                job.finish(DONE, resolve(job.task)(job.payload, job.add_event, lambda: False))


def _approved(classroom, text: str, meant: str = "positive") -> WallEntry:
    added = classroom.add_entry("someone", "nick", text, meant, opposite(meant), 0.5, "tiny-sentiment (class)")
    classroom.set_entry_state(added.id, APPROVED)
    return added


def _captions(at) -> str:
    return "\n".join(str(caption.value) for caption in at.caption)


def test_a_student_fine_tunes_a_copy_and_the_class_sees_what_it_now_gets_right(classroom, monkeypatch):
    import ui.fool_wall
    from rnncore.classroom.wall_tuning import WALL_TUNING_TASK

    pool = InProcessPool()
    monkeypatch.setattr(ui.fool_wall, "job_pool", lambda: pool)
    timers = wall_timers(monkeypatch)
    for text in ("a great film", "loved it", "what a bore"):
        _approved(classroom, text, "negative" if "bore" in text else "positive")
    ann = run(PREDICT)
    (wall_fragment,) = {fragment for fragment, every in timers if every == WALL_REFRESH_SECONDS}
    assert f"Once the wall holds {MIN_SENTENCES} sentences" in _captions(ann)
    assert not [button for button in ann.button if button.key == "wall_tune"]
    held = _approved(classroom, SCRIPT)  # the fourth sentence: the one held back
    timed_rerun(ann, wall_fragment, monkeypatch)  # the button arrives with the sentence, by itself
    ann.button(key="wall_tune").click()
    rerun(ann)
    (job,) = pool.jobs.values()
    assert (job.task, job.lane, job.owner) == (WALL_TUNING_TASK, "lab", "")  # the class's job, in the fast lane
    assert job.payload.held_back == ((held.id, SCRIPT, "positive"),) and len(job.payload.train) == 3
    assert "(waiting for a worker)" in _captions(timed_rerun(ann, wall_fragment, monkeypatch))
    assert not [button for button in ann.button if button.key == "wall_tune"]  # one at a time
    pool.work()
    timed_rerun(ann, wall_fragment, monkeypatch)  # Ann's page collects the result and stores it for the class
    result = latest_result(classroom)
    assert result.trained_on == 3 and [h.entry_id for h in result.held_back] == [held.id]
    bob = run(PREDICT)  # a classmate who pressed nothing sees it
    for student in (ann, bob):
        (rows,) = [frame.value for frame in student.dataframe if "held-back sentence" in frame.value.columns]
        assert list(rows["held-back sentence"]) == [SCRIPT] and list(rows["meant"]) == ["positive"]  # data, no markup
        after = "positive" if result.held_back[0].after >= 0.5 else "negative"
        assert (
            rows["the copy"][0] == f"{'✅' if after == 'positive' else '❌'} {after} ({result.held_back[0].after:.2f})"
        )
        assert "learned from 3 wall sentences. Of 1 it never saw, it now gets" in _captions(student)
    assert [button.key for button in bob.button if button.key == "wall_tune"] == ["wall_tune"]  # may ask again


def test_no_fine_tuning_while_training_is_switched_off(classroom, monkeypatch):
    monkeypatch.setenv("RNNCORE_TRAINING", "off")
    for number in range(MIN_SENTENCES):
        _approved(classroom, f"sentence {number} of the wall")
    at = run(PREDICT)
    assert "Training is switched off for the class" in _captions(at)
    assert not [button for button in at.button if button.key == "wall_tune"]
