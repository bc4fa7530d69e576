"""Cold start, kept under its old name so `--skip coldstart` and scripts that import it keep working. The
measurement now lives in bench/firstverdict.py (one fresh server per trial, headless Chromium): it gives the
same JSON keys as before (cold_start_seconds, cold_start_method, first_prediction_seconds,
first_verdict_seconds) plus server_rss_mb / worker_rss_mb. List only one of the two names in bench/__main__.py,
or every server is started twice."""

from __future__ import annotations

from bench.firstverdict import run

__all__ = ["run"]
