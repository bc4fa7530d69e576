"""One BLAS thread in the Streamlit server. Its NumPy inference runs one review (a 1 × units vector) per step;
OpenBLAS splits the larger of those products (an LSTM of 256 units) over both cores, and its helper thread then
spins waiting for the next one, so every keystroke on Predict cost ~100 ms more server CPU than the work itself
(bench keystroke: 141.5 ms vs 44.1 ms per rerun with imdb-lstm vs imdb-bigru as the default model). Thirty
students' reruns already run side by side in threads, so one BLAS thread each is the right split. Worker
processes (training) are separate processes and keep their own settings."""

from __future__ import annotations

import numpy  # noqa: F401  (loads OpenBLAS: threadpoolctl limits only the libraries already loaded)
from threadpoolctl import threadpool_info, threadpool_limits

_LIMIT = threadpool_limits(limits=1, user_api="blas")  # process-wide; kept for the server's lifetime


def blas_threads() -> list[int]:
    """The thread count of every BLAS library loaded in this process (1 each once this module is imported)."""
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]
