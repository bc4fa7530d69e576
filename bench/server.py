"""A real `streamlit run app.py` for benchmarks, and what it costs: CPU seconds and RSS read from /proc for
the server process and, separately, its children (the training worker processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import REPO_ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_DEADLINE = 90.0


@dataclass
class Server:
    """A running app: its URL, process and the moment it was launched (perf_counter)."""

    url: str
    process: subprocess.Popen
    launched: float

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server process has used so far (not its children)."""
        return cpu_seconds(self.pid)

    def children(self) -> list[int]:
        """Process ids of the server's child processes (worker processes)."""
        pids = []
        for path in Path(f"/proc/{self.pid}/task").glob("*/children"):  # any thread may have started them
            try:
                pids += [int(pid) for pid in path.read_text().split()]
            except OSError:
                continue
        return sorted(set(pids))


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the server answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def streamlit_app(
    extra_env: dict[str, str] | None = None, flags: tuple[str, ...] = (), wait: bool = True
) -> Iterator[Server]:
    """Run the app headless on a free port (log in bench-server.log); yield it; always stop it and its
    children. With wait=False it yields at once (cold-start timing starts at launch)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false", *flags]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(extra_env or {})}
    log = open(REPO_ROOT / "bench-server.log", "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    launched = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    server = Server(url, process, launched)
    try:
        if wait:
            while not healthy(url):
                if process.poll() is not None or time.perf_counter() - launched > START_DEADLINE:
                    raise RuntimeError(f"the app did not start (see {log.name})")
                time.sleep(0.1)
        yield server
    finally:
        children = server.children()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        for pid in children:  # workers exit on their own when the server's pipe closes; make sure
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        log.close()
