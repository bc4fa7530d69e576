"""Per-category accuracy on the short-sentence dev suite (tests/data/short_reviews.tsv) for saved models:
`python scripts/dev_suite.py models/imdb-bigru models/imdb-bagofwords class_models/x`. NumPy inference only."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnncore.data.text import tokenize  # noqa: E402
from rnncore.inference.scorers import load_scorer  # noqa: E402
from rnncore.inference.short_reviews import load_short_reviews, score_short_reviews  # noqa: E402
from rnncore.paths import REPO_ROOT  # noqa: E402
from rnncore.store import ModelStore  # noqa: E402

DEV_SET = REPO_ROOT / "tests" / "data" / "short_reviews.tsv"
NEGATION_CATEGORIES = ("negation", "negated_negative", "negated_positive")
# Negators the counterfactual edits never put in or take out (rnncore/data/counterfactuals.py): the negation
# sentences with only these show whether what the edits taught carries over.
UNTAUGHT = frozenset("hardly nothing nobody none no nor neither".split())


def untaught(text: str) -> bool:
    """Whether a sentence negates only with words the counterfactual edits never use."""
    tokens = tokenize(text)
    taught = any(token in ("not", "never") or token.endswith("n't") for token in tokens) or "far from" in text
    return not taught and any(token in UNTAUGHT for token in tokens)


def predictor_for(path: Path):
    """A batch predictor for a sentiment, bag-of-words or blend run folder."""
    return load_scorer(ModelStore(path.parent).get(path.name))


def floor(value: float, points: float) -> float:
    """The measured share minus `points` percentage points, rounded down to a whole point (never below 0)."""
    return max(0.0, math.floor(value * 100 - points) / 100)


def main(arguments: list[str]) -> None:
    """One JSON line per model (with the negation sentences right whose negators no edit taught, of all such);
    with --floors, the tests' FLOORS and CATEGORY_FLOORS for these models instead
    (overall: measured − 3 points; per category: measured − 8 points, as a category has only 36–104 sentences)."""
    sentences = load_short_reviews(DEV_SET)
    paths = [argument for argument in arguments if argument != "--floors"]
    overall, per_category = {}, {}
    for path in paths:
        score = score_short_reviews(predictor_for(Path(path)), sentences)
        categories = {name: round(value, 3) for name, value in sorted(score.category_accuracy().items())}
        if "--floors" not in arguments:
            missed = {miss.sentence.text for miss in score.misses}
            held = [item for item in sentences if item.category in NEGATION_CATEGORIES and untaught(item.text)]
            carried = f"{sum(item.text not in missed for item in held)}/{len(held)}"
            row = {"model": Path(path).name, "accuracy": round(score.accuracy, 4), **categories}
            print(json.dumps({**row, "untaught_negators": carried}))
        overall[Path(path).name] = floor(score.accuracy, 3)
        per_category[Path(path).name] = {name: floor(value, 8) for name, value in categories.items()}
    if "--floors" in arguments:
        print(f"FLOORS = {overall!r}\nCATEGORY_FLOORS = {per_category!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
