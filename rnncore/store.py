"""The model store: each run is a folder holding `weights.npz` (the arrays the NumPy inference reads),
`model.keras` (the Keras model, for continuing training and evaluation in TensorFlow), `run.json`
(config, vocabulary info, metrics, history, timings, data fingerprint) and, for word models, `vocab.json`.

Saves are atomic (written into a hidden temporary folder, then renamed into place), names are
sanitised and made unique, and a broken run is listed with its reason instead of breaking the listing.
Nothing here imports TensorFlow: the Keras side of saving and loading is rnncore.training.keras_io.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnncore.bagofwords.config import TASK as BAG_OF_WORDS
from rnncore.bagofwords.config import BagOfWordsConfig
from rnncore.blend.config import TASK as BLEND
from rnncore.blend.config import BlendConfig
from rnncore.config import RunConfig
from rnncore.data.corpus import CharVocabulary
from rnncore.data.text import Vocabulary
from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.lm.config import TASK as LANGUAGE_MODEL
from rnncore.lm.config import LanguageModelConfig
from rnncore.paths import class_models_dir, shipped_models_dir
from rnncore.results import TrainResult

MODEL_FILE = "model.keras"
WEIGHTS_FILE = "weights.npz"  # rnncore.inference.weights reads and writes it
INFO_FILE = "run.json"
VOCAB_FILE = "vocab.json"
FORMAT_VERSION = 1
_TEMP_PREFIX = ".saving-"
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def settings_class(config: dict[str, Any]) -> type:
    """The dataclass that validates a run's saved config, by its task: Keras sentiment and char models use
    RunConfig; the word language model, the bag-of-words models and blends have their own settings."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be an object, not {type(config).__name__}")
    if not isinstance(config.get("task", ""), str):
        raise TypeError(f"config's task must be a string, not {type(config['task']).__name__}")
    settings = {BAG_OF_WORDS: BagOfWordsConfig, LANGUAGE_MODEL: LanguageModelConfig, BLEND: BlendConfig}
    return settings.get(config.get("task"), RunConfig)


def safe_name(name: str) -> str:
    """A file-system-safe run name: lowercase letters, digits, '-' and '_' only, at most 60 characters."""
    cleaned = _UNSAFE.sub("-", name.strip().lower()).strip("-_")[:60]
    return cleaned or "run"


@dataclass(frozen=True)
class RunInfo:
    """One entry of a store listing. `error` is set (and the rest may be empty) when the run is broken."""

    name: str
    path: Path
    info: dict[str, Any]
    error: str | None = None

    @property
    def kind(self) -> str:
        """'sentiment', 'chars', 'wordlm' (language model), 'bagofwords' or 'blend' ('' when broken)."""
        return self.info.get("config", {}).get("task", "")

    @property
    def config(self) -> RunConfig:
        """The run's configuration."""
        return RunConfig.from_dict(self.info["config"])

    @property
    def metrics(self) -> dict[str, Any]:
        """Test / validation metrics recorded after training."""
        return self.info.get("metrics", {})

    @property
    def has_weights(self) -> bool:
        """Whether the NumPy archive exists (older runs have only model.keras until a worker exports it)."""
        return (self.path / WEIGHTS_FILE).is_file()

    def summary(self) -> dict[str, Any]:
        """Short JSON-ready description (for `models` and the home page)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "path": str(self.path),
            "metrics": self.metrics,
            "error": self.error,
        }


@dataclass
class LoadedRun:
    """A loaded model with its run description and vocabulary."""

    info: RunInfo
    model: Any  # keras.Model (rnncore.training.keras_io.load_keras_run)
    vocabulary: Vocabulary | CharVocabulary

    @property
    def config(self) -> RunConfig:
        """The run's configuration."""
        return self.info.config


