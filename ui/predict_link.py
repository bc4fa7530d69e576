"""Predict's lesson link: `?model=imdb-lstm&text=not%20bad%20at%20all` opens the page on that model and review."""

from __future__ import annotations

from ui.common import ModelChoice
from ui.lesson_links import LinkField

MAX_LINK_TEXT_CHARS = 1_000  # a link is for a sentence or two; longer reviews are pasted


def _text(text: str) -> str:
    if not text.strip() or len(text) > MAX_LINK_TEXT_CHARS:
        raise ValueError(f"a review of 1 to {MAX_LINK_TEXT_CHARS:,} characters")
    return text


def predict_link(choices: list[ModelChoice]) -> list[LinkField]:
    """The page's link fields: the model by its run name (the picker shows labels) and the review text."""
    by_name = {choice.run.name: choice.label for choice in choices}

    def model(name: str) -> str:
        if name not in by_name:
            raise ValueError(f"the name of a sentiment model here ({', '.join(by_name)})")
        return by_name[name]

    return [
        LinkField("model", "predict_model", model, lambda label: label.rsplit(" (", 1)[0]),
        LinkField("text", "review_text", _text, lambda text: text[:MAX_LINK_TEXT_CHARS]),
    ]
