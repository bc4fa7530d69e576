"""Benchmark 6: server memory — RSS of a fresh process with every shipped model loaded (Predictor /
CharSampler), and RSS growth over 30 simulated Predict-page sessions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.common import REPO_ROOT, Row, Section, Settings, verdict

TARGET_RSS_MB = 900.0
SESSIONS = 30


def measure(store_path: str, sessions: int = SESSIONS, timeout: float = 600) -> dict:
    """Run bench.memory_child in a fresh interpreter and return its JSON report."""
    env = {**os.environ, "RNNCORE_SHIPPED_DIR": store_path, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory_child", store_path, str(sessions)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"memory child failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return json.loads(lines[-1])


def run(settings: Settings) -> Section:
    """RSS with all models, then session growth."""
    section = Section("memory")
    settings.log("memory: loading every model in a fresh process")
    sessions = 10 if settings.quick else SESSIONS
    result = measure(str(settings.store.root.resolve()), sessions)
    section.details.update(result)
    models = result.get("models", [])
    section.rows.append(
        Row(
            f"server RSS, {len(models)} models loaded",
            f"{result['rss_mb']:,.0f} MB",
            f"python + streamlit before TensorFlow: {result['rss_start_mb']:,.0f} MB",
            "",
            f"≤ {TARGET_RSS_MB:g} MB",
            verdict(result["rss_mb"] <= TARGET_RSS_MB) if models else "SKIP",
            ", ".join(models) or "no models in the store",
        )
    )
    growth = result.get("sessions", {})
    if "growth_mb" in growth:
        section.rows.append(
            Row(
                f"RSS growth over {growth['sessions']} Predict sessions",
                f"+{growth['growth_mb']:,.1f} MB",
                f"after 1st session: {growth['rss_after_first_mb']:,.0f} MB",
                "",
                "",
                "INFO",
                f"AppTest sessions of {growth['page']}; {growth['sessions_with_exception']} with an exception",
            )
        )
    else:
        reason = growth.get("error", "no Predict page found (pages/*predict*.py)")
        section.rows.append(Row("RSS growth over sessions", "not measured", status="SKIP", note=reason[:160]))
    section.metrics.update(
        rss_mb=result["rss_mb"],
        rss_models=len(models),
        rss_growth_mb=growth.get("growth_mb"),
        rss_growth_sessions=growth.get("sessions") if "growth_mb" in growth else None,
    )
    return section
