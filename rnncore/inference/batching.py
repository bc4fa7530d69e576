"""Coalesce concurrent calls into one batched call.

Thirty students typing at once would each run a forward pass, and those passes take turns on Python's
GIL: the last one waits for all the others. A batch of 30 reviews costs about as many NumPy calls as a
batch of one, so requests that arrive while a batch is running are answered together by the next one.
No background thread: the first caller of an idle batcher becomes the leader and runs a batch; when it
is done it hands the lead to the oldest waiting caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Request:
    item: Any
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to run the next batch rather than with a result
    result: Any = None
    error: BaseException | None = None


class MicroBatcher:
    """Calls `run_batch(items) -> results` (same order) for groups of concurrent `submit(item)` calls."""

    def __init__(self, run_batch: Callable[[Sequence[Any]], Sequence[Any]], max_batch: int = 64):
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Request] = []
        self._busy = False

    def submit(self, item: Any) -> Any:
        """The result for `item`, computed in a batch with whatever else is waiting."""
        request = _Request(item)
        with self._lock:
            self._waiting.append(request)
            lead = not self._busy
            self._busy = True
        while not lead:
            request.done.wait()
            if not request.lead:
                break
            request.lead, lead = False, True
            request.done.clear()
        if lead:
            self._lead()
        if request.error is not None:
            raise request.error
        return request.result

    def _lead(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
        try:
            results = self._run_batch([request.item for request in batch])
            for request, result in zip(batch, results, strict=True):
                request.result = result
        except BaseException as error:  # every caller in the batch sees the failure, none hangs
            for request in batch:
                request.error = error
        with self._lock:
            if self._waiting:
                successor = self._waiting[0]
                successor.lead = True
                successor.done.set()
            else:
                self._busy = False
        for request in batch:
            request.done.set()
