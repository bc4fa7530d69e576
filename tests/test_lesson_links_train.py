"""Lesson links on the Train page (AppTest): a link's preset fills in the form and its settings change it, the
address bar and the link box name the preset and only what differs from it, bad or unknown values and settings
that do not go together fall back with a note, and `lock=` hides controls while their values are still used."""

from __future__ import annotations

from urllib.parse import parse_qsl

from rnncore.presets import BY_NAME
from tests.test_lesson_links import notes, opened

BEST = BY_NAME["best-bigru64"]


def linked(at) -> dict[str, str]:
    """The query parameters of the link the copy box shows."""
    return dict(parse_qsl(at.code[0].value.split("?", 1)[1], keep_blank_values=True))


def test_a_link_sets_the_preset_then_its_changes_and_round_trips():
    at = opened("train.py", preset="best-bigru64", cell="lstm", bidirectional="false", epochs="1", learning_rate="2e-3")
    assert at.selectbox(key="tr_preset").value == BEST.label and "⚠️" not in notes(at)
    assert at.text_input(key="tr_name").value == "best-bigru64"
    assert (at.selectbox(key="tr_cell").value, at.checkbox(key="tr_bidirectional").value) == ("lstm", False)
    assert (at.number_input(key="tr_epochs").value, at.number_input(key="tr_learning_rate").value) == (1, 0.002)
    assert at.number_input(key="tr_units").value == BEST.values()["units"]  # not in the link: the preset's
    expected = {"preset": "best-bigru64", "cell": "lstm", "bidirectional": "false", "epochs": "1"}
    assert linked(at) == {**expected, "learning_rate": "0.002"}  # the preset and only what differs from it
    again = opened("train.py", **linked(at))  # the copied link opens the same form
    for name in ("cell", "bidirectional", "epochs", "learning_rate", "units", "maxlen", "dropout", "name"):
        assert again.session_state[f"tr_{name}"] == at.session_state[f"tr_{name}"], name


def test_changing_the_form_or_the_preset_rewrites_the_url():
    at = opened("train.py")
    assert dict(at.query_params) == {"preset": "quick-gru32"}
    at.number_input(key="tr_units").set_value(48)
    at.checkbox(key="tr_mask_padding").set_value(False)
    at.button(key="tr_check").click().run()  # a form sends its widgets when a button is pressed
    assert dict(at.query_params) == {"preset": "quick-gru32", "units": "48", "mask_padding": "false"}
    at.selectbox(key="tr_preset").set_value(BEST.label).run()
    assert dict(at.query_params) == {"preset": "best-bigru64"} and linked(at) == {"preset": "best-bigru64"}


def test_bad_and_unknown_values_fall_back_with_a_note():
    bad = dict(preset="quick", units="0", dropout="nan", learning_rate="0", cell="transformer", mask_padding="yes")
    at = opened("train.py", **bad, language_model="no-such-lm", epochs="2.5", bogus="1")
    quick = BY_NAME["quick-gru32"].values()
    for name in ("units", "dropout", "learning_rate", "cell", "mask_padding", "language_model", "epochs"):
        assert at.session_state[f"tr_{name}"] == quick[name], name
    shown = notes(at)
    for name, value in (*bad.items(), ("language_model", "no-such-lm"), ("epochs", "2.5")):
        assert f"`{name}={value}` was not used" in shown, name
    assert "`bogus` is not a setting of this page" in shown
    assert dict(at.query_params) == {"preset": "quick-gru32"}  # the URL now links to what is shown


def test_settings_that_do_not_go_together_fall_back_to_the_preset():
    at = opened("train.py", preset="best-bigru64", embedding_init="cooccurrence", vocab_size="50000")
    assert "do not go together" in notes(at) and "vocab_size up to 20,000" in notes(at)
    assert at.session_state["tr_embedding_init"] == "random"
    assert at.session_state["tr_vocab_size"] == BEST.values()["vocab_size"]


def test_lock_hides_the_chosen_controls_and_their_values_are_trained():
    at = opened("train.py", preset="best-bigru64", epochs="1", units="16", lock="preset,epochs,units")
    assert not [box for box in at.selectbox if box.key == "tr_preset"]
    assert not [box for box in at.number_input if box.key in ("tr_epochs", "tr_units")]
    assert at.number_input(key="tr_maxlen").value == BEST.values()["maxlen"]  # the preset still filled the rest
    at.button(key="tr_check").click().run()
    assert not at.exception and at.query_params["lock"] == "preset,epochs,units"
    assert linked(at) == {"preset": "best-bigru64", "epochs": "1", "units": "16"}
    from rnncore.architecture import count_parameters
    from rnncore.config import RunConfig

    locked = RunConfig(**{**BEST.values(), "units": 16, "epochs": 1})
    assert at.metric[0].value == f"{count_parameters(locked, locked.vocab_size):,}"  # the locked units are used