class ModelStore:
    """A folder of runs."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def list_runs(self) -> list[RunInfo]:
        """Every run, newest first; unreadable ones come back with `error` set."""
        if not self.root.is_dir():
            return []
        runs = [self._describe(path) for path in self.root.iterdir() if path.is_dir() and not path.name.startswith(".")]
        # _describe guarantees `created` is a string, so runs sort even when one run.json is hand-edited.
        return sorted(runs, key=lambda run: (run.info.get("created", ""), run.name), reverse=True)

    def get(self, name: str) -> RunInfo:
        """The run called `name` (sanitised the same way as when saving)."""
        path = self.root / safe_name(name)
        if not path.is_dir():
            raise RnncoreError(f"No model called {name!r} in {self.root}")
        return self._describe(path)

    def _describe(self, path: Path) -> RunInfo:
        info_path = path / INFO_FILE
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            check_info(info)
        except FileNotFoundError:
            return RunInfo(path.name, path, {}, error=f"{INFO_FILE} is missing")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            # AttributeError too: a config of the wrong shape can fail inside from_dict; whatever the file
            # holds, the listing must name the run and its reason rather than break.
            return RunInfo(path.name, path, {}, error=f"{INFO_FILE} is unreadable: {error}")
        if not (path / MODEL_FILE).is_file() and not (path / WEIGHTS_FILE).is_file():
            return RunInfo(path.name, path, info, error=f"{MODEL_FILE} and {WEIGHTS_FILE} are missing")
        return RunInfo(path.name, path, info)

    def save(
        self,
        result: TrainResult,
        name: str,
        extra_info: dict[str, Any] | None = None,
        *,
        write_model: Callable[[Any, RunConfig, Path], None],
    ) -> RunInfo:
        """Save a TrainResult atomically under a unique sanitised name; returns the new run. `write_model` writes
        the model's own files into the folder (rnncore.training.keras_io.save_run passes the Keras writer)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            temp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=self.root))
        except OSError as error:  # read-only disk, a file in the way, no permission…
            raise RnncoreError(f"Could not save the model in {self.root} ({error.strerror or error})") from error
        try:
            os.chmod(temp, 0o755)  # mkdtemp makes it private; runs are meant to be shared
            write_model(result.model, result.config, temp)
            info = _run_info(result, extra_info or {})
            if isinstance(result.vocabulary, Vocabulary):
                _write_json(temp / VOCAB_FILE, list(result.vocabulary.words))
            _write_json(temp / INFO_FILE, info)
            final = self._rename_unique(temp, safe_name(name))
        except OSError as error:
            shutil.rmtree(temp, ignore_errors=True)
            raise RnncoreError(f"Could not save the model ({error.strerror or error}); nothing was changed") from error
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        return self._describe(final)

    def _rename_unique(self, temp: Path, base: str) -> Path:
        # rename() onto an existing non-empty folder fails atomically, so concurrent saves of the same
        # name each end up with their own suffix and never overwrite one another.
        for attempt in range(1, 10_000):
            candidate = self.root / (base if attempt == 1 else f"{base}-{attempt}")
            if candidate.exists():
                continue
            try:
                os.rename(temp, candidate)
                return candidate
            except OSError:
                continue
        raise RnncoreError(f"Too many runs called {base!r}")

    def rename(self, name: str, new_name: str) -> RunInfo:
        """Give a run a new (sanitised) name; refuses a name another run already has. Returns the renamed run."""
        run = self.get(name)
        if not _UNSAFE.sub("", new_name.strip().lower()).strip("-_"):
            raise RnncoreError("Type a new name (letters or digits) first")
        target = self.root / safe_name(new_name)
        if target == run.path:
            return run
        if target.exists():
            raise RnncoreError(f"There is already a model called {target.name!r}; pick another name")
        try:  # one rename: the run is listed under its old name or its new one, never half-moved
            os.rename(run.path, target)
        except OSError as error:  # e.g. a run of that name appeared meanwhile (rename onto a non-empty folder)
            raise RnncoreError(f"Could not rename {run.name!r} ({error.strerror or error})") from error
        return self._describe(target)

    def delete(self, name: str) -> None:
        """Remove a run (renamed away first, so it vanishes from listings at once)."""
        run = self.get(name)
        doomed = self.root / f"{_TEMP_PREFIX}deleted-{run.name}-{time.time_ns()}"
        os.rename(run.path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)


# Fields of run.json that listings and pages read, with the JSON type each must have. A hand-edited or
# foreign run.json with, say, a numeric `created` would otherwise break sorting for every run of the store.
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "created": str,
    "metrics": dict,
    "vocabulary": dict,
    "history": list,
    "init_from": dict,
    "misclassified": list,
    "parameters": int,
    "train_seconds": (int, float),
}
_JSON_NAMES = {str: "a string", dict: "an object", list: "a list", int: "a number", float: "a number"}


