"""Bad input through the UI: each gets a clear message, no traceback, and the session keeps its work.
(The CLI and engine sides are in test_cli.py, test_data.py, test_predict_sample.py and test_store.py.)"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.paths import class_models_dir
from rnncore.store import ModelStore

PAGES = Path(__file__).resolve().parent.parent / "pages"


@pytest.fixture
def shipped(tiny_store, monkeypatch):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    return tiny_store


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "review",
    [
        "😀😍🎬 great 👍",  # emoji only around one word
        "这部电影太棒了 映画は素晴らしい",  # CJK: every word unknown to an English model
        "הסרט היה נהדר الفيلم كان رائعا",  # right-to-left scripts
        "\u202egreat\u202c film \u200b\u200b",  # bidi override and zero-width characters
    ],
)
def test_predict_handles_any_script(shipped, review):
    at = _page("predict.py")
    at.session_state["review_text"] = review
    at.session_state["review_version"] = at.session_state["review_version"] + 1
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m for m in at.metric if m.label == "Verdict"], "a prediction is shown"


def test_generate_rejects_one_character_corpus_and_keeps_the_text(shipped):
    at = _page("generate.py")
    at.radio(key="train_corpus").set_value("My own text").run()
    at.text_area(key="train_text").input("a" * 500).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert "one distinct character" in "\n".join(e.value for e in at.error)
    assert at.text_area(key="train_text").value == "a" * 500  # nothing the student typed is lost


def test_closing_the_browser_does_not_stop_training(shipped):
    """Documented behaviour: a job belongs to the server, not the tab; it finishes and is saved."""
    at = _page("train.py")
    for field, value in dict(units=4, embed_dim=4, vocab_size=60, maxlen=20, epochs=1, batch_size=8).items():
        at.number_input(key=f"tr_{field}").set_value(value)
    at.text_input(key="tr_name").set_value("left-behind")
    at.button(key="tr_start").click().run()
    assert not at.exception
    from ui.common import job_pool

    job = job_pool().get(at.session_state["tr_job_id"])
    del at  # the student closes the tab: the session and its page are gone
    gc.collect()
    deadline = time.monotonic() + 120
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.status == "done", job.error
    assert job.saved is not None and "left-behind" in [run.name for run in ModelStore(class_models_dir()).list_runs()]
