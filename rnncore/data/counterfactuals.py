"""Counterfactual sentences made from IMDB's own training text, to teach what "not" does (after Kaushik et al.
2020, without people and without any outside lexicon): the split's sentiment words are found by log-odds between
positive and negative training reviews; a training sentence whose one strong word agrees with its review's
label gets a negator put in front of that word (or taken away, where it had one) and the opposite label. The
original sentence is kept beside its edit, so the pair differs only in the negation. The word stands after a
linking verb ("was not awful") or, with `verbs`, is itself a verb (rnncore.data.verb_negation). Another kind joins a
sentence of one label and one of the other with "but" (with `shifts`, also with a change of mind: "in hindsight"),
labelled as the second: what follows decides. With
`clauses`, a sentence is also negated as a whole clause, far from its word (rnncore.data.clause_negation).

Everything works on tokens (rnncore.data.text), as the models read them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rnncore.data.clause_negation import clause_negation
from rnncore.data.sentence_crops import split_sentences
from rnncore.data.text import tokenize
from rnncore.data.verb_negation import WordForms, insert_verb_negation, remove_verb_negation

# Words after which a negator can stand ("was" → "was not"): verbs that link a subject to a judgement.
LINKING = frozenset(
    "is was are were be been being seems seemed seem looks looked look feels felt feel remains remained "
    "became becomes it's that's this's".split()
)
ARTICLES = frozenset({"a", "an"})
INTENSIFIERS = frozenset("very so really too quite pretty extremely particularly terribly that all".split())
# The negators put in after a linking verb, drawn evenly: "n't" contracts is/was/are/were ("wasn't", else "not");
# "never or n't" is the first recipe's "never", contracted where it can be; "at all" goes after the word when it
# ends the sentence. The wider set (with verb negations) adds "far from" and a plain "never" ("was never funny").
# Deliberately never taught: "hardly", "nothing", "nobody", "none", "no": the suite's sentences with only those
# negators measure whether what was learnt from the others carries over (docs/order_matters.md).
LINKING_NEGATORS = ("not", "not", "never or n't", "not at all")
WIDER_LINKING_NEGATORS = ("not", "not", "n't", "never", "not at all", "far from")
# Negators a sentence may already have right before the linking verb's word ("was not", "isn't"):
CONTRACTED = {"isn't": "is", "wasn't": "was", "aren't": "are", "weren't": "were", "doesn't": "does"}
CONTRACTIONS = {verb: contracted for contracted, verb in CONTRACTED.items() if verb != "does"}
NEGATORS = frozenset({"not", "never", "no", "hardly", "nothing", "nobody", "none", "nor", *CONTRACTED})
MAX_WORDS = 25
MIN_PAIRS = 10
PER_REVIEW = 2  # sentences used from one review, so the examples stay varied
MAX_CONTRAST_PART = 14  # words in each half of an "A but B" example
# With `shifts`, a change of mind joins the halves instead of "but", and the later view decides: "A in hindsight B",
# "early on A by the time it ended B". None of these words is in the dev suite, whose "used to", "at first ... now"
# sentences then measure whether the lesson carries over to other words for the same change.
SHIFTS = (
    ("", "in hindsight"),
    ("", "looking back"),
    ("", "in retrospect"),
    ("", "eventually"),
    ("", "in the end"),
    ("", "on reflection"),
    ("", "afterwards"),
    ("early on", "by the time it ended"),
    ("to begin with", "after a while"),
    ("originally", "over the years"),
    ("at the start", "with time"),
    ("for a while", "gradually"),
)
STRONG, WEAK = 1.0, 0.7  # log-odds: the edited word must be strong, and no other word even weak


@dataclass(frozen=True)
class SentimentLexicon:
    """Words whose presence leans a training review one way, with their log-odds (+ positive, − negative)."""

    scores: dict[str, float]

    def polarity(self, word: str, at_least: float = STRONG) -> int:
        """+1, −1, or 0 for a word that leans less than `at_least` either way."""
        score = self.scores.get(word, 0.0)
        return 1 if score >= at_least else -1 if score <= -at_least else 0


def learn_lexicon(
    token_lists: Sequence[Sequence[str]], labels: np.ndarray, min_reviews: int = 40, min_log_odds: float = WEAK
) -> SentimentLexicon:
    """Log-odds (add-one smoothed, document frequencies) of each word between positive and negative reviews;
    words seen in at least `min_reviews` reviews and leaning at least `min_log_odds` either way."""
    positive, negative = Counter(), Counter()
    for tokens, label in zip(token_lists, labels):
        (positive if label >= 0.5 else negative).update(set(tokens))
    n_pos, n_neg = max(1, int((labels >= 0.5).sum())), max(1, int((labels < 0.5).sum()))
    scores = {}
    for word in positive.keys() | negative.keys():
        pos, neg = positive[word], negative[word]
        if pos + neg < min_reviews or word in NEGATORS or word in LINKING or not word.isalpha():
            continue
        score = math.log((pos + 1) / n_pos) - math.log((neg + 1) / n_neg)
        if abs(score) >= min_log_odds:
            scores[word] = score
    return SentimentLexicon(scores)


class Edit(NamedTuple):
    """A negation edit: the edited tokens, its label (1 positive / 0 negative) and which kind of edit it was."""

    tokens: list[str]
    label: int
    kind: str  # "linking" ("was not awful"), "verb" ("didn't love") or "clause" ("i don't think ... was awful")


def has_negator(tokens: Sequence[str], far_from: bool = True) -> bool:
    """Whether the sentence negates anything already ("not", "wasn't", "never", and "far from" unless told not)."""
    return any(
        token in NEGATORS
        or token.endswith("n't")
        or (far_from and token == "from" and index and tokens[index - 1] == "far")
        for index, token in enumerate(tokens)
    )


def sentiment_word(tokens: Sequence[str], lexicon: SentimentLexicon) -> tuple[int, int] | None:
    """The position and polarity of the sentence's one sentiment word, or None unless exactly one word leans
    even weakly and it leans strongly."""
    found = [(i, lexicon.polarity(word)) for i, word in enumerate(tokens) if lexicon.polarity(word, WEAK)]
    if len(found) != 1 or not lexicon.polarity(tokens[found[0][0]]):
        return None
    return found[0]


def negation_edit(
    tokens: list[str], lexicon: SentimentLexicon, rng: np.random.Generator, forms: WordForms | None = None
) -> Edit | None:
    """The sentence with its one sentiment word negated (or un-negated) and the label flipped, or None when the
    sentence does not fit: it must hold exactly one sentiment word (strong, and no other word leaning even
    weakly), either right after a linking verb (maybe with an intensifier or article between: "was not a great
    film") or, given the training text's word forms, a verb after its subject or a modal ("didn't love")."""
    found = sentiment_word(tokens, lexicon)
    if found is None:
        return None
    position, polarity = found
    if forms is None:
        return linking_edit(tokens, position, polarity, rng, wider=False)
    return verb_edit(tokens, position, polarity, forms, rng) or linking_edit(
        tokens, position, polarity, rng, wider=True
    )


def verb_edit(
    tokens: list[str], position: int, polarity: int, forms: WordForms, rng: np.random.Generator
) -> Edit | None:
    """The sentiment-verb kind of `negation_edit` (rnncore.data.verb_negation): "loved" → "didn't love"."""
    if not has_negator(tokens):
        edited = insert_verb_negation(tokens, position, forms, rng)
        return Edit(edited, int(polarity < 0), "verb") if edited else None
    edited = remove_verb_negation(tokens, position, forms)
    return Edit(edited, int(polarity > 0), "verb") if edited and not has_negator(edited) else None


def linking_edit(tokens: list[str], position: int, polarity: int, rng: np.random.Generator, wider: bool) -> Edit | None:
    """The linking-verb kind of `negation_edit`: a negator put in after "was" (or one taken out); `wider` draws
    from WIDER_LINKING_NEGATORS and knows "far from", else the first recipe's LINKING_NEGATORS, exactly as it was."""
    slot = position - 1 if position and tokens[position - 1] in INTENSIFIERS else position
    if slot and tokens[slot - 1] in ARTICLES:  # "was a great film" → "was not a great film"
        slot -= 1
    if slot < 1:
        return None
    before = tokens[slot - 1]
    if before in CONTRACTED:
        return Edit(tokens[: slot - 1] + [CONTRACTED[before]] + tokens[slot:], int(polarity > 0), "linking")
    if before in NEGATORS or (wider and before == "from" and slot >= 2 and tokens[slot - 2] == "far"):
        width = 2 if before == "from" else 1
        if slot < width + 1 or tokens[slot - width - 1] not in LINKING:
            return None
        edited = tokens[: slot - width] + tokens[slot:]
        return None if wider and has_negator(edited) else Edit(edited, int(polarity > 0), "linking")
    if before not in LINKING or has_negator(tokens, far_from=wider):
        return None
    negators = WIDER_LINKING_NEGATORS if wider else LINKING_NEGATORS
    negator = negators[int(rng.integers(len(negators)))]
    if negator in ("n't", "never or n't") and before in CONTRACTIONS:  # "was" → "wasn't", as people write it
        return Edit(tokens[: slot - 1] + [CONTRACTIONS[before]] + tokens[slot:], int(polarity < 0), "linking")
    negator = {"n't": "not", "never or n't": "never"}.get(negator, negator)
    if negator == "not at all" and position == len(tokens) - 1:  # "at all" reads naturally only at the end
        edited = tokens[:slot] + ["not"] + tokens[slot : position + 1] + ["at", "all"] + tokens[position + 1 :]
    else:
        words = ["not"] if negator == "not at all" else negator.split()
        edited = tokens[:slot] + words + tokens[slot:]
    return Edit(edited, int(polarity < 0), "linking")


def counterfactual_sentences(
    texts: Sequence[str],
    labels: np.ndarray,
    count: int,
    seed: int = 0,
    verbs: bool = False,
    clauses: bool = False,
    shifts: bool = False,
) -> tuple[list[str], np.ndarray]:
    """About `count` short training examples: negation pairs (original and edit) for up to 3/4 of them, "A but B"
    contrasts for the rest (with `shifts`, count/8 more joined by a change of mind, SHIFTS). Only sentences whose
    own verdict (from the lexicon) matches their review's label are used, so every label is what the edit made it.
    The pairs are balanced so that a negator is as often in a positive example as in a negative one (otherwise
    "not" itself becomes a sentiment word), and each kind of edit (linking verb; with `verbs`, sentiment verbs;
    with `clauses`, whole clauses) gets as many; where a kind has fewer sentences than wanted, its pairs repeat.
    Reproducible for a seed."""
    if count < 0:
        raise ValueError(f"count must be at least 0; got {count}")
    token_lists = [tokenize(text) for text in texts]
    lexicon = learn_lexicon(token_lists, labels)
    forms = WordForms(Counter(token for tokens in token_lists for token in tokens)) if verbs else None
    rng = np.random.default_rng(seed)
    # (kind, inserted or removed, label of the edit) → [(original, edit)]
    buckets: dict[tuple[str, bool, int], list[tuple[list[str], list[str]]]] = {}
    pools: dict[int, list[list[str]]] = {0: [], 1: []}  # plain one-judgement sentences by label, for "but"
    for row in rng.permutation(len(texts)):
        label, used = int(labels[row] >= 0.5), 0
        for sentence in split_sentences(texts[row]):
            tokens = tokenize(sentence)
            if not 3 <= len(tokens) <= MAX_WORDS:
                continue
            edit = negation_edit(tokens, lexicon, rng, forms)
            if edit is None or edit.label == label:  # the sentence's own verdict must be its review's
                continue
            inserted = has_negator(edit.tokens, far_from=verbs)
            buckets.setdefault((edit.kind, inserted, edit.label), []).append((tokens, edit.tokens))
            if clauses and inserted and not has_negator(tokens):  # the rng is only drawn on with clauses
                clause = clause_negation(tokens, sentiment_word(tokens, lexicon)[0], rng)
                if clause:
                    buckets.setdefault(("clause", True, edit.label), []).append((tokens, clause))
            if len(tokens) <= MAX_CONTRAST_PART and "but" not in tokens:
                pools[label].append(tokens)
            used += 1
            if used == PER_REVIEW:
                break
    out_texts: list[str] = []
    out_labels: list[int] = []
    # kinds in name order, negators put in before taken out (the first recipe's order, so its data stay the same)
    groups = sorted({(kind, inserted) for kind, inserted, _ in buckets}, key=lambda group: (group[0], not group[1]))
    # a kind needs both labels; with verbs or clauses, also MIN_PAIRS of each (one sentence repeated 700 times
    # teaches only it)
    least = MIN_PAIRS if verbs or clauses else 1
    groups = [group for group in groups if all(len(buckets.get((*group, label), [])) >= least for label in (0, 1))]
    per_bucket = count * 3 // 8 // (2 * len(groups)) if groups else 0  # pairs per label: 3/4 of `count` in all
    for group in groups:
        sides = [buckets[(*group, label)] for label in (0, 1)]
        for index in range(per_bucket):  # a small bucket repeats its pairs, so both labels get as many
            for label, side in enumerate(sides):
                original, edited = side[index % len(side)]
                out_texts += [" ".join(original), " ".join(edited)]
                out_labels += [1 - label, label]
    for _ in range(max(0, min(count - len(out_texts), count // 4))):  # contrasts: at most a quarter
        if not pools[0] or not pools[1]:
            break
        first_tokens, second_tokens, second = opposite_pair(pools, rng)
        out_texts.append(" ".join(first_tokens + ["but"] + second_tokens))
        out_labels.append(second)
    if shifts and pools[0] and pools[1]:  # after the rest, so the rest stays as it was without shifts
        out_texts_shifted, out_labels_shifted = shift_contrasts(pools, count // 8, rng)
        out_texts += out_texts_shifted
        out_labels += out_labels_shifted
    return out_texts, np.asarray(out_labels, dtype=np.float32)


def opposite_pair(pools: dict[int, list[list[str]]], rng: np.random.Generator) -> tuple[list[str], list[str], int]:
    """A random sentence of one label, one of the other, and the label of the second."""
    second = int(rng.integers(2))
    first_tokens = pools[1 - second][int(rng.integers(len(pools[1 - second])))]
    return first_tokens, pools[second][int(rng.integers(len(pools[second])))], second


def shift_contrasts(
    pools: dict[int, list[list[str]]], count: int, rng: np.random.Generator
) -> tuple[list[str], list[int]]:
    """`count` examples of one label's sentence, then a change of mind (SHIFTS), then the other label's sentence,
    labelled as the later one."""
    texts, labels = [], []
    for _ in range(count):
        first_tokens, second_tokens, second = opposite_pair(pools, rng)
        before, after = SHIFTS[int(rng.integers(len(SHIFTS)))]
        texts.append(" ".join([*before.split(), *first_tokens, *after.split(), *second_tokens]))
        labels.append(second)
    return texts, labels
