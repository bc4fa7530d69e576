"""Benchmark: server CPU per keystroke. A real `streamlit run app.py`, one real headless Chromium typing a
review into Predict's live box word by word (the box reruns the page 300 ms after the last key); the
server's CPU time comes from /proc, the reruns are counted on the page's own websocket (every `rerun_script`
the browser sent), and keystroke → verdict is the time from that message to the server's `script_finished`.

Measured twice: with the app's settings (.streamlit/config.toml: runner.postScriptGC = false) and with
Streamlit's default (a full gc.collect after every script run), so the setting is decided by measurement."""

from __future__ import annotations

import shutil
import time

from bench.common import Row, Section, Settings, stats_ms, verdict
from bench.server import streamlit_app

TARGET_MS = 30.0
REVIEW = (
    "I expected to hate this film but the acting was wonderful and the story kept me guessing until the very "
    "end even if the middle dragged a little and the music was too loud"
)
MODES = {
    "app settings (postScriptGC off)": (),
    "Streamlit default (postScriptGC on)": ("--runner.postScriptGC", "true"),
}


def measure(flags: tuple[str, ...], words: list[str]) -> dict:
    """Type `words` one at a time into Predict in Chromium; server CPU per rerun and latencies."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sent: list[float] = []
    finished: list[float] = []

    def on_socket(socket) -> None:
        def frame_sent(payload) -> None:
            if isinstance(payload, bytes):
                message = BackMsg()
                message.ParseFromString(payload)
                if message.WhichOneof("type") == "rerun_script":
                    sent.append(time.perf_counter())

        def frame_received(payload) -> None:
            if isinstance(payload, bytes):
                message = ForwardMsg()
                message.ParseFromString(payload)
                if message.WhichOneof("type") == "script_finished":
                    finished.append(time.perf_counter())

        socket.on("framesent", frame_sent)
        socket.on("framereceived", frame_received)

    with streamlit_app({"RNNCORE_TRAINING": "off"}, flags) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        try:
            page = browser.new_page()
            page.on("websocket", on_socket)
            page.goto(server.url + "/predict")
            page.locator('[data-testid="stMetricDelta"]').first.wait_for(timeout=90_000)
            box = page.locator("input.stkeyup__input")
            box.click()
            box.press("Control+a")
            box.press("Delete")
            page.wait_for_timeout(1_500)
            first, cpu_before = len(sent), server.cpu_seconds()
            for word in words:
                box.press_sequentially(word + " ", delay=60)  # faster than the 300 ms debounce: one rerun per word
                page.wait_for_timeout(700)
            page.wait_for_timeout(1_000)
            cpu = server.cpu_seconds() - cpu_before
        finally:
            browser.close()
    starts = sent[first:]
    latencies = [next(end for end in finished if end >= start) - start for start in starts if finished[-1] >= start]
    return {
        "reruns": len(starts),
        "server_cpu_seconds": round(cpu, 3),
        "cpu_ms_per_rerun": round(1000 * cpu / max(1, len(starts)), 1),
        "latency": stats_ms(latencies) if latencies else {},
    }


def run(settings: Settings) -> Section:
    """Both modes, one row each; the app's mode carries the target."""
    section = Section("keystroke")
    if shutil.which("chromium") is None:
        section.rows.append(Row("server CPU per keystroke", "no chromium", status="SKIP"))
        return section
    words = REVIEW.split()[: 12 if settings.quick else None]
    for mode, flags in MODES.items():
        settings.log(f"keystroke: {mode}")
        result = measure(flags, words)
        section.details[mode] = result
        app_mode = not flags
        section.rows.append(
            Row(
                f"server CPU per keystroke, {mode}",
                f"{result['cpu_ms_per_rerun']:.1f} ms",
                "",
                "",
                f"≤ {TARGET_MS:g} ms" if app_mode else "",
                verdict(result["cpu_ms_per_rerun"] <= TARGET_MS) if app_mode else "INFO",
                f"{result['reruns']} reruns; keystroke → finished rerun p50 {result['latency'].get('p50_ms', 0):.0f} ms"
                f" / p95 {result['latency'].get('p95_ms', 0):.0f} ms (browser's websocket)",
            )
        )
        key = "server_cpu_ms_per_keystroke" if app_mode else "server_cpu_ms_per_keystroke_postscriptgc_on"
        section.metrics[key] = result["cpu_ms_per_rerun"]
    return section
