"""Benchmark: a whole class trains at once (issue 21), on one `streamlit run app.py` with the app's own settings,
every student a websocket session of Streamlit's own protocol (bench/student.py), all from this one process.

1. **The class presses Train.** STUDENTS sessions open the Train page and, within PRESS_WINDOW_S seconds, press
   "Start training" on the default preset (the form as it opens). Each keeps polling its job monitor once a second
   as an open tab does, until its page shows the results ("Test accuracy"). Meanwhile TYPISTS other students type
   on Predict, one word about every second. Keys: `class_training_last_done_s` (first press → the last student's
   results on screen: their model is saved by then), `class_training_min_accuracy` (the lowest test accuracy the
   students' pages show, on the lesson's test sample; the full 25,000-review figure of that model is measured
   once beside it with `python -m rnncore evaluate`), `class_training_predict_p95_ms` (Predict reruns meanwhile).
2. **A flood.** One student (one browser: ten tabs sharing its cookie) presses Start 50 times, each with another
   seed (the worst case: nothing to share); then another student presses Start once. `flood_wait_s`: seconds from
   that press until their job starts, beside `flood_job_s`, one job's duration (phase 1's first job, press to
   results).
3. **Every student a different seed** (the worst case for reuse: thirty different jobs), on a fresh server: the
   same as 1 without typists, for at most VARIANT_BUDGET_S seconds; what did not finish by then is counted and
   projected from the rate measured, not hidden (`class_training_seeds_*` keys).

`--quick`: a few students, the preset on 2,000 reviews for one epoch, a smaller flood, a shorter budget. Each
phase runs on its own server (a fresh worker pool and class store); IMDB must be on disk or downloadable
(RNNCORE_DATA_DIR, as `python -m bench` sets it)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.classroom import WORDS
from bench.common import REPO_ROOT, Row, Section, Settings, stats_ms, verdict
from bench.server import Server, classroom_limits, data_environment, streamlit_app
from bench.student import Student

STUDENTS, QUICK_STUDENTS = 30, 4
TYPISTS, QUICK_TYPISTS = 30, 4
PRESS_WINDOW_S = 5.0
FLOOD_TABS, FLOOD_PRESSES = 10, 50
QUICK_FLOOD_TABS, QUICK_FLOOD_PRESSES = 3, 6
VARIANT_BUDGET_S, QUICK_VARIANT_BUDGET_S = 600.0, 240.0
DONE_TIMEOUT_S, QUICK_DONE_TIMEOUT_S = 600.0, 240.0
TARGET_LAST_DONE_S, TARGET_ACCURACY, TARGET_PREDICT_P95_MS = 300.0, 0.85, 500.0
QUICK_FORM = {"tr_limit": 2_000, "tr_epochs": 1}  # the default preset, tiny: its figures are not the targets'
POLL_TIMEOUT_S = 20.0  # a poll that gets no answer: the tab reloads its page instead
ACCURACY = "Test accuracy"


@dataclass
class Tab:
    """One student's Train tab: when it pressed, when its job was seen running, when its results were shown."""

    student: Student
    form: dict = field(default_factory=dict)
    pressed: float | None = None  # seconds after the phase's start
    running: float | None = None
    done: float | None = None
    accuracy: float | None = None
    refused: str = ""
    shared: bool = False  # the page said a classmate's job or run was given


def parse_percent(text: str) -> float | None:
    """'87.1%' → 0.871 (None when it is not a percentage)."""
    try:
        return round(float(text.strip().rstrip("%")) / 100, 4)
    except (AttributeError, ValueError):
        return None


async def press_and_watch(tab: Tab, delay: float, started: float, timeout: float) -> Tab:
    """Wait `delay`, press Start training with the tab's form, then poll the job monitor as an open tab does until
    the results are on the page (or the job is refused, or `timeout` passes)."""
    await asyncio.sleep(delay)
    tab.pressed = time.perf_counter() - started
    await tab.student.submit_form("tr_start", tab.form)
    return await watch(tab, started, timeout)


