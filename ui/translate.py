"""Translate, the pieces: settings, the live curves of one or two runs (attention on / off), and what a trained
encoder–decoder does with the student's own input (greedy or beam search, per-step probabilities, attention map).

A run is a job in the pool's lab lane; the worker trains with TensorFlow and returns the weights, and the server
decodes with the NumPy mirror (rnncore.seq2seq.inference)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rnncore.architecture import CELL_CLASS
from rnncore.jobs.job import Job
from rnncore.seq2seq.config import SEQ2SEQ_CELLS, Seq2seqConfig
from rnncore.seq2seq.inference import Translation
from rnncore.seq2seq.tasks import TASKS, generate
from ui.common import job_pool, session_owner
from ui.job_monitor import job_monitor
from ui.lesson_links import control, link_box, open_link, update_link
from ui.run_notebooks import translate_notebook_button
from ui.translate_link import (
    ATTENTION,
    ATTENTION_FIELD,
    CELL,
    LENGTH,
    LINK,
    MAX_SEED,
    SEED,
    TASK,
    UNITS,
    UNITS_FIELD,
    length_key,
)

SEQ2SEQ_JOB = "rnncore.training.seq2seq:run_seq2seq_job"
JOBS_KEY = "translate_job_ids"
MAX_INPUT_CHARS = 80
MEASURED_TABLE = Path(__file__).resolve().parents[1] / "docs" / "translate_table.md"
COLOURS = {"on": "#d62728", "off": "#1f77b4"}
TEACHER_FORCING = (
    "**How the decoder learns and how it runs.** In training the decoder is fed the *true* previous output character "
    "at every step (*teacher forcing*), so every step learns from a correct context at once. At test time there is "
    "no truth: it is fed its *own* previous output, one step at a time, so an early mistake can lead the rest "
    "astray. Beam search keeps the few most likely partial outputs instead of only the best one."
)


def settings() -> list[Seq2seqConfig] | None:
    """Task, difficulty, cell, attention, units and seed, set from a lesson link when the page was opened with one;
    the configs to train when Train was pressed."""
    for note in open_link("translate", LINK):
        st.caption(f"⚠️ {note}")
    task_name = control(
        TASK, lambda: st.selectbox("Task", list(TASKS), format_func=lambda name: TASKS[name].title, key="t2_task")
    )
    st.session_state.setdefault("t2_task", task_name)  # a locked task still decides which length slider
    task = TASKS[task_name]
    example_source, example_target = generate(task_name, task.default_length, 1, seed=0)[0]
    st.info(f"e.g. **{html.escape(example_source)}** → **{html.escape(example_target)}**\n\n{task.look_for}")
    columns = st.columns([2, 1, 2, 1, 1])
    length = control(
        LENGTH,
        lambda: columns[0].slider(
            f"Difficulty ({task.length_means})",
            task.min_length,
            task.max_length,
            task.default_length,
            key=length_key(),
        ),
    )
    cell = control(
        CELL, lambda: columns[1].selectbox("Cell", SEQ2SEQ_CELLS, index=1, format_func=CELL_CLASS.get, key="t2_cell")
    )
    attention = control(
        ATTENTION_FIELD,
        lambda: columns[2].radio("Attention", list(ATTENTION.values()), horizontal=True, key="t2_attention"),
    )
    units = control(UNITS_FIELD, lambda: columns[3].select_slider("Units", UNITS, 64, key="t2_units"))
    seed = control(
        SEED,
        lambda: columns[4].number_input(
            "Seed", 0, MAX_SEED, 0, key="t2_seed", help="Same seed, same examples and starting weights."
        ),
    )
    update_link(LINK)
    link_box(LINK)
    if not st.button("Train", type="primary", key="t2_train"):
        return None
    modes = ["on", "off"] if attention.startswith("both") else [attention]
    return [
        Seq2seqConfig(task=task_name, cell=cell, attention=mode, length=int(length), units=int(units), seed=int(seed))
        for mode in modes
    ]


def submit(configs: list[Seq2seqConfig]) -> None:
    """Queue the runs for this session (one set at a time per session, as in Sequence Lab)."""
    pool = job_pool()
    if [job for job in pool.jobs(session_owner(), lane="lab") if not job.is_finished]:
        st.warning("Your previous run is still going: wait for it or press Stop first.")
        return
    jobs = [
        pool.submit(
            SEQ2SEQ_JOB,
            config,
            lane="lab",
            owner=session_owner(),
            label=f"{TASKS[config.task].title}, attention {config.attention}",
            config=config,
        )
        for config in configs
    ]
    st.session_state[JOBS_KEY] = [job.id for job in jobs]


def my_jobs() -> list[Job]:
    """The runs this session started last (empty when none, or after a server restart)."""
    pool = job_pool()
    return [job for job in (pool.get(job_id) for job_id in st.session_state.get(JOBS_KEY, [])) if job is not None]


def curves_figure(jobs: list[Job]) -> go.Figure:
    """Exact match (solid) and per-character accuracy (dotted) against seconds, one colour per attention mode."""
    figure = go.Figure()
    for job in jobs:
        points = [event.metrics for event in job.events() if event.kind == "epoch"]
        mode = job.config.attention
        seconds = [point["seconds"] for point in points]
        for metric, dash in (("exact_match", "solid"), ("char_accuracy", "dot")):
            figure.add_scatter(
                x=seconds,
                y=[point[metric] for point in points],
                mode="lines",
                line={"color": COLOURS[mode], "dash": dash},
                name=f"attention {mode}: {metric.replace('_', ' ')}",
            )
    figure.update_layout(
        height=320,
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
        yaxis={"range": [0, 1.02]},
        xaxis_title="seconds of training",
        legend={"orientation": "h"},
    )
    return figure


def monitor() -> None:
    """Live curves while any run of this session is going; the whole page reruns when they have all ended."""
    draw = lambda jobs: st.plotly_chart(curves_figure(jobs), key="t2_live")
    job_monitor([job.id for job in my_jobs()], draw, stop_key="t2_stop", every=0.5)


def _mirror(job: Job):
    """The job's NumPy mirror, built once per session and job."""
    key = f"_t2_mirror_{job.id}"
    if key not in st.session_state:
        st.session_state[key] = job.result.mirror()
    return st.session_state[key]


