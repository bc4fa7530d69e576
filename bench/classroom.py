"""Benchmark: a class on one server. 30 simulated students (bench/student.py: Streamlit's own websocket
protocol, all from this one asyncio process) each type their own review on Predict at human pace, about one
rerun per second; input → finished rerun p50 / p95. Then the same while a training job runs beside the server
(a real `python -m rnncore train` at the worker's priority, nice 5, on the shipped data: the CPU a pool worker
would take). Afterwards every shipped model is loaded (Compare all models; Generate) and the server's RSS is
read, with the worker processes' RSS beside it. The client process's own CPU is reported, not hidden."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO_ROOT, Row, Section, Settings, stats_ms, verdict
from bench.server import rss_mb, streamlit_app
from bench.student import Student

STUDENTS, QUICK_STUDENTS = 30, 8
TARGET_MS, TRAINING_TARGET_MS, RSS_TARGET_MB = 300.0, 500.0, 250.0
WORDS = (
    "the acting was wonderful but the plot dragged and the ending felt rushed though i still enjoyed most of it "
    "and would watch it again with friends because the music and the camera work were great"
).split()


async def _student_types(student: Student, seed: int, seconds: float, latencies: list[float]) -> None:
    """Type a review word by word, one rerun about every second (jittered, like people)."""
    rng = random.Random(seed)
    words = WORDS[rng.randrange(len(WORDS)) :] + WORDS
    typed: list[str] = [f"student{seed}"]
    deadline = time.perf_counter() + seconds
    await asyncio.sleep(rng.uniform(0, 1.0))  # students do not all press a key at the same instant
    while time.perf_counter() < deadline:
        typed.append(words[len(typed) % len(words)])
        latencies.append(await student.type_text(" ".join(typed)))
        await asyncio.sleep(max(0.0, rng.uniform(0.6, 1.4) - latencies[-1]))


async def _class(url: str, count: int, seconds: float) -> tuple[list[Student], list[float], float]:
    """Open `count` sessions, then let them type for `seconds`; returns (students, latencies, client CPU s)."""
    students = [Student(url) for _ in range(count)]
    for student in students:  # one after the other, as a class arrives
        await student.open()
    latencies: list[float] = []
    cpu_before = time.process_time()
    await asyncio.gather(*(_student_types(s, n, seconds, latencies) for n, s in enumerate(students)))
    return students, latencies, time.process_time() - cpu_before


async def _load_every_model(url: str) -> None:
    """One session compares all sentiment models; one opens Generate (the char model)."""
    student = Student(url)
    await student.open()
    await student.set_toggle("compare_all", True)
    await student.close()
    generate = Student(url)
    generate.widget_id = "unused"  # Generate has no review box; opening it loads the char model
    await _open_any(generate, "generate")
    await generate.close()


async def _open_any(student: Student, page: str) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.asyncio.client import connect

    student.socket = await connect(student.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
    message = BackMsg()
    message.rerun_script.page_name = page
    await student.socket.send(message.SerializeToString())
    await student._until_finished()


def _training_job(settings: Settings) -> subprocess.Popen:
    """A real training run competing for the CPU at the worker processes' priority."""
    command = ["nice", "-n", "5", sys.executable, "-m", "rnncore", "train", "sentiment", "--cell", "gru"]
    command += ["--units", "32", "--embed-dim", "32", "--limit", "20000", "--epochs", "50", "--patience", "0"]
    command += ["--out", str(Path(tempfile.mkdtemp(prefix="rnncore-bench-")) / "class-run")]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _phase(server, count: int, seconds: float) -> dict:
    cpu_before = server.cpu_seconds()
    students, latencies, client_cpu = asyncio.run(_class_and_close(server.url, count, seconds))
    server_cpu = server.cpu_seconds() - cpu_before
    return {
        "students": count,
        "reruns": len(latencies),
        "latency": stats_ms(latencies),
        "server_cpu_ms_per_rerun": round(1000 * server_cpu / max(1, len(latencies)), 1),
        "client_cpu_seconds": round(client_cpu, 2),
        "client_cpu_share_of_one_core": round(client_cpu / seconds, 2),
    }


async def _class_and_close(url: str, count: int, seconds: float):
    students, latencies, client_cpu = await _class(url, count, seconds)
    for student in students:
        await student.close()
    return students, latencies, client_cpu


def run(settings: Settings) -> Section:
    """Idle class, class while training, then memory with every model loaded."""
    section = Section("classroom")
    count = QUICK_STUDENTS if settings.quick else STUDENTS
    seconds = 15.0 if settings.quick else 45.0
    with streamlit_app() as server:
        settings.log(f"classroom: {count} students typing for {seconds:.0f} s")
        idle = _phase(server, count, seconds)
        settings.log("classroom: the same while a training job runs")
        job = _training_job(settings)
        try:
            time.sleep(8.0)  # past TensorFlow's import, into the epochs
            busy = _phase(server, count, seconds)
            busy["training_job_alive"] = job.poll() is None
        finally:
            job.kill()
            job.wait()
        asyncio.run(_load_every_model(server.url))
        time.sleep(1.0)
        memory = {"server_rss_mb": round(rss_mb(server.pid), 1)}
        memory["worker_rss_mb"] = [round(rss_mb(pid), 1) for pid in server.children()]
    section.details.update(idle=idle, while_training=busy, memory=memory)
    for name, result, target, key in (
        ("30 students typing", idle, TARGET_MS, "classroom_p95_ms"),
        ("… while a training job runs", busy, TRAINING_TARGET_MS, "classroom_training_p95_ms"),
    ):
        p95 = result["latency"]["p95_ms"]
        section.metrics[key] = p95
        section.rows.append(
            Row(
                name if not settings.quick else f"{name} (quick: {count} students)",
                f"p50 {result['latency']['p50_ms']:.0f} / p95 {p95:.0f} ms",
                "",
                "",
                f"p95 ≤ {target:g} ms",
                verdict(p95 <= target),
                f"{result['reruns']} reruns, server {result['server_cpu_ms_per_rerun']:.0f} ms CPU each; "
                f"clients used {result['client_cpu_share_of_one_core']:.0%} of one core",
            )
        )
    workers = ", ".join(f"{value:.0f}" for value in memory["worker_rss_mb"]) or "none"
    section.metrics.update(server_rss_mb=memory["server_rss_mb"], worker_rss_mb=memory["worker_rss_mb"])
    section.rows.append(
        Row(
            "server RSS, every shipped model loaded, after the class",
            f"{memory['server_rss_mb']:.0f} MB",
            "",
            "",
            f"≤ {RSS_TARGET_MB:g} MB",
            verdict(memory["server_rss_mb"] <= RSS_TARGET_MB),
            f"worker processes (TensorFlow, not in the server): {workers} MB",
        )
    )
    return section