async def watch(tab: Tab, started: float, timeout: float) -> Tab:
    """Poll the tab's job monitor once a second until its results show (or it was refused, or time is up)."""
    student, deadline = tab.student, time.perf_counter() + timeout
    while ACCURACY not in student.metrics and time.perf_counter() < deadline:
        refusals = [text for text in student.alerts if "refused" in text or "already have" in text or "MB" in text]
        if refusals and not student.auto_reruns:
            tab.refused = refusals[-1]
            return tab
        if student.progress and tab.running is None:
            tab.running = time.perf_counter() - started
        fragment, interval = next(iter(student.auto_reruns.items()), (None, 1.0))
        await asyncio.sleep(interval)
        try:
            if fragment is None:
                await asyncio.wait_for(student.rerun_page(), POLL_TIMEOUT_S)
            else:
                await asyncio.wait_for(student.auto_rerun(fragment), POLL_TIMEOUT_S)
        except TimeoutError:
            student.auto_reruns.clear()  # reload the page on the next round
    if ACCURACY in student.metrics:
        tab.done = time.perf_counter() - started
        tab.running = tab.running if tab.running is not None else tab.done
        tab.accuracy = parse_percent(student.metrics[ACCURACY])
    tab.shared = any("exactly this" in text for text in student.alerts)
    return tab


async def types_until(student: Student, seed: int, stop: asyncio.Event, latencies: list[float]) -> None:
    """Type a review word by word, one rerun about every second, until `stop` is set."""
    rng = random.Random(seed)
    typed = [f"student{seed}"]
    await asyncio.sleep(rng.uniform(0, 1.0))
    while not stop.is_set():
        typed.append(WORDS[len(typed) % len(WORDS)])
        latencies.append(await student.type_text(" ".join(typed)))
        await student.fire_due_timers()  # the class wall's timer, as the open tab runs it
        await asyncio.sleep(max(0.0, rng.uniform(0.6, 1.4) - latencies[-1]))


async def class_presses(url: str, forms: list[dict], typists: int, timeout: float, seed: int = 0) -> dict:
    """Open the typists' Predict pages and the students' Train pages, then the students press Start within
    PRESS_WINDOW_S while the typists type; returns the tabs and the typists' rerun latencies."""
    rng = random.Random(seed)
    typing = [Student(url) for _ in range(typists)]
    tabs = [Tab(Student(url), form) for form in forms]
    try:
        for student in typing:
            await student.open()
        for tab in tabs:
            await tab.student.open("train", review_box=False)
        stop, latencies = asyncio.Event(), []
        started = time.perf_counter()
        typists_done = [asyncio.create_task(types_until(s, n, stop, latencies)) for n, s in enumerate(typing)]
        delays = sorted(rng.uniform(0, PRESS_WINDOW_S) for _ in tabs)
        await asyncio.gather(*(press_and_watch(tab, delay, started, timeout) for tab, delay in zip(tabs, delays)))
        stop.set()
        await asyncio.gather(*typists_done)
        return {"tabs": tabs, "latencies": latencies, "seconds": time.perf_counter() - started}
    finally:
        for student in typing + [tab.student for tab in tabs]:
            await student.close()


async def flood(url: str, tabs: int, presses: int, form: dict, timeout: float) -> dict:
    """One browser's `tabs` tabs press Start `presses` times in all (each with another seed); then another student
    presses once. Returns how many presses were refused and how long that student waited for their job to start."""
    browser = uuid.uuid4().hex
    flooder = [Student(url, browser) for _ in range(tabs)]
    other = Student(url)
    try:
        for student in flooder + [other]:
            await student.open("train", review_box=False)
        started = time.perf_counter()

        async def press_many(student: Student, seeds: list[int]) -> None:
            for seed in seeds:
                await student.submit_form("tr_start", dict(form, tr_seed=seed))

        seeds = [100 + n for n in range(presses)]
        await asyncio.gather(*(press_many(student, seeds[n::tabs]) for n, student in enumerate(flooder)))
        flood_seconds = time.perf_counter() - started
        refused = sum("already have" in text for student in flooder for text in student.alerts)
        pressed = time.perf_counter()
        await other.submit_form("tr_start", dict(form, tr_seed=999))
        waited = None
        while time.perf_counter() - pressed < timeout:
            if other.progress:  # the monitor draws its bar once the job runs (a queued job shows its position)
                waited = time.perf_counter() - pressed
                break
            fragment, interval = next(iter(other.auto_reruns.items()), (None, 1.0))
            await asyncio.sleep(interval)
            try:
                if fragment is None:
                    await asyncio.wait_for(other.rerun_page(), POLL_TIMEOUT_S)
                else:
                    await asyncio.wait_for(other.auto_rerun(fragment), POLL_TIMEOUT_S)
            except TimeoutError:
                other.auto_reruns.clear()
        return {
            "presses": presses,
            "tabs": tabs,
            "refused": refused,
            "accepted": presses - refused,
            "flood_seconds": round(flood_seconds, 1),
            "wait_s": None if waited is None else round(waited, 1),
        }
    finally:
        for student in flooder + [other]:
            await student.close()


