"""A classroom at once: 30 Predict sessions while a training job runs on the shared worker.

AppTest drives one script run at a time (it installs a process-wide script-run context), so the 30
sessions are interleaved rather than parallel; they still share one model cache and one worker, which is
where state could leak. True thread concurrency is checked on the shared Predictor itself."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.config import RunConfig
from rnncore.inference.predict import Predictor
from tests.conftest import TINY_SENTIMENT

PREDICT = str(Path(__file__).resolve().parent.parent / "pages" / "predict.py")
SESSIONS = 30


def _marker(n: int) -> str:
    return f"student{n:02d}marker"


def test_thirty_sessions_predict_while_a_job_trains(tiny_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    from rnncore.jobs.requests import TRAIN_TASK, TrainingRequest
    from ui.common import job_pool

    pool = job_pool()
    slow = RunConfig(**{**TINY_SENTIMENT, "epochs": 500, "patience": 0})
    running = pool.submit(TRAIN_TASK, TrainingRequest(slow), owner="teacher", label="background", config=slow)
    waiting = [
        pool.submit(TRAIN_TASK, TrainingRequest(slow), owner=f"s{i}", label=f"queued {i}", config=slow)
        for i in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while running.status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [job.queue_position() for job in [running, *waiting]] == [0, 1, 2]

        sessions = [AppTest.from_file(PREDICT, default_timeout=180).run() for _ in range(SESSIONS)]
        for n, at in enumerate(sessions):  # every student types, then every page reruns
            at.session_state["predict_tab"] = "What the model sees"  # the tokens view shows the review's words
            at.session_state["review_text"] = f"{_marker(n)} a wonderful film"
            at.session_state["review_version"] = at.session_state["review_version"] + 1
        for n, at in enumerate(sessions):
            at.run()
            assert not at.exception, (n, [e.value for e in at.exception])
            html = "\n".join(str(element.value) for element in at.get("html"))
            assert _marker(n) in html, f"session {n} does not show its own review"
            leaked = [m for m in range(SESSIONS) if m != n and _marker(m) in html]
            assert not leaked, f"session {n} shows the text of sessions {leaked}"
            assert [m for m in at.metric if m.label == "Verdict"], f"session {n} has no prediction"
        assert running.status == "running", "the training job kept running under the load"
    finally:
        for job in [running, *waiting]:
            job.cancel()
        for job in [running, *waiting]:
            assert job.wait(120)
    assert [job.status for job in waiting] == ["cancelled", "cancelled"]


def test_thirty_threads_share_one_predictor(sentiment_run):
    predictor = Predictor(sentiment_run)
    texts = [f"{'great ' * (n % 5)} film {'awful ' * (n % 3)} number {n}" for n in range(SESSIONS)]
    expected = [predictor.predict(text).probability for text in texts]
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        for _ in range(5):
            got = list(pool.map(lambda text: predictor.predict(text).probability, texts))
            # concurrent calls are answered in one batch, which may round differently in the 7th digit;
            # a leak between threads would give another text's probability, far outside this tolerance
            assert got == pytest.approx(expected, abs=1e-6)
