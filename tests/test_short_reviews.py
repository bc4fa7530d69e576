"""Issue 13: the short-sentence dev set (tests/data/short_reviews.tsv) is sound, its loader rejects malformed
rows clearly, scoring counts right, and no shipped model falls below its measured short-sentence accuracy."""

from __future__ import annotations

import ast
from collections import Counter

import pytest

from rnncore.inference.predict import Prediction
from rnncore.inference.scorers import load_scorer
from rnncore.inference.short_reviews import (
    PAGE_EXAMPLES,
    LabelledSentence,
    example_lesson,
    expected_label,
    load_short_reviews,
    score_short_reviews,
)
from rnncore.paths import REPO_ROOT
from rnncore.store import ModelStore

DEV_SET = REPO_ROOT / "tests" / "data" / "short_reviews.tsv"
MAIN_CATEGORIES = ("negation", "contrast", "comparison", "idiom", "plain", "intensity", "but_contrast", "used_to")
# Measured on 2026-12-01 on the 459-sentence suite (NumPy mirror, float16 weights) with the models of issue 19
# (counterfactual negations and contrasts; imdb-lstm fine-tuned from the word language model): imdb-bigru 76.7 %,
# imdb-lstm 80.6 % (from the 3-epoch language model with verb negations, 2026-12-02 evening; 79.5 % without them,
# 77.3 % from the language model's first epoch), imdb-simplernn 72.5 %
# (before issue 19: 69.9 / 65.4 / 65.4 %). Each overall floor is the
# measured figure minus 3 points, each category's minus 8 (a category has 36–104 sentences), rounded down.
# The word-pairs model imdb-bigrams (67.5 %) was measured on 2026-12-02; imdb-lstm (81.5 %, clause negations) and
# imdb-blend (imdb-lstm + imdb-bigrams, 80.4 %; best on IMDB's long reviews) on 2026-12-03.
# Regenerate both with `python scripts/dev_suite.py --floors models/imdb-bigru models/imdb-lstm models/imdb-simplernn
# models/imdb-bigrams models/imdb-blend`.
FLOORS = {"imdb-bigru": 0.73, "imdb-lstm": 0.78, "imdb-simplernn": 0.69, "imdb-bigrams": 0.64, "imdb-blend": 0.77}
CATEGORY_FLOORS = {
    "imdb-bigrams": {
        "but_contrast": 0.57,
        "comparison": 0.61,
        "contrast": 0.68,
        "idiom": 0.73,
        "intensity": 0.82,
        "negated_negative": 0.03,
        "negated_positive": 0.59,
        "negation": 0.43,
        "plain": 0.88,
        "used_to": 0.58,
    },
    "imdb-bigru": {
        "but_contrast": 0.85,
        "comparison": 0.56,
        "contrast": 0.86,
        "idiom": 0.71,
        "intensity": 0.85,
        "negated_negative": 0.26,
        "negated_positive": 0.68,
        "negation": 0.54,
        "plain": 0.9,
        "used_to": 0.72,
    },
    "imdb-blend": {
        "but_contrast": 0.8,
        "comparison": 0.65,
        "contrast": 0.8,
        "idiom": 0.78,
        "intensity": 0.88,
        "negated_negative": 0.49,
        "negated_positive": 0.68,
        "negation": 0.65,
        "plain": 0.92,
        "used_to": 0.55,
    },
    "imdb-lstm": {
        "but_contrast": 0.85,
        "comparison": 0.63,
        "contrast": 0.83,
        "idiom": 0.69,
        "intensity": 0.85,
        "negated_negative": 0.59,
        "negated_positive": 0.72,
        "negation": 0.7,
        "plain": 0.92,
        "used_to": 0.55,
    },
    "imdb-simplernn": {
        "but_contrast": 0.82,
        "comparison": 0.54,
        "contrast": 0.74,
        "idiom": 0.74,
        "intensity": 0.82,
        "negated_negative": 0.28,
        "negated_positive": 0.43,
        "negation": 0.54,
        "plain": 0.88,
        "used_to": 0.69,
    },
}


