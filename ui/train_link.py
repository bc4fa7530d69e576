"""Train's lesson link: `?preset=best-bigru64&epochs=1&seed=3` opens the page on that preset with those settings
changed (`&lock=preset,epochs` hides those controls). The link names its preset and only the settings that differ
from it; each setting is read with the limits RunConfig declares (rnncore/settings.py), so a link can hold nothing
the form could not."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from rnncore.config import CHARS_ONLY, RunConfig
from rnncore.presets import BY_LABEL, BY_NAME, PRESETS
from rnncore.settings import described, kind_of, limits_text, setting_field, within_limits
from ui.common import model_choices
from ui.lesson_links import LinkField, choice, whole
from ui.settings_widgets import bounds

# CLI-only settings (slow data or training options) and settings of other tasks
NOT_ON_FORM = (
    "task",
    "sentence_crops",
    "counterfactuals",
    "verb_negations",
    "clause_negations",
    "shift_contrasts",
    "adversarial",
    "discriminative_rates",
    *CHARS_ONLY,
)
SETTINGS = [item.name for item in described(RunConfig) if item.name not in NOT_ON_FORM]
PRESET_KEY = "tr_preset"
BOOLEANS = {"true": True, "false": False}


def key(field: str) -> str:
    """The session key of a Train form widget."""
    return f"tr_{field}"


def preset_values(label: str) -> dict:
    """The form's values for the preset shown as `label`: its settings and its name as the run name."""
    preset = BY_LABEL[label]
    values = preset.values()
    return {**{field: values[field] for field in SETTINGS}, "name": preset.name}


def apply_preset() -> None:
    """Write the chosen preset's values into the form's widget state (the preset box's callback, and what a link's
    preset does before the link's own settings)."""
    for field, value in preset_values(st.session_state[PRESET_KEY]).items():
        st.session_state[key(field)] = value


def _chosen_preset() -> str:
    return st.session_state.get(PRESET_KEY, PRESETS[0].label)


def _preset(name: str) -> str:
    if name not in BY_NAME:
        raise ValueError(f"the name of a preset ({', '.join(BY_NAME)})")
    return BY_NAME[name].label


def _language_model(name: str) -> str:
    names = [choice.run.name for choice in model_choices("wordlm")]
    if name and name not in names:
        raise ValueError(f"empty or a word language model here ({', '.join(names) or 'there is none'})")
    return name


def _real(name: str) -> Callable[[str], float]:
    """A parser for a real-number setting within its declared limits ("more than 0" kept open)."""
    item = setting_field(RunConfig, name)

    def parse(text: str) -> float:
        value = float(text)
        if not (math.isfinite(value) and within_limits(item, value)):
            raise ValueError(f"a number {limits_text(item)}")
        return value

    return parse


def _boolean(text: str) -> bool:
    if text not in BOOLEANS:
        raise ValueError("true or false")
    return BOOLEANS[text]


def _setting_field(name: str) -> LinkField:
    """The link field of one form setting, parsed and written by its kind, left out while it has the preset's
    value."""
    kind = kind_of(setting_field(RunConfig, name))
    choices = setting_field(RunConfig, name).metadata["choices"]
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str
    if choices:
        parse = choice(choices)
    elif kind is bool:
        parse, show = _boolean, lambda value: "true" if value else "false"
    elif kind is int:
        parse, show = whole(*bounds(RunConfig, name)), lambda value: str(int(value))
    elif kind is float:
        parse, show = _real(name), lambda value: f"{float(value):.12g}"
    elif name == "language_model":
        parse = _language_model
    else:
        raise TypeError(f"no link parser for the Train setting {name!r}")  # a new kind of setting: say so at import
    return LinkField(name, key(name), parse, show, usual=lambda: preset_values(_chosen_preset())[name])


PRESET = LinkField("preset", PRESET_KEY, _preset, lambda label: BY_LABEL[label].name, then=apply_preset)
LINK = [PRESET, *(_setting_field(name) for name in SETTINGS)]  # the preset first: the settings change it
BY_PARAM = {field.param: field for field in LINK}
