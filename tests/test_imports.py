"""Import hygiene, checked in fresh interpreters: the engine never pulls in streamlit, and the light modules
(listing models, the worker, the CLI, NumPy inference) do not pay for TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("streamlit", "tensorflow", "keras")


def _loaded_after(statement: str) -> dict[str, bool]:
    code = f"import json, sys\n{statement}\nprint(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_rnncore_is_light():
    assert _loaded_after("import rnncore") == {name: False for name in HEAVY}


@pytest.mark.parametrize(
    "module", ["rnncore.store", "rnncore.worker", "rnncore.cli", "rnncore.predict", "rnncore.sample", "rnncore.model"]
)
def test_engine_modules_import_neither_streamlit_nor_tensorflow(module):
    assert _loaded_after(f"import {module}") == {name: False for name in HEAVY}


def test_all_light_modules_together():
    loaded = _loaded_after(
        "import rnncore, rnncore.store, rnncore.worker, rnncore.cli, rnncore.predict, rnncore.sample, "
        "rnncore.evaluate, rnncore.datasets, rnncore.imdb, rnncore.corpus, rnncore.numpy_rnn, rnncore.paths"
    )
    assert loaded == {name: False for name in HEAVY}


def test_no_engine_source_mentions_streamlit():
    offenders = [
        path.name for path in (REPO / "rnncore").glob("*.py") if "import streamlit" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
