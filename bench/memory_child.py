"""Child process of the memory benchmark: load every model of a store the way the server does, report RSS,
then run the Predict page for N simulated sessions (Streamlit AppTest) and report RSS growth.
Prints one JSON object as its last stdout line. Usage: python -m bench.memory_child STORE [SESSIONS]."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.common import REPO_ROOT


def rss_mb() -> float:
    """Resident set size of this process in MB (psutil when installed, else /proc/self/status)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def predict_page() -> Path | None:
    """The Predict page script, if the app has one."""
    pages = sorted((REPO_ROOT / "pages").glob("*.py"))
    return next((page for page in pages if "predict" in page.name.lower()), None)


def simulate_sessions(page: Path, sessions: int) -> dict:
    """Run the page `sessions` times, each as a fresh AppTest session (st.cache_resource is process-wide,
    as on the server); RSS after the first and after the last."""
    from streamlit.testing.v1 import AppTest

    samples, errors = [], 0
    for _ in range(sessions):
        app = AppTest.from_file(str(page), default_timeout=120)
        app.run()
        errors += bool(app.exception)
        samples.append(round(rss_mb(), 1))
    return {
        "page": str(page.relative_to(REPO_ROOT)),
        "sessions": sessions,
        "sessions_with_exception": errors,
        "rss_after_first_mb": samples[0],
        "rss_after_last_mb": samples[-1],
        "growth_mb": round(samples[-1] - samples[0], 1),
    }


def main(store_path: str, sessions: int) -> dict:
    """Measure; see the module docstring."""
    started = time.perf_counter()
    try:
        import streamlit  # noqa: F401  (the server has it loaded too)
    except ImportError:
        pass
    result: dict = {"rss_start_mb": round(rss_mb(), 1)}
    from rnncore.inference.predict import Predictor
    from rnncore.inference.runs import load_network_run
    from rnncore.inference.sample import CharSampler
    from rnncore.store import ModelStore

    store = ModelStore(store_path)
    loaded = []
    for info in store.list_runs():
        if info.error or info.kind not in ("sentiment", "chars"):
            continue
        run = load_network_run(info)
        if info.kind == "sentiment":
            Predictor(run).predict("a warm-up review, neither good nor bad")
        else:
            "".join(step.char for step in CharSampler(run).generate("", 50, seed=0))
        loaded.append(info.name)
    result.update(models=loaded, rss_mb=round(rss_mb(), 1), load_seconds=round(time.perf_counter() - started, 1))
    page = predict_page()
    if page is not None and sessions > 0:
        os.environ.setdefault("RNNCORE_SHIPPED_DIR", str(Path(store_path).resolve()))
        sys.path.insert(0, str(REPO_ROOT))
        try:
            result["sessions"] = simulate_sessions(page, sessions)
        except Exception as error:  # report, never crash the benchmark run
            result["sessions"] = {"error": f"{type(error).__name__}: {error}"}
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)))