def check_info(info: Any) -> None:
    """Validate a parsed run.json: an object whose config is valid for its task and whose known fields have
    the right types. Raises TypeError, ValueError or KeyError naming the first problem."""
    if not isinstance(info, dict):
        raise TypeError(f"it must hold an object, not {_json_type(info)}")
    if "config" not in info:
        raise ValueError("it has no config")
    settings_class(info["config"]).from_dict(info["config"])
    for field, expected in _FIELD_TYPES.items():
        value = info.get(field)
        if value is None:
            continue
        if not isinstance(value, expected) or isinstance(value, bool):  # bool is an int to Python, not to JSON
            wanted = _JSON_NAMES[expected[0] if isinstance(expected, tuple) else expected]
            raise TypeError(f"{field!r} must be {wanted}, not {_json_type(value)}")
    vocabulary = info.get("vocabulary") or {}
    if vocabulary.get("type") == "chars" and not isinstance(vocabulary.get("chars"), str):
        raise TypeError("the character vocabulary must be a string of characters")


def _json_type(value: Any) -> str:
    """How a JSON value's type reads in a message: 'a list', 'a number (12345)', …"""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return _JSON_NAMES.get(type(value), type(value).__name__)


def read_vocabulary(run: RunInfo) -> Vocabulary | CharVocabulary:
    """The run's vocabulary (characters from run.json, words from vocab.json). Raises ModelLoadError."""
    vocab_info = run.info.get("vocabulary", {})
    try:
        if vocab_info.get("type") == "chars":
            return CharVocabulary(vocab_info["chars"])
        return Vocabulary(tuple(json.loads((run.path / VOCAB_FILE).read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(f"Model {run.name!r} has an unreadable vocabulary: {error}") from error


def _run_info(result: TrainResult, extra: dict[str, Any]) -> dict[str, Any]:
    vocabulary = result.vocabulary
    if isinstance(vocabulary, CharVocabulary):
        vocab_info = {"type": "chars", "size": vocabulary.size, "chars": vocabulary.chars}
    else:
        vocab_info = {"type": "words", "size": vocabulary.size, "file": VOCAB_FILE, "pad_id": 0, "oov_id": 1}
    return {
        "format": FORMAT_VERSION,
        "config": result.config.to_dict(),
        "vocabulary": vocab_info,
        "metrics": result.metrics,
        "history": result.history,
        "parameters": int(result.model.count_params()),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "train_seconds": result.train_seconds,
        "stopped_early": result.stopped_early,
        "cancelled": result.cancelled,
        "data_fingerprint": result.fingerprint,
        "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores",
        **result.extras,
        **extra,
    }


def _write_json(path: Path, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def stores() -> list[tuple[str, ModelStore]]:
    """(source, store) for the shipped and the class stores, in the order pickers list them."""
    return [("shipped", ModelStore(shipped_models_dir())), ("class", ModelStore(class_models_dir()))]


def run_candidates(reference: str) -> list[RunInfo]:
    """The runs `reference` may mean, in the order they are tried: a run folder given by its path, then the run of
    that name in the class store, then in the shipped store."""
    path = Path(reference)
    found = []
    if (path / INFO_FILE).is_file() or (path / MODEL_FILE).is_file():
        found.append(ModelStore(path.parent).get(path.name))
    for _, store in reversed(stores()):  # a class run of that name first: the class's own work wins
        try:
            found.append(store.get(reference))
        except RnncoreError:
            continue
    return found


def find_member(reference: str, beside: ModelStore) -> RunInfo:
    """A run another run names (a blend's member): in `beside` (the naming run's own store) first, then by path or
    in the class and shipped stores (run_candidates); RnncoreError when there is none or it is broken."""
    try:
        run = beside.get(reference)
    except RnncoreError:
        candidates = run_candidates(reference)
        if not candidates:
            raise RnncoreError(f"No model {reference!r} next to {beside.root} or in the stores") from None
        run = candidates[0]
    if run.error:
        raise RnncoreError(f"Model {run.name!r} is broken: {run.error}")
    return run
