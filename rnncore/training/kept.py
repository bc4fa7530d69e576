"""Values a worker process makes once and shares between the runs its threads train at once: a compiled step per
model shape (Sequence Lab, Translate), a task's examples, a seeded start. Making one is Python work under the GIL
(tracing a step takes seconds), so ten students' runs of one shape must not each make it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Kept(Generic[Value]):
    """The last `size` values made, by key; the least recently used goes first. A key's value is made once: a
    second thread asking for it meanwhile waits for the first, while values of other keys are made (or handed
    out) at the same time. Callers must not change a value they get."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()  # guards the two dicts; never held while making
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept for `key`, made now by `make()` if there is none."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:  # made by the thread this one waited for
                    self._values.move_to_end(key)
                    return self._values[key]
            value = make()
            with self._lock:
                self._values[key] = value
                self._making.pop(key, None)
                while len(self._values) > self._size:
                    self._values.popitem(last=False)
        return value
