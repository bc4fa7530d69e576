"""A class training at once (issue 21): reuse of identical jobs and saved runs, the lesson's test sample, Stop
while scoring, and the store quotas. In-process and tiny (the fixture IMDB: 48 test reviews); one test trains
for real in a warm worker to see a job shared by two students end to end."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.datasets import prepare_sentiment
from rnncore.events import TrainEvent
from rnncore.jobs.job import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from rnncore.jobs.queues import LaneQueues
from rnncore.jobs.quota import MB, StoreQuota, check_quota, estimated_bytes, owner_tag, store_usage
from rnncore.jobs.reuse import CLASSMATE, note_for, result_from_run, reusable_job, reusable_run, settings_key
from rnncore.jobs.turns import JobRefused, OwnerLimits
from rnncore.store import INFO_FILE, WEIGHTS_FILE, ModelStore
from rnncore.training.evaluate import lesson_sample_rows
from tests.conftest import TINY_SENTIMENT

BASE = RunConfig(**TINY_SENTIMENT).with_changes(epochs=1, patience=0)


class QueueOnly(LaneQueues):
    """The pool's queues without workers: every job stays waiting (scheduling and sharing are the subject)."""

    def _has_room(self, worker) -> bool:
        return False

    def _stop(self, worker, job) -> None:
        pass


def _job(job_id: int, key: str, status: str, saved=None, cancel: bool = False) -> Job:
    job = Job(job_id, "task:x", None, "train", f"owner{job_id}", "label", BASE)
    job.reuse_key, job.status = key, status
    job.result = SimpleNamespace(saved=saved)
    if cancel:
        job._cancel.set()
    return job


# --- reuse -------------------------------------------------------------------------------------------------------


def test_the_settings_key_is_the_whole_config_with_its_seed_and_only_for_imdb_loaded_by_the_worker():
    assert settings_key(BASE) == settings_key(RunConfig(**TINY_SENTIMENT).with_changes(epochs=1, patience=0))
    assert settings_key(BASE) != settings_key(BASE.with_changes(seed=2))
    assert settings_key(BASE) != settings_key(BASE.with_changes(learning_rate=0.02))
    assert settings_key(BASE, data=object()) == ""  # data prepared on the server (a student's own text)
    assert settings_key(RunConfig(task="chars", corpus="shakespeare")) == ""


def test_waiting_running_and_saved_jobs_are_reused_stopped_failed_and_unsaved_ones_are_not(tmp_path):
    saved = SimpleNamespace(path=tmp_path)
    assert reusable_job([_job(1, "k", QUEUED)], "k").id == 1
    assert reusable_job([_job(1, "k", RUNNING)], "k").id == 1
    assert reusable_job([_job(1, "k", DONE, saved)], "k").id == 1
    assert reusable_job([_job(1, "k", RUNNING, cancel=True)], "k") is None  # being stopped
    assert reusable_job([_job(1, "k", DONE)], "k") is None  # nothing saved
    assert reusable_job([_job(1, "k", DONE, SimpleNamespace(path=tmp_path / "deleted"))], "k") is None
    assert reusable_job([_job(1, "k", CANCELLED, saved), _job(2, "k", FAILED)], "k") is None
    assert reusable_job([_job(1, "other", RUNNING)], "k") is None
    assert reusable_job([_job(1, "", RUNNING)], "") is None  # no key: never shared
    assert reusable_job([_job(1, "k", DONE, saved), _job(2, "k", RUNNING)], "k").id == 2  # the newest


def test_identical_submissions_share_one_job_listed_for_both_students_without_using_their_turns():
    pool = QueueOnly(owner_limits={"train": OwnerLimits(running=1, waiting=1)})
    key = settings_key(BASE)
    first = pool.submit("task:x", None, owner="ann", config=BASE, reuse_key=key)
    again = pool.submit("task:x", None, owner="ann", config=BASE, reuse_key=key)  # a second tab: no refusal
    given = pool.submit("task:x", None, owner="bob", config=BASE, reuse_key=key)
    assert first is again is given and len(pool.jobs(lane="train")) == 1
    assert pool.jobs(owner="bob") == [first] and pool.jobs(owner="ann") == [first]
    assert first.owner == "ann" and first.shared_with("bob") and not first.shared_with("ann")
    assert note_for(first, "bob") == CLASSMATE and note_for(first, "ann") == ""
    # bob's own, different job: his waiting limit was not used by the shared one
    other = BASE.with_changes(seed=5)
    mine = pool.submit("task:x", None, owner="bob", config=other, reuse_key=settings_key(other))
    assert mine is not first and mine.owner == "bob" and pool.jobs(owner="bob") == [first, mine]
    with pytest.raises(JobRefused):  # without a key, ann's second job is over her waiting limit
        pool.submit("task:x", None, owner="ann", config=BASE)


