"""Negating a whole clause for the counterfactual sentences: the wrapped and the taken-back forms, and the
sentences left alone."""

from __future__ import annotations

import pytest

from rnncore.data.clause_negation import EXPECTATIONS, PAST_WRAPPERS, WRAPPERS, clause_negation
from rnncore.data.text import tokenize


class Draws:
    """A stand-in random generator that hands out the given draws in turn."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)

    def integers(self, high: int) -> int:
        value = self.values.pop(0)
        assert 0 <= value < high
        return value


def negated(sentence: str, word: str, *draws: int) -> str | None:
    tokens = tokenize(sentence)
    edit = clause_negation(tokens, tokens.index(word), Draws(*draws))
    return None if edit is None else " ".join(edit)


@pytest.mark.parametrize(
    ("sentence", "word", "draws", "expected"),
    [
        ("The acting was awful.", "awful", (1, 0), "i don't think the acting was awful"),
        ("This movie is a great ride!", "great", (1, 2), "i don't believe this movie is a great ride"),
        (
            "The songs were dull",
            "dull",
            (1, PAST_WRAPPERS.index("i didn't think")),
            "i didn't think the songs were dull",
        ),
        ("The acting was awful.", "awful", (0, 0), "i expected the acting to be awful but it wasn't"),
        ("The actors are superb.", "superb", (0, 1), "the actors were supposed to be superb but they weren't"),
        ("It was brilliant", "brilliant", (0, 2), "everyone told me it would be brilliant but it wasn't"),
    ],
)
def test_a_clause_is_wrapped_in_a_negation_or_taken_back_after_but(sentence, word, draws, expected):
    assert negated(sentence, word, *draws) == expected


def test_the_present_tense_is_never_wrapped_in_the_past():
    assert "i didn't think" not in WRAPPERS and len(EXPECTATIONS) == 3


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("I was bored.", "bored"),  # a personal subject would need "expected me to be"
        ("Overall the film was great.", "great"),  # a sentence adverb is not the subject
        ("Honestly the film was great.", "great"),
        ("What I liked was the great score.", "great"),  # a clause, not a noun phrase, as subject
        ("The film was great but far too long for me.", "great"),  # more than one judgement
        ("The direction was bad and the music is okay", "bad"),
        ("The first half of this long film was awful", "awful"),  # subject longer than four words
        ("Awful was the word for it.", "awful"),  # the word before the verb
        ("The film has great music.", "great"),  # no linking verb
    ],
)
def test_sentences_that_do_not_fit_are_left_alone(sentence, word):
    assert negated(sentence, word, 1, 0) is None
