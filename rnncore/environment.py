"""Every `RNNCORE_*` environment setting, declared once: its name, type, default, limits, one line of help and
the part that reads it. Code reads a setting only through the typed accessors below (`path`, `text`, `whole`,
`switch`), which raise a ValueError naming the variable for a bad value; README.md's table of settings is
generated from these declarations (`python scripts/env_table.py --write`; tests/test_environment.py keeps the
two equal).

Classroom settings (`classroom=True`) may also come from `.streamlit/secrets.toml`'s `[classroom]` table, under
their lower-case name: the server passes that table as `fallback`; the environment wins. Those declared `live`
(with the Teacher page's label for them) the teacher may also change while the server runs: the value then comes
from the class database, over the environment (rnncore/classroom/live.py).

NumPy-free and TensorFlow-free: the server, the workers and the CLI all import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KINDS = ("path", "text", "whole", "switch")
SWITCH_WORDS = {"on": True, "1": True, "true": True, "yes": True, "off": False, "0": False, "false": False, "no": False}


@dataclass(frozen=True)
class Setting:
    """One environment variable. `default` is what an unset (or blank) variable means: a path relative to the
    repository (or starting with ~) for kind "path", None for "no value"; `shown_default` is how the README
    writes it when the value alone would not say it (e.g. "0" meaning "automatic")."""

    name: str
    kind: str  # path | text | whole | switch
    default: str | int | bool | None
    help: str
    used_by: str
    minimum: int | None = None
    maximum: int | None = None
    shown_default: str = ""
    classroom: bool = False  # may also be set in secrets.toml's [classroom] table
    live: str = ""  # the Teacher page's label for a setting the teacher changes live ("" = read at start only)

    def __post_init__(self) -> None:
        if not self.name.startswith("RNNCORE_") or self.kind not in KINDS:
            raise ValueError(f"bad declaration {self.name!r} of kind {self.kind!r}")
        if self.live and not (self.classroom and self.kind in ("whole", "switch")):
            # the class database stores a teacher's value as text parsed like the variable's: numbers and switches
            raise ValueError(f"live setting {self.name!r} must be a whole or switch classroom setting")

    @property
    def default_text(self) -> str:
        """The default as the README shows it."""
        if self.shown_default:
            return self.shown_default
        if isinstance(self.default, bool):
            return "`on`" if self.default else "`off`"
        return "(none)" if self.default in (None, "") else f"`{self.default}`"

    @property
    def classroom_text(self) -> str:
        """The README's `[classroom]` cell: ✓ for a classroom setting, "✓ live" for one the Teacher page changes."""
        return ("✓ live" if self.live else "✓") if self.classroom else ""

    @property
    def limits_text(self) -> str:
        """The allowed values in words ("" for free text)."""
        if self.kind == "switch":
            return "on / off"
        if self.kind != "whole":
            return ""
        if self.maximum is None:
            return f"≥ {self.minimum}"
        return f"{self.minimum} to {self.maximum}"