def full_test_accuracy(run_path: Path) -> float | None:
    """The full 25,000-review test accuracy of a saved run (`python -m rnncore evaluate`, in a subprocess)."""
    environment = {**os.environ, **data_environment(), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "rnncore", "evaluate", str(run_path)],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return round(float(json.loads(done.stdout.strip().splitlines()[-1])["accuracy"]), 4)
    except (IndexError, KeyError, ValueError):
        return None


def summarize(tabs: list[Tab]) -> dict:
    """Figures of one phase's tabs: how many were done, refused or timed out; the last done; accuracies."""
    done = [tab for tab in tabs if tab.done is not None]
    accuracies = [tab.accuracy for tab in done if tab.accuracy is not None]
    return {
        "students": len(tabs),
        "done": len(done),
        "refused": sum(bool(tab.refused) for tab in tabs),
        "shared": sum(tab.shared for tab in tabs),
        "last_done_s": round(max(tab.done for tab in done), 1) if done else None,
        "first_done_s": round(min(tab.done for tab in done), 1) if done else None,
        "min_accuracy": min(accuracies) if accuracies else None,
        "max_accuracy": max(accuracies) if accuracies else None,
        "pressed_within_s": round(max(tab.pressed or 0 for tab in tabs), 1) if tabs else 0.0,
        "refusals": sorted({tab.refused for tab in tabs if tab.refused})[:3],
    }


def projected_last_done(tabs: list[Tab], budget: float) -> float | None:
    """When every job would be done at the pace measured: the last done plus the jobs left times the mean
    seconds between two results (None without two results)."""
    times = sorted(tab.done for tab in tabs if tab.done is not None)
    if len(times) == len(tabs) and times:
        return round(times[-1], 1)
    if len(times) < 2:
        return None
    pace = (times[-1] - times[0]) / (len(times) - 1)
    return round(times[-1] + (len(tabs) - len(times)) * pace, 1)


def lowest_run(store: Path) -> Path | None:
    """The run folder of the class store with the lowest recorded test accuracy."""
    from rnncore.store import ModelStore

    runs = [run for run in ModelStore(store).list_runs() if not run.error and "accuracy" in run.metrics]
    return min(runs, key=lambda run: run.metrics["accuracy"]).path if runs else None


def scoring_seconds() -> dict:
    """Scoring a Quick-preset model on the lesson's sample and on the whole test set, in this process (the time
    does not depend on the weights, so the model is not trained; the first, untimed call builds its graph)."""
    from rnncore.config import RunConfig
    from rnncore.data.datasets import prepare_sentiment
    from rnncore.events import ignore_event
    from rnncore.presets import QUICK
    from rnncore.training.evaluate import LESSON_SAMPLE
    from rnncore.training.model import build_model
    from rnncore.training.train import score_sentiment

    config = RunConfig(**QUICK)
    data = prepare_sentiment(config)
    model = build_model(config, data.vocabulary.size)
    score_sentiment(model, config, data, 1_000, None, ignore_event)
    timings = {}
    for name, size in (("sample_s", LESSON_SAMPLE), ("full_s", 0)):
        started = time.perf_counter()
        metrics, _ = score_sentiment(model, config, data, size, None, ignore_event)
        timings[name] = round(time.perf_counter() - started, 2)
        timings[name.replace("_s", "_reviews")] = metrics["n"]
    return timings


def _server(store: Path):
    return streamlit_app(extra_env={"RNNCORE_STORE_DIR": str(store)})


