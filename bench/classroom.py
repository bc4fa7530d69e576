"""Benchmark: a class on one server. 30 simulated students (bench/student.py: Streamlit's own websocket
protocol, all from this one asyncio process) each type their own review on Predict, one word about every
second; input → finished rerun p50 / p95 over every rerun. Then the same while a training job runs, and
while ten other students press Train on the Sequence Lab at the same moment.

The job is submitted the way a student does it: a websocket session opens the Train page and clicks "Start
training" on the Quick preset (epochs raised to the classroom cap, early stopping off, so the job outlasts
the phase), and then keeps polling the job monitor once a second as the open browser tab would. So the job
runs in the server's own warm worker process, at the worker's priority, and the monitor's reruns are part of
the load. The lab runs likewise: ten sessions open Sequence Lab, press Train together (default settings) and
poll their live curves as open tabs do, while the class types for as long as the runs last. The client process's
own CPU is reported beside the result, not hidden."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

from bench.common import Row, Section, Settings, stats_ms, verdict
from bench.server import Server, classroom_limits, streamlit_app
from bench.student import Student

STUDENTS, QUICK_STUDENTS = 30, 8
SECONDS, QUICK_SECONDS = 45.0, 15.0
TARGET_MS, TRAINING_TARGET_MS = 300.0, 500.0  # the lab rush is held to the training target
LAB_RUNS, LAB_SECONDS = 10, 15.0  # a lab run ends within its 15-second budget
# A load on the server, started from a URL: returns its open tabs, which poll while the class types.
Load = Callable[[str], Awaitable[list[Student]]]
JOB_START_TIMEOUT = 180.0
WORDS = (
    "the acting was wonderful but the plot dragged and the ending felt rushed though i still enjoyed most of it "
    "and would watch it again with friends because the music and the camera work were great"
).split()


async def student_types(student: Student, seed: int, deadline: float, latencies: list[float]) -> None:
    """Type a review word by word, one rerun about every second (jittered, like people)."""
    rng = random.Random(seed)
    words = WORDS[rng.randrange(len(WORDS)) :] + WORDS
    typed: list[str] = [f"student{seed}"]
    await asyncio.sleep(rng.uniform(0, 1.0))  # students do not all press a key at the same instant
    while time.perf_counter() < deadline:
        typed.append(words[len(typed) % len(words)])
        latencies.append(await student.type_text(" ".join(typed)))
        await student.fire_due_timers()  # the class wall's timer, as the open tab runs it
        await asyncio.sleep(max(0.0, rng.uniform(0.6, 1.4) - latencies[-1]))


async def tab_polls(tab: Student, deadline: float, latencies: list[float]) -> None:
    """An open tab's polling fragment (the job monitor, live curves) reruns itself every `interval` seconds."""
    fragment, interval = next(iter(tab.auto_reruns.items()))
    while time.perf_counter() < deadline:
        latencies.append(await tab.auto_rerun(fragment))
        await asyncio.sleep(max(0.0, interval - latencies[-1]))


async def start_training(url: str) -> list[Student]:
    """Open Train, click Start training, poll the monitor until batches run; returns the watching session."""
    teacher = Student(url)
    await teacher.open("train", review_box=False)
    # no early stopping and 10 Quick epochs (estimated ~7 min, under the default 10-minute cap on a job): the job
    # must outlast the phase
    epochs = min(classroom_limits().max_epochs, 10)
    await teacher.submit_form("tr_start", {"tr_epochs": epochs, "tr_patience": 0})
    if not teacher.auto_reruns:
        raise RuntimeError("no job monitor appeared after Start training (is training switched off?)")
    fragment, interval = next(iter(teacher.auto_reruns.items()))
    deadline = time.perf_counter() + JOB_START_TIMEOUT
    while "batch" not in teacher.progress:  # IMDB is loaded in the worker first
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the training job did not start batches: {teacher.progress!r}")
        await asyncio.sleep(interval)
        await teacher.auto_rerun(fragment)
    return [teacher]


async def start_lab_runs(url: str) -> list[Student]:
    """LAB_RUNS sessions open Sequence Lab and press Train at the same moment; returns them (their tabs poll)."""
    tabs = [Student(url) for _ in range(LAB_RUNS)]
    for tab in tabs:
        await tab.open("sequence_lab", review_box=False)
    await asyncio.gather(*(tab.submit_form("lab_train", {}) for tab in tabs))
    if not all(tab.auto_reruns for tab in tabs):
        raise RuntimeError("no live curves appeared after Train on the Sequence Lab (is training switched off?)")
    return tabs


