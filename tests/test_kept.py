"""rnncore/training/kept.py: what a worker process makes once for the runs its threads train at once."""

from __future__ import annotations

import threading
import time

from rnncore.training.kept import Kept


def test_a_key_is_made_once_however_many_threads_ask_at_once():
    kept: Kept[int] = Kept(4)
    made: list[str] = []

    def slow() -> int:
        made.append("a")
        time.sleep(0.2)
        return 1

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(kept.get("a", slow))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == ["a"] and results == [1] * 5


def test_a_kept_key_is_handed_out_while_another_is_being_made():
    kept: Kept[str] = Kept(4)
    kept.get("ready", lambda: "ready")
    making, release = threading.Event(), threading.Event()

    def blocked() -> str:
        making.set()
        release.wait(5)
        return "slow"

    worker = threading.Thread(target=lambda: kept.get("slow", blocked))
    worker.start()
    assert making.wait(5)
    assert kept.get("ready", lambda: "again") == "ready"  # not behind the slow make
    release.set()
    worker.join()
    assert kept.get("slow", lambda: "again") == "slow"


def test_the_least_recently_used_goes_first():
    kept: Kept[str] = Kept(2)
    kept.get("a", lambda: "a")
    kept.get("b", lambda: "b")
    kept.get("a", lambda: "a again")  # used again: b is now the oldest
    kept.get("c", lambda: "c")
    assert kept.get("a", lambda: "new") == "a" and kept.get("b", lambda: "new") == "new"
