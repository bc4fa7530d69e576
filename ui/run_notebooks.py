"""Download buttons for a finished Sequence Lab or Translate run as a Jupyter notebook that reproduces it (the
same data, seed, network and batches, in plain Keras)."""

from __future__ import annotations

import streamlit as st

from rnncore.jobs.job import Job

MIME = "application/x-ipynb+json"
HELP = "A Jupyter notebook that rebuilds this run with plain Keras: the same data, starting weights and batches"


def lab_notebook_button(job: Job) -> None:
    """Under a finished Sequence Lab run: its notebook."""
    if job.status != "done" or job.result is None:
        return
    from rnncore.lab.notebook import lab_notebook_bytes, lab_record

    config = job.config
    name = f"sequence-lab-{config.task}-{config.length}-seed{config.seed}.ipynb"
    _download(
        st,
        "Download this run as a notebook",
        lab_notebook_bytes(lab_record(job.result)),
        name,
        f"lab_notebook_{job.id}",
    )


def translate_notebook_button(job: Job, where=st) -> None:
    """Under a finished Translate run: its notebook (`where`: the column of that run)."""
    if job.status != "done" or job.result is None:
        return
    from rnncore.seq2seq.notebook import seq2seq_notebook_bytes, seq2seq_record

    config = job.config
    name = f"translate-{config.task}-{config.length}-{config.cell}-attention-{config.attention}.ipynb"
    _download(
        where,
        "Download as a notebook",
        seq2seq_notebook_bytes(seq2seq_record(job.result)),
        name,
        f"t2_notebook_{job.id}",
    )


def _download(where, label: str, data: bytes, file_name: str, key: str) -> None:
    # on_click="ignore": downloading must not rerun the page (a rerun would redraw the whole results)
    where.download_button(label, data, file_name=file_name, mime=MIME, key=key, help=HELP, on_click="ignore")
