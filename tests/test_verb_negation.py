"""Negating sentiment verbs for the counterfactual sentences: forms found from the training text's own counts,
the edits in both directions, and the sentences left alone."""

from __future__ import annotations

from collections import Counter

import pytest

from rnncore.data.counterfactuals import SentimentLexicon, negation_edit
from rnncore.data.text import tokenize
from rnncore.data.verb_negation import WordForms

LEXICON = SentimentLexicon({"loved": 1.8, "love": 1.5, "recommend": 1.2, "bored": -1.6, "bore": -1.1, "sucks": -2.0})
FORMS = WordForms(
    Counter(
        {
            "love": 50,
            "loved": 40,
            "loves": 20,
            "bore": 9,
            "bored": 30,
            "bores": 6,
            "suck": 10,
            "sucks": 25,
            "recommend": 60,
            "recommended": 30,
            "enjoy": 30,
            "enjoyed": 30,
            "stop": 20,
            "stopped": 10,
            "carry": 8,
            "carries": 6,
            "carrie": 40,
        }
    )
)


class Pick:
    """A stand-in random generator that always answers `value` (0: "didn't", 2's share: "never")."""

    def __init__(self, value: int = 1) -> None:
        self.value = value

    def integers(self, high: int) -> int:
        return self.value


@pytest.mark.parametrize(
    ("word", "ending", "base"),
    [
        ("loved", "ed", "love"),
        ("enjoyed", "ed", "enjoy"),
        ("stopped", "ed", "stop"),
        ("sucks", "s", "suck"),
        ("carries", "s", "carry"),
        ("bored", "ed", "bore"),
        ("love", "ed", None),
        ("unseen", "ed", None),
    ],
)
def test_base_forms_come_from_the_training_texts_counts(word, ending, base):
    assert FORMS.base(word, ending) == base


@pytest.mark.parametrize(
    ("sentence", "edited", "label"),
    [
        ("i loved it", "i didn't love it", 0),
        ("it bored me to tears", "it didn't bore me to tears", 1),
        ("this movie sucks", "this movie doesn't suck", 1),
        ("i would recommend it to anyone", "i wouldn't recommend it to anyone", 0),
        ("i love this show", "i don't love this show", 0),
        ("i didn't love it", "i loved it", 1),
        ("the film doesn't bore", "the film bores", 0),
        ("i wouldn't recommend it", "i would recommend it", 1),
    ],
)
def test_a_verb_is_negated_or_its_negation_taken_out_and_the_label_flips(sentence, edited, label):
    edit = negation_edit(tokenize(sentence), LEXICON, Pick(), FORMS)
    assert (" ".join(edit.tokens), edit.label, edit.kind) == (edited, label, "verb")


def test_a_past_verb_is_sometimes_negated_with_never():
    edit = negation_edit(tokenize("i loved it"), LEXICON, Pick(0), FORMS)
    assert " ".join(edit.tokens) == "i never loved it" and edit.label == 0


@pytest.mark.parametrize(
    "sentence",
    [
        "can you love it",  # a question: "can you don't love it" is not English
        "the most loved film",  # an adjective, not a verb after its subject
        "i loved it and nobody cared",  # a negator already there
        "i loved it",  # without word forms only linking verbs are edited
    ],
)
def test_verbs_that_cannot_be_seen_as_verbs_are_left_alone(sentence):
    forms = None if sentence == "i loved it" else FORMS
    assert negation_edit(tokenize(sentence), LEXICON, Pick(), forms) is None
