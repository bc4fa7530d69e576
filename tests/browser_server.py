"""Helpers for the browser tests: start the real Streamlit app as a subprocess, and small Playwright waits
that understand how Streamlit renders (reruns, exception boxes, the sidebar navigation)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server import free_port, healthy

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT = 60.0
# True once no script run is in progress and no placeholder skeleton is left.
BUSY_JS = """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-testid="stSkeleton"]')"""


def _log_tail(path: Path, chars: int = 3000) -> str:
    """The end of the server log, for failure messages."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


@contextmanager
def streamlit_server(extra_env: dict[str, str]) -> Iterator[str]:
    """Run `streamlit run app.py` on a free port with os.environ plus extra_env; yield its base URL.

    The log goes to a file, not a pipe: a full pipe would block the server mid-test."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "streamlit-server.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, **extra_env}
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"Streamlit exited with {process.returncode}:\n{_log_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Streamlit not healthy after {START_TIMEOUT:.0f} s:\n{_log_tail(log_path)}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the page has a title and Streamlit's 'Running…' indicator has gone.

    Pages with polling fragments never stay idle for long, so a still-running indicator at the deadline
    is not an error: callers wait for the concrete element they need afterwards."""
    page.wait_for_selector("h1", timeout=timeout_ms)
    try:
        page.wait_for_function(BUSY_JS, timeout=timeout_ms // 2)
    except Exception:  # noqa: BLE001 - best effort, see docstring
        pass


def go_to(page, base_url: str, path: str) -> None:
    """Switch page with the sidebar link (keeps the browser session, like a student clicking)."""
    page.locator(f'[data-testid="stSidebarNav"] a[href="{base_url}{path}"]').click()
    # a page may put its settings into the address (the Train form's lesson link): the path is what must match
    page.wait_for_url(re.compile(re.escape(base_url + path) + r"(\?.*)?$"), timeout=30_000)
    wait_idle(page)


def screenshot(page, name: str) -> Path:
    """Save a viewport screenshot under test-artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