def test_thirty_students_pressing_at_once_share_one_job():
    pool = QueueOnly()
    key, jobs = settings_key(BASE), []
    barrier = threading.Barrier(30)

    def press(student: int) -> None:
        barrier.wait()
        jobs.append(pool.submit("task:x", None, owner=f"s{student}", config=BASE, reuse_key=key))

    threads = [threading.Thread(target=press, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({job.id for job in jobs}) == 1 and len(pool.jobs()) == 1
    assert all(pool.jobs(owner=f"s{n}") == [jobs[0]] for n in range(30))


def test_a_saved_run_with_the_same_settings_is_found_and_shown_as_a_finished_job(tiny_store):
    run = reusable_run(tiny_store, RunConfig(**TINY_SENTIMENT))
    assert run is not None and run.name == "tiny-sentiment"
    assert reusable_run(tiny_store, RunConfig(**TINY_SENTIMENT).with_changes(seed=7)) is None
    result = result_from_run(run)
    assert result.metrics["accuracy"] == run.metrics["accuracy"] and result.history == run.info["history"]
    assert result.saved is run and result.model is None and result.vocabulary.size == run.info["vocabulary"]["size"]
    pool = QueueOnly()
    job = pool.add_finished(result, owner="bob", label=run.name, config=run.config, note=CLASSMATE)
    assert job.status == DONE and job.is_finished and job.finished_at is not None and job.saved is run
    assert pool.jobs(owner="bob") == [job] and note_for(job, "bob") == CLASSMATE
    assert job.last_event("done").message == CLASSMATE


def test_stopped_runs_and_runs_from_other_weights_are_not_reused(tmp_path, tiny_store):
    store = ModelStore(tmp_path)
    source = tiny_store.get("tiny-sentiment")
    for name, extra in (("stopped", {"cancelled": True}), ("continued", {"init_from": {"run": "x"}})):
        folder = tmp_path / name
        folder.mkdir()
        (folder / WEIGHTS_FILE).write_bytes((source.path / WEIGHTS_FILE).read_bytes())
        (folder / INFO_FILE).write_text(json.dumps({**source.info, **extra}), encoding="utf-8")
    assert len(store.list_runs()) == 2
    assert reusable_run(store, RunConfig(**TINY_SENTIMENT)) is None


# --- the lesson's test sample --------------------------------------------------------------------------------------


def test_the_lesson_sample_is_fixed_balanced_and_in_a_shuffled_order():
    labels = np.array([1.0] * 300 + [0.0] * 700, np.float32)
    rows = lesson_sample_rows(labels, 100)
    assert len(rows) == len(set(rows)) == 100 and labels[rows].sum() == 50
    assert np.array_equal(rows, lesson_sample_rows(labels, 100))  # every student: the same reviews
    assert not np.array_equal(rows, np.sort(rows))  # scored in a shuffled order: a stop leaves a fair part
    assert sorted(lesson_sample_rows(labels, 0)) == list(range(1000))  # 0: the whole test set
    assert sorted(lesson_sample_rows(labels, 5000)) == list(range(1000))
    assert labels[lesson_sample_rows(labels, 900)].sum() == 300  # fewer positives than half: all of them


@pytest.fixture(scope="module")
def data():
    return prepare_sentiment(BASE)


def test_a_job_scores_the_same_sample_whatever_its_seed(data):
    from rnncore.training.train import train

    first = train(BASE, data, test_sample=20)
    other = train(BASE.with_changes(seed=3), data, test_sample=20)
    for result in (first, other):
        assert result.metrics["n"] == result.metrics["test_reviews"] == 20
        assert result.metrics["test_set"].startswith("sample of 48")
        confusion = result.metrics["confusion"]
        assert confusion["true_positive"] + confusion["false_negative"] == 10  # half positive
    texts = {item["text"] for result in (first, other) for item in result.extras["misclassified"]}
    sample = {data.test_texts[row] for row in lesson_sample_rows(data.y_test, 20)}
    assert texts <= sample
    full = train(BASE, data)
    assert full.metrics["n"] == 48 and full.metrics["test_set"] == "full"


# --- Stop while scoring ---------------------------------------------------------------------------------------------


def test_stop_while_scoring_ends_it_and_reports_the_reviews_scored_so_far(data, monkeypatch):
    import rnncore.training.train as training

    monkeypatch.setattr(training, "SCORE_CHUNK", 10)
    events: list[TrainEvent] = []
    scoring = lambda: any(event.message.startswith("Scoring") for event in events)  # noqa: E731
    result = training.train(BASE, data, on_event=events.append, should_stop=scoring)
    metrics = result.metrics
    assert result.cancelled and len(result.history) == 1  # training itself ran to its end
    assert metrics["stopped_scoring"] and metrics["n"] == 10 and metrics["test_reviews"] == 48
    assert sum(metrics["confusion"].values()) == 10
    assert len(result.extras["misclassified"]) <= 10
    assert [event.message for event in events if event.message.startswith("Scoring")] == [
        "Scoring the test reviews: 10 of 48 …"
    ]
    assert events[-1].kind == "done" and events[-1].message == "Cancelled"


def test_a_stop_before_scoring_scores_at_most_the_lesson_sample_without_asking_again(data, monkeypatch):
    import rnncore.training.train as training

    monkeypatch.setattr(training, "LESSON_SAMPLE", 16)
    events: list[TrainEvent] = []
    stop = lambda: any(event.kind == "epoch" for event in events)  # noqa: E731  (set during the last validation)
    result = training.train(BASE, data, on_event=events.append, should_stop=stop)
    assert result.cancelled and result.metrics["n"] == 16 and "stopped_scoring" not in result.metrics


# --- store quotas ---------------------------------------------------------------------------------------------------


def _fake_run(store: ModelStore, name: str, owner: str, size_mb: float) -> None:
    folder = store.root / name
    folder.mkdir(parents=True)
    info = {"config": BASE.to_dict(), "owner": owner_tag(owner) if owner else None, "created": "2026"}
    (folder / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    (folder / WEIGHTS_FILE).write_bytes(b"\0" * int(size_mb * MB))


def test_a_full_student_quota_refuses_that_students_next_job_and_deletes_nothing(tmp_path):
    store = ModelStore(tmp_path)
    _fake_run(store, "ann-1", "ann", 3.0)
    _fake_run(store, "ann-2", "ann", 2.5)
    _fake_run(store, "bob-1", "bob", 1.0)
    owners, total = store_usage(store)
    assert owners[owner_tag("ann")] > 5.5 * MB and total > 6.5 * MB
    quota = StoreQuota(per_student_mb=6, class_mb=0)
    with pytest.raises(JobRefused, match="RNNCORE_STORE_MB_PER_STUDENT"):
        check_quota("ann", BASE.with_changes(vocab_size=20_000, embed_dim=8), store, quota)  # +1.4 MB
    check_quota("ann", BASE, store, quota)  # a tiny model still fits
    check_quota("bob", BASE.with_changes(vocab_size=20_000, embed_dim=8), store, quota)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ann-1", "ann-2", "bob-1"]  # nothing deleted


def test_the_class_quota_counts_every_run_and_the_jobs_under_way(tmp_path):
    store = ModelStore(tmp_path)
    _fake_run(store, "old", "", 7.0)  # a run without an owner (the CLI's) counts for the class
    big = BASE.with_changes(vocab_size=20_000, embed_dim=8)
    check_quota("carol", big, store, StoreQuota(per_student_mb=0, class_mb=10))
    waiting = Job(1, "task:x", None, "train", "dan", "label", big)
    with pytest.raises(JobRefused, match="RNNCORE_STORE_MB_CLASS"):
        check_quota("carol", big, store, StoreQuota(per_student_mb=0, class_mb=10), [waiting, waiting])
    with pytest.raises(JobRefused, match="RNNCORE_STORE_MB_CLASS"):
        check_quota("carol", big, store, StoreQuota(per_student_mb=0, class_mb=8))
    check_quota("carol", big, store, StoreQuota(per_student_mb=0, class_mb=0))  # 0: no quota
    assert estimated_bytes(big) > 1.3 * MB


def test_run_json_records_a_hash_of_the_student_not_their_id():
    tag = owner_tag("0123456789abcdef0123456789abcdef")
    assert tag and "0123456789abcdef" not in tag and tag == owner_tag("0123456789abcdef0123456789abcdef")
    assert owner_tag("") == ""


# --- end to end: a real training job in a warm worker, shared by two students ---------------------------------------


def test_a_shared_training_job_is_trained_once_saved_once_and_given_to_both(tmp_path):
    from rnncore.jobs.pool import JobPool
    from rnncore.jobs.requests import TRAIN_TASK, TrainingRequest

    store = ModelStore(tmp_path / "store")
    pool = JobPool({"train": 1}, preload=())
    try:
        key = settings_key(BASE)
        request = TrainingRequest(BASE, None, str(store.root), "ann-gru", owner_tag("ann"), test_sample=20)
        job = pool.submit(TRAIN_TASK, request, owner="ann", config=BASE, reuse_key=key)
        given = pool.submit(TRAIN_TASK, request, owner="bob", config=BASE, reuse_key=key)
        assert given is job and job.wait(120) and job.status == DONE, job.error
        assert pool.submit(TRAIN_TASK, request, owner="cid", config=BASE, reuse_key=key) is job  # done: still given
        assert [run.name for run in store.list_runs()] == ["ann-gru"]
        assert store.get("ann-gru").info["owner"] == owner_tag("ann")
        assert job.result.metrics["n"] == 20 and pool.jobs(owner="bob") == pool.jobs(owner="cid") == [job]
    finally:
        pool.shutdown()


# --- the Train page: a second student pressing Start on the same settings gets the first one's job -------------------


def test_the_train_page_gives_a_classmate_the_same_job_and_says_so():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from ui.common import job_pool

    page = str(Path(__file__).resolve().parent.parent / "pages" / "train.py")
    tiny = dict(units=4, embed_dim=4, vocab_size=60, maxlen=20, epochs=1, batch_size=8, limit=0, patience=0, seed=77)
    sessions = []
    for name in ("ann", "bob"):  # two browsers: two student ids
        at = AppTest.from_file(page, default_timeout=90).run()
        for field, value in tiny.items():
            at.number_input(key=f"tr_{field}").set_value(value)
        at.text_input(key="tr_name").set_value(f"shared-{name}")
        at.button(key="tr_start").click().run()
        assert not at.exception, at.exception
        sessions.append(at)
    ann, bob = sessions
    job = job_pool().get(ann.session_state["tr_job_id"])
    assert bob.session_state["tr_job_id"] == job.id and job.owner == ann.session_state["owner_id"]
    assert any(CLASSMATE in info.value for info in bob.info) and not any(CLASSMATE in i.value for i in ann.info)
    assert [button for button in ann.button if button.key == f"stop_{job.id}"]  # drawn while it was under way
    assert not [button for button in bob.button if button.key == f"stop_{job.id}"]  # not bob's to stop
    assert job.wait(120) and job.status == DONE, job.error
    bob.run()
    assert "Test accuracy" in [metric.label for metric in bob.metric]
    assert job.saved.name == "shared-ann"


def test_the_ray_pool_shares_identical_jobs_the_same_way():
    pytest.importorskip("ray")
    from rnncore.jobs.ray_pool import RayJobPool

    # one implementation for both pools: submission, sharing and the listings live in LaneQueues
    for name in ("submit", "share_existing", "add_finished", "jobs"):
        assert getattr(RayJobPool, name) is getattr(LaneQueues, name), name


def test_watching_tabs_share_one_curves_figure_a_second(monkeypatch):
    import ui.train_results as results

    job = Job(987_654, "task:x", None, "train", "ann", "label", BASE)
    job.add_event(TrainEvent("batch", epoch=1, epochs=1, batch=1, batches=9, metrics={"loss": 0.7}))
    first = results.shared_curves(job)
    assert results.shared_curves(job) is first  # a second tab within the second: the same figure, not rebuilt
    monkeypatch.setattr(results, "CURVES_EVERY", 0.0)
    job.add_event(TrainEvent("batch", epoch=1, epochs=1, batch=2, batches=9, metrics={"loss": 0.6}))
    rebuilt = results.shared_curves(job)
    assert rebuilt is not first and list(rebuilt.data[0].x) == [1, 2]
