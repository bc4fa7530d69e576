"""Task functions the job-pool tests run in real worker processes. They coordinate with the test through
files in a folder (the test and the worker are different processes): a task writes `started-NAME` when it
begins and waits for `release-NAME`."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

from rnncore.events import TrainEvent


def _started(folder: str, name: str) -> None:
    (Path(folder) / f"started-{name}").write_text(str(os.getpid()))


def gated(payload: dict, on_event, should_stop) -> SimpleNamespace:
    """Report batches until released (→ result) or stopped (→ result marked cancelled)."""
    folder, name = payload["folder"], payload["name"]
    _started(folder, name)
    on_event(TrainEvent("status", f"{name} started"))
    batches = 0
    while not (Path(folder) / f"release-{name}").exists():
        if should_stop():
            return SimpleNamespace(name=name, cancelled=True, batches=batches)  # like TrainResult
        batches += 1
        on_event(TrainEvent("batch", epoch=1, epochs=1, batch=batches, batches=10**6))
        time.sleep(0.01)
    if payload.get("fail"):
        raise ValueError(payload["fail"])
    return SimpleNamespace(name=name, pid=os.getpid())


def stubborn(payload: dict, on_event, should_stop) -> None:
    """Ignores Stop: a batch that never ends (the pool must end its process)."""
    _started(payload["folder"], payload["name"])
    time.sleep(3600)


def crash(payload: dict, on_event, should_stop) -> None:
    """Its process dies as if the kernel's OOM killer struck."""
    _started(payload["folder"], payload["name"])
    os.kill(os.getpid(), signal.SIGKILL)


def broken(payload: dict, on_event, should_stop) -> None:
    """A bug in the task (not in the user's settings)."""
    raise KeyError("a bug")


def unpicklable(payload: dict, on_event, should_stop):
    """Returns something that cannot travel back to the server."""
    return lambda: None


def chatty(payload: dict, on_event, should_stop) -> int:
    """Many batch events and a few epoch events."""
    for n in range(payload["batches"]):
        if n % 1000 == 0:
            on_event(TrainEvent("epoch", epoch=n // 1000 + 1, epochs=99))
        on_event(TrainEvent("batch", epoch=1, epochs=1, batch=n, batches=payload["batches"]))
    return payload["batches"]


def settings_seen(payload: dict, on_event, should_stop) -> dict:
    """What the worker process was started with: its priority and TensorFlow's inter-op thread setting."""
    return {"nice": os.nice(0), "inter_op": os.environ.get("RNNCORE_TF_INTER_THREADS")}
