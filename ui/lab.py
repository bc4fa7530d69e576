"""Sequence Lab, the pieces: the settings, the live curves (a polling fragment) and the results of a run.

A run is one job in the pool's "lab" lane (never behind IMDB jobs); the worker trains the chosen cells
interleaved and reports one "epoch" event per cell and round, which the curves plot as they arrive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnncore.architecture import CELL_CLASS
from rnncore.jobs.job import Job
from rnncore.jobs.requests import LAB_TASK
from rnncore.lab.config import LAB_CELLS, LAB_TASKS, LabConfig
from rnncore.lab.results import LabResult
from rnncore.lab.tasks import TASKS
from ui.common import job_pool, session_owner, sync_pool
from ui.job_monitor import job_monitor
from ui.lesson_links import LinkField, choice, control, link_box, open_link, update_link, whole
from ui.settings_widgets import bounds, choices_of, number_input_for

COLOURS = {"simplernn": "#1f77b4", "lstm": "#d62728", "gru": "#2ca02c"}
UNITS = (4, 8, 16, 32, 64)  # the page's choices, within LabConfig's limits (a test checks)
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1)
DEFAULTS = LabConfig()
MEASURED_TABLE = Path(__file__).resolve().parents[1] / "docs" / "lab_table.md"
JOB_KEY = "lab_job_id"


def _length_key() -> str:
    return f"lab_length_{st.session_state.get('lab_task', LAB_TASKS[0])}"  # one slider per task: ranges differ


def _length(text: str) -> int:
    task = TASKS[st.session_state.get("lab_task", LAB_TASKS[0])]
    return whole(task.min_length, task.max_length)(text)


def _cells(text: str) -> list[str]:
    cells = [cell for cell in text.split(",") if cell]
    if not 1 <= len(cells) <= 3 or len(set(cells)) != len(cells) or not set(cells) <= set(LAB_CELLS):
        raise ValueError(f"one to three of {', '.join(LAB_CELLS)}, separated by commas")
    return cells


# The lesson link of this page: ?task=adding&length=50&cells=lstm,gru&units=16&lr=0.01&seed=1 (&lock=task,length)
LINK = [
    LinkField("task", "lab_task", choice(LAB_TASKS)),
    LinkField("length", _length_key, _length),
    LinkField("cells", "lab_cells", _cells, ",".join),
    LinkField("units", "lab_units", lambda text: choice(UNITS)(int(text))),
    LinkField("lr", "lab_lr", lambda text: choice(LEARNING_RATES)(float(text))),
    LinkField("seed", "lab_seed", whole(*bounds(LabConfig, "seed"))),
]
TASK, LENGTH, CELLS, UNITS_FIELD, RATE, SEED = LINK


def settings() -> LabConfig | None:
    """The task and model settings, set from a lesson link when the page was opened with one; returns the
    config when Train was pressed (None otherwise)."""
    for note in open_link("lab", LINK):
        st.caption(f"⚠️ {note}")
    names = list(LAB_TASKS)
    task_name = control(
        TASK, lambda: st.selectbox("Task", names, format_func=lambda name: TASKS[name].title, key="lab_task")
    )
    st.session_state.setdefault("lab_task", task_name)  # a locked task still decides which length slider
    task = TASKS[task_name]
    st.info(f"**{task.shape}** · scored by {task.metric_name} against *{task.baseline_name}*.\n\n{task.look_for}")
    columns = st.columns([2, 3, 1, 1, 1])
    length = control(
        LENGTH,
        lambda: columns[0].slider(
            "Sequence length (difficulty)",
            task.min_length,
            task.max_length,
            task.default_length,
            key=_length_key(),
        ),
    )
    cells = control(
        CELLS,
        lambda: columns[1].multiselect(
            "Cells to compare",
            choices_of(LabConfig, "cells"),
            default=list(DEFAULTS.cells),
            format_func=CELL_CLASS.get,
            max_selections=3,
            key="lab_cells",
        ),
    )
    units = control(UNITS_FIELD, lambda: columns[2].select_slider("Units", UNITS, DEFAULTS.units, key="lab_units"))
    learning_rate = control(
        RATE, lambda: columns[3].select_slider("Learning rate", LEARNING_RATES, DEFAULTS.learning_rate, key="lab_lr")
    )
    seed = control(
        SEED, lambda: number_input_for(columns[4], LabConfig, "seed", "Seed", value=DEFAULTS.seed, key="lab_seed")
    )
    update_link(LINK)
    link_box(LINK)
    if not st.button("Train", type="primary", key="lab_train", disabled=not cells):
        if not cells:
            st.caption("Pick at least one cell.")
        return None
    return LabConfig(
        task=task_name,
        cells=tuple(cells),
        length=int(length),
        units=int(units),
        learning_rate=float(learning_rate),
        seed=int(seed),
    )


def submit(config: LabConfig) -> Job | None:
    """Queue a lab run for this session, one at a time per session (a classroom limit)."""
    pool = job_pool()
    sync_pool(pool)  # the teacher's live number of lab workers, before this run is queued
    busy = [job for job in pool.jobs(session_owner(), lane="lab") if not job.is_finished]
    if busy:
        st.warning("Your previous lab run is still going: wait for it or press Stop first.")
        return None
    label = f"{TASKS[config.task].title}, length {config.length}"
    job = pool.submit(LAB_TASK, config, lane="lab", owner=session_owner(), label=label, config=config)
    st.session_state[JOB_KEY] = job.id
    return job


def curves(job: Job) -> dict[str, list]:
    """Per cell, the (seconds, metric, loss, round) points reported so far."""
    points: dict[str, list] = {cell: [] for cell in job.config.cells}
    for event in job.events():
        if event.kind == "epoch" and event.cell in points:
            metrics = event.metrics
            points[event.cell].append((metrics["seconds"], metrics["metric"], metrics["loss"], event.epoch))
    return points


def curves_figure(
    config: LabConfig, points: dict[str, list], baseline: float | None, best: float | None = None
) -> go.Figure:
    """The validation metric of every cell against training time, with the baseline as a dashed line and,
    where it is known, the best any predictor can do on average as a dotted one. Built in one constructor call:
    open tabs redraw it twice a second during a run, and add_trace / add_hline / update_layout validate the
    figure again at each call (measured: 5.0 → 1.8 ms per live redraw)."""
    task = TASKS[config.task]
    traces = []
    for cell, rows in points.items():
        if rows:
            seconds, metric, _, rounds = zip(*rows)
            traces.append(
                dict(
                    type="scatter",
                    x=seconds,
                    y=metric,
                    mode="lines+markers",
                    name=CELL_CLASS[cell],
                    line=dict(color=COLOURS[cell]),
                    customdata=rounds,
                    hovertemplate="round %{customdata} · %{x:.1f} s · %{y:.4g}<extra></extra>",
                )
            )
    lines = [
        (value, dash, colour, text)
        for value, dash, colour, text in (
            (baseline, "dash", "grey", task.baseline_name),
            (best, "dot", "black", "best possible"),
        )
        if value is not None
    ]
    layout = dict(
        xaxis=dict(title=dict(text="training seconds")),
        yaxis=dict(title=dict(text=f"validation {task.metric_name}"), type=None if task.higher_is_better else "log"),
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        shapes=[
            dict(type="line", xref="paper", x0=0, x1=1, y0=value, y1=value, line=dict(dash=dash, color=colour))
            for value, dash, colour, _ in lines
        ],
        annotations=[
            dict(xref="paper", x=1, y=value, text=text, showarrow=False, xanchor="right", yanchor="bottom")
            for value, _, _, text in lines
        ],
    )
    return go.Figure(dict(data=traces, layout=layout))


def monitor(job_id: int) -> None:
    """Live curves of a queued / running run, twice a second; hands over to the page when it ends."""
    job_monitor([job_id], _live_curves, stop_key=f"lab_stop_{job_id}", every=0.5)


def _live_curves(jobs: list[Job]) -> None:
    job = jobs[0]
    if job.status != "queued":
        status = job.last_event("status")
        st.caption(status.message if status else "Starting …")
        st.plotly_chart(curves_figure(job.config, curves(job), None), width="stretch", key=f"lab_live_{job.id}")


def results(job: Job) -> None:
    """A finished run: the final table and curves, predictions against the truth, hidden states and the
    gradient that reaches each time step."""
    if job.status == "failed":
        st.error(f"The run failed: {job.error}", icon="⚠️")
        return
    result: LabResult | None = job.result
    if result is None or not result.outcomes:
        st.info("The run was stopped before anything was learned.")
        return
    if result.cancelled:
        st.info("Stopped early: the figures below are what the cells had learned by then.")
    config = result.config
    figure = curves_figure(config, curves(job), result.baseline, result.best_possible)
    st.plotly_chart(figure, width="stretch", key=f"lab_curves_{job.id}")
    better = "higher" if result.higher_is_better else "lower"
    rows = [
        {
            "cell": CELL_CLASS[cell],
            f"validation {result.metric_name}": round(outcome.metric, 4),
            result.baseline_name: round(result.baseline, 4),
            "beats the baseline": _beats(outcome.metric, result.baseline, result.higher_is_better),
            "seconds": round(outcome.seconds, 1),
            "rounds": outcome.curve[-1]["round"] if outcome.curve else 0,
        }
        for cell, outcome in result.outcomes.items()
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        f"{result.metric_name}: {better} is better. Run took {result.seconds:.1f} s; seed {config.seed}, "
        f"{config.units} units, learning rate {config.learning_rate}. Same seed, same numbers (up to thread timing)."
    )
    rounds = min(row["rounds"] for row in rows)
    if not result.cancelled and rounds < config.epochs:
        st.caption(
            f"The {config.time_budget:g}-second budget ended after {rounds} of {config.epochs} rounds for at least "
            "one cell. The server is shared: when many students train at once, every run still ends on time but "
            "trains fewer rounds. A cell that has not learned yet may just need more rounds: try again later."
        )
    tabs = st.tabs(["Predictions vs truth", "Hidden state", "Gradient through time"])
    with tabs[0]:
        st.plotly_chart(prediction_figure(result), width="stretch", key=f"lab_pred_{job.id}")
        if result.forecast_from is not None:
            st.caption(
                "Solid lines: one step ahead, the network always sees the true past (many-to-many). Dotted: from "
                "the dashed line on it is fed its own predictions instead (one-to-many), so its errors pile up."
            )
    with tabs[1]:
        cell = st.radio(
            "Cell", list(result.outcomes), format_func=CELL_CLASS.get, horizontal=True, key=f"lab_h_{job.id}"
        )
        hidden = result.outcomes[cell].hidden
        figure = go.Figure(go.Heatmap(z=hidden.T, colorscale="RdBu", zmid=0, colorbar=dict(title="h")))
        figure.update_layout(
            xaxis_title="time step", yaxis_title="unit", height=320, margin=dict(l=10, r=10, t=30, b=10)
        )
        st.plotly_chart(figure, width="stretch", key=f"lab_hidden_{job.id}")
        st.caption("The hidden state over the first validation sequence: each row is one unit, each column a step.")
    with tabs[2]:
        st.plotly_chart(gradient_figure(result), width="stretch", key=f"lab_grad_{job.id}")
        st.caption(
            "‖∂loss/∂x_t‖ averaged over validation sequences: how much the input at step t still moves the loss "
            "after training. A curve that falls to the left means early steps barely reach the loss: vanishing "
            "gradients, made visible. (Log scale.)"
        )


def _beats(metric: float, baseline: float, higher_is_better: bool) -> str:
    margin = metric - baseline if higher_is_better else baseline - metric
    return "yes" if margin > 0.01 * max(abs(baseline), 1e-9) else "no"


def prediction_figure(result: LabResult) -> go.Figure:
    """The first validation example: the truth against every cell's output."""
    task = TASKS[result.config.task]
    truth = np.asarray(result.example_targets)
    figure = go.Figure()
    if task.output in ("sequence_value", "sequence_class"):
        steps = np.arange(len(truth))
        if task.output == "sequence_value":
            figure.add_trace(
                go.Scatter(x=steps, y=truth.reshape(len(truth), -1)[:, 0], name="truth", line_color="black")
            )
            for cell, outcome in result.outcomes.items():
                values = np.asarray(outcome.example_prediction).reshape(len(truth), -1)[:, 0]
                figure.add_trace(go.Scatter(x=steps, y=values, name=CELL_CLASS[cell], line_color=COLOURS[cell]))
                if outcome.forecast is not None:  # many steps ahead: the network feeds on its own predictions
                    ahead = np.asarray(outcome.forecast).reshape(len(truth), -1)[:, 0]
                    figure.add_trace(
                        go.Scatter(
                            x=steps,
                            y=ahead,
                            name=f"{CELL_CLASS[cell]}, free-running",
                            line={"color": COLOURS[cell], "dash": "dot"},
                        )
                    )
            if result.forecast_from is not None:
                figure.add_vline(x=result.forecast_from, line_dash="dash", annotation_text="forecast starts")
            figure.update_layout(xaxis_title="time step", yaxis_title="value")
        else:
            figure.add_trace(go.Scatter(x=steps, y=truth, name="truth", mode="markers", marker_color="black"))
            for cell, outcome in result.outcomes.items():
                chosen = np.asarray(outcome.example_prediction).argmax(axis=-1)
                figure.add_trace(
                    go.Scatter(x=steps, y=chosen, name=CELL_CLASS[cell], mode="markers", marker_color=COLOURS[cell])
                )
            figure.update_layout(xaxis_title="time step", yaxis_title="class")
    elif task.output == "class":
        classes = np.arange(task.output_dim)
        for cell, outcome in result.outcomes.items():
            figure.add_trace(
                go.Bar(x=classes, y=np.asarray(outcome.example_prediction).reshape(-1), name=CELL_CLASS[cell])
            )
        figure.add_vline(x=int(truth.reshape(-1)[0]), line_dash="dash", annotation_text="right answer")
        figure.update_layout(xaxis_title="class", yaxis_title="probability")
    else:
        names = ["truth", *(CELL_CLASS[cell] for cell in result.outcomes)]
        values = [float(truth.reshape(-1)[0])]
        values += [float(np.asarray(o.example_prediction).reshape(-1)[0]) for o in result.outcomes.values()]
        figure.add_trace(go.Bar(x=names, y=values, marker_color=["black", *(COLOURS[c] for c in result.outcomes)]))
        figure.update_layout(yaxis_title="value")
    figure.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10))
    return figure


def gradient_figure(result: LabResult) -> go.Figure:
    """‖∂loss/∂x_t‖ against t for every cell (log scale)."""
    figure = go.Figure()
    for cell, outcome in result.outcomes.items():
        norms = np.maximum(np.asarray(outcome.step_gradient_norms), 1e-12)
        figure.add_trace(
            go.Scatter(x=np.arange(1, len(norms) + 1), y=norms, name=CELL_CLASS[cell], line_color=COLOURS[cell])
        )
    figure.update_layout(
        xaxis_title="time step t",
        yaxis_title="‖∂loss/∂x_t‖",
        yaxis_type="log",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return figure


def measured_table() -> None:
    """What we measured (docs/lab_table.md, written by scripts/lab_table.py)."""
    with st.expander("What we measured: which cell learns which task, at which length, in the time budget"):
        if MEASURED_TABLE.exists():
            st.markdown(MEASURED_TABLE.read_text(encoding="utf-8"))
        else:
            st.caption("No measurements shipped with this copy (run `python scripts/lab_table.py`).")
