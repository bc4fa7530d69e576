"""Negating a whole clause of a training sentence, the third kind of counterfactual edit beside the linking-verb
and verb ones in rnncore.data.counterfactuals: the negator stands far from the sentiment word, so a model must
carry it across the clause. "The acting was awful" becomes "i don't think the acting was awful" (a wrapped
clause) or "i expected the acting to be awful but it wasn't" (the judgement taken back after "but", its words
left out), both with the opposite label. The wrapping phrases are this module's own and share none of the dev
suite's ("can't say", "wouldn't say"), so the suite's sentences with those measure whether the lesson carries over."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Clause markers: a subject holding one of these is more than a noun phrase ("what i liked", "if the plot").
NOT_SUBJECT = frozenset("and or but if when because that which who what where while as than so then to".split())
# Sentence adverbs are not part of the subject ("overall this was great", "honestly the plot is weak").
ADVERBS = frozenset("overall however also still anyway though".split())
# Subjects that would need another case after "expected" ("expected i to be"), or that do not name the film.
PERSONAL = frozenset("i you we he she they there here".split())
MAX_SUBJECT, MAX_PREDICATE = 4, 5
WRAPPERS = ("i don't think", "i do not think", "i don't believe")
PAST_WRAPPERS = (*WRAPPERS, "i didn't think")  # "i didn't think the acting was awful", never "... is awful"
# Past tense after "expected", whatever the sentence's tense: "i expected it to be awful but it wasn't".
TAKEN_BACK = {"is": ("it", "wasn't"), "was": ("it", "wasn't"), "are": ("they", "weren't"), "were": ("they", "weren't")}
EXPECTATIONS = ("i expected {subject} to be", "{subject} {was} supposed to be", "everyone told me {subject} would be")


def clause_negation(tokens: Sequence[str], position: int, rng: np.random.Generator) -> list[str] | None:
    """The sentence wrapped in a negated clause or taken back after "but", or None when it is not "subject (1–4
    words) + is/was/are/were + a short predicate holding the sentiment word at `position`". The caller checks
    that the sentence holds one sentiment word and no negator."""
    verb = next((index for index, token in enumerate(tokens[: MAX_SUBJECT + 1]) if token in TAKEN_BACK), None)
    if verb is None or verb == 0 or position <= verb:  # the subject comes first, the word after the verb
        return None
    subject, predicate = list(tokens[:verb]), list(tokens[verb + 1 :])
    if subject[0] in PERSONAL or any(
        token in NOT_SUBJECT or token in ADVERBS or token.endswith("ly") or not token.isalpha() for token in subject
    ):
        return None
    if predicate and not predicate[-1].isalpha():  # "!" or "?" ends the sentence; the edit adds words after it
        predicate = predicate[:-1]
    # one judgement: not "great but long", nor "bad music is okay"
    if not 1 <= len(predicate) <= MAX_PREDICATE or any(
        token in NOT_SUBJECT or token in TAKEN_BACK or not token.isalpha() for token in predicate
    ):
        return None
    if rng.integers(2):
        wrappers = PAST_WRAPPERS if tokens[verb] in ("was", "were") else WRAPPERS
        return wrappers[int(rng.integers(len(wrappers)))].split() + subject + [tokens[verb]] + predicate
    pronoun, negated = TAKEN_BACK[tokens[verb]]
    expectation = EXPECTATIONS[int(rng.integers(len(EXPECTATIONS)))].format(
        subject=" ".join(subject), was="was" if pronoun == "it" else "were"
    )
    return expectation.split() + predicate + ["but", pronoun, negated]
