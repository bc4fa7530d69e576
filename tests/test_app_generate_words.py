"""Generate's word section (AppTest): the language model writes a review word by word, its alternatives are
shown, and two wordings get two perplexities; without a language model the section says how to get one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnncore.lm.config import LanguageModelConfig
from rnncore.lm.runs import save_language_model
from tests.test_word_writer import WORDS, random_weights

GENERATE = str(Path(__file__).resolve().parent.parent / "pages" / "generate.py")


@pytest.fixture
def stores(tiny_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tiny_store.root))
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class_models"))
    return tmp_path / "class_models"


def add_language_model(store: Path) -> None:
    config = LanguageModelConfig(vocab_size=20, embed_dim=8, units=10, sampled=5)
    history = [{"epoch": 1, "heldout_perplexity": 17.5}]
    save_language_model(store / "tiny-lm", config, random_weights(), WORDS, {"history": history})


def run(at: AppTest) -> AppTest:
    """Run (a widget's change or the page itself) and insist nothing was raised."""
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_review_is_written_word_by_word_and_wordings_compared(stores):
    add_language_model(stores)
    at = run(AppTest.from_file(GENERATE, default_timeout=120))
    assert at.selectbox(key="words_model").value == "tiny-lm (class)"
    at.text_input(key="words_prime").input("w1 w2")
    at.slider(key="words_length").set_value(12)
    run(at.button(key="words_write").click())
    steps = at.session_state["words_result"]["steps"]
    assert 1 <= len(steps) <= 12 and all(step.word != "<unk>" for step in steps)
    assert "words_bars" in {chart.key for chart in at.get("plotly_chart")}
    at.text_input(key="words_a").input("w1 w2 w3")
    run(at.text_input(key="words_b").input("w3 w2 w1"))
    shown = [metric.value for metric in at.metric if metric.label == "Perplexity per word"]
    assert len(shown) == 2 and shown[0] != shown[1]  # the same words in another order score differently
    run(at.text_input(key="words_a").input("... ;"))
    assert "at least one word" in "\n".join(w.value for w in at.warning)


def test_without_a_language_model_the_section_says_how_to_train_one(stores):
    at = run(AppTest.from_file(GENERATE, default_timeout=120))
    assert "train lm" in "\n".join(info.value for info in at.info)
