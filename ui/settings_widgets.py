"""Form widgets from a settings dataclass's fields (rnncore.settings): a number input takes its min, max, step,
help and whole-or-real type from the field, so a form never repeats a limit the config declares."""

from __future__ import annotations

from typing import Any

from rnncore.settings import described, kind_of, setting_field


def bounds(cls: type, name: str) -> tuple[Any, Any]:
    """The setting's inclusive (low, high), as ints for a whole-number setting (None where it has none)."""
    item = setting_field(cls, name)
    kind = int if kind_of(item) is int else float
    low, high = item.metadata["low"], item.metadata["high"]
    return (None if low is None else kind(low)), (None if high is None else kind(high))


def number_options(cls: type, name: str) -> dict[str, Any]:
    """min_value, max_value, step and help of `st.number_input` for this setting (an open lower limit, "more
    than 0", is left to the config's check: a number input's limits are inclusive)."""
    item = setting_field(cls, name)
    kind = kind_of(item)
    if kind not in (int, float):
        raise TypeError(f"{cls.__name__}.{name} is not a number setting")
    low, high = bounds(cls, name)
    options: dict[str, Any] = {"min_value": low, "max_value": high, "help": item.metadata["help"]}
    if item.metadata["step"] is not None:
        options["step"] = kind(item.metadata["step"])
    return options


def number_input_for(container: Any, cls: type, name: str, label: str, **kwargs: Any) -> Any:
    """`container.number_input` for the setting `name` of `cls`; kwargs (key, format, value, a different help)
    are passed on."""
    return container.number_input(label, **{**number_options(cls, name), **kwargs})


def choices_of(cls: type, name: str) -> tuple:
    """The allowed values of a choice setting."""
    return setting_field(cls, name).metadata["choices"]


def help_of(cls: type, name: str) -> str:
    """The setting's one-line help."""
    return setting_field(cls, name).metadata["help"]


def typed(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """The values with each number setting as its declared type (a widget may hand back 32.0 for 32)."""
    kinds = {item.name: kind_of(item) for item in described(cls)}
    return {
        key: kinds[key](value) if kinds.get(key) in (int, float) and value is not None else value
        for key, value in values.items()
    }
