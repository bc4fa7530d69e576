"""Benchmark: server CPU per keystroke. A real `streamlit run app.py` (training on, its worker processes warm)
and one real headless Chromium typing a review into Predict's live box character by character; the box
reruns the page 300 ms after the last key (st_keyup debounce in ui/predict_review.py), so a student who pauses
after each word causes one rerun per word.

- reruns: the `rerun_script` messages the page sent over its websocket during the typing phase (counted
  from Playwright's websocket events; the server's `script_finished` replies are counted beside them);
- server CPU per rerun: utime + stime of the server process from /proc over the typing phase ÷ reruns; the
  worker processes' CPU and the browser's CPU over the same phase are reported separately;
- keystroke → verdict: timed inside the page (performance.now()): last key before the rerun was sent → the
  verdict text (st.metric delta, P(positive)) changed and the next frame was drawn. It includes the 300 ms
  debounce, which is what the student waits; rerun sent → verdict drawn is reported beside it.

Measured in four server set-ups so the settings are decided by measurement: the app's own settings
(.streamlit/config.toml: runner.postScriptGC = false), Streamlit's default (postScriptGC on: a full
gc.collect after every script run), and each of these after gc.freeze() inside the warm server
(bench/gcfreeze.py; the app itself does not call it)."""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from bench.common import Row, Section, Settings, ms, stats_ms, verdict
from bench.server import Server, command_name, descendants, streamlit_app, total_cpu_seconds

TARGET_MS = 30.0
REVIEW = (
    "I expected to hate this film but the acting was wonderful and the story kept me guessing until the very "
    "end even if the middle dragged a little and the music was too loud"
)
QUICK_WORDS = 10
IDLE_MS = 4_000
KEY_DELAY_MS = 150  # between keys inside a word: faster than the 300 ms debounce, so no rerun mid-word
WORD_PAUSE_MS = 700  # after each word: longer than the debounce, so one rerun per word, then the student reads
# name → (JSON key, extra `streamlit run` flags, call gc.freeze() in the warm server)
MODES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "app settings (postScriptGC off)": ("server_cpu_ms_per_keystroke", (), False),
    "Streamlit default (postScriptGC on)": (
        "server_cpu_ms_per_keystroke_postscriptgc_on",
        ("--runner.postScriptGC", "true"),
        False,
    ),
    "app settings + gc.freeze()": ("server_cpu_ms_per_keystroke_frozen", (), True),
    "postScriptGC on + gc.freeze()": (
        "server_cpu_ms_per_keystroke_postscriptgc_on_frozen",
        ("--runner.postScriptGC", "true"),
        True,
    ),
}
VERDICT = '[data-testid="stMetricDelta"]'
# Runs in the page before Streamlit's own code: records key presses, the websocket messages that ask for a
# rerun (BackMsg field rerun_script, recognised by its first byte) and every change of the verdict text.
PAGE_PROBE = """(() => {
  const bench = (window.__bench = { keys: [], sends: [], verdicts: [] });
  document.addEventListener("keydown", () => bench.keys.push(performance.now()), true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes && bytes.length && bytes[0] === RERUN_TAG) bench.sends.push(performance.now());
    return send.call(this, data);
  };
  let last = null;
  new MutationObserver(() => {
    const node = document.querySelector('VERDICT');
    const text = node ? node.textContent : null;
    if (text === last) return;
    last = text;
    const changed = performance.now();
    requestAnimationFrame(() => bench.verdicts.push([changed, performance.now(), text]));
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();"""


