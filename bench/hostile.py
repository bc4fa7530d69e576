"""Benchmark: a hostile class (`python -m bench hostile`). On one server with the app's own settings, 30 students
type on Predict (as in `classroom`) while four others try to break it:

- a flooder opens the Train page in ten tabs and presses Start training five times in each (50 submissions, each
  with another seed, so no two can share one job);
- a paster sends a 10 MB review (under the 20 MB message cap, so the server must cut it itself) and then a 50 MB
  one (over the cap: the server must drop that connection, nobody else's);
- a crowd opens ten more sessions of one "browser" and leaves them open;
- an uploader sends malformed files to Predict's CSV upload: binary noise, a CSV without a `text` column, a file
  over the 5 MB upload cap, text that is not UTF-8.

Measured: Predict p95 for the 30 (target ≤ 500 ms), how many elements of every kind the server drew that were
exceptions (a traceback shown to anyone; target 0), whether the server still answers its health check, and how
the flood was answered (jobs queued vs refused)."""

from __future__ import annotations

import asyncio
import time
import urllib.request
import uuid

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.classroom import student_types
from bench.common import Row, Section, Settings, stats_ms, verdict
from bench.server import Server, healthy, rss_mb, streamlit_app
from bench.student import Student

STUDENTS, QUICK_STUDENTS = 30, 6
SECONDS, QUICK_SECONDS = 40.0, 12.0
TARGET_P95_MS = 500.0
FLOOD_TABS, FLOOD_CLICKS = 10, 5
CROWD = 10
BIG_PASTE, HUGE_PASTE = 10_000_000, 50_000_000
MALFORMED = {
    "noise.csv": bytes(range(256)) * 4000,
    "no_text_column.csv": b"review,label\nfine,1\n",
    "too_big.csv": b"text\n" + b"a fine film\n" * 600_000,  # ~6.6 MB: over the 5 MB upload cap
    "latin1.csv": "text\nun très bon film\n".encode("latin-1"),
}


class WatchfulStudent(Student):
    """A Student that also counts what it was shown: exception elements (tracebacks), errors, refusals."""

    def __init__(self, url: str, browser_id: str = ""):
        super().__init__(url, browser_id)
        self.exceptions: list[str] = []
        self.errors: list[str] = []
        self.session_id = ""
        self.upload_urls: dict[str, str] = {}

    def seen(self, message: ForwardMsg, kind: str | None) -> None:
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id
        elif kind == "file_urls_response":
            for item in message.file_urls_response.file_urls:
                self.upload_urls[item.file_id] = item.upload_url
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
            self.exceptions.append(message.delta.new_element.exception.message[:200])
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "alert":
            alert = message.delta.new_element.alert
            if alert.format == alert.ERROR:
                self.errors.append(alert.body[:200])

    async def upload(self, widget_key: str, name: str, data: bytes) -> str:
        """Upload one file to a keyed st.file_uploader as the browser does (ask for an upload URL, PUT the file,
        rerun with the uploader's state); returns how the server answered the PUT."""
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        await self.socket.send(request.SerializeToString())
        deadline = time.perf_counter() + 10
        while not self.upload_urls and time.perf_counter() < deadline:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.socket.recv(), 10))
            if message.WhichOneof("type") == "file_urls_response":
                for item in message.file_urls_response.file_urls:
                    self.upload_urls[item.file_id] = item.upload_url
        file_id, upload_url = self.upload_urls.popitem()
        answer = await asyncio.to_thread(_put_file, self.url_http, upload_url, name, data)
        rerun = BackMsg()
        widget = rerun.rerun_script.widget_states.widgets.add()
        widget.id = self.widget_ids[widget_key]
        info = widget.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = file_id, name, len(data)
        rerun.rerun_script.page_script_hash = self.page_hash
        await self._send_and_wait(rerun)
        return answer

    @property
    def url_http(self) -> str:
        return self.url.replace("ws://", "http://").removesuffix("/_stcore/stream")

    async def choose(self, key: str, value: str) -> float:
        """Pick an option of a keyed radio/selectbox by its index-free string value (a full rerun)."""
        message = BackMsg()
        widget = message.rerun_script.widget_states.widgets.add()
        widget.id = self.widget_ids[key]
        widget.string_value = value
        message.rerun_script.page_script_hash = self.page_hash
        return await self._send_and_wait(message, learn=True)


