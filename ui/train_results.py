"""Train page, after submitting: the student's current job (live monitor, a polling fragment, or results of
a finished job) and their other jobs, and the experiment board of every run on this server."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnncore.jobs.reuse import note_for
from rnncore.notebooks import keras_code, notebook_bytes
from rnncore.paths import class_models_dir
from rnncore.store import INFO_FILE, MODEL_FILE, ModelStore
from ui.common import job_pool, jobs_at_once, session_jobs, session_owner, show_error
from ui.job_monitor import job_monitor

SHOWN_WRONG_REVIEW_CHARS = 600  # a misclassified test review is shown cut to this many characters


# Every open Train tab of a running job polls: 2 s instead of 1 s halves what 30 watching tabs cost the server
# (bench class_training), and a progress bar needs no more.
MONITOR_SECONDS = 2.0


def current_job() -> None:
    """The current job (live monitor or results) and this session's other jobs."""
    mine, job_id = session_jobs("train", "tr_job_id", task="sentiment")  # not Generate's char jobs
    if len(mine) > 1:
        with st.expander(f"Your jobs on this server ({len(mine)})"):
            st.dataframe([job_summary(job) for job in reversed(mine)], hide_index=True, width="stretch")
            ids = [job.id for job in reversed(mine)]
            chosen = st.selectbox("Show job", ids, index=ids.index(job_id) if job_id in ids else 0, key="tr_show")
            if chosen != job_id:
                job_id = st.session_state["tr_job_id"] = chosen
    job = job_pool().get(job_id) if job_id is not None else None
    if job is None:
        return
    st.subheader(f"Run: {job.label}")
    note = note_for(job, session_owner())
    if note:  # the same settings and seed as a classmate's job or saved run: given, not trained again
        st.info(note, icon="🤝")
    if job.is_finished:
        show_results(job)
    else:
        monitor(job.id)


# The live curves of a job, built at most once a second for every tab that watches it: building the figure takes
# ~40 ms of server CPU, drawing a built one ~3 ms, and thirty students given one shared job poll it every second
# (measured: 30 watching tabs took the class's Predict reruns to p95 4.7 s when each built its own).
CURVES_EVERY = 1.0  # seconds
_SHARED_CURVES: dict[int, tuple[float, go.Figure]] = {}
_SHARED_CURVES_LOCK = threading.Lock()
SHARED_CURVES_KEPT = 64  # jobs whose figure is kept


def shared_curves(job) -> go.Figure:
    """curves_figure(job), shared by every session that draws it within CURVES_EVERY seconds (read-only)."""
    now = time.monotonic()
    with _SHARED_CURVES_LOCK:
        built = _SHARED_CURVES.get(job.id)
    if built is not None and now - built[0] < CURVES_EVERY:
        return built[1]
    figure = curves_figure(job)
    with _SHARED_CURVES_LOCK:
        _SHARED_CURVES[job.id] = (now, figure)
        while len(_SHARED_CURVES) > SHARED_CURVES_KEPT:
            del _SHARED_CURVES[min(_SHARED_CURVES, key=lambda key: _SHARED_CURVES[key][0])]
    return figure


def curves_figure(job) -> go.Figure:
    """Batch-level training loss/accuracy with validation points after every epoch, side by side. Built in one
    constructor call (make_subplots and every add_trace re-validate the figure): every open Train tab of the
    class redraws it while its job trains."""
    batches = [e for e in job.events() if e.kind == "batch"]
    epochs = [e for e in job.events() if e.kind == "epoch"]
    x = [(e.epoch - 1) * e.batches + e.batch for e in batches]
    x_epochs = [e.epoch * e.batches for e in epochs]
    traces = []
    for axis, metric in (("", "loss"), ("2", "accuracy")):
        on_axes = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        train_y = [e.metrics.get(metric) for e in batches]
        traces.append({"type": "scatter", "x": x, "y": train_y, "name": f"train {metric}", "mode": "lines", **on_axes})
        traces.append(
            {
                "type": "scatter",
                "x": x_epochs,
                "y": [e.metrics.get(f"val_{metric}") for e in epochs],
                "name": f"validation {metric}",
                "mode": "markers+lines",
                "marker": {"size": 9},
                **on_axes,
            }
        )
    title = {"y": 1.0, "xref": "paper", "yref": "paper", "showarrow": False, "yanchor": "bottom"}
    titles = [{"text": name, "x": middle, **title} for name, middle in (("loss", 0.225), ("accuracy", 0.775))]
    layout = {
        "height": 300,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.12, "x": 0},
        "xaxis": {"domain": [0, 0.45], "title": {"text": "batch"}, "anchor": "y"},
        "xaxis2": {"domain": [0.55, 1], "title": {"text": "batch"}, "anchor": "y2"},
        "yaxis": {"anchor": "x"},
        "yaxis2": {"anchor": "x2"},
        "annotations": titles,
    }
    return go.Figure(data=traces, layout=layout)


