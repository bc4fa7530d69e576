"""Run one benchmark module on its own: `python -m bench.<name> [--quick]` prints its table rows and, as the
last line, its JSON (metrics and details), like `python -m bench --skip …` would for that one module."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from bench.common import Section, Settings


def main(run: Callable[[Settings], Section]) -> None:
    """Parse --quick, run the module with the shipped models, print its rows then one JSON line."""
    parser = argparse.ArgumentParser(description=run.__module__)
    parser.add_argument("--quick", action="store_true", help="shorter, fewer clients")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bench.report import table
    from rnncore.paths import shipped_models_dir
    from rnncore.store import ModelStore

    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    section = run(Settings(quick=args.quick, store=ModelStore(shipped_models_dir())))
    print(table(section.rows))
    machine = {"load_before": load_before, "load_after": " ".join(f"{v:.2f}" for v in os.getloadavg())}
    report = {**section.metrics, "quick": args.quick, "machine": machine, "details": section.details}
    print(json.dumps(report, default=str, ensure_ascii=False))
    sys.stdout.flush()
