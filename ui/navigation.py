"""Make sure app.py's navigation is in charge, even for the first visitor after a restart.

Because a `pages/` folder exists, Streamlit starts in its old multipage mode: until app.py has called
st.navigation once, a visitor who opens /predict directly gets pages/predict.py run on its own (no page
config, lower-case file names in the sidebar, an extra "app" page, no worker warm-up). Every page calls
use_app_navigation() first: in that mode it switches Streamlit to app.py's navigation and reruns, so the
same URL is served through app.py."""

from __future__ import annotations

import streamlit as st


def use_app_navigation() -> None:
    """Rerun through app.py when Streamlit ran this page directly (its pages-folder mode)."""
    try:  # Streamlit's own switch; st.navigation sets it the same way
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it: nothing to fix
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
