"""One loader for every kind of saved sentiment run, for the tools that only need verdicts (the CLI's predict, the
dev suite, blends): an RNN (Predictor), a bag-of-words model or a blend of two. NumPy only."""

from __future__ import annotations

from typing import Protocol

from rnncore.errors import RnncoreError
from rnncore.inference.predict import Prediction
from rnncore.store import RunInfo


class Scorer(Protocol):
    """Anything that gives P(positive) for reviews."""

    def predict_batch(self, texts: list[str]) -> list[Prediction]: ...


def load_scorer(run: RunInfo) -> Scorer:
    """The verdict-giver of a saved run; RnncoreError for a run of another kind or a broken one."""
    if run.error:
        raise RnncoreError(f"Model {run.name!r} is broken: {run.error}")
    if run.kind == "sentiment":
        from rnncore.inference.predict import Predictor
        from rnncore.inference.runs import load_network_run

        return Predictor(load_network_run(run))
    if run.kind == "bagofwords":
        from rnncore.bagofwords.model import load_bag_of_words

        return load_bag_of_words(run.path)
    if run.kind == "blend":
        from rnncore.blend.model import load_blend

        return load_blend(run)
    raise RnncoreError(f"{run.name!r} is a {run.kind or 'unknown'} model, not a sentiment model: it scores no reviews")
