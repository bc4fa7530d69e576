"""UI pieces shared by the pages (Streamlit only; the engine lives in rnncore)."""
