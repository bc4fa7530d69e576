"""Negating a sentiment *verb* in a training sentence ("I loved it" → "I didn't love it", "it never bored me",
"I would recommend it" → "I wouldn't recommend it", and back): the second kind of counterfactual edit beside the
linking-verb one in rnncore.data.counterfactuals. Verb forms come from the training text itself (a form counts as
a word when the training reviews use it), so no outside word list or tagger is needed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

# Who can do something: a verb right after these is read as the sentence's verb ("I loved", "it bores").
PRONOUNS_PLURAL = frozenset("i you we they".split())  # "I love it" → "I don't love it"
PRONOUNS_SINGULAR = frozenset("it he she this that everyone everybody".split())  # "it works" → "it doesn't work"
# "the ending disappointed": a determiner, one word (the noun), then the verb.
DETERMINERS = frozenset("the this that his her their its my our your".split())
NOT_NOUNS = frozenset("a an the very so really too quite most more less least much all and or but was is".split())
MODALS = {"would": "wouldn't", "will": "won't", "can": "can't", "could": "couldn't", "should": "shouldn't"}
UNMODALS = {negated: modal for modal, negated in MODALS.items()}
# Before a subject these make a question or an infinitive ("can you blame him", "to see it"), not a statement.
AUXILIARIES = frozenset([*MODALS, "do", "does", "did", "to", "let", "might", "must", "may", "how", "why"])
DO_NEGATED = {"didn't": "past", "doesn't": "third", "don't": "base"}
MIN_COUNT = 5  # a form must be this common in the training text to be used


@dataclass(frozen=True)
class WordForms:
    """How often each word occurs in the training text: enough to tell "loved" from "love" without a tagger."""

    counts: Counter

    def base(self, word: str, ending: str) -> str | None:
        """The base form of a past ("ed") or third-person ("s") verb, the most common candidate the training
        text uses ("loved" → "love", "enjoyed" → "enjoy", "stopped" → "stop", "misses" → "miss"), or None."""
        if not word.endswith(ending) or len(word) <= len(ending) + 2:
            return None
        stem = word[: -len(ending)]
        candidates = [stem, stem + "e"] if ending == "ed" else [stem]
        if ending == "ed" and len(stem) > 2 and stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
        if ending == "ed" and stem.endswith("i"):
            candidates.append(stem[:-1] + "y")
        if ending == "s" and stem.endswith("ie"):  # "carries" → "carry", not the name "carrie"
            candidates = [stem[:-2] + "y"]
        elif ending == "s" and stem.endswith("e"):
            candidates.append(stem[:-1])
        known = [form for form in candidates if self.counts[form] >= MIN_COUNT]
        return max(known, key=self.counts.__getitem__) if known else None

    def inflect(self, base: str, tense: str) -> str | None:
        """The past or third-person form of a base verb the training text uses ("like" → "liked"), or None."""
        if tense == "base":
            return base
        if tense == "past":
            candidates = [base + "d"] if base.endswith("e") else [base + "ed", base + base[-1] + "ed"]
            if base.endswith("y"):
                candidates.append(base[:-1] + "ied")
        else:
            candidates = [base + "s", base + "es"]
        known = [form for form in candidates if self.counts[form] >= MIN_COUNT and self.base_of(form) == base]
        return known[0] if known else None

    def base_of(self, form: str) -> str | None:
        """`base` for either ending, whichever applies."""
        return self.base(form, "ed") or self.base(form, "s")


def subject_before(tokens: list[str], position: int) -> str | None:
    """ "plural" or "singular" when the word at `position` follows a subject (a pronoun, or determiner + noun)."""
    if position < 1 or (position >= 2 and tokens[position - 2] in AUXILIARIES):
        return None
    before = tokens[position - 1]
    if before in PRONOUNS_PLURAL:
        return "plural"
    if before in PRONOUNS_SINGULAR:
        return "singular"
    if position >= 2 and tokens[position - 2] in DETERMINERS and before.isalpha() and before not in NOT_NOUNS:
        return "singular"
    return None


def insert_verb_negation(
    tokens: list[str], position: int, forms: WordForms, rng: np.random.Generator
) -> list[str] | None:
    """The sentence with its sentiment verb at `position` negated, or None where it is not a verb we can see:
    after a modal ("would recommend" → "wouldn't recommend"), or after a subject in the past ("loved" → "didn't
    love" or "never loved"), third person ("bores" → "doesn't bore" or "never bores") or base form ("I love" →
    "I don't love")."""
    word, before = tokens[position], tokens[position - 1] if position else ""
    if before in MODALS:
        return tokens[: position - 1] + [MODALS[before]] + tokens[position:]
    subject = subject_before(tokens, position)
    if subject is None:
        return None
    never = bool(rng.integers(3) == 0)  # a third of them "never", as reviewers write: "it never bored me"
    past = forms.base(word, "ed")
    if past:
        return tokens[:position] + (["never", word] if never else ["didn't", past]) + tokens[position + 1 :]
    third = forms.base(word, "s") if subject == "singular" else None
    if third:
        return tokens[:position] + (["never", word] if never else ["doesn't", third]) + tokens[position + 1 :]
    if subject == "plural" and forms.counts[word] >= MIN_COUNT and forms.inflect(word, "past"):
        return tokens[:position] + ["don't", word] + tokens[position + 1 :]
    return None


def remove_verb_negation(tokens: list[str], position: int, forms: WordForms) -> list[str] | None:
    """The sentence with the negator before its sentiment verb at `position` taken out ("didn't like" → "liked",
    "wouldn't recommend" → "would recommend", "never bored" → "bored"), or None."""
    if position < 2:
        return None
    negator, word = tokens[position - 1], tokens[position]
    if negator in UNMODALS:
        return tokens[: position - 1] + [UNMODALS[negator]] + tokens[position:]
    if negator == "never" and subject_before(tokens, position - 1) and forms.base_of(word):
        return tokens[: position - 1] + tokens[position:]
    if negator in DO_NEGATED and subject_before(tokens, position - 1):
        inflected = forms.inflect(word, DO_NEGATED[negator])
        if inflected:
            return tokens[: position - 1] + [inflected] + tokens[position + 1 :]
    return None
