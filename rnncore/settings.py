"""Settings declared once: a dataclass field carries its default, limits and help, and the checks, the CLI
flags and the forms are all derived from it (`setting`, `check_settings`, `add_flags`, `from_flags`)."""

from __future__ import annotations

import argparse
import numbers
from dataclasses import MISSING, Field, asdict, field, fields
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="SettingsDict")


def setting(default: Any, help: str, low: float | None = None, high: float | None = None, choices: tuple = ()) -> Any:
    """A dataclass field with its limits (inclusive) or choices and a one-line help text."""
    return field(default=default, metadata={"help": help, "low": low, "high": high, "choices": choices})


def described(cls: type) -> list[Field]:
    """The fields of a settings dataclass that were declared with `setting`."""
    return [item for item in fields(cls) if "help" in item.metadata]


def check_settings(instance: Any) -> None:
    """Raise ValueError naming the first setting outside its limits or choices (ints stay ints)."""
    for item in described(type(instance)):
        value, meta = getattr(instance, item.name), item.metadata
        kind = type(item.default)
        if meta["choices"]:
            if value not in meta["choices"]:
                raise ValueError(f"{item.name} must be one of {', '.join(map(str, meta['choices']))}; got {value!r}")
            continue
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"{item.name} must be a whole number; got {value!r}")
            object.__setattr__(instance, item.name, int(value))
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{item.name} must be a number; got {value!r}")
            object.__setattr__(instance, item.name, float(value))
        value = getattr(instance, item.name)
        low, high = meta["low"], meta["high"]
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{item.name} must be from {low:g} to {high:g}; got {value!r}")


def add_flags(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """One `--flag-name` per setting, with its type, default and help (limits appended); the settings named in
    `skip` are left to the caller (a positional argument, say)."""
    for item in described(cls):
        if item.name in skip:
            continue
        meta, flag = item.metadata, "--" + item.name.replace("_", "-")
        limits = f" [{meta['low']:g}–{meta['high']:g}]" if meta["low"] is not None else ""
        help_text = f"{meta['help']}{limits} (default {item.default})"
        if meta["choices"]:
            parser.add_argument(flag, choices=meta["choices"], default=item.default, help=help_text)
        else:
            parser.add_argument(flag, type=type(item.default), default=item.default, help=help_text)


def from_flags(cls: type, args: argparse.Namespace) -> Any:
    """Build the settings dataclass from parsed flags (ValueError on bad values)."""
    values = {item.name: getattr(args, item.name) for item in described(cls) if item.default is not MISSING}
    return cls(**values)


class SettingsDict:
    """Mixin for a settings dataclass: saved as a plain dict (with `TASK` as "task" when the class marks a kind of
    run), rebuilt from one with unknown keys ignored, so older files still load."""

    TASK: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        values = asdict(self)  # type: ignore[call-overload]
        return {"task": self.TASK, **values} if self.TASK else values

    @classmethod
    def from_dict(cls: type[T], values: dict[str, Any]) -> T:
        """Build from a dict, ignoring unknown keys."""
        known = {item.name for item in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in values.items() if key in known})
