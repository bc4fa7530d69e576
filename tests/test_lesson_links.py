"""Lesson links on the Sequence Lab page (AppTest): a link sets the widgets, bad or unknown values fall back to the
defaults with a note, `lock=` hides controls, and changing a widget rewrites the URL."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parent.parent / "pages"


def opened(page: str = "sequence_lab.py", **params: str) -> AppTest:
    """The page opened with these query parameters (Sequence Lab unless told), having raised nothing."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=90)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def notes(at: AppTest) -> str:
    return "\n".join(str(caption.value) for caption in at.caption)


def test_a_link_sets_the_widgets_and_the_link_box_shows_it():
    at = opened(task="adding", length="50", cells="lstm,gru", units="32", lr="0.003", seed="7")
    assert at.selectbox(key="lab_task").value == "adding"
    assert at.slider(key="lab_length_adding").value == 50
    assert at.multiselect(key="lab_cells").value == ["lstm", "gru"]
    assert (at.select_slider(key="lab_units").value, at.select_slider(key="lab_lr").value) == (32, 0.003)
    assert at.number_input(key="lab_seed").value == 7 and "⚠️" not in notes(at)
    assert "?task=adding&length=50&cells=lstm,gru&units=32&lr=0.003&seed=7" in at.code[0].value


def test_bad_and_unknown_values_fall_back_with_a_note():
    at = opened(task="adding", length="100000", cells="lstm,transformer", bogus="1")
    assert at.selectbox(key="lab_task").value == "adding"
    assert at.slider(key="lab_length_adding").value != 100000
    assert at.multiselect(key="lab_cells").value == ["simplernn", "lstm", "gru"]
    shown = notes(at)
    assert "`length=100000` was not used" in shown and "`cells=lstm,transformer` was not used" in shown
    assert "`bogus` is not a setting of this page" in shown


def test_lock_hides_the_chosen_controls_and_keeps_their_values():
    at = opened(task="parity", length="12", lock="task,length")
    assert not [box for box in at.selectbox if box.key == "lab_task"]
    assert not [slider for slider in at.slider if slider.key and slider.key.startswith("lab_length")]
    from rnncore.lab.tasks import TASKS

    assert TASKS["parity"].shape in " ".join(str(info.value) for info in at.info)  # the locked task is the one run
    assert at.query_params["task"] == "parity" and at.query_params["lock"] == "task,length"


def test_changing_a_widget_rewrites_the_url():
    at = opened()
    at.select_slider(key="lab_units").set_value(64).run()
    assert at.query_params["units"] == "64" and at.query_params["task"] == "memory"


def test_a_predict_link_opens_the_model_and_the_review(tiny_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    page = str(Path(__file__).resolve().parent.parent / "pages" / "predict.py")
    at = AppTest.from_file(page, default_timeout=90)
    at.query_params.update(model="tiny-sentiment", text="not bad at all")
    at.run()
    assert not at.exception and at.session_state["review_text"] == "not bad at all"
    assert at.selectbox(key="predict_model").value == "tiny-sentiment (shipped)"
    assert "?model=tiny-sentiment&text=not+bad+at+all" in at.code[0].value
    at = AppTest.from_file(page, default_timeout=90)
    at.query_params.update(model="no-such-model")
    at.run()
    assert not at.exception and "`model=no-such-model` was not used" in notes(at)
