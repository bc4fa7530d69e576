"""Classroom settings the teacher changes while the server runs (the Teacher page's "Classroom settings"): the
settings rnncore/environment.py declares `live` (training on or off, the caps on a job, jobs per student, store
quotas, workers). A value the teacher sets is kept in the class database, so every session and every app replica
sees it at its next check, and a restart keeps it; without one the environment (or secrets.toml's [classroom]
table, or the default) applies, as before. Reset forgets the teacher's value.

Reads are cached for CACHE_SECONDS per database (one query for every live setting), so a job submission costs
at most one small query every two seconds per server; a change made here clears this process's cache at once.
No Streamlit: the server calls it with secrets.toml's [classroom] table as `fallback`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rnncore import environment
from rnncore.classroom.database import ClassDB, class_db
from rnncore.environment import Setting

PREFIX = "live:"  # the settings table's name for a live setting: "live:RNNCORE_MAX_PARAMETERS"
CACHE_SECONDS = 2.0
TEACHER = "teacher"  # the value's source, beside environment.source's "environment", "secrets", "default"
SOURCE_WORDS = {
    TEACHER: "changed by the teacher",
    "environment": "environment variable",
    "secrets": "secrets.toml [classroom]",
    "default": "default",
}

_cache: dict[str, tuple[float, dict[str, str]]] = {}  # database url → (when read, setting name → stored text)
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class InForce:
    """A live setting's value now and where it comes from; `base` is what applies without the teacher's value
    (from `base_source`), and `problem` says why a stored teacher's value is not used (it became invalid)."""

    setting: Setting
    value: int | bool
    source: str
    base: int | bool
    base_source: str
    problem: str = ""

    @property
    def changed(self) -> bool:
        """Whether the teacher's value is the one in force."""
        return self.source == TEACHER

    @property
    def source_text(self) -> str:
        """Where the value comes from, in words ("changed by the teacher (default: 3,000,000)")."""
        if not self.changed:
            where = SOURCE_WORDS[self.source]
            return f"{where} {self.setting.name}" if self.source == "environment" else where
        return f"{SOURCE_WORDS[TEACHER]} ({SOURCE_WORDS[self.base_source]}: {shown(self.setting, self.base)})"


def shown(setting: Setting, value: int | bool) -> str:
    """A value as the page writes it: on / off, or a number with thousands separators."""
    if setting.kind == "switch":
        return "on" if value else "off"
    return f"{int(value):,}"


def live_setting(setting: Setting | str) -> Setting:
    """The declaration of a live setting (by itself or its name); ValueError for one that is read at start only."""
    declared = environment.BY_NAME.get(setting) if isinstance(setting, str) else setting
    if declared is None or not declared.live:
        raise ValueError(f"{getattr(setting, 'name', setting)} is not a setting the teacher changes live")
    return declared


def forget_cache() -> None:
    """Read the database again at the next check (tests; a change made through this module does it itself)."""
    with _cache_lock:
        _cache.clear()


def stored(database: ClassDB | None = None, clock: Callable[[], float] = time.monotonic) -> dict[str, str]:
    """The teacher's values as stored (setting name → text), at most CACHE_SECONDS old."""
    database = database or class_db()
    now = clock()
    with _cache_lock:
        hit = _cache.get(database.url)
        if hit is not None and 0 <= now - hit[0] < CACHE_SECONDS:
            return hit[1]
    values = {name[len(PREFIX) :]: text for name, text in database.settings_named(PREFIX).items()}
    with _cache_lock:
        _cache[database.url] = (now, values)
    return values


def base_value(setting: Setting, fallback: Mapping | None = None) -> int | bool:
    """What applies without a teacher's value: the environment, else `fallback`, else the default (ValueError
    naming the variable for an invalid one)."""
    read = environment.switch if setting.kind == "switch" else environment.whole
    return read(setting, fallback)


def in_force(setting: Setting, fallback: Mapping | None = None, database: ClassDB | None = None) -> InForce:
    """A live setting's value now: the teacher's, else base_value's. A stored value that is no longer valid (a
    declaration's limits changed, or the database was edited by hand) is not used: the base applies, and
    `problem` says why, for the Teacher page."""
    setting = live_setting(setting)
    base, base_source = base_value(setting, fallback), environment.source(setting, fallback)
    text = stored(database).get(setting.name)
    if text is None:
        return InForce(setting, base, base_source, base, base_source)
    try:
        value = environment.parse(setting, text)
    except ValueError as error:
        return InForce(setting, base, base_source, base, base_source, problem=f"The stored value is not used: {error}")
    return InForce(setting, value, TEACHER, base, base_source)


def value(setting: Setting, fallback: Mapping | None = None, database: ClassDB | None = None) -> int | bool:
    """A live setting's value now (see in_force)."""
    return in_force(setting, fallback, database).value


def check_value(setting: Setting, wanted: object) -> int | bool:
    """`wanted` (a number, True / False, or text as an environment variable would hold it) as a valid value of
    `setting`; a ValueError that names the setting and its allowed values otherwise."""
    setting = live_setting(setting)
    if setting.kind == "switch" and isinstance(wanted, bool):
        return wanted
    if setting.kind == "whole" and isinstance(wanted, int) and not isinstance(wanted, bool):
        text = str(wanted)
    elif isinstance(wanted, str) and wanted.strip():
        text = wanted
    else:
        expected = "on or off" if setting.kind == "switch" else f"a whole number {setting.limits_text}"
        raise ValueError(f"{setting.live}: expected {expected} ({setting.name}); got {wanted!r}. Nothing was changed.")
    try:
        return environment.parse(setting, text)
    except ValueError as error:
        raise ValueError(f"{setting.live}: {error}. Nothing was changed.") from None


def set_value(setting: Setting, wanted: object, database: ClassDB | None = None) -> int | bool:
    """Store the teacher's value of a live setting (checked first: ValueError, nothing stored, for a bad one);
    every session and replica uses it at its next check. Returns the value stored."""
    setting = live_setting(setting)
    checked = check_value(setting, wanted)
    database = database or class_db()
    database.set_setting(PREFIX + setting.name, shown(setting, checked).replace(",", ""))
    forget_cache()
    return checked


def reset(setting: Setting, database: ClassDB | None = None) -> bool:
    """Forget the teacher's value: the environment's (or the default) applies again. False when none was set."""
    setting = live_setting(setting)
    database = database or class_db()
    forgotten = database.delete_setting(PREFIX + setting.name)
    forget_cache()
    return forgotten
