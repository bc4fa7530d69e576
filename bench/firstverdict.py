"""Benchmark: what the first student waits for after the teacher starts the app, and what the app then
weighs. Each trial launches a fresh `streamlit run app.py` (the app's own settings, training on); the clock
starts at the launch and a headless Chromium, already open, loads the page as soon as the health check answers.

- cold_start_seconds: launch → the home page's h1 visible;
- first_prediction_seconds: the same session then clicks Predict in the sidebar → the verdict visible;
- first_verdict_seconds: another fresh server, /predict opened directly → the verdict visible;
- server_rss_mb: on that last server, after 30 websocket sessions (bench/student.py) visited Predict and typed a
  review, and every shipped model was loaded (one session compares all sentiment models, one opens Generate):
  the server process's RSS from /proc, with the worker processes' RSS reported beside it.

Every trial is repeated with training switched off (no worker process starts importing TensorFlow after the
first page), shown as the baseline, so the workers' share of the wait is measured, not guessed.
The full run repeats the browser trials and reports the median (every trial is in the details): a 2-core
machine shared with other work makes single cold starts noisy."""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import Row, Section, Settings, verdict
from bench.server import START_DEADLINE, Server, healthy, rss_mb, streamlit_app
from bench.student import Student

COLD_TARGET_S, VERDICT_TARGET_S, RSS_TARGET_MB = 2.0, 3.0, 250.0
TRIALS, QUICK_TRIALS = 3, 1
SESSIONS, QUICK_SESSIONS = 30, 10
VERDICT = '[data-testid="stMetricDelta"]'  # the Predict page's "P(positive) = …" under the verdict
METHOD = "browser: headless Chromium (Playwright), element visible"
TRAINING_OFF = {"RNNCORE_TRAINING": "off"}


def wait_healthy(server: Server) -> float:
    """Seconds from launch until the health check answers, polled every 20 ms as an eager browser would."""
    while not healthy(server.url):
        if server.process.poll() is not None or time.perf_counter() - server.launched > START_DEADLINE:
            raise RuntimeError("the app did not start (see bench-server.log)")
        time.sleep(0.02)
    return time.perf_counter() - server.launched


def home_then_predict(browser: Any, extra_env: dict[str, str] | None = None) -> dict:
    """Fresh server: home h1, then the sidebar's Predict link until the verdict shows. browser.new_page() opens
    a fresh browser context, so every trial starts with an empty browser cache."""
    page = browser.new_page()
    try:
        with streamlit_app(extra_env, wait=False) as server:
            http = wait_healthy(server)
            page.goto(server.url, timeout=START_DEADLINE * 1000)  # returns at the page's load event
            loaded = time.perf_counter() - server.launched
            page.locator("h1").first.wait_for(state="visible", timeout=START_DEADLINE * 1000)
            home = time.perf_counter() - server.launched
            page.locator(f'[data-testid="stSidebarNav"] a[href="{server.url}/predict"]').click()
            page.locator(VERDICT).first.wait_for(state="visible", timeout=START_DEADLINE * 1000)
            prediction = time.perf_counter() - server.launched
    finally:
        page.close()
    return {
        "http_ready_s": round(http, 2),
        "page_loaded_s": round(loaded, 2),  # HTML and the frontend's scripts loaded; the app's run follows
        "home_h1_s": round(home, 2),
        "home_then_predict_s": round(prediction, 2),
    }


def predict_direct(browser: Any, sessions: int = 0, extra_env: dict[str, str] | None = None) -> dict:
    """Fresh server, /predict opened directly until the verdict shows; then, if `sessions`, the memory."""
    page = browser.new_page()
    try:
        with streamlit_app(extra_env, wait=False) as server:
            http = wait_healthy(server)
            page.goto(server.url + "/predict", timeout=START_DEADLINE * 1000)
            loaded = time.perf_counter() - server.launched
            page.locator("h1").first.wait_for(state="visible", timeout=START_DEADLINE * 1000)
            title = time.perf_counter() - server.launched
            page.locator(VERDICT).first.wait_for(state="visible", timeout=START_DEADLINE * 1000)
            result: dict[str, Any] = {
                "http_ready_s": round(http, 2),
                "page_loaded_s": round(loaded, 2),
                "predict_h1_s": round(title, 2),  # the page's script has started drawing
                "predict_direct_s": round(time.perf_counter() - server.launched, 2),
            }
            page.close()  # the browser session ends; the memory below is the websocket class's
            if sessions:
                result["memory"] = memory_after_class(server, sessions)
    finally:
        if not page.is_closed():
            page.close()
    return result


def memory_after_class(server: Server, sessions: int) -> dict:
    """RSS after `sessions` Predict visits (kept open) and every shipped model loaded."""
    server.wait_workers_settled()
    memory = {"server_rss_after_first_verdict_mb": round(rss_mb(server.pid), 1)}
    # Playwright's sync API keeps an event loop on this thread, so the websocket class runs on its own thread.
    with ThreadPoolExecutor(1) as thread:
        memory.update(thread.submit(asyncio.run, _class_and_models(server, sessions)).result())
    return memory


