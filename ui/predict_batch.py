"""Predict's batch mode: reviews from an uploaded CSV file, scored together and offered back as a CSV file.
The paste box and its size limit live on the page (pages/predict.py), sized together with the review box."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from rnncore.data.corpus import decode_user_bytes
from rnncore.errors import RnncoreError
from ui.common import ModelChoice, load_predictor

MAX_BATCH_ROWS = 2_000  # one shared 2-core server: bigger batches belong in `python -m rnncore predict`


def parse_batch_csv(data: bytes, name: str = "the CSV file") -> list[str]:
    """Reviews from the 'text' column of an uploaded CSV; clear errors for anything else."""
    content = decode_user_bytes(data, name)
    try:
        frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise RnncoreError(f"{name} could not be read as CSV: {error}") from error
    columns = {str(column).strip().lower(): column for column in frame.columns}
    if "text" not in columns:
        found = ", ".join(repr(str(column)) for column in frame.columns) or "none"
        raise RnncoreError(
            f"{name} has no 'text' column (columns found: {found}). Put one review per row in a column named text."
        )
    return [value for value in frame[columns["text"]].astype(str) if value.strip()]


def render_batch(choice: ModelChoice, texts: list[str] | None) -> None:
    """Score the given reviews (the first MAX_BATCH_ROWS) on a click and offer the results as CSV."""
    if not texts:
        st.caption("Paste reviews or upload a CSV to score them all at once.")
        return
    if len(texts) > MAX_BATCH_ROWS:
        st.warning(
            f"{len(texts):,} reviews given; only the first {MAX_BATCH_ROWS:,} are scored here "
            "(use `python -m rnncore predict` for more)."
        )
        texts = texts[:MAX_BATCH_ROWS]
    if st.button(f"Predict all {len(texts):,}", key="batch_run", type="primary"):
        with st.spinner("Scoring …"):
            predictions = load_predictor(choice).predict_batch(texts)
        st.session_state["batch_result"] = pd.DataFrame(
            {
                "text": texts,
                "probability": [round(p.probability, 4) for p in predictions],
                "label": [p.label for p in predictions],
            }
        )
    result = st.session_state.get("batch_result")
    if result is not None:
        st.dataframe(result, hide_index=True)
        st.download_button(
            "Download CSV",
            result.to_csv(index=False).encode("utf-8"),
            "predictions.csv",
            "text/csv",
            key="batch_download",
            on_click="ignore",
        )
