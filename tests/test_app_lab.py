"""The Sequence Lab page in AppTest: settings, a real tiny run in the lab lane of the server's worker pool
(live curves while it runs, results after), the per-session limit, and training switched off."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "sequence_lab.py")
TIMEOUT = 120


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()


def _charts(at: AppTest) -> list[str]:
    return [str(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_every_task_shows_its_explanation_and_settings():
    at = _page()
    assert not at.exception
    tasks = at.selectbox(key="lab_task").options
    assert len(tasks) == 6
    for title in tasks:
        at.selectbox(key="lab_task").set_value(title).run()
        assert not at.exception
        assert "scored by" in at.info[0].value  # the task's explanation and metric
    assert at.button(key="lab_train")


def test_a_tiny_run_shows_live_curves_then_results():
    at = _page()
    at.selectbox(key="lab_task").set_value(at.selectbox(key="lab_task").options[0]).run()
    at.multiselect(key="lab_cells").set_value(["simplernn", "gru"]).run()
    at.select_slider(key="lab_units").set_value(4).run()
    at.button(key="lab_train").click().run()
    assert not at.exception
    assert "Run #" in at.subheader[0].value
    saw_live_curve = False
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception
        if any(kind.value.startswith("The run failed") for kind in at.error):
            raise AssertionError(at.error[0].value)
        if at.dataframe:  # the results table: the run has ended
            break
        saw_live_curve = saw_live_curve or any("SimpleRNN" in spec for spec in _charts(at))
        time.sleep(0.5)
    rows = at.dataframe[0].value
    assert list(rows["cell"]) == ["SimpleRNN", "GRU"]
    assert saw_live_curve, "no curve appeared while the run was going"
    assert len(at.tabs) == 3 and "time step t" in " ".join(_charts(at))  # the gradient chart


def test_a_second_run_waits_for_the_first(monkeypatch):
    at = _page()
    at.button(key="lab_train").click().run()
    at.button(key="lab_train").click().run()
    assert any("still going" in warning.value for warning in at.warning)
    at.button(key=next(b.key for b in at.button if b.key.startswith("lab_stop_"))).click().run()


def test_training_switched_off(monkeypatch):
    monkeypatch.setenv("RNNCORE_TRAINING", "off")
    at = _page()
    assert not at.exception
    assert "switched off" in at.info[0].value
