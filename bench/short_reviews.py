"""Benchmark: accuracy on short sentences as students type them (tests/data/short_reviews.tsv, issue 13),
beside each model's IMDB test accuracy from its run.json. Long-review accuracy does not carry over to
"not bad at all", and this row says by how much."""

from __future__ import annotations

from bench.common import REPO_ROOT, Row, Section, Settings, describe_run, usable_runs, verdict

DEV_SET = REPO_ROOT / "tests" / "data" / "short_reviews.tsv"
TARGET_ACCURACY = 0.95  # for the best model: a student should rarely see a plain short opinion mislabelled


def _percent(value: float) -> str:
    """0.7734 → '77.3 %'."""
    return f"{value * 100:.1f} %"


def run(settings: Settings) -> Section:
    """One row per sentiment model (the named ones, else all in the store, best IMDB accuracy first); the
    model with the best short-sentence accuracy carries the target."""
    from rnncore.inference.predict import Predictor
    from rnncore.inference.scorers import load_scorer
    from rnncore.inference.short_reviews import load_short_reviews, score_short_reviews

    section = Section("short_reviews")
    names = settings.models
    runs = [settings.store.get(name) for name in names] if names else usable_runs(settings.store, "sentiment")
    runs = [info for info in runs if info.kind == "sentiment"]  # --model may also name a char model
    if not runs:
        section.rows.append(Row("short-sentence accuracy", "no sentiment model", status="SKIP"))
        return section
    sentences = load_short_reviews(DEV_SET)
    scores = {}
    for info in runs:
        settings.log(f"short_reviews: {info.name}")
        scores[info.name] = score_short_reviews(Predictor(settings.load(info)), sentences)
    best = max(scores, key=lambda name: scores[name].accuracy)
    # the bag-of-words models and the blends are scored beside them, never as the best model
    bags = [] if names else [*usable_runs(settings.store, "bagofwords"), *usable_runs(settings.store, "blend")]
    for info in bags:
        scores[info.name] = score_short_reviews(load_scorer(info), sentences)
    for info in [*runs, *bags]:
        score = scores[info.name]
        imdb = info.metrics.get("accuracy")
        weakest = min(score.categories, key=lambda name: score.categories[name].accuracy)
        section.details[info.name] = {
            "model": describe_run(info),
            "accuracy": round(score.accuracy, 4),
            "correct": score.correct,
            "n": score.total,
            "categories": {name: round(value, 4) for name, value in score.category_accuracy().items()},
            "imdb_test_accuracy": imdb,
            "worst_misses": [
                {"text": miss.sentence.text, "label": miss.sentence.label, "probability": round(miss.probability, 4)}
                for miss in score.misses[:10]
            ],
        }
        is_best = info.name == best
        order = {"bagofwords": "bag of words; ", "blend": "blend; "}.get(info.kind, "")
        section.rows.append(
            Row(
                f"short-sentence accuracy — {info.name}",
                f"{_percent(score.accuracy)} ({score.correct}/{score.total})",
                # The baseline column holds the long-review figure, so the gap is visible at a glance.
                f"IMDB test {_percent(imdb)}" if imdb is not None else "IMDB test: not recorded",
                f"{(score.accuracy - imdb) * 100:+.1f} points" if imdb is not None else "",
                f"≥ {TARGET_ACCURACY:.0%} (best model)" if is_best else "",
                verdict(score.accuracy >= TARGET_ACCURACY) if is_best else "INFO",
                f"{order}{describe_run(info)}; weakest: {weakest} {_percent(score.categories[weakest].accuracy)}",
            )
        )
    section.metrics.update(
        short_reviews_best_model=best,
        short_reviews_best_accuracy=round(scores[best].accuracy, 4),
        short_reviews_n=len(sentences),
    )
    return section
