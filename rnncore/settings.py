"""Settings declared once: a dataclass field carries its default, limits and help, and the checks, the CLI
flags and the forms are all derived from it (`setting`, `check_settings`, `add_flags`, `from_flags`; the
Streamlit widgets in ui/settings_widgets.py)."""

from __future__ import annotations

import argparse
import math
import numbers
from dataclasses import MISSING, Field, asdict, field, fields
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="SettingsDict")


def setting(
    default: Any,
    help: str,
    low: float | None = None,
    high: float | None = None,
    choices: tuple = (),
    *,
    low_open: bool = False,
    unit: str = "",
    step: float | None = None,
    flags: tuple[str, ...] = (),
    metavar: str | None = None,
) -> Any:
    """A dataclass field with its limits (inclusive; `low_open`: more than `low`) or choices (for a tuple
    setting: the choices of each item) and a one-line help text. `unit` follows the limits in messages,
    `step` is a form's increment, `flags` are extra option strings (an older flag name), `metavar` the
    flag's placeholder."""
    metadata = {
        "help": help,
        "low": low,
        "high": high,
        "choices": choices,
        "low_open": low_open,
        "unit": unit,
        "step": step,
        "flags": flags,
        "metavar": metavar,
    }
    return field(default=default, metadata=metadata)


def described(cls: type) -> list[Field]:
    """The fields of a settings dataclass that were declared with `setting`."""
    return [item for item in fields(cls) if "help" in item.metadata]


def setting_field(cls: type, name: str) -> Field:
    """The declared field `name` of a settings dataclass (KeyError if it has none)."""
    for item in described(cls):
        if item.name == name:
            return item
    raise KeyError(f"{cls.__name__} has no setting {name!r}")


def kind_of(item: Field) -> type:
    """The Python type a setting holds: bool, int, float, str or tuple (from its default)."""
    return type(item.default)


def number(value: float) -> str:
    """A limit as people write it: whole numbers in full (2147483647, not 2.14748e+09), others short."""
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:g}"


def limits_brackets(item: Field) -> str:
    """The allowed range as an interval for --help: "[8–2048]", "(0–1]", "[0–∞)"."""
    meta = item.metadata
    low = "(" if meta["low_open"] or meta["low"] is None else "["
    high = ")" if meta["high"] is None else "]"
    lower = "−∞" if meta["low"] is None else number(meta["low"])
    upper = "∞" if meta["high"] is None else number(meta["high"])
    unit = f" {meta['unit']}" if meta["unit"] else ""
    return f"{low}{lower}–{upper}{high}{unit}"


def limits_text(item: Field) -> str:
    """The allowed range in words: "from 1 to 1024", "more than 0 and at most 300 seconds", or ""."""
    meta = item.metadata
    low, high, unit = meta["low"], meta["high"], f" {meta['unit']}" if meta["unit"] else ""
    if low is None and high is None:
        return ""
    if low is None:
        return f"at most {number(high)}{unit}"
    if high is None:
        return f"{'more than' if meta['low_open'] else 'at least'} {number(low)}{unit}"
    if meta["low_open"]:
        return f"more than {number(low)} and at most {number(high)}{unit}"
    return f"from {number(low)} to {number(high)}{unit}"


def check_settings(instance: Any, skip: tuple[str, ...] = ()) -> None:
    """Raise ValueError naming the first setting outside its limits or choices (ints stay ints, NaN is
    refused); the settings named in `skip` are the caller's to check (their range depends on another)."""
    for item in described(type(instance)):
        if item.name in skip:
            continue
        value, meta, kind = getattr(instance, item.name), item.metadata, kind_of(item)
        if kind is tuple:
            for part in value:
                if meta["choices"] and part not in meta["choices"]:
                    raise ValueError(
                        f"each of {item.name} must be one of {', '.join(map(str, meta['choices']))}; got {part!r}"
                    )
            continue
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
        else:
            continue
        value = getattr(instance, item.name)
        if not within_limits(item, value):
            raise ValueError(f"{item.name} must be {limits_text(item)}; got {value!r}")


def within_limits(item: Field, value: float) -> bool:
    """Whether a number lies within the field's declared limits (NaN never does)."""
    low, high, meta = item.metadata["low"], item.metadata["high"], item.metadata
    above = low is None or (value > low if meta["low_open"] else value >= low)
    return above and (high is None or value <= high) and not math.isnan(value)


def flag_name(item: Field) -> str:
    """The flag of a setting: `--embed-dim` for embed_dim; `--no-mask-padding` for a setting that is on by
    default."""
    name = item.name.replace("_", "-")
    return f"--no-{name}" if item.default is True else f"--{name}"


def add_flags(
    parser: argparse.ArgumentParser,
    cls: type,
    skip: tuple[str, ...] = (),
    defaults: dict[str, Any] | None = None,
) -> None:
    """One flag per setting (`flag_name`, plus its older names), with its type, default and help (limits
    appended): a bool is a switch (`--bidirectional`; `--no-…` for one that is on by default), a tuple takes
    one or more values. The settings named in `skip` are left to the caller (a positional argument, say);
    `defaults` replaces a setting's default for this command."""
    defaults = defaults or {}
    for item in described(cls):
        if item.name in skip:
            continue
        meta, kind = item.metadata, kind_of(item)
        default = defaults.get(item.name, item.default)
        names = [flag_name(item), *meta["flags"]]
        limits = f" {limits_brackets(item)}" if limits_text(item) else ""
        shown = ",".join(map(str, default)) if kind is tuple else default
        help_text = meta["help"] + limits
        if kind is not bool and default != "":
            help_text += f" (default {shown})"
        options: dict[str, Any] = dict(dest=item.name, help=help_text.replace("%", "%%"))
        if meta["metavar"]:
            options["metavar"] = meta["metavar"]
        if kind is bool:
            parser.add_argument(
                *names, action="store_false" if item.default else "store_true", default=default, **options
            )
        elif kind is tuple:
            parser.add_argument(*names, nargs="+", choices=meta["choices"] or None, default=default, **options)
        elif meta["choices"]:
            parser.add_argument(*names, choices=meta["choices"], default=default, **options)
        else:
            parser.add_argument(*names, type=kind, default=default, **options)


def from_flags(cls: type, args: argparse.Namespace, **values: Any) -> Any:
    """Build the settings dataclass from parsed flags and the given `values` (ValueError on bad values); a
    setting with no flag on this command keeps its default."""
    for item in described(cls):
        if item.name not in values and item.default is not MISSING and hasattr(args, item.name):
            value = getattr(args, item.name)
            values[item.name] = tuple(value) if kind_of(item) is tuple else value
    return cls(**values)


class SettingsDict:
    """Mixin for a settings dataclass: saved as a plain dict (with `TASK` as "task" when the class marks a kind of
    run), rebuilt from one with unknown keys ignored, so older files still load."""

    TASK: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples as lists)."""
        plain = asdict(self)  # type: ignore[call-overload]
        values = {key: list(value) if isinstance(value, tuple) else value for key, value in plain.items()}
        return {"task": self.TASK, **values} if self.TASK else values

    @classmethod
    def from_dict(cls: type[T], values: dict[str, Any]) -> T:
        """Build from a dict, ignoring unknown keys."""
        known = {item.name for item in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in values.items() if key in known})