def rerun_tag() -> int:
    """First byte of a serialized BackMsg whose oneof is rerun_script (field number, wire type 2)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    tag = BackMsg.DESCRIPTOR.fields_by_name["rerun_script"].number << 3 | 2
    if tag >= 128:
        raise RuntimeError("rerun_script's tag no longer fits in one byte; update PAGE_PROBE")
    return tag


def browser_cpu(server: Server) -> dict[str, float]:
    """CPU seconds so far of this process's other descendants: Chromium's processes and Playwright's driver."""
    server_side = {server.pid, *server.workers()}
    pids = [pid for pid in descendants(os.getpid()) if pid not in server_side]
    driver = [pid for pid in pids if command_name(pid).startswith("node")]  # "node-MainThread"
    return {
        "browser": total_cpu_seconds(pid for pid in pids if pid not in driver),
        "driver": total_cpu_seconds(driver),
    }


class SocketCounter:
    """Counts what the page's websocket carries: reruns asked for and script runs finished."""

    def __init__(self) -> None:
        self.reruns = 0
        self.finished = 0

    def attach(self, socket: Any) -> None:
        """Playwright 'websocket' event handler."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def sent(payload: Any) -> None:
            if isinstance(payload, bytes):
                message = BackMsg()
                message.ParseFromString(payload)
                self.reruns += message.WhichOneof("type") == "rerun_script"

        def received(payload: Any) -> None:
            if isinstance(payload, bytes):
                message = ForwardMsg()
                message.ParseFromString(payload)
                self.finished += message.WhichOneof("type") == "script_finished"

        socket.on("framesent", sent)
        socket.on("framereceived", received)


def pair_latencies(probe: dict, since: float) -> dict:
    """Per rerun sent after `since` (page clock): last key → verdict drawn, and rerun sent → verdict drawn.
    A rerun whose verdict text did not change before the next rerun was sent has no sample (counted)."""
    sends = [s for s in probe["sends"] if s >= since]
    keys = probe["keys"]
    shown = [(changed, drawn) for changed, drawn, text in probe["verdicts"] if text and changed >= since]
    from_key, from_send, unmatched = [], [], 0
    for n, sent in enumerate(sends):
        until = sends[n + 1] if n + 1 < len(sends) else float("inf")
        drawn = next((d for c, d in shown if sent <= c < until), None)
        key = max((k for k in keys if k <= sent), default=None)
        if drawn is None or key is None:
            unmatched += 1
            continue
        from_key.append((drawn - key) / 1000)
        from_send.append((drawn - sent) / 1000)
    return {
        "keystroke_to_verdict": stats_ms(from_key) if from_key else {},
        "rerun_sent_to_verdict": stats_ms(from_send) if from_send else {},
        "reruns_without_verdict_change": unmatched,
        "reruns_seen_in_page": len(sends),
    }


def measure(flags: tuple[str, ...], freeze: bool, words: list[str]) -> dict:
    """Type `words` into Predict in Chromium on a fresh server; CPU per rerun and latencies."""
    from playwright.sync_api import sync_playwright

    counter = SocketCounter()
    result: dict[str, Any] = {"flags": " ".join(flags) or "(none)"}
    probe_script = PAGE_PROBE.replace("RERUN_TAG", str(rerun_tag())).replace("VERDICT", VERDICT)
    with streamlit_app(flags=flags, freeze_switch=freeze) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        try:
            page = browser.new_page()
            page.add_init_script(probe_script)
            page.on("websocket", counter.attach)
            page.goto(server.url + "/predict")
            page.locator(VERDICT).first.wait_for(timeout=90_000)
            result["workers_settled_after_s"] = server.wait_workers_settled()
            box = page.locator("input.stkeyup__input")
            box.click()
            for word in ("warm", "up"):  # first reruns fill caches; not the steady state a class sees
                box.press_sequentially(word + " ", delay=KEY_DELAY_MS)
                page.wait_for_timeout(WORD_PAUSE_MS)
            box.press("Control+a")
            box.press("Delete")
            page.wait_for_timeout(WORD_PAUSE_MS)
            if freeze:
                result["frozen_objects"] = server.freeze()
            idle_started, idle_cpu = time.perf_counter(), server.live_threads_cpu_seconds()
            page.wait_for_timeout(IDLE_MS)  # the server's own background CPU with the page open, for comparison
            idle_rate = (server.live_threads_cpu_seconds() - idle_cpu) / (time.perf_counter() - idle_started)
            reruns, finished = counter.reruns, counter.finished
            since = page.evaluate("performance.now()")
            cpu, workers, clients = server.cpu_seconds(), server.workers_cpu_seconds(), browser_cpu(server)
            started = time.perf_counter()
            for word in words:
                box.press_sequentially(word + " ", delay=KEY_DELAY_MS)
                page.wait_for_timeout(WORD_PAUSE_MS)
            page.wait_for_timeout(1_500)  # the last rerun finishes
            seconds = time.perf_counter() - started
            cpu, workers = server.cpu_seconds() - cpu, server.workers_cpu_seconds() - workers
            clients = {name: value - clients[name] for name, value in browser_cpu(server).items()}
            probe = page.evaluate("window.__bench")
        finally:
            browser.close()
    count = counter.reruns - reruns
    result.update(
        words=len(words),
        typing_seconds=round(seconds, 1),
        reruns=count,
        scripts_finished=counter.finished - finished,
        server_cpu_seconds=round(cpu, 3),
        cpu_ms_per_rerun=round(1000 * cpu / max(1, count), 1),
        server_idle_cpu_ms_per_s=round(1000 * idle_rate, 2),
        cpu_ms_per_rerun_above_idle=round(1000 * (cpu - idle_rate * seconds) / max(1, count), 1),
        workers_cpu_seconds=round(workers, 3),
        browser_cpu_ms_per_rerun=round(1000 * clients["browser"] / max(1, count), 1),
        playwright_driver_cpu_ms_per_rerun=round(1000 * clients["driver"] / max(1, count), 1),
        **pair_latencies(probe, since),
    )
    return result


def _row(mode: str, result: dict, app_mode: bool) -> Row:
    latency = result["keystroke_to_verdict"]
    note = (
        f"{result['reruns']} reruns; key → verdict p50 {latency.get('p50_ms', 0):.0f} / "
        f"p95 {latency.get('p95_ms', 0):.0f} ms (debounce included); browser {result['browser_cpu_ms_per_rerun']:.0f}"
        f" ms CPU per rerun; workers {result['workers_cpu_seconds']:.2f} s CPU while typing"
    )
    if "frozen_objects" in result:
        note += f"; {result['frozen_objects']:,} objects frozen"
    return Row(
        f"server CPU per keystroke, {mode}",
        ms(result["cpu_ms_per_rerun"]),
        "",
        "",
        f"≤ {TARGET_MS:g} ms" if app_mode else "",
        verdict(result["cpu_ms_per_rerun"] <= TARGET_MS) if app_mode else "INFO",
        note,
    )


def run(settings: Settings) -> Section:
    """All four set-ups, one row each; the app's own settings carry the target."""
    section = Section("keystroke")
    if shutil.which("chromium") is None:
        section.rows.append(Row("server CPU per keystroke", "no chromium", status="SKIP"))
        return section
    words = REVIEW.split()[: QUICK_WORDS if settings.quick else None]
    for mode, (key, flags, freeze) in MODES.items():
        settings.log(f"keystroke: {mode}, {len(words)} words")
        result = measure(flags, freeze, words)
        section.details[mode] = result
        app_mode = key == "server_cpu_ms_per_keystroke"
        section.rows.append(_row(mode, result, app_mode))
        section.metrics[key] = result["cpu_ms_per_rerun"]
        if app_mode:
            latency = result["keystroke_to_verdict"]
            section.metrics.update(
                keystroke_verdict_p50_ms=latency.get("p50_ms"),
                keystroke_verdict_p95_ms=latency.get("p95_ms"),
                browser_cpu_ms_per_keystroke=result["browser_cpu_ms_per_rerun"],
            )
    return section


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