def _warm(server: Server) -> float:
    async def visit() -> None:
        student = Student(server.url)
        await student.open()
        await student.close()

    asyncio.run(visit())
    return server.wait_workers_settled()


def run(settings: Settings) -> Section:
    """The three phases (see the module docstring), each on a fresh server."""
    section = Section("class_training")
    if not classroom_limits().training_enabled:
        section.rows.append(Row("class training", "training is off", status="SKIP"))
        return section
    quick = settings.quick
    students = QUICK_STUDENTS if quick else STUDENTS
    typists = QUICK_TYPISTS if quick else TYPISTS
    form = dict(QUICK_FORM) if quick else {}
    timeout = QUICK_DONE_TIMEOUT_S if quick else DONE_TIMEOUT_S
    budget = QUICK_VARIANT_BUDGET_S if quick else VARIANT_BUDGET_S

    with tempfile.TemporaryDirectory(prefix="rnncore-bench-class-") as folder:
        store = Path(folder) / "same"
        with _server(store) as server:
            settled = _warm(server)
            settings.log(f"class_training: {students} students press Train (default preset), {typists} type")
            same = asyncio.run(class_presses(server.url, [dict(form) for _ in range(students)], typists, timeout))
        same_summary = summarize(same["tabs"])
        # one job's duration: the class's first job, from its press to its results (it started at once)
        first = min((tab for tab in same["tabs"] if tab.done is not None), key=lambda tab: tab.done, default=None)
        same_summary["one_job_s"] = None if first is None else round(first.done - first.pressed, 1)
        same_summary["workers_settled_after_s"] = settled
        same_summary["runs_saved"] = len([p for p in store.iterdir() if not p.name.startswith(".")])
        lowest = lowest_run(store)
        same_summary["full_test_accuracy_of_lowest"] = full_test_accuracy(lowest) if lowest else None
        if lowest is not None:  # the store quota's size estimate beside the run's size on disk
            from rnncore.jobs.quota import MB, estimated_bytes, folder_bytes
            from rnncore.store import ModelStore

            run_config = ModelStore(lowest.parent).get(lowest.name).config
            same_summary["run_mb"] = round(folder_bytes(lowest) / MB, 2)
            same_summary["run_estimated_mb"] = round(estimated_bytes(run_config) / MB, 2)
        predict = stats_ms(same["latencies"]) if same["latencies"] else {}

        with _server(Path(folder) / "flood") as server:
            _warm(server)
            tabs, presses = (QUICK_FLOOD_TABS, QUICK_FLOOD_PRESSES) if quick else (FLOOD_TABS, FLOOD_PRESSES)
            settings.log(f"class_training: one student presses Start {presses} times from {tabs} tabs")
            flooded = asyncio.run(flood(server.url, tabs, presses, form, timeout))
            flooded["one_job_s"] = same_summary["one_job_s"]

        with _server(Path(folder) / "seeds") as server:
            _warm(server)
            settings.log(f"class_training: {students} students, each a different seed (at most {budget:.0f} s)")
            forms = [dict(form, tr_seed=n + 1) for n in range(students)]
            seeds = asyncio.run(class_presses(server.url, forms, 0, budget, seed=1))
        seeds_summary = summarize(seeds["tabs"])
        seeds_summary["budget_s"] = budget
        seeds_summary["projected_last_done_s"] = projected_last_done(seeds["tabs"], budget)

    settings.log("class_training: scoring a Quick model on the lesson's sample and on all 25,000 test reviews")
    scoring = scoring_seconds()
    section.details.update(
        same_settings=same_summary, predict=predict, flood=flooded, different_seeds=seeds_summary, scoring=scoring
    )
    metrics = section.metrics
    metrics["class_training_last_done_s"] = same_summary["last_done_s"]
    metrics["class_training_min_accuracy"] = same_summary["min_accuracy"]
    metrics["class_training_min_accuracy_full_test"] = same_summary["full_test_accuracy_of_lowest"]
    metrics["class_training_predict_p95_ms"] = predict.get("p95_ms")
    metrics["flood_wait_s"] = flooded["wait_s"]
    metrics["flood_job_s"] = flooded["one_job_s"]
    metrics["class_training_seeds_done"] = seeds_summary["done"]
    metrics["class_training_seeds_last_done_s"] = seeds_summary["last_done_s"]
    metrics["class_training_seeds_projected_last_done_s"] = seeds_summary["projected_last_done_s"]
    metrics["class_training_seeds_min_accuracy"] = seeds_summary["min_accuracy"]
    metrics["class_training_scoring_sample_s"] = scoring["sample_s"]
    metrics["class_training_scoring_full_s"] = scoring["full_s"]
    metrics["class_training_reduced"] = quick
    section.rows.extend(rows(same_summary, predict, flooded, seeds_summary, quick, scoring))
    return section