@pytest.fixture(scope="module")
def sentences() -> list[LabelledSentence]:
    return load_short_reviews(DEV_SET)


# --- the dev set itself ---------------------------------------------------------------------------------
def test_the_dev_set_is_big_and_balanced(sentences):
    assert len(sentences) >= 400
    labels = Counter(sentence.label for sentence in sentences)
    assert min(labels["positive"], labels["negative"]) >= 0.4 * len(sentences), labels


def test_every_main_category_has_enough_sentences_of_both_labels(sentences):
    counts = Counter((sentence.category, sentence.label) for sentence in sentences)
    for category in MAIN_CATEGORIES:
        total = counts[category, "positive"] + counts[category, "negative"]
        assert total >= 25, (category, total)
        # within a category too, or "contrast" could be passed by a model that says negative to every "but"
        assert min(counts[category, "positive"], counts[category, "negative"]) >= 0.4 * total, category


def test_the_negation_categories_are_large_and_single_label(sentences):
    """CheckList-style negation tests: a negated negative word reads positive, a negated positive word negative."""
    labels = {
        category: Counter(s.label for s in sentences if s.category == category)
        for category in ("negated_negative", "negated_positive")
    }
    assert labels["negated_negative"]["positive"] >= 45 and set(labels["negated_negative"]) == {"positive"}, labels
    assert labels["negated_positive"]["negative"] >= 45 and set(labels["negated_positive"]) == {"negative"}, labels


def test_the_dev_set_has_no_duplicates_and_short_sentences(sentences):
    normalised = Counter(" ".join(sentence.text.casefold().split()) for sentence in sentences)
    assert [text for text, count in normalised.items() if count > 1] == []
    assert [s.text for s in sentences if not 3 <= len(s.text.split()) <= 20] == []


# --- loader and scoring -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("text\tlabel\tcategory\nnot bad\tpositive\tplain\n", "line 1: the header"),
        ("label\tcategory\ttext\npositive\tplain\tgreat film\npositive\tplain\n", "line 3: expected 3"),
        ("label\tcategory\ttext\npositive\tplain\tgreat\tfilm\n", "line 2: expected 3"),
        ("label\tcategory\ttext\n\npos\tplain\tgreat film\n", "line 3: label must be positive or negative"),
        ("label\tcategory\ttext\nnegative\tplain\t  \n", "line 2: the category and the text"),
        ("", "line 1: the header"),
    ],
)
def test_a_malformed_file_names_the_line(tmp_path, body, message):
    path = tmp_path / "bad.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_short_reviews(path)


def test_blank_lines_are_skipped_and_fields_trimmed(tmp_path):
    path = tmp_path / "ok.tsv"
    path.write_text("label\tcategory\ttext\n\npositive\t plain \tgreat film \n\n", encoding="utf-8")
    assert load_short_reviews(path) == [LabelledSentence("great film", "positive", "plain")]


class _Stub:
    """P(positive) from a fixed table: scoring is tested without a model."""

    def __init__(self, probabilities: dict[str, float]):
        self.probabilities = probabilities

    def predict_batch(self, texts: list[str]) -> list[Prediction]:
        return [Prediction(self.probabilities[text]) for text in texts]


def test_scoring_counts_per_category_and_sorts_misses_surest_first():
    sentences = [
        LabelledSentence("a", "positive", "plain"),
        LabelledSentence("b", "negative", "plain"),
        LabelledSentence("c", "positive", "negation"),
        LabelledSentence("d", "negative", "negation"),
    ]
    score = score_short_reviews(_Stub({"a": 0.9, "b": 0.6, "c": 0.05, "d": 0.2}), sentences)
    assert (score.correct, score.total, score.accuracy) == (2, 4, 0.5)
    assert score.category_accuracy() == {"plain": 0.5, "negation": 0.5}
    assert [miss.sentence.text for miss in score.misses] == ["c", "b"]  # 0.05 is surer than 0.6
    assert score.misses[0].probability == 0.05
    with pytest.raises(ValueError):
        score_short_reviews(_Stub({}), [])