def _xsrf_cookie(base_url: str) -> str:
    """The XSRF cookie the health check sets (the frontend calls it first); the browser echoes it in the
    X-Xsrftoken header of an upload."""
    with urllib.request.urlopen(base_url + "/_stcore/health", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "_streamlit_xsrf":
                return rest.split(";", 1)[0]
    return ""


def _put_file(base_url: str, path: str, name: str, data: bytes) -> str:
    token = _xsrf_cookie(base_url)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(base_url + path, data=body, method="PUT")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    if token:
        request.add_header("Cookie", f"_streamlit_xsrf={token}")
        request.add_header("X-Xsrftoken", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except OSError as error:
        return type(error).__name__


async def flood(url: str, report: dict) -> list[WatchfulStudent]:
    """Ten Train tabs of one browser (one student: they share its cookie), five Start clicks each."""
    browser = uuid.uuid4().hex
    tabs = [WatchfulStudent(url, browser) for _ in range(FLOOD_TABS)]
    for tab in tabs:
        await tab.open("train", review_box=False)
    for click in range(FLOOD_CLICKS):  # every press another seed: nothing to share, so the limits must hold
        presses = (tab.submit_form("tr_start", {"tr_seed": 1 + click * FLOOD_TABS + n}) for n, tab in enumerate(tabs))
        await asyncio.gather(*presses)
    report["flood_clicks"] = FLOOD_TABS * FLOOD_CLICKS
    report["flood_refusals_shown"] = sum(len(tab.errors) for tab in tabs)
    return tabs


async def paste(url: str, report: dict) -> list[WatchfulStudent]:
    """A 10 MB review (the server cuts it), then a 50 MB one (over the message cap: only that socket is lost)."""
    paster = WatchfulStudent(url)
    await paster.open()
    started = time.perf_counter()
    report["big_paste_seconds"] = round(await paster.type_text("great " * (BIG_PASTE // 6)), 2)
    try:
        await asyncio.wait_for(paster.type_text("awful " * (HUGE_PASTE // 6)), 60)
        report["huge_paste"] = "answered"
    except Exception as error:  # the expected outcome: the server closes this one connection
        report["huge_paste"] = f"connection closed ({type(error).__name__}) after {time.perf_counter() - started:.1f} s"
    return [paster]


async def crowd(url: str, report: dict) -> list[WatchfulStudent]:
    """Ten more sessions that stay open."""
    sessions = [WatchfulStudent(url) for _ in range(CROWD)]
    for session in sessions:
        await session.open()
    report["crowd_sessions"] = CROWD
    return sessions


async def uploads(url: str, report: dict) -> list[WatchfulStudent]:
    """Malformed CSVs to Predict's batch upload."""
    uploader = WatchfulStudent(url)
    await uploader.open()
    await uploader.choose("batch_mode", "Upload a CSV")
    answers = {}
    for name, data in MALFORMED.items():
        try:
            answers[name] = await uploader.upload("batch_csv", name, data)
        except Exception as error:  # reported, never hidden
            answers[name] = f"client error {type(error).__name__}: {error}"[:120]
    report["uploads"] = answers
    report["upload_errors_shown"] = uploader.errors[-len(MALFORMED) :]
    return [uploader]


async def drive(server: Server, count: int, seconds: float) -> dict:
    """The class types while the attacks run; what everyone was shown, and the server afterwards."""
    students = [WatchfulStudent(server.url) for _ in range(count)]
    report: dict = {}
    others: list[WatchfulStudent] = []
    try:
        for student in students:
            await student.open()
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        typing = [student_types(s, n, deadline, latencies) for n, s in enumerate(students)]
        attacks = [flood(server.url, report), paste(server.url, report), crowd(server.url, report)]
        attacks.append(uploads(server.url, report))
        results = await asyncio.gather(*typing, *attacks, return_exceptions=True)
        failures = [repr(result)[:200] for result in results if isinstance(result, BaseException)]
        for result in results[len(typing) :]:
            if isinstance(result, list):
                others.extend(result)
        sessions = students + others
        report.update(
            latency=stats_ms(latencies),
            reruns=len(latencies),
            tracebacks_shown=sum(len(s.exceptions) for s in sessions),
            traceback_samples=[text for s in sessions for text in s.exceptions][:3],
            client_failures=failures,
            flood_messages=sorted({text for s in others for text in s.errors})[:5],
            healthy_after=healthy(server.url),
            server_rss_mb=round(rss_mb(server.pid), 1),
        )
        return report
    finally:
        for session in students + others:
            try:
                await session.close()
            except Exception:  # a socket the server already dropped
                pass


async def _first_visit(url: str) -> None:
    student = Student(url)
    await student.open()
    await student.close()


def run(settings: Settings) -> Section:
    """The hostile drive on one server with the app's own settings."""
    section = Section("hostile")
    count = QUICK_STUDENTS if settings.quick else STUDENTS
    seconds = QUICK_SECONDS if settings.quick else SECONDS
    with streamlit_app() as server:
        asyncio.run(_first_visit(server.url))  # starts the worker processes (app.py warm_workers)
        server.wait_workers_settled()
        settings.log(f"hostile: {count} students type for {seconds:.0f} s while four others attack")
        report = asyncio.run(drive(server, count, seconds))
    section.details.update(report)
    latency = report["latency"]
    ok = report["tracebacks_shown"] == 0 and report["healthy_after"] and not report["client_failures"]
    section.metrics.update(
        hostile_predict_p95_ms=latency["p95_ms"],
        hostile_tracebacks_shown=report["tracebacks_shown"],
        hostile_server_alive=report["healthy_after"],
    )
    section.rows.append(
        Row(
            f"{count} students typing on Predict during the attacks",
            f"{latency['p50_ms']:.0f} ms / {latency['p95_ms']:.0f} ms",
            target=f"p95 ≤ {TARGET_P95_MS:g} ms",
            status=verdict(latency["p95_ms"] <= TARGET_P95_MS),
            note=f"{report['reruns']} reruns; server RSS after: {report['server_rss_mb']} MB",
        )
    )
    section.rows.append(
        Row(
            "tracebacks shown, server alive after the attacks",
            f"{report['tracebacks_shown']} tracebacks; health check {'answers' if report['healthy_after'] else 'DEAD'}",
            target="0, alive",
            status=verdict(ok),
            note=f"50 MB paste: {report.get('huge_paste')}; uploads answered {report.get('uploads')}",
        )
    )
    return section


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
