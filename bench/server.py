"""A real `streamlit run app.py` for benchmarks, and what it costs: CPU seconds and RSS read from /proc for
the server process and, separately, its descendants (the training worker processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import REPO_ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_DEADLINE = 90.0
LOG_PATH = REPO_ROOT / "bench-server.log"  # ignored by git; the last server's output, for failures
FREEZE_MARK = "[bench.gcfreeze]"  # what bench/gcfreeze.py prints once gc.freeze() has run


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

    def live_threads_cpu_seconds(self) -> float:
        """On-CPU seconds of the server's live threads, nanosecond-exact (/proc/PID/task/*/schedstat): for an
        idle stretch, where no thread ends and 10 ms clock ticks would be too coarse."""
        total = 0
        for path in Path(f"/proc/{self.pid}/task").glob("*/schedstat"):
            try:
                total += int(path.read_text().split()[0])
            except OSError:
                continue
        return total / 1e9

    def workers(self) -> list[int]:
        """Process ids of every descendant of the server (the warm worker processes)."""
        return descendants(self.pid)

    def workers_cpu_seconds(self) -> float:
        """CPU seconds of the live worker processes together."""
        return total_cpu_seconds(self.workers())

    def workers_rss_mb(self) -> list[float]:
        """RSS of each live worker process in MB."""
        return [round(rss_mb(pid), 1) for pid in self.workers()]

    def wait_workers_settled(self, timeout: float = 120.0, quiet: float = 0.05) -> float:
        """Wait until the worker processes exist (when training is on) and have finished their warm-up imports:
        less than `quiet` CPU seconds over one second. Returns the seconds waited. Timing a keystroke while a
        worker still imports TensorFlow would charge the server for a one-off start-up cost."""
        expect = classroom_limits().training_enabled
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            before = self.workers_cpu_seconds()
            time.sleep(1.0)
            pids = self.workers()
            if (pids or not expect) and self.workers_cpu_seconds() - before < quiet:
                break
        return round(time.perf_counter() - started, 1)

    def freeze(self, timeout: float = 15.0) -> int:
        """Ask a server started with freeze_switch=True to call gc.freeze(); returns how many objects it froze."""
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in LOG_PATH.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(FREEZE_MARK):
                    return int(line.split("frozen=")[1].split()[0])
            time.sleep(0.2)
        raise RuntimeError("the server did not report gc.freeze() (was it started with freeze_switch=True?)")


def classroom_limits():
    """The app's own reading of RNNCORE_TRAINING, RNNCORE_MAX_EPOCHS, … (environment, then secrets.toml): the
    server inherits this process's environment, so it reads the same values."""
    from ui.common import classroom_limits as app_limits

    return app_limits()


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/PID/stat (0 when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def total_cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime summed over processes."""
    return sum(cpu_seconds(pid) for pid in pids)


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (VmRSS; 0 when it has gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """Direct children of a process; every thread is read, since any thread may have started them."""
    found: set[int] = set()
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(child) for child in path.read_text().split())
        except OSError:
            continue
    return sorted(found)


def descendants(pid: int) -> list[int]:
    """Children, grandchildren, … of a process."""
    found, frontier = [], children(pid)
    while frontier:
        found += frontier
        frontier = [grandchild for child in frontier for grandchild in children(child)]
    return found


def command_name(pid: int) -> str:
    """The process's short name (/proc/PID/comm), '' when it has gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


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


def data_environment() -> dict[str, str]:
    """RNNCORE_DATA_DIR=../shared/data when that folder exists (as `python -m bench` sets it), so a training
    job in the server's worker reads the local IMDB copy instead of downloading it."""
    shared = (REPO_ROOT / ".." / "shared" / "data").resolve()
    return {"RNNCORE_DATA_DIR": str(shared)} if shared.is_dir() and "RNNCORE_DATA_DIR" not in os.environ else {}


@contextmanager
def streamlit_app(
    extra_env: dict[str, str] | None = None,
    flags: tuple[str, ...] = (),
    wait: bool = True,
    freeze_switch: bool = False,
) -> Iterator[Server]:
    """Run the app headless on a free port (log in bench-server.log); yield it; always stop it and its
    descendants. With wait=False it yields at once (cold-start timing starts at launch). With freeze_switch
    the server runs under bench/gcfreeze.py, so Server.freeze() can call gc.freeze() inside it. Models the
    class trains go to a temporary store, never into the repository's class_models/."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    launcher = ["bench.gcfreeze"] if freeze_switch else ["streamlit"]
    command = [sys.executable, "-m", *launcher, "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false", *flags]
    store = tempfile.TemporaryDirectory(prefix="rnncore-bench-store-")
    environment = {**os.environ, **data_environment(), "TF_CPP_MIN_LOG_LEVEL": "3", "RNNCORE_STORE_DIR": store.name}
    environment.update(extra_env or {})
    log = open(LOG_PATH, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    launched = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    server = Server(url, process, launched)
    try:
        if wait:
            while not healthy(url):
                if process.poll() is not None or time.perf_counter() - launched > START_DEADLINE:
                    raise RuntimeError(f"the app did not start (see {LOG_PATH})")
                time.sleep(0.1)
        yield server
    finally:
        stop(server)
        log.close()
        store.cleanup()


def stop(server: Server) -> None:
    """Terminate the server, then any descendant still alive (workers normally exit when its pipe closes)."""
    leftovers = server.workers()
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
