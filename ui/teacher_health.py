"""Teacher page: the address students should open (large, with a QR code for the projector) and the server's
health: CPU and memory of the server process and of each worker process, the queues of each lane, and the free
disk space of the class store. Process figures come from psutil when it is installed, else from /proc (Linux);
where neither answers, the page says "not measurable here" rather than failing."""

from __future__ import annotations

import html
import io
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from rnncore.jobs import QUEUED, RUNNING
from rnncore.paths import class_models_dir
from ui.common import guarded, job_pool

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", ""}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the address -------------------------------------------------------------------------------------------
def lan_address() -> str:
    """This machine's address on the local network (the one a route out would use), else its host name.
    A UDP "connect" sends nothing; it only asks the kernel which interface it would use."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    except OSError:  # no network at all
        return socket.gethostname()
    finally:
        probe.close()


def _base_path() -> str:
    """The app's path prefix (server.baseUrlPath), as "/" or "/prefix/"."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def server_address() -> str:
    """The server's own address for students: server.address when it names one, else the LAN address."""
    host = str(st.get_option("server.address") or "").strip()
    if host in LOCAL_HOSTS:
        host = lan_address()
    port = st.get_option("server.port") or 8501
    return f"http://{host}:{port}{_base_path()}"


def student_address() -> tuple[str, str]:
    """(address students should open, where it came from). From the teacher's browser (st.context.url, else the
    Host header), unless that is the server itself (localhost), which students cannot open: then the server's
    own address on the network."""
    url, scheme = None, "http"
    try:
        url = st.context.url
        host = st.context.headers.get("Host")
        scheme = st.context.headers.get("X-Forwarded-Proto", scheme)
    except Exception:  # no browser (a test, a thread): fall back to the server's own address
        host = None
    if url:
        parts = urlsplit(url)
        if (parts.hostname or "") not in LOCAL_HOSTS:
            return f"{parts.scheme}://{parts.netloc}{_base_path()}", "the address in your browser"
    elif host and host.split(":")[0] not in LOCAL_HOSTS:
        return f"{scheme}://{host}{_base_path()}", "the address in your browser"
    return server_address(), "this server's network address (you opened the app on the server itself)"


def qr_png(text: str) -> bytes | None:
    """A QR code of `text` as PNG bytes (segno, pure Python); None when segno is not installed."""
    try:
        import segno
    except ImportError:
        return None
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def address_part() -> None:
    """The students' address, large, with a QR code beside it."""
    address, source = student_address()
    words, code = st.columns([3, 1], vertical_alignment="center")
    with words:
        st.markdown("Students open:")
        st.markdown(
            f'<p style="font-size:3.2rem;font-weight:700;line-height:1.1;word-break:break-all">'
            f"{html.escape(address)}</p>",
            unsafe_allow_html=True,
        )
        st.caption(f"From {source}. Put this page on the projector.")
    image = qr_png(address)
    if image is not None:
        code.image(image, caption="Scan to open", width=220)
    else:
        code.caption("Install `segno` (requirements.txt) for a QR code of the address.")


# --- the server's health -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessUsage:
    """One process's memory (resident bytes) and CPU time used so far (seconds, user + system)."""

    pid: int
    rss_bytes: int
    cpu_seconds: float


def process_usage(pid: int) -> ProcessUsage | None:
    """Memory and CPU time of a process on this machine; None when it is gone or not measurable here."""
    try:
        import psutil
    except ImportError:
        psutil = None
    try:
        if psutil is not None:
            process = psutil.Process(pid)
            times = process.cpu_times()
            return ProcessUsage(pid, process.memory_info().rss, times.user + times.system)
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": the name may hold spaces
        cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime
        rss = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
        return ProcessUsage(pid, rss, cpu)
    except Exception:  # gone, another machine (a Ray actor), no /proc: not fatal for a health view
        return None


class CpuMeter:
    """CPU use between two looks at a process (percent of one core), from its CPU time; thread-safe."""

    def __init__(self):
        self._seen: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def percent(self, usage: ProcessUsage, now: float | None = None) -> float | None:
        """CPU percent since the last look at this process (None at the first look)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            previous = self._seen.get(usage.pid)
            self._seen[usage.pid] = (now, usage.cpu_seconds)
        if previous is None or now - previous[0] < 0.2:  # too short an interval says nothing
            return None
        return max(0.0, 100.0 * (usage.cpu_seconds - previous[1]) / (now - previous[0]))


@st.cache_resource
def cpu_meter() -> CpuMeter:
    """The server's one CpuMeter (every teacher session shares the last look)."""
    return CpuMeter()


def _megabytes(count: float) -> str:
    return f"{count / 2**20:,.0f} MB"


def memory_available() -> tuple[int, int] | None:
    """(available, total) bytes of the machine's memory, or None when unknown."""
    try:
        values = {}
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            values[name] = int(rest.split()[0]) * 1024
        return values["MemAvailable"], values["MemTotal"]
    except (OSError, KeyError, ValueError, IndexError):
        return None


def disk_free(path: Path) -> tuple[int, int]:
    """(free, total) bytes of the file system that holds `path` (or its nearest existing parent)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def process_rows() -> list[dict[str, object]]:
    """The server process and each live worker process: pid, memory, CPU now and CPU time so far."""
    pool = job_pool()
    meter = cpu_meter()
    rows = []
    for role, pid in [("server", os.getpid()), *(("worker", pid) for pid in pool.worker_pids())]:
        usage = process_usage(pid)
        if usage is None:
            rows.append({"process": role, "pid": pid, "memory": "not measurable here", "CPU now": "", "CPU time": ""})
            continue
        percent = meter.percent(usage)
        rows.append(
            {
                "process": role,
                "pid": pid,
                "memory": _megabytes(usage.rss_bytes),
                "CPU now": "…" if percent is None else f"{percent:.0f} %",
                "CPU time": f"{usage.cpu_seconds:,.0f} s",
            }
        )
    return rows


def lane_rows() -> list[dict[str, object]]:
    """Per lane: its worker processes, jobs running and jobs waiting."""
    pool = job_pool()
    jobs = pool.jobs()
    slots = getattr(pool, "slots", {})
    return [
        {
            "lane": lane,
            "processes": size,
            "jobs at once each": slots.get(lane, 1),
            "running": sum(job.lane == lane and job.status == RUNNING for job in jobs),
            "waiting": sum(job.lane == lane and job.status == QUEUED for job in jobs),
        }
        for lane, size in pool.sizes.items()
    ]


def _health() -> None:
    free, total = disk_free(class_models_dir())
    memory = memory_available()
    columns = st.columns(3)
    columns[0].metric("Free disk (class store)", f"{free / 2**30:,.1f} GB", help=f"of {total / 2**30:,.0f} GB")
    if memory is not None:
        columns[1].metric("Free memory", f"{memory[0] / 2**30:,.1f} GB", help=f"of {memory[1] / 2**30:,.1f} GB")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        columns[2].metric("Load (1 min)", f"{load:.2f}", help=f"{os.cpu_count()} CPU cores; above that, work waits")
    st.dataframe(process_rows(), hide_index=True)
    st.dataframe(lane_rows(), hide_index=True)
    st.caption("Refreshed every 5 seconds. CPU now: percent of one core since the last refresh.")


@st.fragment(run_every=5.0)
def health_part() -> None:
    """The health figures, refreshed every few seconds (a fragment: only this part reruns)."""
    guarded(_health)  # its own boundary: a timed rerun of this fragment runs outside the page's