def monitor(job_id: int) -> None:
    """The job's progress every MONITOR_SECONDS until it ends; then the page shows its results."""
    note = f"Jobs run {jobs_at_once()} on this server."
    job_monitor([job_id], _progress, stop_key=f"stop_{job_id}", every=MONITOR_SECONDS, waiting_note=note)


def _progress(jobs: list) -> None:
    job = jobs[0]
    st.markdown(f"**Job #{job.id} · {job.label}** — {job.status}")
    if job.status == "queued":
        return
    last = job.last_event("batch")
    status = job.last_event("status")
    if last is None:
        st.progress(0.0, text=status.message if status else "Starting …")
        return
    text = (
        f"epoch {last.epoch}/{last.epochs} · batch {last.batch}/{last.batches} · "
        f"{last.examples_per_second:,.0f} reviews/s · about {last.eta_seconds:,.0f} s left"
    )
    st.progress(last.progress, text=text)
    st.plotly_chart(shared_curves(job), width="stretch", key=f"curves_{job.id}")


def show_results(job) -> None:
    """Everything about a finished job: errors, metrics, confusion matrix, mistakes, downloads, code."""
    if job.status == "failed":
        st.error(f"Training failed: {job.error}", icon="⚠️")
        return
    result = job.result
    if result is None or not result.history:
        st.info("The job was stopped before the first epoch finished, so there is no model to show.")
        return
    if job.stopped_at_deadline:
        st.info(
            f"Stopped at its time limit ({job.time_limit / 60:.0f} min: twice its estimate, at most the classroom's "
            "limit); the results below use the best weights found before it."
        )
    elif job.status == "cancelled":
        st.info("Stopped early by request; the results below use the best weights found before the stop.")
    metrics = result.metrics
    c = st.columns(4)
    c[0].metric("Test accuracy", f"{metrics.get('accuracy', float('nan')):.1%}")
    c[1].metric("Test loss", f"{metrics.get('loss', float('nan')):.3f}")
    c[2].metric("Test reviews", f"{metrics.get('n', 0):,}", help=_test_set_help(metrics))
    c[3].metric("Training time", f"{result.train_seconds:,.0f} s")
    if metrics.get("stopped_scoring"):
        st.caption(
            f"Stopped while scoring: these figures are for the {metrics.get('n', 0):,} test reviews scored before "
            f"the stop, of {metrics.get('test_reviews', 0):,}."
        )
    if result.stopped_early:
        st.caption("Early stopping ended the run: validation loss stopped improving (best epoch's weights kept).")
    confusion = metrics.get("confusion")
    left, right = st.columns(2)
    if confusion:
        z = [
            [confusion["true_negative"], confusion["false_positive"]],
            [confusion["false_negative"], confusion["true_positive"]],
        ]
        figure = go.Figure(
            go.Heatmap(
                z=z,
                x=["predicted negative", "predicted positive"],
                y=["actually negative", "actually positive"],
                text=z,
                texttemplate="%{text}",
                colorscale="Blues",
                showscale=False,
            )
        )
        figure.update_layout(title="Confusion matrix (test set)", height=300, margin=dict(l=10, r=10, t=40, b=10))
        figure.update_yaxes(autorange="reversed")  # the usual layout: actual negatives on the top row
        left.plotly_chart(figure, width="stretch")
    with right:
        st.markdown("**Most confidently wrong test reviews**")
        for item in result.extras.get("misclassified", [])[:8]:
            text = item["text"]
            label = "positive" if item["label"] else "negative"
            with st.expander(f"actually {label} · model said P(positive) = {item['probability']:.2f}"):
                st.text(text[:SHOWN_WRONG_REVIEW_CHARS] + (" …" if len(text) > SHOWN_WRONG_REVIEW_CHARS else ""))
    if job.saved is not None:
        st.success(f"Saved as **{job.saved.name}** — use it on the Predict and Concepts pages.")
        c = st.columns(3)
        c[2].download_button(
            "Download as a notebook",
            notebook_bytes(job.saved.name, job.saved.info),
            f"{job.saved.name}.ipynb",
            "application/x-ipynb+json",
            key=f"dl_{job.id}_notebook",
            help="A Jupyter notebook with this run's settings and results, and code that trains the same network",
        )
        for col, file_name, mime in ((c[0], MODEL_FILE, "application/zip"), (c[1], INFO_FILE, "application/json")):
            path = job.saved.path / file_name
            if path.is_file():
                col.download_button(
                    f"Download {file_name}",
                    path.read_bytes(),
                    f"{job.saved.name}-{file_name}",
                    mime,
                    key=f"dl_{job.id}_{file_name}",
                )
    st.markdown("**The same model in plain Keras** (copy it into a notebook):")
    st.code(keras_code(result.config, result.vocabulary.size), language="python")


