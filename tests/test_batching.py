"""MicroBatcher: concurrent calls are answered correctly, in batches, and failures reach every caller."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from rnncore.inference.batching import MicroBatcher


def test_single_call_runs_alone():
    batches = []
    batcher = MicroBatcher(lambda items: batches.append(list(items)) or [item * 2 for item in items])
    assert batcher.submit(21) == 42
    assert batches == [[21]]


def test_concurrent_calls_are_coalesced_and_each_gets_its_own_result():
    sizes = []

    def slow_double(items):
        sizes.append(len(items))
        time.sleep(0.02)  # long enough for the other callers to queue up
        return [item * 2 for item in items]

    batcher = MicroBatcher(slow_double, max_batch=8)
    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(batcher.submit, range(30)))
    assert results == [n * 2 for n in range(30)]
    assert sum(sizes) == 30 and max(sizes) <= 8 and len(sizes) < 30


def test_a_failing_batch_raises_in_every_caller_and_the_batcher_recovers():
    gate = threading.Event()

    def flaky(items):
        gate.wait(1)
        if any(item < 0 for item in items):
            raise ValueError("negative")
        return list(items)

    batcher = MicroBatcher(flaky)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(batcher.submit, n) for n in (-1, -2, -3)]
        time.sleep(0.05)
        gate.set()
        for future in futures:
            with pytest.raises(ValueError):
                future.result(timeout=5)
    assert batcher.submit(5) == 5
