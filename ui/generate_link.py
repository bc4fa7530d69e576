"""Generate's lesson link: `?model=shakespeare-lstm&prime=ROMEO:&temperature=1.2` opens the page on that model,
priming text and temperature (`&lock=model,temperature` hides those controls)."""

from __future__ import annotations

import math

from ui.common import ModelChoice
from ui.lesson_links import LinkField

MAX_LINK_PRIME_CHARS = 500  # a link carries a line or two; longer priming texts are typed
TEMPERATURE_RANGE = (0.05, 2.0, 0.05)  # the slider's low, high and step (ui/generate_writing.py)


def _prime(text: str) -> str:
    if len(text) > MAX_LINK_PRIME_CHARS:
        raise ValueError(f"a priming text of at most {MAX_LINK_PRIME_CHARS} characters")
    return text


def _temperature(text: str) -> float:
    low, high, step = TEMPERATURE_RANGE
    value = float(text)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"a number from {low} to {high}")
    return round(round(value / step) * step, 2)  # onto the slider's steps


PRIME = LinkField("prime", "generate_prime", _prime, lambda text: text[:MAX_LINK_PRIME_CHARS])
TEMPERATURE = LinkField("temperature", "generate_temperature", _temperature, lambda value: f"{value:g}")


def generate_link(choices: list[ModelChoice]) -> list[LinkField]:
    """The page's link fields: the model by its run name (the picker shows labels), the priming text and the
    temperature."""
    by_name = {choice.run.name: choice.label for choice in choices}

    def model(name: str) -> str:
        if name not in by_name:
            raise ValueError(f"the name of a character model here ({', '.join(by_name)})")
        return by_name[name]

    def name_of(label: str) -> str:
        return next((name for name, shown in by_name.items() if shown == label), label)

    return [LinkField("model", "generate_model", model, name_of), PRIME, TEMPERATURE]
