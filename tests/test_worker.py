"""The training worker: queue order, concurrency limit, queue positions, cancellation, failures, saving.

Most tests use a fake, instantly controllable train function: the worker's scheduling is the subject, not
training. One test runs real (tiny) training end to end and saves into a store.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest

import rnncore.worker as worker_module
from rnncore.config import RunConfig
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.worker import CANCELLED, DONE, FAILED, MAX_EVENTS, QUEUED, RUNNING, Job, TrainingWorker, shared_worker
from tests.conftest import TINY_SENTIMENT

TIMEOUT = 20


@dataclass
class FakeResult:
    history: list = field(default_factory=list)
    cancelled: bool = False


class FakeTrainer:
    """A train_fn whose jobs (keyed by config.seed) run until released, cancelled, or told to fail."""

    def __init__(self):
        self.lock = threading.Lock()
        self.started: list[int] = []
        self.running = 0
        self.most_running = 0
        self.gates: dict[int, threading.Event] = {}
        self.failures: dict[int, BaseException] = {}

    def gate(self, seed: int) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(seed, threading.Event())

    def release(self, *seeds: int) -> None:
        for seed in seeds:
            self.gate(seed).set()

    def __call__(self, config, data, on_event, should_stop):
        gate = self.gate(config.seed)
        with self.lock:
            self.started.append(config.seed)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            on_event(TrainEvent("status", "fake training"))
            batches = 0
            while not gate.wait(0.005):
                if should_stop():
                    return FakeResult([{"val_loss": 1.0}] if batches > 3 else [], cancelled=True)
                batches += 1
                on_event(TrainEvent("batch", epoch=1, epochs=1, batch=batches, batches=10**6))
            if config.seed in self.failures:
                raise self.failures[config.seed]
            on_event(TrainEvent("epoch", epoch=1, epochs=1, metrics={"val_loss": 0.5}))
            on_event(TrainEvent("done", "Finished"))
            return FakeResult([{"val_loss": 0.5}])
        finally:
            with self.lock:
                self.running -= 1


class FakeStore:
    """Records saves; can be told to fail."""

    def __init__(self, error: BaseException | None = None):
        self.saved: list[tuple[object, str]] = []
        self.error = error

    def save(self, result, name):
        if self.error:
            raise self.error
        self.saved.append((result, name))
        return f"saved:{name}"


def _config(seed: int) -> RunConfig:
    return RunConfig(seed=seed)


def _wait_until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture
def fake():
    trainer = FakeTrainer()
    yield trainer
    trainer.release(*range(1000))  # never leave a job thread waiting


def test_jobs_run_one_at_a_time_in_submission_order(fake):
    worker = TrainingWorker(max_running=1, train_fn=fake)
    jobs = [worker.submit(_config(seed), owner="alice") for seed in (1, 2, 3, 4)]
    _wait_until(lambda: fake.started == [1])
    assert [job.status for job in jobs] == [RUNNING, QUEUED, QUEUED, QUEUED]
    assert [job.queue_position() for job in jobs] == [0, 1, 2, 3]
    fake.release(4, 3)  # releasing later jobs first must not let them jump the queue
    time.sleep(0.05)
    assert fake.started == [1]
    fake.release(1, 2)
    for job in jobs:
        assert worker.wait(job, TIMEOUT)
    assert fake.started == [1, 2, 3, 4]
    assert fake.most_running == 1
    assert [job.status for job in jobs] == [DONE] * 4
    assert all(job.started <= job.finished for job in jobs)
    assert jobs[0].finished <= jobs[1].started + 1e-3


def test_max_running_two_runs_two_at_once(fake):
    worker = TrainingWorker(max_running=2, train_fn=fake)
    jobs = [worker.submit(_config(seed)) for seed in (1, 2, 3)]
    _wait_until(lambda: sorted(fake.started) == [1, 2])
    assert jobs[2].status == QUEUED and jobs[2].queue_position() == 1
    fake.release(1, 2, 3)
    assert all(worker.wait(job, TIMEOUT) for job in jobs)
    assert fake.most_running == 2


def test_max_running_must_be_positive():
    with pytest.raises(ValueError):
        TrainingWorker(max_running=0)


def test_cancel_a_queued_job(fake):
    worker = TrainingWorker(train_fn=fake)
    first, second, third = (worker.submit(_config(seed)) for seed in (1, 2, 3))
    _wait_until(lambda: first.status == RUNNING)
    second.cancel()
    assert second.status == CANCELLED and second.finished_flag and second.cancel_requested
    assert second.queue_position() == 0 and third.queue_position() == 1
    assert second.last_event().message == "Cancelled before it started"
    fake.release(1, 2, 3)
    assert worker.wait(third, TIMEOUT)
    assert 2 not in fake.started and fake.started == [1, 3]
    assert second.status == CANCELLED and second.started is None


def test_cancel_a_running_job_then_the_next_one_starts(fake):
    worker = TrainingWorker(train_fn=fake)
    store = FakeStore()
    running = worker.submit(_config(1), save_to=store)
    waiting = worker.submit(_config(2))
    _wait_until(lambda: running.last_event("batch") is not None)
    running.cancel()
    assert worker.wait(running, TIMEOUT)
    assert running.status == CANCELLED and running.result.cancelled
    _wait_until(lambda: waiting.status == RUNNING)
    fake.release(2)
    assert worker.wait(waiting, TIMEOUT) and waiting.status == DONE


def test_cancelled_before_any_epoch_is_not_saved(fake):
    store = FakeStore()
    worker = TrainingWorker(train_fn=fake)
    job = worker.submit(_config(1), save_to=store, save_name="mine")
    _wait_until(lambda: job.status == RUNNING)
    job.cancel()  # the fake returns an empty history when stopped this early
    assert worker.wait(job, TIMEOUT)
    assert job.status == CANCELLED and store.saved == [] and job.saved is None


@pytest.mark.parametrize(
    ("error", "message"),
    [(RuntimeError("boom"), "RuntimeError: boom"), (RnncoreError("bad corpus"), "bad corpus")],
)
def test_a_failing_job_leaves_the_worker_healthy(fake, error, message):
    fake.failures[1] = error
    worker = TrainingWorker(train_fn=fake)
    failing, healthy = worker.submit(_config(1)), worker.submit(_config(2))
    fake.release(1, 2)
    assert worker.wait(failing, TIMEOUT) and worker.wait(healthy, TIMEOUT)
    assert failing.status == FAILED and failing.error == message and failing.result is None
    assert healthy.status == DONE
    if isinstance(error, RuntimeError):  # unexpected errors keep a short traceback for the teacher
        assert "Traceback" in failing.last_event("status").message
    again = worker.submit(_config(3))
    fake.release(3)
    assert worker.wait(again, TIMEOUT) and again.status == DONE


def test_a_failing_save_fails_the_job_only(fake):
    worker = TrainingWorker(train_fn=fake)
    broken = worker.submit(_config(1), save_to=FakeStore(RnncoreError("Could not save the model (disk full)")))
    fine_store = FakeStore()
    fine = worker.submit(_config(2), save_to=fine_store, save_name="keep me")
    fake.release(1, 2)
    assert worker.wait(broken, TIMEOUT) and worker.wait(fine, TIMEOUT)
    assert broken.status == FAILED and "disk full" in broken.error
    assert fine.status == DONE and fine.saved == "saved:keep me"
    assert fine_store.saved[0][1] == "keep me"
    assert any(event.message.startswith("Saving") for event in fine.events())


def test_label_is_the_default_save_name(fake):
    store = FakeStore()
    worker = TrainingWorker(train_fn=fake)
    job = worker.submit(_config(1), owner="bob", label="my first gru", save_to=store)
    fake.release(1)
    assert worker.wait(job, TIMEOUT)
    assert store.saved[0][1] == "my first gru"
    default = TrainingWorker(train_fn=fake).submit(RunConfig(cell="lstm", seed=1))
    assert default.label == "lstm sentiment"


def test_events_since_last_event_and_lookup(fake):
    worker = TrainingWorker(train_fn=fake)
    mine = worker.submit(_config(1), owner="alice")
    theirs = worker.submit(_config(2), owner="bob")
    fake.release(1, 2)
    assert worker.wait(mine, TIMEOUT) and worker.wait(theirs, TIMEOUT)
    everything = mine.events()
    assert everything[0].kind == "status" and everything[-1].kind == "done"
    assert mine.events(len(everything) - 1) == everything[-1:]
    assert mine.events(len(everything)) == []
    assert mine.last_event("epoch").metrics == {"val_loss": 0.5}
    assert mine.last_event("sample") is None
    assert worker.jobs("alice") == [mine] and worker.jobs() == [mine, theirs]
    assert worker.get(theirs.id) is theirs and worker.get(999) is None
    assert mine.id != theirs.id


def test_event_memory_is_bounded_but_epochs_are_kept():
    job = Job(1, RunConfig(), "", "")
    for n in range(3 * MAX_EVENTS):
        job.add_event(TrainEvent("batch", batch=n + 1))
        if n % 1000 == 0:
            job.add_event(TrainEvent("epoch", epoch=n // 1000 + 1))
    events = job.events()
    assert len(events) <= MAX_EVENTS + 1
    assert [event.epoch for event in events if event.kind == "epoch"] == list(range(1, 3 * MAX_EVENTS // 1000 + 1))
    assert job.last_event("batch").batch == 3 * MAX_EVENTS
    batches = [event.batch for event in events if event.kind == "batch"]
    assert batches == sorted(batches)


def test_many_threads_submitting_at_once(fake):
    worker = TrainingWorker(train_fn=fake)
    jobs: list[Job] = []
    lock = threading.Lock()

    def submit_some(base: int) -> None:
        for n in range(5):
            job = worker.submit(_config(base + n))
            with lock:
                jobs.append(job)

    threads = [threading.Thread(target=submit_some, args=(100 * k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fake.release(*(job.config.seed for job in jobs))
    assert all(worker.wait(job, TIMEOUT) for job in jobs)
    assert len({job.id for job in jobs}) == 20
    assert all(job.status == DONE for job in jobs)
    assert fake.most_running == 1 and len(fake.started) == 20


def test_wait_times_out(fake):
    worker = TrainingWorker(train_fn=fake)
    job = worker.submit(_config(1))
    assert worker.wait(job, timeout=0.05) is False
    fake.release(1)
    assert worker.wait(job, TIMEOUT)


def test_shared_worker_is_one_per_process(monkeypatch):
    monkeypatch.setattr(worker_module, "_shared", None)
    monkeypatch.setenv("RNNCORE_MAX_JOBS", "3")
    first = shared_worker()
    assert first is shared_worker()
    assert first.max_running == 3


def test_real_training_job_is_saved_to_the_store(tmp_path):
    from rnncore.data.datasets import prepare_sentiment
    from rnncore.store import ModelStore

    config = RunConfig(**TINY_SENTIMENT).with_changes(epochs=1)
    store = ModelStore(tmp_path / "store")
    worker = TrainingWorker()
    job = worker.submit(config, owner="carol", data=prepare_sentiment(config), save_to=store, save_name="Carol's GRU!")
    assert worker.wait(job, 120)
    assert job.status == DONE, job.error
    assert job.saved.name == "carol-s-gru" and job.saved.error is None
    assert [run.name for run in store.list_runs()] == ["carol-s-gru"]
    assert store.load("carol-s-gru").config == config
    kinds = [event.kind for event in job.events()]
    assert kinds.count("epoch") == 1 and "batch" in kinds and kinds[-1] == "status"  # "Saving the model …"