# --- the Predict page's examples --------------------------------------------------------------------------
def test_every_predict_page_example_has_its_true_label():
    """PAGE_EXAMPLES must follow pages/predict.py's EXAMPLES (read from the source: importing the page runs it)."""
    tree = ast.parse((REPO_ROOT / "pages" / "predict.py").read_text(encoding="utf-8"))
    examples = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "EXAMPLES" for t in node.targets)
    )
    assert set(examples.values()) == set(PAGE_EXAMPLES)
    assert all(expected_label(text) in ("positive", "negative") for text in examples.values())


def test_expected_label_ignores_case_spacing_and_end_punctuation():
    assert expected_label("Not  bad at all!") == "positive"
    assert expected_label("not good.") == "negative"
    assert expected_label("not bad at all, I suppose") is None


def test_a_lesson_only_when_the_model_is_wrong_on_an_example():
    assert example_lesson("not bad at all", 0.8) is None
    assert example_lesson("something else", 0.1) is None
    lesson = example_lesson("Not bad at all", 0.21)
    assert "*Not bad at all* **negative** (P(positive) = 0.21)" in lesson and "**positive**" in lesson
    assert "*not*" in lesson  # the example's own reason, not only the generic one
    assert "<" not in lesson  # Markdown only: the page may render it without unsafe_allow_html
    long_review = max(PAGE_EXAMPLES, key=len)
    assert "…" in example_lesson(long_review, 0.3)  # quoted, but shortened


# --- regression floors for the shipped models ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_models_keep_their_short_sentence_accuracy(name, sentences):
    score = score_short_reviews(load_scorer(ModelStore(REPO_ROOT / "models").get(name)), sentences)
    worst = [f"{m.probability:.2f} {m.sentence.label}: {m.sentence.text}" for m in score.misses[:5]]
    assert score.accuracy >= FLOORS[name], (name, round(score.accuracy, 4), worst)
    measured = score.category_accuracy()
    below = {
        category: round(measured[category], 3)
        for category, floor in CATEGORY_FLOORS[name].items()
        if measured[category] < floor
    }
    assert not below, (name, below)


# --- the benchmark ------------------------------------------------------------------------------------------
def test_the_benchmark_reports_every_shipped_model_beside_its_imdb_accuracy():
    from bench.common import Settings
    from bench.short_reviews import run

    section = run(Settings(store=ModelStore(REPO_ROOT / "models")))
    rows = len(FLOORS) + 1  # and the bag-of-words baseline
    assert len(section.rows) == rows and all("IMDB test" in row.baseline for row in section.rows)
    assert [row.status for row in section.rows].count("INFO") == rows - 1  # one row carries the target
    notes = {row.benchmark.rsplit(" — ", 1)[-1]: row.note for row in section.rows}
    assert notes["imdb-bagofwords"].startswith("bag of words; ") and "word pairs" in notes["imdb-bigrams"]
    assert notes["imdb-blend"].startswith("blend; ")
    best = section.metrics["short_reviews_best_model"]
    assert best in FLOORS and ModelStore(REPO_ROOT / "models").get(best).kind == "sentiment"
    assert section.metrics["short_reviews_best_accuracy"] >= min(FLOORS.values())
    categories = {sentence.category for sentence in load_short_reviews(DEV_SET)}
    assert set(section.details["imdb-bigru"]["categories"]) == categories >= set(MAIN_CATEGORIES)


def test_the_benchmark_skips_a_store_without_sentiment_models(tmp_path):
    from bench.common import Settings
    from bench.short_reviews import run

    assert [row.status for row in run(Settings(store=ModelStore(tmp_path))).rows] == ["SKIP"]
