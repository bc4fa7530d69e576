"""Where rnncore reads data, keeps caches and stores models (all overridable with environment variables,
declared in rnncore/environment.py)."""

from __future__ import annotations

from pathlib import Path

from rnncore import environment
from rnncore.environment import REPO_ROOT

__all__ = ["REPO_ROOT", "cache_dir", "class_models_dir", "data_dir", "shipped_models_dir"]


def data_dir() -> Path | None:
    """Folder with local dataset copies (`RNNCORE_DATA_DIR`), or None to download."""
    folder = environment.path(environment.DATA_DIR)
    return folder.resolve() if folder else None


def cache_dir() -> Path:
    """Folder for downloads and compact caches (`RNNCORE_CACHE_DIR`, default ~/.cache/rnncore)."""
    folder = environment.path(environment.CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shipped_models_dir() -> Path:
    """Read-only store of the pretrained models that ship with the repository (`RNNCORE_SHIPPED_DIR`)."""
    return environment.path(environment.SHIPPED_DIR)


def class_models_dir() -> Path:
    """Writable store for models trained by the class (`RNNCORE_STORE_DIR`, default ./class_models)."""
    return environment.path(environment.STORE_DIR)
