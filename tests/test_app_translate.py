"""The Translate page in AppTest: settings with an example, a real pair of tiny runs (attention on and off) in the
lab lane of the server's worker pool, then the student's own input decoded with the attention map."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "translate.py")


def test_settings_show_an_example_of_each_task():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    for task, arrow in (("dates", "→"), ("reverse", "→"), ("numbers", "→")):
        at.selectbox(key="t2_task").set_value(task).run()
        assert arrow in at.info[0].value and not at.exception


def test_two_runs_train_side_by_side_then_decode_the_students_input():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.selectbox(key="t2_task").set_value("reverse").run()
    at.slider(key="t2_length_reverse").set_value(5)
    at.select_slider(key="t2_units").set_value(16)
    at.button(key="t2_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and not [m for m in at.metric if m.label.startswith("Exact match")]:
        time.sleep(2)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    labels = sorted(m.label for m in at.metric)
    assert labels == ["Exact match, attention off", "Exact match, attention on"]
    assert [button.proto.label for button in at.get("download_button")] == ["Download as a notebook"] * 2
    at.text_input(key="t2_input").set_value("abcde").run()
    outputs = " ".join(str(m.value) for m in at.markdown if "**Attention" in str(m.value))
    assert "**Attention on:**" in outputs and "**Attention off:**" in outputs
    assert {chart.key for chart in at.get("plotly_chart")} >= {"t2_curves"}
    assert any("one vector" in str(caption.value) for caption in at.caption)  # said for the run without attention
