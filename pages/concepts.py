"""Concepts: how an RNN works, one interactive tab per idea (see concepts_basics / concepts_deeper)."""

from __future__ import annotations

import streamlit as st

from ui.common import guarded
from ui.concepts_basics import architectures_section, one_step_section
from ui.concepts_deeper import gates_section, gradients_section, padding_section
from ui.concepts_order import order_section
from ui.navigation import use_app_navigation

use_app_navigation()  # first: a direct visit after a restart is served through app.py

SECTIONS = [
    ("1 · One RNN step", one_step_section),
    ("2 · Unrolling & architectures", architectures_section),
    ("3 · Vanishing gradients", gradients_section),
    ("4 · LSTM & GRU gates", gates_section),
    ("5 · Padding, masking, embeddings", padding_section),
    ("6 · Why order matters", order_section),
]


def main() -> None:
    """One tab per idea; each tab is its own error boundary, so one broken section leaves the others usable."""
    st.title("RNN concepts")
    st.caption("Each tab has a *try it* control: change it and everything on the tab is recomputed.")
    for tab, (_, section) in zip(st.tabs([name for name, _ in SECTIONS]), SECTIONS):
        with tab:
            guarded(section)


guarded(main)