async def lesson(server: Server, count: int, seconds: float, start_load: Load | None = None) -> dict:
    """Open `count` Predict sessions, start the load (if any: its open tabs poll meanwhile), let the class type
    for `seconds`; latencies, and the CPU of this client process, the server and its workers over the typing."""
    students = [Student(server.url) for _ in range(count)]
    tabs: list[Student] = []
    try:
        for student in students:  # one after the other, as a class arrives
            await student.open()
        tabs = await start_load(server.url) if start_load else []
        latencies: list[float] = []
        polls: list[float] = []
        cpu_before, started = time.process_time(), time.perf_counter()
        server_cpu, workers_cpu = server.cpu_seconds(), server.workers_cpu_seconds()
        deadline = started + seconds
        tasks = [student_types(s, n, deadline, latencies) for n, s in enumerate(students)]
        tasks += [tab_polls(tab, deadline, polls) for tab in tabs]
        await asyncio.gather(*tasks)
        return {
            "latencies": latencies,
            "monitor": polls,
            "wall": time.perf_counter() - started,
            "client_cpu": time.process_time() - cpu_before,
            "server_cpu": server.cpu_seconds() - server_cpu,
            "workers_cpu": server.workers_cpu_seconds() - workers_cpu,
            "progress": tabs[0].progress if tabs else "",
        }
    finally:
        for session in students + tabs:
            await session.close()


async def class_phase(server: Server, count: int, seconds: float, start_load: Load | None = None) -> dict:
    """One phase: the class types, alone or while a load (a training job, a lab rush) runs."""
    outcome = await lesson(server, count, seconds, start_load)
    reruns, cpu, wall = len(outcome["latencies"]), outcome["server_cpu"], outcome["wall"]
    result = {
        "students": count,
        "seconds": round(wall, 1),
        "reruns": reruns,
        "latency": stats_ms(outcome["latencies"]),
        "server_cpu_ms_per_rerun": round(1000 * cpu / max(1, reruns + len(outcome["monitor"])), 1),
        "server_cpu_share_of_one_core": round(cpu / wall, 2),
        "workers_cpu_share_of_one_core": round(outcome["workers_cpu"] / wall, 2),
        "client_cpu_seconds": round(outcome["client_cpu"], 2),
        "client_cpu_share_of_one_core": round(outcome["client_cpu"] / wall, 2),
    }
    if start_load is not None:
        result.update(monitor_reruns=len(outcome["monitor"]), job_progress_at_end=outcome["progress"])
        result["monitor_latency"] = stats_ms(outcome["monitor"]) if outcome["monitor"] else {}
    return result


def run(settings: Settings) -> Section:
    """An idle class, then the class while a training job runs, on one server."""
    section = Section("classroom")
    count = QUICK_STUDENTS if settings.quick else STUDENTS
    seconds = QUICK_SECONDS if settings.quick else SECONDS
    with streamlit_app() as server:
        warm = Student(server.url)  # the first visit starts the worker processes (app.py warm_workers)
        asyncio.run(_visit(warm))
        settled = server.wait_workers_settled()
        settings.log(f"classroom: {count} students typing for {seconds:.0f} s")
        idle = asyncio.run(class_phase(server, count, seconds))
        busy = rush = None
        if classroom_limits().training_enabled:
            settings.log("classroom: the same while a training job (submitted on the Train page) runs")
            busy = asyncio.run(class_phase(server, count, seconds, start_training))
            settings.log(f"classroom: the same while {LAB_RUNS} Sequence Lab runs start at once")
            rush = asyncio.run(class_phase(server, count, LAB_SECONDS, start_lab_runs))
    idle["workers_settled_after_s"] = settled
    section.details.update(idle=idle, while_training=busy, while_lab_rush=rush)
    label = f"{count} students typing" + (" (quick)" if settings.quick else "")
    phases = [(label, idle, TARGET_MS, "classroom")]
    if busy is not None:
        phases.append(("… while a training job runs", busy, TRAINING_TARGET_MS, "classroom_training"))
        phases.append((f"… while {LAB_RUNS} Sequence Lab runs run", rush, TRAINING_TARGET_MS, "classroom_lab"))
    for name, result, target, key in phases:
        latency = result["latency"]
        section.metrics.update({f"{key}_p50_ms": latency["p50_ms"], f"{key}_p95_ms": latency["p95_ms"]})
        note = (
            f"{result['reruns']} reruns; server {result['server_cpu_ms_per_rerun']:.0f} ms CPU per rerun, "
            f"{result['server_cpu_share_of_one_core']:.0%} of a core; "
            f"workers {result['workers_cpu_share_of_one_core']:.0%}; "
            f"clients {result['client_cpu_share_of_one_core']:.0%} of a core"
        )
        if "monitor_latency" in result:
            monitor_p95 = result["monitor_latency"].get("p95_ms", 0)
            note += f"; open job tabs polled {result['monitor_reruns']}×, p95 {monitor_p95:.0f} ms"
        section.rows.append(
            Row(
                name,
                f"{latency['p50_ms']:.0f} ms / {latency['p95_ms']:.0f} ms",
                "",
                "",
                f"p95 ≤ {target:g} ms",
                verdict(latency["p95_ms"] <= target),
                note,
            )
        )
    if busy is None:
        section.rows.append(Row("… while a training job or lab runs run", "training is off", status="SKIP"))
    return section


async def _visit(student: Student) -> None:
    await student.open()
    await student.close()


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
