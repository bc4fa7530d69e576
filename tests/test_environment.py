"""rnncore/environment.py: every RNNCORE_* setting declared once, read only through its typed accessors, with a
clear error for a bad value, and README.md's table generated from the declarations."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from rnncore import environment
from rnncore.environment import REPO_ROOT

spec = importlib.util.spec_from_file_location("env_table", REPO_ROOT / "scripts" / "env_table.py")
env_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(env_table)

CODE = ["app.py", "pages", "ui", "rnncore", "bench", "scripts"]
NAME = re.compile(r"RNNCORE_[A-Z0-9_]*[A-Z0-9]")
# Reading a variable straight from the process environment (setting one for a child process is fine).
DIRECT_READ = re.compile(r"""(environ\.get\(|environ\[|getenv\()\s*["']RNNCORE_""")


def _code_files(folders: list[str] = CODE) -> list[Path]:
    files: list[Path] = []
    for name in folders:
        path = REPO_ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_the_readme_table_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert env_table.readme_table(readme) == environment.markdown_table(), (
        "README.md's settings table is out of date: python scripts/env_table.py --write"
    )
    assert readme.count(env_table.START) == 1


def test_every_variable_the_code_names_is_declared():
    declared = set(environment.BY_NAME)
    named = {
        (name, str(path.relative_to(REPO_ROOT)))
        for path in _code_files()
        for name in NAME.findall(path.read_text(encoding="utf-8"))
    }
    missing = sorted(f"{name} ({where})" for name, where in named if name not in declared)
    assert not missing, f"undeclared in rnncore/environment.py: {missing}"


def test_only_the_environment_module_reads_the_variables():
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in _code_files(["app.py", "pages", "ui", "rnncore"])  # bench/ and scripts/ set them for children
        if path.name != "environment.py" and DIRECT_READ.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_each_declaration_is_complete():
    for setting in environment.SETTINGS:
        assert setting.help and setting.used_by, setting.name
        if setting.kind == "whole":
            assert setting.minimum is not None and isinstance(setting.default, int), setting.name
            assert setting.minimum <= setting.default <= (setting.maximum or setting.default), setting.name


def test_defaults_when_unset_or_blank(monkeypatch):
    for setting in environment.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    assert environment.whole(environment.MAX_JOBS) == 1
    assert environment.whole(environment.MAX_PARAMETERS) == 3_000_000
    assert environment.whole(environment.WORKER_NICE) == 5
    assert environment.switch(environment.TRAINING) is True
    assert environment.text(environment.RAY_ADDRESS) == ""
    assert environment.path(environment.DATA_DIR) is None
    assert environment.path(environment.STORE_DIR) == REPO_ROOT / "class_models"
    assert environment.path(environment.SHIPPED_DIR) == REPO_ROOT / "models"
    assert environment.path(environment.CACHE_DIR) == Path.home() / ".cache" / "rnncore"
    monkeypatch.setenv("RNNCORE_MAX_EPOCHS", "  ")
    assert environment.whole(environment.MAX_EPOCHS) == 20


def test_values_are_read_and_typed(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNCORE_MAX_JOBS", " 3 ")
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("RNNCORE_TF_THREADS", "0")
    assert environment.whole(environment.MAX_JOBS) == 3
    assert environment.path(environment.STORE_DIR) == tmp_path
    assert environment.whole(environment.TF_THREADS) == 0
    for word, expected in [("off", False), ("OFF", False), ("0", False), ("no", False), ("On", True), ("yes", True)]:
        monkeypatch.setenv("RNNCORE_TRAINING", word)
        assert environment.switch(environment.TRAINING) is expected


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("RNNCORE_MAX_JOBS", "two", "a whole number ≥ 1"),
        ("RNNCORE_MAX_JOBS", "0", "a whole number ≥ 1"),
        ("RNNCORE_WORKER_NICE", "40", "a whole number 0 to 19"),
        ("RNNCORE_TF_THREADS", "-1", "0 to 256"),
        ("RNNCORE_TRAINING", "maybe", "on or off"),
    ],
)
def test_a_bad_value_is_a_clear_error_naming_the_variable(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    setting = environment.BY_NAME[name]
    read = environment.switch if setting.kind == "switch" else environment.whole
    with pytest.raises(ValueError, match=re.escape(f"{name}={value!r}")) as error:
        read(setting)
    assert fragment in str(error.value)


def test_classroom_settings_fall_back_to_the_secrets_table_and_the_environment_wins(monkeypatch):
    table = {"rnncore_max_epochs": 7, "rnncore_training": False, "rnncore_tf_threads": 3}
    monkeypatch.delenv("RNNCORE_MAX_EPOCHS", raising=False)
    monkeypatch.delenv("RNNCORE_TRAINING", raising=False)
    monkeypatch.delenv("RNNCORE_TF_THREADS", raising=False)
    assert environment.whole(environment.MAX_EPOCHS, table) == 7
    assert environment.switch(environment.TRAINING, table) is False
    assert environment.whole(environment.TF_THREADS, table) == 0  # not a classroom setting: the table is ignored
    monkeypatch.setenv("RNNCORE_MAX_EPOCHS", "9")
    assert environment.whole(environment.MAX_EPOCHS, table) == 9


def test_an_accessor_of_the_wrong_type_is_a_programming_error():
    with pytest.raises(TypeError):
        environment.whole(environment.DATA_DIR)


def test_the_server_limits_come_from_the_declarations(monkeypatch):
    from ui.common import classroom_limits

    for setting in environment.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    limits = classroom_limits()
    assert (limits.max_epochs, limits.max_train_reviews, limits.max_parameters, limits.max_job_minutes) == (
        20,
        25_000,
        3_000_000,
        10,
    )
    monkeypatch.setenv("RNNCORE_MAX_JOB_MINUTES", "ten")
    with pytest.raises(ValueError, match="RNNCORE_MAX_JOB_MINUTES"):
        classroom_limits()


def test_the_lab_lane_default_is_the_declared_one():
    from rnncore.lab.config import RUNS_PER_WORKER  # bench/lab.py's default lane

    assert RUNS_PER_WORKER == environment.LAB_RUNS_PER_WORKER.default
