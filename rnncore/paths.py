"""Where rnncore reads data, keeps caches and stores models (all overridable with environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path | None:
    """Folder with local dataset copies (`RNNCORE_DATA_DIR`), or None to download."""
    value = os.environ.get("RNNCORE_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """Folder for downloads and compact caches (`RNNCORE_CACHE_DIR`, default ~/.cache/rnncore)."""
    value = os.environ.get("RNNCORE_CACHE_DIR", "").strip()
    path = Path(value).expanduser() if value else Path.home() / ".cache" / "rnncore"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shipped_models_dir() -> Path:
    """Read-only store of the pretrained models that ship with the repository."""
    value = os.environ.get("RNNCORE_SHIPPED_DIR", "").strip()
    return Path(value).expanduser() if value else REPO_ROOT / "models"


def class_models_dir() -> Path:
    """Writable store for models trained by the class (`RNNCORE_STORE_DIR`, default ./class_models)."""
    value = os.environ.get("RNNCORE_STORE_DIR", "").strip()
    return Path(value).expanduser() if value else REPO_ROOT / "class_models"
