"""Lesson links on Translate and Generate (AppTest): a link sets the widgets and the link box shows it, bad or
unknown values fall back to the defaults with a note, `lock=` hides controls, changing a widget rewrites the URL;
and Concepts' encoder–decoder picture links to the Translate page."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_lesson_links import PAGES, notes, opened


def test_a_translate_link_sets_every_widget_and_round_trips():
    at = opened("translate.py", task="reverse", length="20", cell="gru", units="32", attention="both", seed="7")
    assert at.selectbox(key="t2_task").value == "reverse"
    assert at.slider(key="t2_length_reverse").value == 20
    assert at.selectbox(key="t2_cell").value == "gru" and at.select_slider(key="t2_units").value == 32
    assert at.radio(key="t2_attention").value == "both side by side"
    assert at.number_input(key="t2_seed").value == 7 and "⚠️" not in notes(at)
    link = "?task=reverse&length=20&cell=gru&units=32&attention=both&seed=7"
    assert link in at.code[0].value
    assert dict(at.query_params) == dict(part.split("=") for part in link[1:].split("&"))


def test_translate_bad_and_unknown_values_fall_back_with_a_note():
    at = opened("translate.py", task="numbers", length="99", cell="transformer", attention="maybe", units="7", x="1")
    assert at.selectbox(key="t2_task").value == "numbers"
    assert at.slider(key="t2_length_numbers").value == 6  # the task's default
    assert (at.selectbox(key="t2_cell").value, at.radio(key="t2_attention").value) == ("lstm", "both side by side")
    assert at.select_slider(key="t2_units").value == 64
    shown = notes(at)
    for bad in ("length=99", "cell=transformer", "attention=maybe", "units=7"):
        assert f"`{bad}` was not used" in shown, bad
    assert "`x` is not a setting of this page" in shown


def test_translate_lock_hides_controls_and_keeps_their_values():
    at = opened("translate.py", task="reverse", length="8", attention="off", lock="task,length,attention")
    assert not [box for box in at.selectbox if box.key == "t2_task"]
    assert not [slider for slider in at.slider if (slider.key or "").startswith("t2_length")]
    assert not [radio for radio in at.radio if radio.key == "t2_attention"]
    from rnncore.seq2seq.tasks import TASKS

    assert TASKS["reverse"].look_for in at.info[0].value  # the locked task is the one shown (and trained)
    assert at.query_params["lock"] == "task,length,attention" and at.query_params["length"] == "8"
    assert "?task=reverse&length=8&cell=lstm&units=64&attention=off&seed=0&lock" not in at.code[0].value
    assert "?task=reverse&length=8&cell=lstm&units=64&attention=off&seed=0" in at.code[0].value


def test_translate_changing_a_widget_rewrites_the_url():
    at = opened("translate.py")
    at.selectbox(key="t2_cell").set_value("simplernn").run()
    assert at.query_params["cell"] == "simplernn" and at.query_params["task"] == "dates"
    at.radio(key="t2_attention").set_value("on").run()
    assert at.query_params["attention"] == "on"


def test_a_generate_link_sets_model_prime_and_temperature(tiny_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    at = opened("generate.py", model="tiny-chars", prime="ROMEO", temperature="1.23")
    assert at.selectbox(key="generate_model").value == "tiny-chars (shipped)"
    assert at.text_area(key="generate_prime").value == "ROMEO"
    assert at.slider(key="generate_temperature").value == 1.25  # onto the slider's 0.05 steps
    assert "?model=tiny-chars&prime=ROMEO&temperature=1.25" in at.code[0].value
    at.slider(key="generate_temperature").set_value(0.5).run()
    assert at.query_params["temperature"] == "0.5" and at.query_params["model"] == "tiny-chars"


def test_generate_bad_values_fall_back_and_lock_hides(tiny_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    at = opened("generate.py", model="no-such-model", temperature="hot", prime="x" * 600)
    shown = notes(at)
    for bad in ("model=no-such-model", "temperature=hot", "prime="):
        assert f"`{bad}" in shown and "was not used" in shown, bad
    assert at.slider(key="generate_temperature").value == 0.8
    at = opened("generate.py", temperature="1.5", prime="ROMEO", lock="temperature,prime")
    assert not [slider for slider in at.slider if slider.key == "generate_temperature"]
    assert not [area for area in at.text_area if area.key == "generate_prime"]
    assert at.query_params["temperature"] == "1.5" and at.query_params["lock"] == "temperature,prime"


def test_concepts_encoder_decoder_picture_links_to_translate(tiny_store, monkeypatch):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=90).run()
    at.switch_page("pages/concepts.py").run()
    at.selectbox(key="c2_arch").set_value("Many-to-many, seq2seq (translation)").run()
    assert not at.exception
    assert [(link.proto.page, link.proto.label) for link in at.get("page_link")] == [
        ("translate", "Train one live, with and without attention, on the Translate page")
    ]
    at.selectbox(key="c2_arch").set_value("Bidirectional").run()
    assert not at.get("page_link")


def test_translate_shows_the_measured_table_even_with_training_off(monkeypatch):
    monkeypatch.setenv("RNNCORE_TRAINING", "off")
    at = opened("translate.py")
    assert [e.label for e in at.expander] == [
        "What we measured: which encoder–decoder learns which task, with and without attention"
    ]
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "| dates (formats mixed) | 8 | on |" in shown and "scripts/translate_table.py" in shown