async def _class_and_models(server: Server, count: int) -> dict:
    students = [Student(server.url) for _ in range(count)]
    try:
        for n, student in enumerate(students):
            await student.open()
            await student.type_text(f"student {n} thought the film was not bad at all")
        after_class = round(rss_mb(server.pid), 1)
        await students[0].set_toggle("compare_all", True)  # loads every sentiment model (shipped and class)
        generate = Student(server.url)
        await generate.open("generate", review_box=False)  # loads the default (shipped Shakespeare) char model
        await generate.close()
        await asyncio.to_thread(server.wait_workers_settled)
        return {
            "sessions": count,
            "server_rss_after_sessions_mb": after_class,
            "server_rss_mb": round(rss_mb(server.pid), 1),
            "worker_rss_mb": server.workers_rss_mb(),
        }
    finally:
        for student in students:
            await student.close()


def shipped_models(settings: Settings) -> tuple[list[str], list[str]]:
    """Names of the shipped sentiment and char models (the ones the memory figure must include)."""
    runs = [run for run in settings.store.list_runs() if not run.error]
    return [r.name for r in runs if r.kind == "sentiment"], [r.name for r in runs if r.kind == "chars"]


def measure(settings: Settings) -> dict:
    """Every trial, in one Chromium launched before any clock starts (the student's browser is open)."""
    from playwright.sync_api import sync_playwright

    trials = QUICK_TRIALS if settings.quick else TRIALS
    sessions = QUICK_SESSIONS if settings.quick else SESSIONS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        try:
            homes, directs, homes_off, directs_off = [], [], [], []
            for n in range(trials):  # interleaved, so a change in the machine's load hits every kind alike
                homes.append(home_then_predict(browser))
                # What the worker processes' start-up (they import TensorFlow after the first page) costs:
                # the same trial with training switched off, so no worker starts.
                homes_off.append(home_then_predict(browser, TRAINING_OFF))
                directs_off.append(predict_direct(browser, 0, TRAINING_OFF))
                directs.append(predict_direct(browser, sessions if n == trials - 1 else 0))
        finally:
            browser.close()
    memory = directs[-1].pop("memory")
    return {
        "trials": trials,
        "home": homes,
        "direct": directs,
        "home_training_off": homes_off,
        "direct_training_off": directs_off,
        "memory": memory,
    }


def median(trials: list[dict], key: str) -> float:
    """Median of one figure over the trials."""
    return round(statistics.median(trial[key] for trial in trials), 2)


def run(settings: Settings) -> Section:
    """Cold start, first verdict and RSS rows."""
    section = Section("firstverdict")
    if shutil.which("chromium") is None:
        section.rows.append(Row("cold start / first verdict", "no chromium", status="SKIP"))
        return section
    sentiment, chars = shipped_models(settings)
    settings.log(f"firstverdict: {QUICK_TRIALS if settings.quick else TRIALS} trial(s) of each, then the memory")
    result = measure(settings)
    memory = result["memory"]
    memory["models"] = {"sentiment": sentiment, "chars_loaded": chars[:1], "chars_not_loaded": chars[1:]}
    section.details.update(result)
    cold, first = median(result["home"], "home_h1_s"), median(result["direct"], "predict_direct_s")
    via_home = median(result["home"], "home_then_predict_s")
    spread = f"median of {result['trials']}" if result["trials"] > 1 else "1 trial"
    section.metrics.update(
        cold_start_seconds=cold,
        cold_start_method=METHOD,
        first_prediction_seconds=via_home,
        first_verdict_seconds=first,
        server_rss_mb=memory["server_rss_mb"],
        worker_rss_mb=memory["worker_rss_mb"],
    )
    worst = max(trial["home_h1_s"] for trial in result["home"])
    section.rows.append(
        Row(
            "process start → home page h1",
            f"{cold:.2f} s",
            f"training off: {median(result['home_training_off'], 'home_h1_s'):.2f} s",
            target=f"≤ {COLD_TARGET_S:g} s",
            status=verdict(cold <= COLD_TARGET_S),
            note=f"{spread} (worst {worst:.2f} s); {METHOD}",
        )
    )
    section.rows.append(
        Row(
            "process start → verdict (/predict opened directly)",
            f"{first:.2f} s",
            f"training off (no worker start-up): {median(result['direct_training_off'], 'predict_direct_s'):.2f} s",
            target=f"≤ {VERDICT_TARGET_S:g} s",
            status=verdict(first <= VERDICT_TARGET_S),
            note=f"{spread}; the verdict's P(positive) line",
        )
    )
    section.rows.append(
        Row(
            "process start → home → Predict link → verdict",
            f"{via_home:.2f} s",
            f"training off: {median(result['home_training_off'], 'home_then_predict_s'):.2f} s",
            status="INFO",
            note=f"{spread}; the worker processes import TensorFlow right after the first page",
        )
    )
    workers = ", ".join(f"{value:.0f}" for value in memory["worker_rss_mb"]) or "none"
    section.rows.append(
        Row(
            f"server RSS, every shipped model loaded, {memory['sessions']} sessions",
            f"{memory['server_rss_mb']:.0f} MB",
            f"after the first verdict: {memory['server_rss_after_first_verdict_mb']:.0f} MB",
            target=f"≤ {RSS_TARGET_MB:g} MB",
            status=verdict(memory["server_rss_mb"] <= RSS_TARGET_MB),
            note=f"worker processes (TensorFlow, outside the server): {workers} MB",
        )
    )
    return section


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
