"""Benchmark: `translate_p95_seconds`, ten students pressing Train on the Translate page at the same moment. Each
is a websocket session (bench/student.py) of a real `streamlit run app.py`: it opens Translate, presses Train with
the page's default settings (dates, LSTM 64, 20 s budget) and then polls its live curves twice a second, as an open
tab does, until the page shows its results (the "Exact match" figures). Seconds from the press to the results,
p50 / p95, in the server's own lab lane (one warm process running up to RNNCORE_LAB_RUNS_PER_WORKER runs at once).

Two rushes: attention "on" (one run per student: ten runs) and the page's default, "both side by side" (two runs
per student: twenty runs, as many as the lane's default slots; with RNNCORE_LAB_RUNS_PER_WORKER=10 half of them
wait). The budget is wall clock, so on a busy server a run trains fewer batches: the rows also give the exact match
the runs reached, next to a run alone."""

from __future__ import annotations

import asyncio
import time

from bench.common import Row, Section, Settings, verdict
from bench.server import classroom_limits, streamlit_app
from bench.student import Student

STUDENTS, QUICK_STUDENTS = 10, 3
TARGET_P95_SECONDS = 30.0
RESULTS_TIMEOUT = 300.0
RESULT_LABEL = "Exact match"  # the results' st.metric labels: "Exact match, attention on"


async def press_train(tab: Student, attention: str) -> None:
    """Press Train with `attention` chosen (the radio's value travels with the click, as the browser sends it)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    rerun = message.rerun_script
    radio = rerun.widget_states.widgets.add()
    radio.id = tab.widget_ids["t2_attention"]
    radio.string_value = attention
    button = rerun.widget_states.widgets.add()
    button.id = tab.widget_ids["t2_train"]
    button.trigger_value = True
    rerun.page_script_hash = tab.page_hash
    await tab._send_and_wait(message, learn=True)
    if not tab.auto_reruns:
        raise RuntimeError("no live curves appeared after Train on Translate (is training switched off?)")


async def until_results(tab: Student, pressed: float) -> dict:
    """Poll the live-curve fragment as the open tab does until the page draws the results (the fragment reruns
    the whole page when the runs have ended); seconds since `pressed` and the exact match figures shown."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    fragment, interval = next(iter(tab.auto_reruns.items()))
    polls = 0
    while time.perf_counter() - pressed < RESULTS_TIMEOUT:
        tick = time.perf_counter()
        message = BackMsg()
        message.rerun_script.page_script_hash = tab.page_hash
        message.rerun_script.fragment_id = fragment
        message.rerun_script.is_auto_rerun = True
        await tab.socket.send(message.SerializeToString())
        polls += 1
        figures: dict[str, float] = {}
        while True:  # a fragment that reruns the page ends early, then the page's own run follows
            reply = ForwardMsg()
            reply.ParseFromString(await tab.socket.recv())
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.new_element.WhichOneof("type") == "metric":
                metric = reply.delta.new_element.metric
                if metric.label.startswith(RESULT_LABEL):
                    figures[metric.label.rsplit(" ", 1)[-1]] = float(metric.body)
            if kind == "script_finished" and reply.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                break
        if figures:
            return {"seconds": time.perf_counter() - pressed, "exact_match": figures, "polls": polls}
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - tick)))
    raise RuntimeError(f"no results on Translate within {RESULTS_TIMEOUT:.0f} s")


async def rush(url: str, students: int, attention: str) -> dict:
    """`students` sessions open Translate, then all press Train at the same moment and wait for their results."""
    tabs = [Student(url) for _ in range(students)]
    try:
        for tab in tabs:
            await tab.open("translate", review_box=False)
        pressed = time.perf_counter()
        await asyncio.gather(*(press_train(tab, attention) for tab in tabs))
        outcomes = await asyncio.gather(*(until_results(tab, pressed) for tab in tabs))
    finally:
        for tab in tabs:
            await tab.close()
    seconds = sorted(outcome["seconds"] for outcome in outcomes)
    figures = [value for outcome in outcomes for value in outcome["exact_match"].values()]
    by_mode = {
        mode: [outcome["exact_match"][mode] for outcome in outcomes if mode in outcome["exact_match"]]
        for mode in ("on", "off")
    }
    return {
        "students": students,
        "attention": attention,
        "runs": len(figures),
        "seconds": [round(value, 1) for value in seconds],
        "p50_seconds": round(seconds[len(seconds) // 2], 1),
        "p95_seconds": round(seconds[min(len(seconds) - 1, int(round(0.95 * (len(seconds) - 1))))], 1),
        "exact_match_mean": {mode: round(sum(v) / len(v), 3) for mode, v in by_mode.items() if v},
        "exact_match_min": {mode: round(min(v), 3) for mode, v in by_mode.items() if v},
    }


def _describe(result: dict, alone: dict) -> str:
    means = ", ".join(f"attention {mode} {value:.2f}" for mode, value in result["exact_match_mean"].items())
    return (
        f"{result['runs']} runs (dates, LSTM 64, 20 s budget each); mean exact match {means}; "
        f"a run alone: {alone['p50_seconds']:.1f} s, exact match {alone['exact_match_mean'].get('on', 0):.2f}"
    )


def run(settings: Settings) -> Section:
    """A run alone (the reference), then the rushes, on one server."""
    section = Section("translate")
    if not classroom_limits().training_enabled:
        section.rows.append(Row("simultaneous Translate runs", "training is off", status="SKIP"))
        return section
    students = QUICK_STUDENTS if settings.quick else STUDENTS
    phases = [("on", students)] + ([] if settings.quick else [("both side by side", students)])
    with streamlit_app() as server:
        warm = Student(server.url)  # the first visit starts the worker processes (app.py warm_workers)
        asyncio.run(_visit(warm))
        server.wait_workers_settled()
        settings.log("translate: one run alone (the reference)")
        alone = asyncio.run(rush(server.url, 1, "on"))
        section.details["alone"] = alone
        for attention, count in phases:
            settings.log(f"translate: {count} students press Train at once, attention {attention}")
            result = asyncio.run(rush(server.url, count, attention))
            result["lab_worker_rss_mb"] = server.workers_rss_mb()
            key = "both" if attention.startswith("both") else attention
            section.details[f"attention_{key}"] = result
            section.rows.append(
                Row(
                    f"{count} students press Train on Translate at once, attention {attention}",
                    f"p50 {result['p50_seconds']:.1f} s / p95 {result['p95_seconds']:.1f} s",
                    "",
                    "",
                    f"p95 ≤ {TARGET_P95_SECONDS:g} s",
                    verdict(result["p95_seconds"] <= TARGET_P95_SECONDS),
                    _describe(result, alone),
                )
            )
            section.metrics["translate_p95_seconds" if key == "on" else f"translate_{key}_p95_seconds"] = result[
                "p95_seconds"
            ]
    return section


async def _visit(student: Student) -> None:
    await student.open()  # Predict, until its review box is drawn: app.py has run (and started the workers)
    await student.close()


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
