"""The worker process: imports TensorFlow once (it stays warm), then runs the jobs the pool sends, each in its own
thread (the pool decides how many run at once: one for IMDB training, several for Sequence Lab runs), streaming
their events back. Started by rnncore.jobs.pool as `python -m rnncore.jobs.worker_main FD [PRELOAD …]`.

Messages (pickled over the inherited pipe FD):
    pool → worker: ("run", job_id, "module:function", payload) · ("stop", job_id) · ("exit",)
    worker → pool: ("ready", pid) · ("event", job_id, TrainEvent) · ("stopping", job_id)
                   · ("result", job_id, pickled value) · ("error", job_id, message, details)
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from rnncore import environment
from rnncore.errors import RnncoreError


def resolve(reference: str) -> Callable[..., Any]:
    """The function named by "package.module:function"."""
    module_name, _, function_name = reference.partition(":")
    if not function_name:
        raise ValueError(f"task must look like 'package.module:function'; got {reference!r}")
    return getattr(importlib.import_module(module_name), function_name)


class Worker:
    """Runs each job in a thread of its own; a reader thread takes control messages (a stop can arrive mid-job)."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.send_lock = threading.Lock()
        self.work: queue.Queue = queue.Queue()
        self.stops: dict[int, threading.Event] = {}

    def send(self, message: tuple) -> None:
        """Send one message (training callbacks and the main loop may send concurrently)."""
        with self.send_lock:
            self.connection.send(message)

    def read_control(self) -> None:
        """Reader thread: queue runs, flag stops; exit at once when the pool goes away (pipe closed)."""
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                os._exit(0)  # the server died or shut down: never outlive it
            if message[0] == "run":
                self.stops[message[1]] = threading.Event()
                self.work.put(message)
            elif message[0] == "stop" and message[1] in self.stops:
                self.stops[message[1]].set()
            elif message[0] == "exit":
                os._exit(0)

    def run_forever(self) -> None:
        """Main loop: start a thread per job sent."""
        while True:
            _, job_id, reference, payload = self.work.get()
            threading.Thread(
                target=self.run_one, args=(job_id, reference, payload), name=f"rnncore-job-{job_id}", daemon=True
            ).start()

    def run_one(self, job_id: int, reference: str, payload: Any) -> None:
        """Run one job and report its result or error; a failing job never ends the worker."""
        stop = self.stops[job_id]
        acknowledged = threading.Event()

        def should_stop() -> bool:
            if not stop.is_set():
                return False
            if not acknowledged.is_set():  # tell the pool the stop was seen, so it does not end this process
                acknowledged.set()
                self.send(("stopping", job_id))
            return True

        try:
            value = resolve(reference)(payload, lambda event: self.send(("event", job_id, event)), should_stop)
            # Pickled on its own: a value the server cannot unpickle then fails this job alone, never the worker.
            self.send(("result", job_id, pickle.dumps(value)))
        except (RnncoreError, ValueError) as error:  # the user's settings or data: a clear one-line message
            self.send(("error", job_id, str(error), ""))
        except Exception as error:
            self.send(("error", job_id, f"{type(error).__name__}: {error}", traceback.format_exc(limit=5)))
        finally:
            self.stops.pop(job_id, None)


def main(argv: list[str]) -> None:
    """Entry point: argv = [FD, preload references…]."""
    connection = Connection(int(argv[0]))
    # Training yields to the server: page reruns and NumPy predictions for the class come first.
    os.nice(environment.whole(environment.WORKER_NICE))
    worker = Worker(connection)
    threading.Thread(target=worker.read_control, name="rnncore-worker-control", daemon=True).start()
    for reference in argv[1:]:  # e.g. import TensorFlow now, so the first job starts at once
        resolve(reference)()
    worker.send(("ready", os.getpid()))
    worker.run_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
