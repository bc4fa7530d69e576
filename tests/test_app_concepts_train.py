"""The Concepts and Train pages, run headless with streamlit's AppTest against the fixture datasets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.jobs.bounds import SETUP_SECONDS, estimate_seconds, training_examples

PAGES = Path(__file__).resolve().parent.parent / "pages"
TINY = dict(units=4, embed_dim=4, vocab_size=60, maxlen=20, epochs=1, batch_size=8, limit=0, patience=0)


@pytest.fixture
def shipped(tiny_store, monkeypatch):
    """The tiny GRU sentiment model (and char model) as the 'shipped' models."""
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    return tiny_store


def page(name: str) -> AppTest:
    """A fresh headless run of one page."""
    return AppTest.from_file(str(PAGES / name), default_timeout=90).run()


def texts(at: AppTest) -> str:
    """All visible text-ish output of a run, joined (for loose assertions)."""
    parts = [
        e.value
        for kind in ("markdown", "latex", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    parts += [m.value for m in at.metric] + [m.label for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_concepts_renders_every_section(shipped):
    at = page("concepts.py")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.tabs) == 6
    assert at.selectbox(key="c4_model").value.run.name == "tiny-sentiment"  # gates use a real model
    assert "update gate" in " ".join(str(chart.proto.spec) for chart in at.get("plotly_chart"))
    boxes = [*at.text_input, *at.text_area]
    assert {"c4_text", "c5_text", "order_sentence"} <= {box.key for box in boxes}
    for box in boxes:  # every free-text box is bounded and says so
        assert box.max_chars and f"{box.max_chars:,}" in box.help, box.key


def test_moving_a_slider_changes_the_numbers(shipped):
    at = page("concepts.py")
    before = [latex.value for latex in at.latex]
    at.slider(key="c1_recurrent").set_value(2.0).run()
    after = [latex.value for latex in at.latex]
    assert not at.exception
    assert before[1] != after[1]  # W_h changed
    assert r"1.00 & -0.60" in after[1]
    at.slider(key="c1_step").set_value(3).run()
    assert "h_{3}" in " ".join(latex.value for latex in at.latex)


def test_parameter_calculator_matches_keras_summary(shipped):
    at = page("concepts.py")
    at.selectbox(key="c2_cell").set_value("simplernn")
    at.number_input(key="c2_units").set_value(32)
    at.number_input(key="c2_embed").set_value(32)
    at.run()
    assert at.metric[0].value == "2,080"
    at.selectbox(key="c2_cell").set_value("lstm").run()
    assert at.metric[0].value == "8,320"  # 4 × 32 × (32 + 32 + 1)


def test_padding_section_marks_padding(shipped):
    at = page("concepts.py")
    at.slider(key="c5_maxlen").set_value(50).run()
    assert "&lt;pad&gt;" in texts(at)
    at.slider(key="c5_maxlen").set_value(5).run()
    assert "line-through" in texts(at)


def _fill(at: AppTest, **values) -> None:
    for field, value in values.items():
        at.number_input(key=f"tr_{field}").set_value(value)


def _poll(at: AppTest, job, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(1.0)
        at.run()
    at.run()


def _worker():
    from ui.common import job_pool

    return job_pool()


def test_tiny_training_job_runs_to_completion():
    at = page("train.py")
    assert not at.exception
    assert at.metric[0].label == "Parameters"
    _fill(at, **TINY)
    at.text_input(key="tr_name").set_value("tiny-from-test")
    at.button(key="tr_start").click().run()
    assert not at.exception, at.exception
    job = _worker().get(at.session_state["tr_job_id"])
    assert job is not None and job.config.units == 4
    estimate = estimate_seconds(job.config, training_examples(job.config))  # ~33 s: 22,500 reviews of 20 words
    assert job.time_limit == pytest.approx(2 * estimate + SETUP_SECONDS)  # twice it, plus a minute to load the data
    _poll(at, job)
    assert job.status == "done", job.error
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Test accuracy" in labels
    assert "%" in at.metric[labels.index("Test accuracy")].value
    assert job.saved is not None and job.saved.name == "tiny-from-test"
    assert any("Sequential" in code.value for code in at.code)
    assert "tiny-from-test" in at.dataframe[-1].value["name"].tolist()  # experiment board


def test_training_switched_off(monkeypatch):
    monkeypatch.setenv("RNNCORE_TRAINING", "off")
    at = page("train.py")
    assert not at.exception
    assert "Training is switched off" in texts(at)
    assert not [b for b in at.button if b.key == "tr_start"]


def test_the_page_says_how_many_jobs_run_at_once(monkeypatch):
    _worker()  # the shared pool exists already (with its own lanes); only the words are checked here
    assert "one at a time" in texts(page("train.py"))
    monkeypatch.setenv("RNNCORE_MAX_JOBS", "3")
    at = page("train.py")
    assert "up to 3 at once" in texts(at)
    assert "one at a time" not in texts(at)


def test_epochs_are_capped_by_the_classroom_limit(monkeypatch):
    monkeypatch.setenv("RNNCORE_MAX_EPOCHS", "3")
    at = page("train.py")
    _fill(at, epochs=50)
    at.button(key="tr_check").click().run()
    assert "Epochs capped at 3" in texts(at)


def test_stop_cancels_a_running_job(monkeypatch):
    monkeypatch.setenv("RNNCORE_MAX_JOB_MINUTES", "100000")  # a long job on purpose (its estimate is hours)
    at = page("train.py")
    _fill(at, **dict(TINY, units=64, embed_dim=16, maxlen=400, batch_size=1, epochs=20))
    at.button(key="tr_start").click().run()
    job = _worker().get(at.session_state["tr_job_id"])
    deadline = time.monotonic() + 60
    while job.last_event("batch") is None and time.monotonic() < deadline:
        time.sleep(0.5)
    at.run()
    at.button(key=f"stop_{job.id}").click().run()
    assert job.cancel_requested
    assert job.wait(60)
    assert job.status == "cancelled"
    at.run()
    assert not at.exception


def test_a_char_job_is_not_the_train_pages_job():
    """Generate's char-model jobs share lane "train" with the Train page's: the Train page must not show one
    (it would read it as a sentiment run: test accuracy, most confidently wrong reviews)."""
    from rnncore.config import RunConfig
    from tests.conftest import TINY_CHARS

    at = page("train.py")
    job = _worker().submit(
        "tests.job_tasks:chatty",  # a fast stand-in for char training: only the job's config matters here
        {"batches": 1},
        lane="train",
        owner=at.session_state["owner_id"],
        label="char job from Generate",
        config=RunConfig(**TINY_CHARS),
    )
    assert job.wait(120) and job.status == "done", job.error
    at.run()
    assert not at.exception
    assert "Run: char job from Generate" not in [header.value for header in at.subheader]
    assert "Test accuracy" not in [metric.label for metric in at.metric]


@pytest.mark.parametrize(
    "setting, cap, values, names",
    [
        ("RNNCORE_MAX_PARAMETERS", "1000", dict(vocab_size=1000), ["Vocabulary size", "Embedding dim"]),
        # about 84 s an epoch estimated for 22,500 reviews of 50 words (rnncore/jobs/bounds.py): 2 fit in 3 minutes
        ("RNNCORE_MAX_JOB_MINUTES", "3", dict(maxlen=50, epochs=20), ["Epochs (20; 2 would fit)", "Max length (50)"]),
    ],
)
def test_a_job_over_a_cap_is_refused_before_it_is_queued(monkeypatch, setting, cap, values, names):
    monkeypatch.setenv(setting, cap)
    at = page("train.py")
    _fill(at, **dict(TINY, **values))
    at.button(key="tr_check").click().run()  # said at once, before Start
    assert any(setting in warning.value for warning in at.warning)
    at.button(key="tr_start").click().run()
    assert not at.exception
    refusal = " ".join(error.value for error in at.error)
    assert setting in refusal and all(name in refusal for name in names), refusal
    assert "tr_job_id" not in at.session_state  # nothing was queued


def test_a_second_waiting_job_is_refused_on_the_train_page(monkeypatch, tmp_path):
    """One running and one waiting job per student: Start with both taken says so and queues nothing."""
    import ui.common
    from rnncore.jobs import JobPool, OwnerLimits

    pool = JobPool(preload=(), owner_limits={"train": OwnerLimits(running=1, waiting=1)})  # fake tasks only
    monkeypatch.setattr(ui.common, "job_pool", lambda: pool)
    # an empty class store: a run an earlier test saved with these settings would be handed back (reuse), not refused
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    try:
        at = page("train.py")
        owner = at.session_state["owner_id"]
        payload = lambda name: {"folder": str(tmp_path), "name": name}  # noqa: E731
        mine = [pool.submit("tests.job_tasks:gated", payload(name), owner=owner) for name in ("runs", "waits")]
        _fill(at, **TINY)
        at.button(key="tr_start").click().run()
        assert not at.exception
        assert "You already have a job waiting; stop it or wait for it to start" in " ".join(e.value for e in at.error)
        assert pool.jobs(owner=owner) == mine
    finally:
        for name in ("runs", "waits"):
            (tmp_path / f"release-{name}").touch()
        pool.shutdown()
