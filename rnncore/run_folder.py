"""Write a new run folder atomically (a hidden temporary folder renamed into place), for the kinds of run
that are not Keras sentiment or char models: the word language model, the bag-of-words models and blends."""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnncore.errors import RnncoreError


def new_folder(out: str | None, default_store: Path, prefix: str) -> Path:
    """The folder `--out` names, or a time-stamped one in `default_store`; RnncoreError when it exists already."""
    folder = Path(out) if out else default_store / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    if folder.exists():
        raise RnncoreError(f"--out {folder} already exists: choose a new folder (runs are never overwritten)")
    return folder


def write_run_folder(
    folder: Path, info: dict[str, Any], words: tuple[str, ...], write_files: Callable[[Path], None]
) -> Path:
    """Create `folder` (it must not exist) with run.json (`info` plus when and where), vocab.json and whatever
    `write_files(temporary folder)` writes. A crash leaves no half-written run behind."""
    folder = Path(folder)
    if folder.exists():
        raise RnncoreError(f"{folder} already exists: choose a new folder (runs are never overwritten)")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".saving-", dir=folder.parent))
    except OSError as error:
        raise RnncoreError(f"Could not save the model in {folder.parent} ({error.strerror or error})") from error
    try:
        os.chmod(temp, 0o755)  # mkdtemp makes it private; runs are meant to be shared
        write_files(temp)
        (temp / "vocab.json").write_text(json.dumps(list(words)), encoding="utf-8")
        stamped = {
            "format": 1,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            **info,
        }
        (temp / "run.json").write_text(json.dumps(stamped, indent=1), encoding="utf-8")
        os.rename(temp, folder)
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise RnncoreError(f"Could not save the model ({error.strerror or error}); nothing was changed") from error
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return folder
