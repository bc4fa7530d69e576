"""App tests (streamlit.testing AppTest) for app.py, the Home, Predict and Generate pages, run against the
tiny fixture models (RNNCORE_SHIPPED_DIR -> tiny_store) so they never need the real shipped models."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
HOME, PREDICT, GENERATE, APP = (
    str(ROOT / p) for p in ("pages/home.py", "pages/predict.py", "pages/generate.py", "app.py")
)
TIMEOUT = 120  # the first model load imports TensorFlow (seconds on a busy 2-core machine)


@pytest.fixture
def shipped(tiny_store, monkeypatch, tmp_path):
    """Shipped models = the tiny fixtures; an empty class store."""
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    return tiny_store


@pytest.fixture
def no_models(monkeypatch, tmp_path):
    """Both stores empty."""
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tmp_path / "shipped"))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))


def run(path: str) -> AppTest:
    """Run a page once and insist it raised nothing."""
    at = AppTest.from_file(path, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def set_review(at: AppTest, text: str) -> AppTest:
    """What the example buttons do: new review text, new input-widget generation."""
    at.session_state["review_text"] = text
    at.session_state["review_version"] = at.session_state["review_version"] + 1
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    """All values of some elements, joined (for 'in' checks)."""
    return "\n".join(str(element.value) for element in elements)


# --- home ---------------------------------------------------------------------------------------------
def test_home_lists_both_tiny_models(shipped):
    at = run(HOME)
    tables = "\n".join(df.value.to_string() for df in at.dataframe)
    assert "tiny-sentiment" in tables and "tiny-chars" in tables
    assert not at.error


def test_home_never_imports_tensorflow(shipped):
    script = (
        "import sys\nfrom streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({HOME!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "print('TF' if any(m == 'tensorflow' or m.startswith('tensorflow.') for m in sys.modules) else 'NO-TF')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("NO-TF")


def test_home_with_no_models_explains(no_models):
    at = run(HOME)
    assert "No sentiment model yet" in texts(at.info)


# --- predict ------------------------------------------------------------------------------------------
def test_predict_shows_a_probability(shipped):
    at = run(PREDICT)
    at = set_review(at, "a wonderful and brilliant film")
    verdict = [m for m in at.metric if m.label == "Verdict"]
    assert verdict and verdict[0].value.split()[-1] in ("positive", "negative")
    assert "P(positive) = " in verdict[0].delta
    gauge = [element.proto.body for element in at.get("html") if 'alt="P(positive)' in element.proto.body]
    shown = float(verdict[0].delta.split("= ")[1])  # the gauge shows the verdict's probability as a percentage
    image = re.search(r"base64,([^\"]+)", gauge[0]) if len(gauge) == 1 else None
    percent = re.search(r">([0-9.]+)%</text>", base64.b64decode(image.group(1)).decode()) if image else None
    assert percent and float(percent.group(1)) == pytest.approx(shown * 100, abs=0.11)
    assert {c.key for c in at.get("plotly_chart")} == {"trajectory"}  # only the open tab is drawn
    at.session_state["predict_tab"] = "Hidden state"
    at.run()
    assert {c.key for c in at.get("plotly_chart")} == {"heatmap"}


def test_predict_text_area_fallback(shipped):
    at = run(PREDICT)
    at.toggle(key="predict_long").set_value(True).run()
    area = at.text_area[0]
    area.input("terrible boring awful waste").run()
    assert not at.exception
    assert at.session_state["review_text"] == "terrible boring awful waste"
    assert [m for m in at.metric if m.label == "Verdict"]


def test_predict_example_button(shipped):
    at = run(PREDICT)
    at.button(key="example_not good").click().run()
    assert not at.exception
    assert at.session_state["review_text"] == "not good"


def test_predict_escapes_user_html(shipped):
    at = run(PREDICT)
    html_bodies = ""
    for tab in ("Which words mattered", "What the model sees"):
        at.session_state["predict_tab"] = tab
        at = set_review(at, "<script>alert(1)</script> don't &lt;img src=x onerror=alert(2)&gt; great")
        # every HTML body but the gauge (our own SVG image, no user text in it)
        html_bodies += texts([html for html in at.get("html") if 'alt="P(positive)' not in html.proto.body])
    assert html_bodies, "the attribution and token views are rendered as HTML"
    assert "<script" not in html_bodies.lower() and "<img" not in html_bodies.lower()
    assert "don&#x27;t" in html_bodies  # escaped, not raw


def test_predict_empty_review_prompts(shipped):
    at = set_review(run(PREDICT), "   \n ")
    assert "Type a review" in texts(at.info)
    assert not at.error
    assert not [m for m in at.metric if m.label == "Verdict"]


def test_predict_one_megabyte_review(shipped):
    at = set_review(run(PREDICT), "great film " * 100_000)
    assert "only the first" in texts(at.warning)
    assert [m for m in at.metric if m.label == "Verdict"]


def _comparison_tables(at: AppTest) -> list:
    return [df.value for df in at.dataframe if "P(positive)" in df.value.columns]


def test_predict_compares_on_a_click_the_shipped_and_the_picked_class_models(shipped, tmp_path):
    import shutil

    for name in ("class-a", "class-b"):
        shutil.copytree(shipped.get("tiny-sentiment").path, tmp_path / "class_models" / name)
    at = run(PREDICT)
    at.toggle(key="compare_all").set_value(True).run()
    assert not at.exception
    assert not _comparison_tables(at), "nothing is loaded or computed before the button is pressed"
    picker = at.multiselect(key="compare_class_models")
    assert set(picker.options) == {"class-a (class)", "class-b (class)"}
    picker.select("class-a (class)").run()
    at = set_review(at, "a wonderful film")  # typing with the section open still computes nothing
    assert not _comparison_tables(at)
    at.button(key="compare_run").click().run()
    assert not at.exception
    (table,) = _comparison_tables(at)
    assert list(table["model"]) == ["tiny-sentiment (shipped)", "class-a (class)"]  # class-b was not picked
    assert table["P(positive)"].notna().all()
    at = set_review(at, "an awful film")
    assert "press the button to update" in texts(at.caption)  # the old table stays, marked as out of date
    assert len(_comparison_tables(at)) == 1


def test_predict_text_boxes_say_their_limits(shipped):
    at = run(PREDICT)
    at.toggle(key="predict_long").set_value(True).run()
    boxes = list(at.text_area)
    assert {box.key for box in boxes} >= {"batch_lines"} and len(boxes) == 2  # the long review box too
    for box in boxes:
        assert box.max_chars and f"{box.max_chars:,}" in box.help, box.key
    assert "100,000" in at.toggle(key="predict_long").help


def test_predict_batch_csv(shipped):
    at = run(PREDICT)
    at.radio(key="batch_mode").set_value("Upload a CSV").run()
    at.file_uploader(key="batch_csv").set_value(("r.csv", b"review,score\ngreat,1\n", "text/csv")).run()
    assert not at.exception
    assert "'text' column" in texts(at.error)

    at.file_uploader(key="batch_csv").set_value(("r.csv", b"text\n\xff\xfe bad bytes\n", "text/csv")).run()
    assert "not UTF-8" in texts(at.error)

    at.file_uploader(key="batch_csv").set_value(("r.csv", b"id,Text\n1,great fun\n2,awful\n", "text/csv")).run()
    at.button(key="batch_run").click().run()
    assert not at.exception and not at.error
    result = at.session_state["batch_result"]
    assert list(result.columns) == ["text", "probability", "label"] and len(result) == 2


def test_predict_without_models_shows_message(no_models):
    at = run(PREDICT)
    assert "No sentiment model is available" in texts(at.info)


# --- generate -----------------------------------------------------------------------------------------
def test_generate_streams_requested_length(shipped):
    at = run(GENERATE)
    at.text_area(key="generate_prime").input("First").run()
    at.slider(key="generate_length").set_value(50).run()
    at.button(key="generate_button").click().run()
    assert not at.exception and not at.error
    result = at.session_state["generation"]
    assert len(result["text"]) == 50 and len(result["steps"]) == 50
    assert any(code.value == "First" + result["text"] for code in at.code)
    assert at.slider(key=f"position_{result['id']}").value == 50
    assert "position_bars" in {chart.key for chart in at.get("plotly_chart")}  # drawn from the kept alternatives
    prime = at.text_area(key="generate_prime")
    assert prime.max_chars == 2_000 and "2,000" in prime.help


def test_generate_same_seed_same_text_and_temperatures(shipped):
    at = run(GENERATE)
    at.slider(key="generate_length").set_value(30).run()
    at.button(key="generate_button").click().run()
    first = at.session_state["generation"]["text"]
    at.button(key="generate_button").click().run()
    assert at.session_state["generation"]["text"] == first
    at.button(key="compare_temperatures").click().run()
    assert not at.exception
    assert set(at.session_state["temperature_texts"]) == {0.2, 0.8, 1.2}


def test_generate_rejects_short_custom_text(shipped):
    at = run(GENERATE)
    at.radio(key="train_corpus").set_value("My own text").run()
    at.text_area(key="train_text").input("far too short").run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert "at least 200" in texts(at.error)
    pasted, name = at.text_area(key="train_text"), at.text_input(key="train_name")
    assert pasted.max_chars == 500_000 and "500,000" in pasted.help and "200 most frequent" in pasted.help
    assert name.max_chars == 60 and "60" in name.help


def test_generate_trains_a_small_model_from_pasted_text(shipped):
    at = run(GENERATE)
    at.radio(key="train_corpus").set_value("My own text").run()
    at.text_area(key="train_text").input("To be, or not to be, that is the question.\n" * 10).run()
    at.select_slider(key="train_units").set_value(32).run()
    at.slider(key="train_epochs").set_value(1).run()
    at.text_input(key="train_name").input("my-hamlet").run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    from ui.common import job_pool

    job = job_pool().get(at.session_state["generate_job"])
    assert job.wait(180) and job.status == "done", job.error
    at.run()
    assert not at.exception
    assert "my-hamlet" in texts(at.success)
    assert at.selectbox(key="generate_model").value == "my-hamlet (class)"


def test_generate_training_switched_off(shipped, monkeypatch):
    monkeypatch.setenv("RNNCORE_TRAINING", "off")
    at = run(GENERATE)
    assert "switched off" in texts(at.info)


def test_generate_without_models(no_models):
    at = run(GENERATE)
    assert "No character (text generation) model" in texts(at.info)
    assert at.button(key="train_start")


# --- the whole app ------------------------------------------------------------------------------------
def test_app_navigation(shipped):
    missing = [p for p in ("pages/concepts.py", "pages/train.py") if not (ROOT / p).exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not written yet (another part of the project)")
    at = run(APP)
    assert "RNN Playground" in texts(at.title)
    for page in ("pages/predict.py", "pages/generate.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