def attention_figure(translation: Translation) -> go.Figure:
    """Output characters × input characters: where the decoder looked for each character it wrote."""
    outputs = [html.escape(step.char) if step.char else "⏹" for step in translation.steps]
    inputs = [html.escape(char) for char in translation.source]
    figure = go.Figure(
        go.Heatmap(
            z=translation.attention,
            x=list(range(len(inputs))),
            y=list(range(len(outputs))),
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertemplate="output %{y}, input %{x}: %{z:.2f}<extra></extra>",
        )
    )
    figure.update_xaxes(tickvals=list(range(len(inputs))), ticktext=inputs, title="input characters")
    figure.update_yaxes(
        tickvals=list(range(len(outputs))), ticktext=outputs, autorange="reversed", title="output characters"
    )
    figure.update_layout(height=min(700, 140 + 22 * len(outputs)), margin={"l": 20, "r": 20, "t": 10, "b": 20})
    return figure


def results(jobs: list[Job]) -> None:
    """Each run's final scores, then the student's own input decoded by every finished run."""
    done = [job for job in jobs if job.status == "done"]
    for job in jobs:
        if job.status != "done":
            st.error(f"Attention {job.config.attention}: {job.error or job.status}")
    if not done:
        return
    st.plotly_chart(curves_figure(done), key="t2_curves")
    columns = st.columns(len(done))
    for column, job in zip(columns, done):
        result = job.result
        column.metric(
            f"Exact match, attention {job.config.attention}",
            f"{result.exact_match:.2f}",
            f"{result.char_accuracy:.2f} per character after {result.seconds:.0f} s",
            delta_color="off",
        )
        translate_notebook_button(job, column)
    task = TASKS[done[0].config.task]
    st.subheader("Try your own input")
    source = st.text_input(
        "Input",
        generate(task.name, done[0].config.length, 1, seed=7)[0][0],
        max_chars=MAX_INPUT_CHARS,
        key="t2_input",
        help=f"At most {MAX_INPUT_CHARS} characters; characters the task never uses are dropped.",
    )
    beam = st.slider("Beam width (1 = greedy)", 1, 8, 1, key="t2_beam")
    kept = "".join(char for char in source if char in task.source.chars)
    if kept != source:
        st.caption(f"Left out (never seen in training): {html.escape(''.join(sorted(set(source) - set(kept))))}")
    if not kept:
        return
    for column, job in zip(st.columns(len(done)), done):
        translation = _mirror(job).translate(kept, beam_width=beam, top_k=3)
        column.markdown(
            f"**Attention {job.config.attention}:** `{html.escape(translation.output)}`"
            + ("" if translation.finished else " (no end token: cut at the longest output)")
        )
        column.dataframe(
            pd.DataFrame(
                [
                    {
                        "char": step.char or "⏹",
                        "p": round(step.probability, 3),
                        "top 3": ", ".join(f"{c or '⏹'} {p:.2f}" for c, p in step.top),
                    }
                    for step in translation.steps
                ]
            ),
            hide_index=True,
        )
        if translation.attention is not None:
            column.plotly_chart(attention_figure(translation), key=f"t2_attention_{job.id}")
        else:
            column.caption(
                "No attention: the decoder sees the input only through the encoder's last state, one "
                "vector of this many numbers for the whole input — it fills up as inputs grow."
            )
    with st.expander("Teacher forcing: how the decoder is trained"):
        st.markdown(TEACHER_FORCING)


def measured_table() -> None:
    """What we measured (docs/translate_table.md, written by scripts/translate_table.py)."""
    with st.expander("What we measured: which encoder–decoder learns which task, with and without attention"):
        if MEASURED_TABLE.exists():
            st.markdown(MEASURED_TABLE.read_text(encoding="utf-8"))
        else:
            st.caption("No measurements shipped with this copy (run `python scripts/translate_table.py`).")
