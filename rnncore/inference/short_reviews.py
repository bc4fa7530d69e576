"""Short sentences as students type them ("not bad at all"): a labelled dev set, its scoring, and the true
labels of the Predict page's examples. The shipped models learned from long IMDB reviews, so this measures
how far that carries to one-line opinions (issue 13).

NumPy only, like the rest of rnncore.inference: the server imports it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rnncore.inference.predict import Prediction

LABELS = ("positive", "negative")
HEADER = ("label", "category", "text")

# The Predict page's example buttons (pages/predict.py EXAMPLES): the label a person gives each, and why a
# model trained on long IMDB reviews may miss it (the teaching note says so when it does).
PAGE_EXAMPLES: dict[str, tuple[str, str]] = {
    "not bad at all": (
        "positive",
        "There, *bad* is one of the strongest clues for a negative review, and short phrases in which *not* flips "
        "it are rare.",
    ),
    "I expected to hate it, but it was wonderful": (
        "positive",
        "*Hate* is one of the strongest negative clues in IMDB reviews; the model has to learn that *but* makes "
        "what follows count for more.",
    ),
    "not good": (
        "negative",
        "*Good* turns up in thousands of positive reviews, and a two-word phrase gives the model almost nothing "
        "else to go on, so it has to read *not* and *good* in order.",
    ),
    "a waste of two hours": (
        "negative",
        "*Waste* is usually a strong negative clue, but four words give it little else to go on.",
    ),
    "The first hour is slow, the dialogue is clumsy and the lead actor looks bored; I nearly walked out. "
    "The villain is a cliche and the jokes fall flat. But then the film finds its heart: the last act is "
    "brilliant, the music is beautiful and the ending is genuinely moving. Not perfect, and far too long, "
    "but I would still recommend it to anyone who loves a good story.": (
        "positive",
        "The complaints come first and the praise last; a model that adds up every complaint without giving the "
        "final *but I would still recommend it* its weight ends up on the wrong side.",
    ),
}


@dataclass(frozen=True)
class LabelledSentence:
    """One dev-set row: the text, its human label and the kind of difficulty it tests."""

    text: str
    label: str  # positive | negative
    category: str  # negation, contrast, comparison, idiom, plain, intensity, ...


@dataclass(frozen=True)
class Miss:
    """A sentence the model got wrong and the P(positive) it gave."""

    sentence: LabelledSentence
    probability: float

    @property
    def confidence(self) -> float:
        """How sure the wrong answer was: 0 at 0.5, 1 at certainty."""
        return abs(self.probability - 0.5) * 2


@dataclass(frozen=True)
class CategoryScore:
    """Correct answers out of the category's sentences."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        """Fraction correct (0 for an empty category)."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ShortReviewScore:
    """A model's result on the dev set: overall, per category, and every miss (surest first)."""

    correct: int
    total: int
    categories: dict[str, CategoryScore]
    misses: tuple[Miss, ...]

    @property
    def accuracy(self) -> float:
        """Fraction of all sentences labelled correctly."""
        return self.correct / self.total if self.total else 0.0

    def category_accuracy(self) -> dict[str, float]:
        """Category → accuracy, in the dev set's order."""
        return {name: score.accuracy for name, score in self.categories.items()}


class BatchPredictor(Protocol):
    """What scoring needs: Predictor.predict_batch (a stub in tests)."""

    def predict_batch(self, texts: list[str]) -> list[Prediction]: ...


def load_short_reviews(path: str | Path) -> list[LabelledSentence]:
    """The dev set from a UTF-8 TSV with the header `label<TAB>category<TAB>text`. Blank lines are skipped;
    any other malformed row raises ValueError naming its line number."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise ValueError(f"{path}, line 1: the header must be {'<TAB>'.join(HEADER)!r}")
    sentences = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            raise ValueError(f"{path}, line {number}: expected 3 tab-separated fields, found {len(fields)}")
        label, category, text = (field.strip() for field in fields)
        if label not in LABELS:
            raise ValueError(f"{path}, line {number}: label must be positive or negative, not {label!r}")
        if not category or not text:
            raise ValueError(f"{path}, line {number}: the category and the text must not be empty")
        sentences.append(LabelledSentence(text, label, category))
    return sentences


def score_short_reviews(predictor: BatchPredictor, sentences: Sequence[LabelledSentence]) -> ShortReviewScore:
    """Predict every sentence in one batched call and compare with the human labels."""
    if not sentences:
        raise ValueError("no sentences to score")
    predictions = predictor.predict_batch([sentence.text for sentence in sentences])
    tallies: dict[str, list[int]] = {}  # category → [correct, total]; dicts keep the dev set's order
    misses = []
    for sentence, prediction in zip(sentences, predictions, strict=True):
        tally = tallies.setdefault(sentence.category, [0, 0])
        tally[1] += 1
        if prediction.label == sentence.label:
            tally[0] += 1
        else:
            misses.append(Miss(sentence, prediction.probability))
    misses.sort(key=lambda miss: miss.confidence, reverse=True)  # confidently wrong is the interesting kind
    categories = {name: CategoryScore(correct, total) for name, (correct, total) in tallies.items()}
    correct = sum(score.correct for score in categories.values())
    return ShortReviewScore(correct, len(sentences), categories, tuple(misses))


def _normalise(text: str) -> str:
    """Case, surrounding punctuation and spacing don't change which example a text is."""
    return " ".join(text.casefold().split()).strip(" .!?")


_EXAMPLES = {_normalise(text): entry for text, entry in PAGE_EXAMPLES.items()}


def expected_label(text: str) -> str | None:
    """The human label of a Predict-page example ('positive' / 'negative'), or None for any other text."""
    entry = _EXAMPLES.get(_normalise(text))
    return entry[0] if entry else None


def example_lesson(text: str, probability: float) -> str | None:
    """A teaching note (Markdown, no HTML) when a model's P(positive) puts one of the page's examples on the
    wrong side; None when it is right or the text is not an example. Only the page's own example texts can
    match, so nothing a student typed is echoed into the note unchecked."""
    entry = _EXAMPLES.get(_normalise(text))
    predicted = Prediction(probability).label
    if entry is None or entry[0] == predicted:
        return None
    truth, why = entry
    quoted = " ".join(text.split())  # a line break inside *…* would end the italics
    quoted = quoted if len(quoted) <= 60 else quoted[:57].rstrip() + "…"
    return (
        f"**A teaching moment:** this model calls *{quoted}* **{predicted}** (P(positive) = {probability:.2f}), "
        f"but a person reads it as **{truth}**. The model learned from long IMDB reviews. {why} "
        "Open *Word by word* to see where the verdict turns, and compare all the models below."
    )