def _test_set_help(metrics: dict) -> str:
    """Which test reviews the figures are for, in words."""
    if str(metrics.get("test_set", "full")).startswith("sample"):
        return (
            f"The lesson's fixed test sample: {metrics.get('test_reviews', 0):,} reviews, half positive, the same "
            "for every student (RNNCORE_TEST_SAMPLE; `python -m rnncore evaluate` scores all 25,000)."
        )
    return "The whole IMDB test set."


def _row(name: str, config: dict, history: list, seconds: float, accuracy) -> dict:
    return {
        "name": name,
        "cell": config.get("cell"),
        "units": config.get("units"),
        "bidirectional": config.get("bidirectional"),
        "maxlen": config.get("maxlen"),
        "epochs": len(history),
        "seconds": seconds,
        "test accuracy": None if accuracy is None else round(float(accuracy), 4),
    }


def board_runs() -> list[tuple[dict, list]]:
    """(table row, history) for every sentiment run of this server: class-store runs, plus finished jobs
    whose model was not saved."""
    runs = []
    for run in ModelStore(class_models_dir()).list_runs():
        if run.error or run.kind != "sentiment":
            continue
        info = run.info
        runs.append(
            (
                _row(
                    run.name,
                    info["config"],
                    info.get("history", []),
                    info.get("train_seconds"),
                    run.metrics.get("accuracy"),
                ),
                info.get("history", []),
            )
        )
    for job in job_pool().jobs(lane="train"):
        result = job.result
        # getattr: a job of this lane need not be a training job with a history (a stand-in task, say)
        history = getattr(result, "history", None)
        if job.saved is None and history and getattr(job.config, "task", None) == "sentiment":
            runs.append(
                (
                    _row(
                        f"job {job.id}: {job.label} (unsaved)",
                        job.config.to_dict(),
                        result.history,
                        result.train_seconds,
                        result.metrics.get("accuracy"),
                    ),
                    result.history,
                )
            )
    return runs


def experiment_board() -> None:
    """A table of every run, overlaid validation-accuracy curves and a CSV export."""
    try:
        runs = board_runs()
    except Exception as error:
        show_error(error)
        return
    if not runs:
        st.info("No finished runs yet. Train a model above and it appears here.")
        return
    table = pd.DataFrame([row for row, _ in runs])
    st.dataframe(table, hide_index=True, width="stretch")
    figure = go.Figure()
    for row, history in runs:
        values = [epoch.get("val_accuracy") for epoch in history]
        if any(v is not None for v in values):
            epochs = np.arange(1, len(values) + 1)
            figure.add_trace(go.Scatter(x=epochs, y=values, name=row["name"], mode="lines+markers"))
    figure.update_layout(
        title="Validation accuracy per epoch",
        xaxis_title="epoch",
        yaxis_title="validation accuracy",
        height=320,
        margin=dict(l=10, r=10, t=40, b=10),
    )
    st.plotly_chart(figure, width="stretch")
    st.download_button(
        "Download the table (CSV)",
        table.to_csv(index=False).encode("utf-8"),
        "experiments.csv",
        "text/csv",
        key="board_csv",
    )


def job_summary(job) -> dict:
    """One line of the 'your jobs' table."""
    accuracy = job.result.metrics.get("accuracy") if job.result is not None else None
    return {
        "job": job.id,
        "name": job.label,
        "status": job.status,
        "test accuracy": None if accuracy is None else round(float(accuracy), 4),
        "config": json.dumps({k: job.config.to_dict()[k] for k in ("cell", "units", "maxlen", "epochs")}),
    }
