"""A pretrained language model as a run folder: `weights.npz` (NumPy arrays by name), `vocab.json` and
`run.json` whose config has task "wordlm", so `rnncore models` lists it as a language model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.lm.config import TASK, LanguageModelConfig
from rnncore.run_folder import write_run_folder
from rnncore.store import RunInfo, run_candidates


def save_language_model(
    folder: Path,
    config: LanguageModelConfig,
    weights: dict[str, np.ndarray],
    words: tuple[str, ...],
    extra: dict[str, Any],
) -> Path:
    """Write the run into `folder` (which must not exist yet)."""
    info = {
        "config": config.to_dict(),
        "vocabulary": {"type": "words", "size": len(words) + 2},
        "parameters": int(sum(value.size for value in weights.values())),
        **extra,
    }

    def write(temp: Path) -> None:
        # float16 halves the size on disk; everything that reads it computes in float32
        np.savez(temp / "weights.npz", **{key: value.astype(np.float16) for key, value in weights.items()})

    return write_run_folder(folder, info, words, write)


def load_language_model_weights(folder: Path) -> dict[str, np.ndarray]:
    """The arrays by name, as float32. Raises ModelLoadError."""
    try:
        with np.load(Path(folder) / "weights.npz") as archive:
            return {key: archive[key].astype(np.float32) for key in archive.files}
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"Language model {Path(folder).name!r} is unreadable: {error}") from error


def find_language_model(reference: str) -> RunInfo:
    """A language-model run by folder path, or by name in the class store, then the shipped store (a run of
    another kind with that name is passed over)."""
    for run in run_candidates(reference):
        if run.error:
            raise RnncoreError(f"Language model {run.name!r} is broken: {run.error}")
        if run.kind == TASK:
            return run
    raise RnncoreError(f"No language model {reference!r}: train one with `python -m rnncore train lm`")
