"""Benchmark 5: app cold start — `streamlit run app.py` until the home page's h1 is rendered in a real
browser (Playwright + /usr/bin/chromium), and until the first prediction shows on the Predict page.
Without a browser it falls back to /_stcore/health + GET / (the page is then *not* rendered) and times
the engine's first prediction in a fresh process instead."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import REPO_ROOT, Row, Section, Settings, verdict

CHROMIUM = "/usr/bin/chromium"
TARGET_SECONDS = 2.0  # process start → home page h1
VERDICT_TARGET_SECONDS = 3.0  # process start → first verdict on Predict
DEADLINE = 90.0
# What counts as "a prediction is shown" on the Predict page (adjust if the page's markup changes).
PREDICTION_SELECTOR = '[data-testid="stMetricValue"]'
PREDICTION_TEXT = re.compile(r"P\(positive\)|\d+(\.\d+)?\s*% positive", re.IGNORECASE)


def free_port() -> int:
    """An unused local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """Launch the app headless on `port` (output discarded)."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_server(process: subprocess.Popen) -> None:
    """Terminate the server we started (kill if it does not exit)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _get(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            response.read()
            return response.status == 200
    except OSError:
        return False


def wait_http(base: str, started: float) -> float:
    """Seconds from `started` until health answers and GET / returns the page shell."""
    while time.perf_counter() - started < DEADLINE:
        if _get(f"{base}/_stcore/health") and _get(f"{base}/"):
            return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError(f"server did not answer within {DEADLINE:g} s")


def browser_available() -> bool:
    """Playwright importable and the system Chromium present (never downloads a browser)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def measure_browser() -> dict:
    """Home h1 and first prediction, timed from the server launch, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)  # started before the clock
        page = browser.new_page()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        server = start_server(port)
        try:
            http_seconds = wait_http(base, started)
            page.goto(base, timeout=DEADLINE * 1000)
            h1 = page.locator("h1").first
            h1.wait_for(state="visible", timeout=DEADLINE * 1000)
            home = time.perf_counter() - started
            heading = h1.inner_text()
            page.get_by_role("link", name=re.compile("predict", re.IGNORECASE)).first.click()
            shown = page.locator(PREDICTION_SELECTOR).or_(page.get_by_text(PREDICTION_TEXT)).first
            shown.wait_for(state="visible", timeout=DEADLINE * 1000)
            first_prediction = time.perf_counter() - started
        finally:
            stop_server(server)
        # A student opening the Predict link straight away: a fresh server, the page itself first.
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        server = start_server(port)
        try:
            wait_http(base, started)
            page = browser.new_page()
            page.goto(base + "/predict", timeout=DEADLINE * 1000)
            page.locator('[data-testid="stMetricDelta"]').first.wait_for(state="visible", timeout=DEADLINE * 1000)
            first_verdict = time.perf_counter() - started
        finally:
            stop_server(server)
            browser.close()
    return {
        "method": "browser (Playwright + Chromium, h1 visible)",
        "cold_start_seconds": round(home, 2),
        "http_ready_seconds": round(http_seconds, 2),
        "first_prediction_seconds": round(first_prediction, 2),
        "first_prediction_method": "browser: Predict page link, prediction visible",
        "first_verdict_seconds": round(first_verdict, 2),
        "home_h1": heading[:80],
    }


def engine_first_prediction(store: str) -> float:
    """Seconds for a fresh interpreter to import rnncore, load the best sentiment model and predict once."""
    code = (
        "import sys\n"
        "from rnncore.store import ModelStore\n"
        "from rnncore.inference.runs import load_network_run\n"
        "from rnncore.inference.predict import Predictor\n"
        "from bench.common import usable_runs\n"
        "runs = usable_runs(ModelStore(sys.argv[1]), 'sentiment')\n"
        "runs and print(Predictor(load_network_run(runs[0])).predict('a fine film').probability)\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, store], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure_http(store: str) -> dict:
    """Fallback without a browser: server answering, plus the engine's first prediction in a fresh process."""
    port = free_port()
    started = time.perf_counter()
    server = start_server(port)
    try:
        seconds = wait_http(f"http://127.0.0.1:{port}", started)
    finally:
        stop_server(server)
    return {
        "method": "http fallback (no Playwright/Chromium): /_stcore/health + GET /; the page was NOT rendered",
        "cold_start_seconds": round(seconds, 2),
        "first_prediction_seconds": round(engine_first_prediction(store), 2),
        "first_prediction_method": "engine only: fresh python loads the best sentiment model and predicts once",
    }


def run(settings: Settings) -> Section:
    """Browser measurement when possible, else the HTTP fallback."""
    section = Section("coldstart")
    if not (REPO_ROOT / "app.py").exists():
        section.rows.append(Row("cold start", "no app.py", status="SKIP"))
        return section
    use_browser = browser_available()
    settings.log(f"coldstart: {'browser' if use_browser else 'HTTP fallback (no Playwright/Chromium)'}")
    result = measure_browser() if use_browser else measure_http(str(settings.store.root.resolve()))
    section.details.update(result)
    section.rows.append(
        Row(
            "cold start → home page",
            f"{result['cold_start_seconds']:.2f} s",
            "",
            "",
            f"≤ {TARGET_SECONDS:g} s",
            verdict(result["cold_start_seconds"] <= TARGET_SECONDS),
            result["method"],
        )
    )
    section.rows.append(
        Row(
            "cold start → first prediction",
            f"{result['first_prediction_seconds']:.2f} s",
            note=result["first_prediction_method"],
            status="INFO",
        )
    )
    if "first_verdict_seconds" in result:
        section.rows.append(
            Row(
                "process start → verdict visible (/predict opened directly)",
                f"{result['first_verdict_seconds']:.2f} s",
                "",
                "",
                f"≤ {VERDICT_TARGET_SECONDS:g} s",
                verdict(result["first_verdict_seconds"] <= VERDICT_TARGET_SECONDS),
                "headless Chromium; the page's verdict line (P(positive)) visible",
            )
        )
        section.metrics["first_verdict_seconds"] = result["first_verdict_seconds"]
    section.metrics.update(
        cold_start_seconds=result["cold_start_seconds"],
        cold_start_method=result["method"],
        first_prediction_seconds=result["first_prediction_seconds"],
    )
    return section
