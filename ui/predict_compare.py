"""Predict's "Compare models on this review": every shipped sentiment model plus the class models a student
picks, each asked for the same review when the button is clicked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.common import ModelChoice, load_predictor
from ui.predict_figures import comparison_figure

MAX_COMPARED_CLASS_MODELS = 8  # besides the shipped ones; each is loaded (and cached) when compared


def comparison_models(choices: list[ModelChoice]) -> list[ModelChoice]:
    """The models to compare: every shipped one plus the class models the student picks (the class store can
    hold dozens, and loading each is a file read and a warm-up on a shared server)."""
    shipped = [choice for choice in choices if choice.source == "shipped"]
    by_label = {choice.label: choice for choice in choices if choice.source != "shipped"}
    picked = []
    if by_label:
        picked = st.multiselect(
            "Class models to include",
            list(by_label),
            key="compare_class_models",
            max_selections=MAX_COMPARED_CLASS_MODELS,
            help=f"The shipped models are always compared; add up to {MAX_COMPARED_CLASS_MODELS} class models.",
        )
    return shipped + [by_label[label] for label in picked if label in by_label]


def comparison_rows(text: str, models: list[ModelChoice]) -> list[dict]:
    """Each model's probability for the review; a model that cannot load gets its reason instead."""
    rows = []
    for choice in models:
        try:
            probability = load_predictor(choice).predict(text).probability
            rows.append(
                {
                    "model": choice.label,
                    "P(positive)": round(probability, 4),
                    "verdict": "positive" if probability >= 0.5 else "negative",
                }
            )
        except Exception as error:  # one broken model must not hide the others
            rows.append({"model": choice.label, "P(positive)": None, "verdict": f"could not load: {error}"})
    return rows


def render_comparison(text: str, choices: list[ModelChoice]) -> None:
    """The chosen sentiment models' probabilities for the same review, computed when the button is clicked
    (this section sits in the typing fragment: running it on every keystroke would load every model each time)."""
    models = comparison_models(choices)
    request = (hash(text), tuple(choice.key for choice in models))
    if st.button(f"Compare {len(models)} models on this review", key="compare_run", disabled=not models):
        with st.spinner("Asking each model …"):
            st.session_state["compare_result"] = (request, comparison_rows(text, models))
    stored = st.session_state.get("compare_result")
    if stored is None:
        st.caption("Press the button to see what each model thinks of the review above.")
        return
    if stored[0] != request:
        st.caption("The review or the models changed since the last comparison: press the button to update it.")
    table = pd.DataFrame(stored[1])
    st.dataframe(table, hide_index=True)
    usable = table.dropna(subset=["P(positive)"])
    st.plotly_chart(comparison_figure(list(usable["model"]), list(usable["P(positive)"])), key="compare_chart")
