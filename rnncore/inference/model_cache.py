"""The server's loaded models, bounded by the memory they hold rather than by their number: a class store of
thirty small GRUs and one 3-million-parameter LSTM should not be treated alike. Least recently used first out;
the newest model always stays, even when it alone is over the bound (the student asked for it)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Model = TypeVar("Model")


class ModelCache(Generic[Model]):
    """key → model, at most `max_bytes` of them by `size(model)`. Thread-safe; a model is loaded outside the lock
    (seconds for a first export), so two sessions asking for the same new model at once may both load it."""

    def __init__(self, max_bytes: int, size: Callable[[Model], int]):
        if max_bytes < 1:
            raise ValueError(f"a model cache needs a positive size; got {max_bytes!r} bytes")
        self.max_bytes = max_bytes
        self._size = size
        self._models: OrderedDict[str, tuple[Model, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._models

    @property
    def bytes(self) -> int:
        """Memory the cached models hold, by their sizes when they were loaded."""
        with self._lock:
            return sum(size for _, size in self._models.values())

    def get(self, key: str, load: Callable[[], Model]) -> Model:
        """The cached model for `key`, else `load()`ed, kept and returned (older models dropped past the bound)."""
        with self._lock:
            found = self._models.get(key)
            if found is not None:
                self._models.move_to_end(key)
                return found[0]
        model = load()
        size = self._size(model)
        with self._lock:
            self._models[key] = (model, size)
            self._models.move_to_end(key)
            total = sum(size for _, size in self._models.values())
            while total > self.max_bytes and len(self._models) > 1:
                _, (_, dropped) = self._models.popitem(last=False)
                total -= dropped
        return model
