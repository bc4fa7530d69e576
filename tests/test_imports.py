"""The architecture's boundaries, enforced: the Streamlit server never imports TensorFlow/Keras, the engine never
imports streamlit, and only rnncore/training (run by worker processes and the CLI) touches TensorFlow.

Two kinds of check: static (every import statement in a file, lazy ones inside functions included) and
dynamic (fresh interpreters that import the modules and report what ended up in sys.modules)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("streamlit", "tensorflow", "keras")
TENSORFLOW = ("tensorflow", "keras", "rnncore.training")
# The server's code: pages, their UI pieces, and every engine package outside rnncore/training.
SERVER_SIDE = ["app.py", "pages", "ui", "rnncore/inference", "rnncore/jobs", "rnncore/lab", "rnncore/data"]
SERVER_SIDE.append("rnncore/classroom")  # the class database (SQLAlchemy, never TensorFlow)
SERVER_SIDE_MODULES = ["rnncore/store.py", "rnncore/concepts", "rnncore/architecture.py", "rnncore/environment.py"]
# Bag-of-words models and blends are read by Predict and fitted in NumPy (their trainer is rnncore/training's).
SERVER_SIDE_MODULES += ["rnncore/bagofwords/model.py", "rnncore/bagofwords/config.py", "rnncore/blend"]
# Downloading a dataset uses keras.utils.get_file, imported inside the one function that downloads; only
# training (worker processes, the CLI) ever downloads.
ALLOWED = {("rnncore/data/downloads.py", "keras")}


def _python_files(paths: list[str]) -> list[Path]:
    files = []
    for name in paths:
        path = REPO / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else [])
    return files


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _forbidden(path: Path, prefixes: tuple[str, ...]) -> list[str]:
    relative = str(path.relative_to(REPO))
    return sorted(
        name
        for name in _imports(path)
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)
        and (relative, name) not in ALLOWED
    )


def test_server_side_code_never_imports_tensorflow_or_training_even_lazily():
    offenders = {
        str(path.relative_to(REPO)): found
        for path in _python_files(SERVER_SIDE + SERVER_SIDE_MODULES)
        if (found := _forbidden(path, TENSORFLOW))
    }
    assert offenders == {}


def test_the_engine_never_imports_streamlit():
    offenders = [str(path.relative_to(REPO)) for path in _python_files(["rnncore"]) if _forbidden(path, ("streamlit",))]
    assert offenders == []


def test_pages_hold_only_pages():
    """Shared UI pieces live in ui/; every file in pages/ is a page listed in app.py."""
    listed = set(ast.literal_eval(f'"{name}"') for name in _page_paths())
    assert {f"pages/{path.name}" for path in (REPO / "pages").glob("*.py")} == listed


def _page_paths() -> list[str]:
    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page" and node.args
    ]


def _loaded_after(statement: str) -> dict[str, bool]:
    code = f"import json, sys\n{statement}\nprint(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_rnncore_is_light():
    assert _loaded_after("import rnncore") == {name: False for name in HEAVY}


def test_every_engine_module_outside_training_imports_neither_streamlit_nor_tensorflow():
    modules = [
        ".".join(path.relative_to(REPO).with_suffix("").parts)
        for path in _python_files(["rnncore"])
        if "training" not in path.parts and path.name != "__main__.py"
    ]
    assert _loaded_after("\n".join(f"import {module}" for module in modules)) == {name: False for name in HEAVY}


@pytest.mark.parametrize("module", ["rnncore.training.jobs", "rnncore.training.keras_io", "rnncore.cli"])
def test_training_entry_points_pay_for_tensorflow_only_when_they_run(module):
    loaded = _loaded_after(f"import {module}")
    assert not loaded["streamlit"]
    if module == "rnncore.cli":
        assert not loaded["tensorflow"]  # `python -m rnncore predict` and `models` stay fast
