"""Counterfactual negations and contrasts made from training text: the edits, their labels, the lexicon, and
that a sentiment run adds them to its training rows only."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.counterfactuals import (
    LINKING_NEGATORS,
    SHIFTS,
    WIDER_LINKING_NEGATORS,
    SentimentLexicon,
    counterfactual_sentences,
    has_negator,
    learn_lexicon,
    negation_edit,
)
from rnncore.data.datasets import prepare_sentiment
from rnncore.data.text import tokenize
from rnncore.data.verb_negation import WordForms

LEXICON = SentimentLexicon({"awful": -2.0, "great": 1.5, "boring": -1.2, "fine": 0.8})


class Always:
    """A stand-in random generator that always draws `value`."""

    def __init__(self, value: int) -> None:
        self.value = value

    def integers(self, high: int) -> int:
        return self.value


class AlwaysFirst(Always):
    """Always the first negator ("not")."""

    def __init__(self) -> None:
        super().__init__(0)


@pytest.mark.parametrize(
    ("sentence", "edited", "label"),
    [
        ("the plot was awful", "the plot was not awful", 1),
        ("the cast is really great", "the cast is not really great", 0),
        ("the ending wasn't boring", "the ending was boring", 0),
        ("the ending was not great", "the ending was great", 1),
        ("it is a great film", "it is not a great film", 0),
    ],
)
def test_a_negator_is_put_in_or_taken_out_and_the_label_flips(sentence, edited, label):
    edit = negation_edit(tokenize(sentence), LEXICON, AlwaysFirst())
    assert (" ".join(edit.tokens), edit.label, edit.kind) == (edited, label, "linking")


def test_the_wider_set_takes_far_from_out_and_puts_never_in():
    forms = WordForms(Counter())  # no verb forms known: only the linking-verb edits apply
    edit = negation_edit(tokenize("the plot was far from awful"), LEXICON, AlwaysFirst(), forms)
    assert (" ".join(edit.tokens), edit.label) == ("the plot was awful", 0)
    never = WIDER_LINKING_NEGATORS.index("never")
    edit = negation_edit(tokenize("the plot was awful"), LEXICON, Always(never), forms)
    assert " ".join(edit.tokens) == "the plot was never awful"
    old = negation_edit(tokenize("the plot was awful"), LEXICON, Always(LINKING_NEGATORS.index("never or n't")))
    assert " ".join(old.tokens) == "the plot wasn't awful"  # the first recipe's edit, kept as it was


@pytest.mark.parametrize(
    "sentence",
    [
        "great acting and an awful script",  # two sentiment words: no single flip
        "awful",  # no linking verb before it
        "the plot was fine",  # only weakly leaning
        "the film was great but nobody came",  # a negator elsewhere: inserting one would make a double negation
        "the plot was awful and fine",  # another word leans, if only weakly
    ],
)
def test_sentences_that_do_not_fit_are_left_alone(sentence):
    assert negation_edit(tokenize(sentence), LEXICON, AlwaysFirst()) is None


def test_the_lexicon_comes_from_the_labels():
    token_lists = [["great", "film"]] * 50 + [["awful", "film"]] * 50
    labels = np.array([1] * 50 + [0] * 50)
    lexicon = learn_lexicon(token_lists, labels, min_reviews=10)
    assert lexicon.polarity("great") == 1 and lexicon.polarity("awful") == -1 and lexicon.polarity("film") == 0


def test_pairs_keep_the_original_beside_the_edit_and_contrasts_follow_the_second_half():
    texts = [f"The story was {word}. I {verb} it." for word, verb in (("great", "liked"), ("awful", "hated"))] * 60
    labels = np.array([1, 0] * 60)
    out, out_labels = counterfactual_sentences(texts, labels, 40, seed=3)
    assert 20 <= len(out) <= 40 and set(out_labels) == {0.0, 1.0}
    assert sum(" but " in text for text in out) <= 10  # contrasts are at most a quarter
    pairs = dict(zip(out, out_labels))
    assert pairs["the story was great"] == 1 and pairs["the story was awful"] == 0
    with_negator = [label for text, label in zip(out, out_labels) if has_negator(text.split())]
    assert with_negator.count(1) == with_negator.count(0)  # "not" must not become a sentiment word itself
    assert any(text.startswith("the story was not ") or " never " in text for text in out)
    for text, label in zip(out, out_labels):
        if " but " in text:
            assert label == (1 if text.endswith("great") else 0)
    again, again_labels = counterfactual_sentences(texts, labels, 40, seed=3)
    assert again == out and np.array_equal(again_labels, out_labels)


def test_a_sentiment_run_adds_them_to_the_training_rows_only(monkeypatch):
    seen = {}

    def fake(texts, labels, count, seed, verbs, clauses, shifts):  # the fixture reviews are too few for a lexicon
        seen.update(reviews=len(texts), count=count)
        return ["the plot was not awful"] * count, np.ones(count, dtype=np.float32)

    monkeypatch.setattr("rnncore.data.datasets.counterfactual_sentences", fake)
    base = dict(task="sentiment", vocab_size=60, maxlen=40, seed=1)
    plain = prepare_sentiment(RunConfig(**base))
    augmented = prepare_sentiment(RunConfig(**base, counterfactuals=0.5))
    assert seen == {"reviews": len(plain.x_train), "count": round(0.5 * len(plain.x_train))}
    assert len(augmented.x_train) == len(plain.x_train) + seen["count"]
    assert np.array_equal(augmented.x_val, plain.x_val) and np.array_equal(augmented.x_test, plain.x_test)
    with pytest.raises(ValueError, match="counterfactuals must be from 0"):
        RunConfig(counterfactuals=3.0)
    with pytest.raises(ValueError, match="verb_negations changes the counterfactual sentences"):
        RunConfig(verb_negations=True)
    with pytest.raises(ValueError, match="clause_negations changes the counterfactual sentences"):
        RunConfig(clause_negations=True)
    with pytest.raises(ValueError, match="shift_contrasts changes the counterfactual sentences"):
        RunConfig(shift_contrasts=True)
    with pytest.raises(ValueError, match="language_model starts one forward LSTM layer"):
        RunConfig(cell="gru", language_model="imdb-lm")


def test_with_verbs_the_sentiment_verbs_are_negated_too_and_negators_stay_balanced():
    texts = [
        f"The story was {word}. I {verb} it. You love or hate it."
        for word, verb in (("great", "loved"), ("awful", "hated"))
    ] * 60
    labels = np.array([1, 0] * 60)
    plain, _ = counterfactual_sentences(texts, labels, 64, seed=2)
    out, out_labels = counterfactual_sentences(texts, labels, 64, seed=2, verbs=True)
    pairs = dict(zip(out, out_labels))
    assert not any("love" in text for text in plain if "loved" not in text)
    assert {pairs.get("i didn't love it"), pairs.get("i never loved it")} - {None} == {0.0}
    assert {pairs.get("i didn't hate it"), pairs.get("i never hated it")} - {None} == {1.0}
    with_negator = [label for text, label in zip(out, out_labels) if has_negator(text.split())]
    assert with_negator.count(1) == with_negator.count(0)


def test_with_clauses_whole_clauses_are_negated_too_and_negators_stay_balanced():
    texts = [f"The story was {word}. The cast were {word}." for word in ("great", "awful")] * 60
    labels = np.array([1, 0] * 60)
    plain, _ = counterfactual_sentences(texts, labels, 64, seed=2, verbs=True)
    out, out_labels = counterfactual_sentences(texts, labels, 64, seed=2, verbs=True, clauses=True)
    assert not any(text.startswith("i ") or " but " in text and "supposed" in text for text in plain)
    clauses = {text: label for text, label in zip(out, out_labels) if text.startswith(("i ", "everyone", "the "))}
    taken_back = [text for text in clauses if text.endswith(("but it wasn't", "but they weren't"))]
    wrapped = [text for text in clauses if text.startswith(("i don't", "i do not", "i didn't"))]
    assert taken_back and wrapped
    assert all(clauses[text] == (0.0 if "great" in text else 1.0) for text in taken_back + wrapped)
    with_negator = [label for text, label in zip(out, out_labels) if has_negator(text.split())]
    assert with_negator.count(1) == with_negator.count(0)


def test_with_shifts_a_change_of_mind_joins_two_sentences_and_the_later_one_decides():
    texts = [f"The story was {word}. The cast were {word}." for word in ("great", "awful")] * 60
    labels = np.array([1, 0] * 60)
    plain, plain_labels = counterfactual_sentences(texts, labels, 64, seed=2)
    out, out_labels = counterfactual_sentences(texts, labels, 64, seed=2, shifts=True)
    assert out[: len(plain)] == plain and np.array_equal(out_labels[: len(plain)], plain_labels)
    shifted = list(zip(out[len(plain) :], out_labels[len(plain) :]))
    assert len(shifted) == 64 // 8
    for text, label in shifted:
        before, after = next((b, a) for b, a in SHIFTS if f" {a} " in text and text.startswith(b))
        later = text.split(f" {after} ")[1]
        assert label == (1.0 if "great" in later else 0.0)
        assert ("great" in later) != ("great" in text.split(f" {after} ")[0])