SETTINGS: tuple[Setting, ...] = (
    # --- where things are
    Setting(
        "RNNCORE_DATA_DIR",
        "path",
        None,
        "folder with local dataset copies (`aclImdb_v1.tar.gz` or `aclImdb/`, `tinyshakespeare.txt`)",
        "rnncore.paths, rnncore.data.downloads",
        shown_default="(download)",
    ),
    Setting(
        "RNNCORE_CACHE_DIR",
        "path",
        "~/.cache/rnncore",
        "downloads and compact caches",
        "rnncore.paths",
    ),
    Setting(
        "RNNCORE_STORE_DIR",
        "path",
        "class_models",
        "writable store for class-trained models",
        "rnncore.paths (server, workers, CLI)",
        shown_default="`./class_models`",
    ),
    Setting(
        "RNNCORE_SHIPPED_DIR",
        "path",
        "models",
        "read-only store of pretrained models",
        "rnncore.paths (server, CLI)",
        shown_default="`./models`",
    ),
    Setting(
        "RNNCORE_DATABASE_URL",
        "text",
        "",
        "the class's shared state (the fool-the-model wall, questions and answers, live switches): any SQLAlchemy "
        "URL, e.g. `postgresql+psycopg://user:password@host/db` for several app replicas",
        "rnncore.classroom.database (server)",
        shown_default="(none: `class_models.sqlite3` beside the class store)",
    ),
    # --- the classroom (the teacher's switches and caps)
    Setting(
        "RNNCORE_TRAINING",
        "switch",
        True,
        "`off` hides training (Train page and char training on Generate; Sequence Lab and Translate too)",
        "ui.common (server)",
        classroom=True,
        live="Training on",
    ),
    Setting(
        "RNNCORE_MAX_EPOCHS",
        "whole",
        20,
        "cap on epochs per job",
        "ui.common (server)",
        minimum=1,
        classroom=True,
        live="Max epochs per job",
    ),
    Setting(
        "RNNCORE_MAX_TRAIN_REVIEWS",
        "whole",
        25_000,
        "cap on training reviews per job",
        "ui.common (server)",
        minimum=1,
        classroom=True,
        live="Max training reviews per job",
    ),
    Setting(
        "RNNCORE_MAX_JOBS",
        "whole",
        1,
        "training jobs that run at once; the rest wait in a queue, taking turns by student, with their position shown",
        "ui.common (server: the pool's lane `train`)",
        minimum=1,
        classroom=True,
        live="Training workers (jobs at once)",
    ),
    Setting(
        "RNNCORE_JOBS_RUNNING_PER_STUDENT",
        "whole",
        1,
        "training jobs one student may have running at once (a further one waits, even with a worker free)",
        "ui.common (server)",
        minimum=1,
        classroom=True,
        live="Jobs running per student",
    ),
    Setting(
        "RNNCORE_JOBS_WAITING_PER_STUDENT",
        "whole",
        1,
        'training jobs one student may have waiting; a further Start is refused ("You already have a job waiting …")',
        "ui.common (server)",
        minimum=1,
        classroom=True,
        live="Jobs waiting per student",
    ),
    Setting(
        "RNNCORE_MAX_PARAMETERS",
        "whole",
        3_000_000,
        "cap on a model's parameters; a bigger job is refused before it is queued, naming what to lower",
        "ui.common, rnncore.jobs.bounds (server)",
        minimum=1,
        classroom=True,
        live="Max parameters per model",
    ),
    Setting(
        "RNNCORE_MAX_JOB_MINUTES",
        "whole",
        10,
        "cap on a job's estimated training minutes (the Train form's estimate; refused above it). A running job "
        "is stopped at twice its estimate plus a minute for loading data, at most this, keeping its best weights",
        "ui.common, rnncore.jobs.bounds (server)",
        minimum=1,
        classroom=True,
        live="Max estimated minutes per job",
    ),
    Setting(
        "RNNCORE_LAB_WORKERS",
        "whole",
        1,
        "warm processes for Sequence Lab runs (their own lane: never behind IMDB jobs; one run per student at a "
        "time); ~580 MB each",
        "ui.common (server: the pool's lane `lab`)",
        minimum=1,
        classroom=True,
        live="Sequence Lab workers",
    ),
    Setting(
        "RNNCORE_LAB_RUNS_PER_WORKER",
        "whole",
        20,
        "Sequence Lab and Translate runs one such process trains at once, in threads; more wait in the lab queue. "
        "Each run keeps its budget, so when the class trains together every run ends on time with fewer rounds "
        "(20: ten students comparing attention on and off side by side on Translate)",
        "ui.common (server), rnncore.lab.config",
        minimum=1,
        classroom=True,
    ),
    Setting(
        "RNNCORE_TEACHER_PASSWORD",
        "text",
        "",
        "the Teacher page's password (or `teacher_password` in secrets.toml's `[classroom]`); without one the "
        "page stays closed",
        "ui.teacher_auth (server)",
        shown_default="(none: page closed)",
        classroom=True,
    ),
    Setting(
        "RNNCORE_STORE_MB_PER_STUDENT",
        "whole",
        500,
        "MB of the class store one student's runs may fill (saved runs plus their waiting and running jobs); a job "
        "that would go over is refused before it is queued; 0: no quota",
        "rnncore.jobs.quota (server)",
        minimum=0,
        classroom=True,
        live="Store MB per student",
    ),
    Setting(
        "RNNCORE_STORE_MB_CLASS",
        "whole",
        10_000,
        "MB of the class store all runs together may fill; 0: no quota",
        "rnncore.jobs.quota (server)",
        minimum=0,
        classroom=True,
        live="Store MB for the class",
    ),
    Setting(
        "RNNCORE_MODEL_CACHE_MB",
        "whole",
        1_024,
        "MB of loaded models the server keeps (weights, and the readings kept for students typing); the least "
        "recently used model goes first, the newest always stays",
        "ui.common (server)",
        minimum=16,
        classroom=True,
    ),
    Setting(
        "RNNCORE_TEST_SAMPLE",
        "whole",
        5_000,
        "test reviews a Train-page job is scored on: a fixed balanced sample (seed 0, half positive) of IMDB's "
        "25,000, the same for every student; 0: all 25,000 (the CLI always scores all)",
        "ui.common (server), rnncore.training.evaluate",
        minimum=0,
        maximum=25_000,
        classroom=True,
        live="Test reviews per job",
    ),
    Setting(
        "RNNCORE_REUSE_RUNS",
        "switch",
        True,
        "a Train-page job with exactly the settings and seed of a classmate's waiting, running or saved one is not "
        'trained again: the student is given that one ("a classmate trained exactly this: here it is")',
        "ui.common, rnncore.jobs.reuse (server)",
        classroom=True,
        live="Reuse identical runs",
    ),
    # --- where and how training runs
    Setting(
        "RNNCORE_RAY_ADDRESS",
        "text",
        "",
        'send training jobs to a Ray cluster ("auto", "HOST:6379", "ray://HOST:10001", or "local" for a '
        "one-machine test cluster); see docs/large_course.md",
        "rnncore.jobs.factory (server)",
        shown_default="(none: local worker processes)",
    ),
    Setting(
        "RNNCORE_TF_THREADS",
        "whole",
        0,
        "TensorFlow intra-op threads (0: automatic, leaving one core for inference); a Ray actor sets it to its CPUs",
        "rnncore.training.tf_setup (workers, CLI), rnncore.jobs.ray_pool",
        minimum=0,
        maximum=256,
        shown_default="`0`: CPU count − 1 (1 to 4)",
    ),
    Setting(
        "RNNCORE_TF_INTER_THREADS",
        "whole",
        0,
        "TensorFlow inter-op threads (0: one); the pool sets it for a worker that runs several jobs at once, so "
        "their ops run on every core",
        "rnncore.training.tf_setup (workers), set by rnncore.jobs.pool",
        minimum=0,
        maximum=256,
        shown_default="`0`: 1 (a lab worker: min(runs at once, CPU count))",
    ),
    Setting(
        "RNNCORE_WORKER_NICE",
        "whole",
        5,
        "how much a worker process (or Ray actor) lowers its priority (`nice`), so the class's page reruns come first",
        "rnncore.jobs.worker_main, rnncore.jobs.ray_pool; set by rnncore.jobs.pool",
        minimum=0,
        maximum=19,
        shown_default="`5` (a lab worker running several runs at once: `10`)",
    ),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
LIVE_SETTINGS: tuple[Setting, ...] = tuple(setting for setting in SETTINGS if setting.live)  # the Teacher page's
if len(BY_NAME) != len(SETTINGS):
    raise RuntimeError("an RNNCORE_* setting is declared twice in rnncore/environment.py")

DATA_DIR = BY_NAME["RNNCORE_DATA_DIR"]
CACHE_DIR = BY_NAME["RNNCORE_CACHE_DIR"]
STORE_DIR = BY_NAME["RNNCORE_STORE_DIR"]
SHIPPED_DIR = BY_NAME["RNNCORE_SHIPPED_DIR"]
DATABASE_URL = BY_NAME["RNNCORE_DATABASE_URL"]
TRAINING = BY_NAME["RNNCORE_TRAINING"]
MAX_EPOCHS = BY_NAME["RNNCORE_MAX_EPOCHS"]
MAX_TRAIN_REVIEWS = BY_NAME["RNNCORE_MAX_TRAIN_REVIEWS"]
MAX_JOBS = BY_NAME["RNNCORE_MAX_JOBS"]
JOBS_RUNNING_PER_STUDENT = BY_NAME["RNNCORE_JOBS_RUNNING_PER_STUDENT"]
JOBS_WAITING_PER_STUDENT = BY_NAME["RNNCORE_JOBS_WAITING_PER_STUDENT"]
MAX_PARAMETERS = BY_NAME["RNNCORE_MAX_PARAMETERS"]
MAX_JOB_MINUTES = BY_NAME["RNNCORE_MAX_JOB_MINUTES"]
LAB_WORKERS = BY_NAME["RNNCORE_LAB_WORKERS"]
LAB_RUNS_PER_WORKER = BY_NAME["RNNCORE_LAB_RUNS_PER_WORKER"]
TEACHER_PASSWORD = BY_NAME["RNNCORE_TEACHER_PASSWORD"]
STORE_MB_PER_STUDENT = BY_NAME["RNNCORE_STORE_MB_PER_STUDENT"]
STORE_MB_CLASS = BY_NAME["RNNCORE_STORE_MB_CLASS"]
TEST_SAMPLE = BY_NAME["RNNCORE_TEST_SAMPLE"]
MODEL_CACHE_MB = BY_NAME["RNNCORE_MODEL_CACHE_MB"]
REUSE_RUNS = BY_NAME["RNNCORE_REUSE_RUNS"]
RAY_ADDRESS = BY_NAME["RNNCORE_RAY_ADDRESS"]
TF_THREADS = BY_NAME["RNNCORE_TF_THREADS"]
TF_INTER_THREADS = BY_NAME["RNNCORE_TF_INTER_THREADS"]
WORKER_NICE = BY_NAME["RNNCORE_WORKER_NICE"]


# ---------------------------------------------------------------- accessors


def raw(setting: Setting, fallback: Mapping | None = None) -> str | None:
    """The value as set (the environment first, then `fallback[name.lower()]` for a classroom setting), or None
    when it is unset."""
    if setting.name in os.environ:
        return os.environ[setting.name]
    if fallback is not None and setting.classroom:
        value = fallback.get(setting.name.lower())
        if value is not None:
            return str(value)
    return None


def _expect(setting: Setting, kind: str) -> None:
    if setting.kind != kind:
        raise TypeError(f"{setting.name} is a {setting.kind} setting, not {kind}")


def _bad(setting: Setting, value: str, expected: str) -> ValueError:
    return ValueError(f"{setting.name}={value!r} is not valid: expected {expected} ({setting.help.split(';')[0]})")


def text(setting: Setting, fallback: Mapping | None = None) -> str:
    """A text setting, as set (not stripped), or its default."""
    _expect(setting, "text")
    value = raw(setting, fallback)
    return str(setting.default) if value is None else value


def path(setting: Setting) -> Path | None:
    """A folder setting: the value with ~ expanded, else the default (relative defaults are inside the
    repository), else None."""
    _expect(setting, "path")
    value = (raw(setting) or "").strip()
    if value:
        return Path(value).expanduser()
    if setting.default is None:
        return None
    default = Path(str(setting.default)).expanduser()
    return default if default.is_absolute() else REPO_ROOT / default


def source(setting: Setting, fallback: Mapping | None = None) -> str:
    """Where a setting's value comes from: "environment", "secrets" (`fallback`, secrets.toml's [classroom]) or
    "default" (unset, or blank, which means the default)."""
    if setting.name in os.environ:
        return "environment" if os.environ[setting.name].strip() else "default"
    value = raw(setting, fallback)
    return "secrets" if value is not None and value.strip() else "default"


def parse(setting: Setting, value: str) -> int | bool:
    """A whole-number or switch setting's text (as an environment variable would hold it, not blank) as its value;
    a ValueError naming the variable when it is not valid."""
    if setting.kind == "whole":
        return _whole(setting, value)
    if setting.kind == "switch":
        return _switch(setting, value)
    raise TypeError(f"{setting.name} is a {setting.kind} setting, not a whole number or a switch")


def whole(setting: Setting, fallback: Mapping | None = None) -> int:
    """A whole-number setting within its limits, or its default when unset or blank; ValueError otherwise."""
    _expect(setting, "whole")
    value = raw(setting, fallback)
    if value is None or not value.strip():
        return int(setting.default)  # type: ignore[arg-type]
    return _whole(setting, value)


def _whole(setting: Setting, value: str) -> int:
    try:
        number = int(value.strip().replace("_", ""))
    except ValueError:
        raise _bad(setting, value, f"a whole number {setting.limits_text}") from None
    low = setting.minimum if setting.minimum is not None else number
    high = setting.maximum if setting.maximum is not None else number
    if not low <= number <= high:
        raise _bad(setting, value, f"a whole number {setting.limits_text}")
    return number


def switch(setting: Setting, fallback: Mapping | None = None) -> bool:
    """An on/off setting (on, off, 1, 0, true, false, yes, no; any case), or its default when unset or blank."""
    _expect(setting, "switch")
    value = raw(setting, fallback)
    if value is None or not value.strip():
        return bool(setting.default)
    return _switch(setting, value)


def _switch(setting: Setting, value: str) -> bool:
    word = value.strip().lower()
    if word not in SWITCH_WORDS:
        raise _bad(setting, value, "on or off")
    return SWITCH_WORDS[word]


# ---------------------------------------------------------------- the README's table


def markdown_table() -> str:
    """The README's table of every setting (scripts/env_table.py prints it)."""

    def cell(words: str) -> str:
        return words.replace("|", "\\|")

    lines = [
        "| variable | meaning | default | allowed | `[classroom]` | read by |",
        "|---|---|---|---|---|---|",
    ]
    for setting in SETTINGS:
        lines.append(
            f"| `{setting.name}` | {cell(setting.help)} | {cell(setting.default_text)} | {setting.limits_text} "
            f"| {setting.classroom_text} | {setting.used_by} |"
        )
    return "\n".join(lines) + "\n"
