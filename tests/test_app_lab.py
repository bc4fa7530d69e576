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
    notebook = at.get("download_button")  # the run as a notebook that reproduces it (ui/run_notebooks.py)
    assert [button.proto.label for button in notebook] == ["Download this run as a notebook"]


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


def _finished_run(rounds: int) -> None:
    """Script: the results of a finished memory run whose cell trained `rounds` of its 40 rounds."""
    import numpy as np

    from rnncore.jobs.job import DONE, Job
    from rnncore.lab.config import LabConfig
    from rnncore.lab.results import CellOutcome, LabResult
    from ui.lab import results

    config = LabConfig(task="memory", cells=("gru",), length=5)
    curve = [{"round": r, "seconds": 0.1 * r, "loss": 1.0, "metric": 0.5} for r in range(rounds + 1)]
    outcome = CellOutcome("gru", 0.5, 0.1 * rounds, curve, np.full(4, 0.25), np.zeros((5, 16)), np.ones(5))
    result = LabResult(config, "accuracy", True, "chance", 0.25, {"gru": outcome}, np.zeros((5, 5)), np.array(1), 15.0)
    job = Job(1, "t", None, "lab", "", "run", config)
    job.finish(DONE, result)
    results(job)


def test_a_run_cut_short_by_a_busy_server_says_so():
    at = AppTest.from_function(_finished_run, args=(7,), default_timeout=30).run()
    assert not at.exception
    assert any("ended after 7 of 40 rounds" in caption.value for caption in at.caption)
    at = AppTest.from_function(_finished_run, args=(40,), default_timeout=30).run()
    assert not at.exception and not any("rounds for at least one cell" in c.value for c in at.caption)