def rows(same: dict, predict: dict, flooded: dict, seeds: dict, quick: bool, scoring: dict | None = None) -> list[Row]:
    """The table rows; `--quick` figures are marked SKIP against the targets (a tiny job, not the preset)."""

    def status(ok: bool | None) -> str:
        return "SKIP" if quick or ok is None else verdict(ok)

    count, tag = same["students"], " (quick: tiny jobs)" if quick else ""
    last = same["last_done_s"]
    full = same["full_test_accuracy_of_lowest"]
    done_note = (
        f"{same['done']} of {count} done, {same['shared']} given a classmate's job, {same['runs_saved']} run(s) "
        f"trained and saved; presses within {same['pressed_within_s']:.1f} s"
    )
    result = [
        Row(
            f"{count} students press Train{tag}",
            "—" if last is None else f"last done {last:.0f} s",
            target=f"≤ {TARGET_LAST_DONE_S:.0f} s",
            status=status(same["done"] == count and last is not None and last <= TARGET_LAST_DONE_S),  # all of them
            note=done_note,
        ),
        Row(
            "… lowest test accuracy",
            "—" if same["min_accuracy"] is None else f"{same['min_accuracy']:.3f} (sample)",
            "" if full is None else f"full test set: {full:.3f}",
            target=f"≥ {TARGET_ACCURACY}",
            status=status(None if full is None and same["min_accuracy"] is None else (full or 0) >= TARGET_ACCURACY),
            note="the lesson's 5,000-review test sample on the page; the same model on all 25,000 beside it",
        ),
    ]
    if predict:
        result.append(
            Row(
                "… Predict reruns meanwhile",
                f"{predict['p50_ms']:.0f} ms / {predict['p95_ms']:.0f} ms",
                target=f"p95 ≤ {TARGET_PREDICT_P95_MS:.0f} ms",
                status=status(predict["p95_ms"] <= TARGET_PREDICT_P95_MS),
                note=f"{predict['n']} reruns",
            )
        )
    wait, job = flooded["wait_s"], flooded["one_job_s"]
    result.append(
        Row(
            f"flood: {flooded['presses']} presses from {flooded['tabs']} tabs, then another student",
            "—" if wait is None else f"waited {wait:.0f} s",
            "" if job is None else f"one job: {job:.0f} s",
            target="≤ one job's duration",
            status=status(None if wait is None or job is None else wait <= job),
            note=f"{flooded['refused']} presses refused",
        )
    )
    projected = seeds["projected_last_done_s"]
    result.append(
        Row(
            f"{seeds['students']} students, each a different seed{tag}",
            f"{seeds['done']} of {seeds['students']} done"
            + ("" if seeds["last_done_s"] is None else f", last at {seeds['last_done_s']:.0f} s"),
            "" if projected is None else f"all: ≈ {projected:.0f} s",
            status="INFO",
            note=f"the worst case for reuse, stopped after {seeds['budget_s']:.0f} s; lowest accuracy "
            + ("—" if seeds["min_accuracy"] is None else f"{seeds['min_accuracy']:.3f}"),
        )
    )
    if scoring:
        result.append(
            Row(
                f"scoring a Quick model on the lesson's {scoring['sample_reviews']:,}-review sample",
                f"{scoring['sample_s']:.1f} s",
                f"all {scoring['full_reviews']:,}: {scoring['full_s']:.1f} s",
                f"{scoring['full_s'] / max(scoring['sample_s'], 1e-9):.1f}× faster",
                status="INFO",
                note="what each job saves at its end during a lesson (RNNCORE_TEST_SAMPLE)",
            )
        )
    return result


if __name__ == "__main__":
    from bench.standalone import main

    main(run)
