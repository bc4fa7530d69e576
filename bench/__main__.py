"""`python -m bench [NAME ...] [--quick] [--write-md] [--skip NAME ...] [--model NAME ...] [--char-model NAME]
[--store PATH]`: run the benchmarks (all, or only those NAMEd), print a markdown table, then one JSON object as the
last stdout line."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shlex
import sys
import time
import traceback

from bench.common import REPO_ROOT, Row, Settings

BENCHMARKS = (
    "latency",
    "trajectory",
    "generation",
    "short_reviews",
    "language_model",
    "keystroke",
    "classroom",
    "hostile",
    "lab",
    "translate",
    "coldstart",
    "training",
    "memory",
    "concurrency",
    "class_training",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", metavar="NAME", help="run only these benchmarks (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a reduced training run")
    parser.add_argument("--write-md", action="store_true", help="rewrite the Results section of BENCHMARKS.md")
    parser.add_argument("--skip", nargs="+", default=[], choices=BENCHMARKS, metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--model", nargs="+", default=None, metavar="NAME", help="sentiment model(s) to time")
    parser.add_argument("--char-model", default=None, metavar="NAME", help="char model for generation")
    parser.add_argument("--store", default=None, help="model store folder (default: the shipped models/)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    return args


def machine() -> dict:
    """Where the numbers came from (the load average matters on a shared 2-core machine)."""
    return {
        "description": f"{platform.machine()} CPU, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_before": _load(),
    }


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    """Run, print, optionally write BENCHMARKS.md. Exit status 1 only when a benchmark crashed."""
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    shared = (REPO_ROOT / ".." / "shared" / "data").resolve()
    if shared.is_dir():
        os.environ.setdefault("RNNCORE_DATA_DIR", str(shared))  # the real data, when it sits beside the repo
    from rnncore.paths import shipped_models_dir
    from rnncore.store import ModelStore

    store = ModelStore(args.store or shipped_models_dir())
    settings = Settings(quick=args.quick, store=store, models=args.model, char_model=args.char_model)
    report: dict = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick}
    report["machine"] = machine()
    rows: list[Row] = []
    details: dict = {}
    errors: dict = {}
    for name in BENCHMARKS:
        if name in args.skip or (args.only and name not in args.only):
            continue
        started = time.perf_counter()
        try:
            section = importlib.import_module(f"bench.{name}").run(settings)
        except Exception as error:  # one broken benchmark must not hide the others' numbers
            errors[name] = f"{type(error).__name__}: {error}"
            settings.log(traceback.format_exc(limit=4))
            rows.append(Row(name, "crashed", status="ERROR", note=errors[name][:200]))
            continue
        settings.log(f"{name}: {time.perf_counter() - started:.1f} s")
        rows.extend(section.rows)
        report.update(section.metrics)
        details[name] = {**section.details, "seconds": round(time.perf_counter() - started, 1)}
    report["machine"]["load_after"] = _load()
    report["targets"] = {row.benchmark: row.status for row in rows if row.status in ("PASS", "MISS")}
    report["skipped"] = list(args.skip)
    report["errors"] = errors
    from bench.report import results_markdown, summary, table, write_results

    print(table(rows))
    print()
    print(summary(rows))
    if args.write_md:
        command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        write_results(results_markdown(rows, report, command.strip()))
        settings.log("BENCHMARKS.md results section rewritten")
    print(json.dumps({**report, "details": details}, default=str, ensure_ascii=False))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
