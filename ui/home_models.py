"""Home page's model overview: the ready (and broken) models of both kinds, as tables. It only reads run.json
files, so it never imports TensorFlow."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from ui.common import ModelChoice, broken_runs, model_choices


def metric_text(choice: ModelChoice) -> str:
    """One short quality figure for the model table."""
    metrics = choice.run.metrics
    if choice.run.kind == "sentiment" and "accuracy" in metrics:
        return f"{metrics['accuracy']:.1%} test accuracy"
    if choice.run.kind == "chars" and "val_loss" in metrics:
        return f"{metrics.get('val_loss_stateful', metrics['val_loss']) / math.log(2):.2f} bits per character"
    return "—"


def model_table(choices: list[ModelChoice]) -> pd.DataFrame:
    """Name, where it comes from, cell type and quality of each ready model."""
    rows = []
    for choice in choices:
        config = choice.run.info.get("config", {})
        cell = str(config.get("cell", "?")).upper()
        if config.get("bidirectional"):
            cell = f"bidirectional {cell}"
        rows.append(
            {
                "model": choice.run.name,
                "from": "shipped with the app" if choice.source == "shipped" else "trained by the class",
                "cell": f"{cell}, {config.get('units', '?')} units",
                "quality": metric_text(choice),
            }
        )
    return pd.DataFrame(rows)


def render_models() -> None:
    """The ready (and broken) models of both kinds."""
    st.header("Models ready to use")
    for kind, title, page in (
        ("sentiment", "Sentiment (review → positive / negative)", "Predict"),
        ("chars", "Characters (text generation)", "Generate"),
    ):
        st.subheader(title)
        choices = model_choices(kind)
        if choices:
            st.dataframe(model_table(choices), hide_index=True)
            st.caption(f"Use them on the **{page}** page.")
        else:
            st.info(
                f"No {kind} model yet — train one on the **{'Train' if kind == 'sentiment' else 'Generate'}** "
                "page. Pretrained models normally ship in `models/`.",
                icon="ℹ️",
            )
    broken = broken_runs()
    if broken:
        with st.expander(f"{len(broken)} model folder(s) could not be used"):
            for source, run in broken:
                st.markdown(f"- `{run.name}` ({source}): {run.error}")
