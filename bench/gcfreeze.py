"""`python -m bench.gcfreeze run app.py …`: Streamlit's own command line, plus a SIGUSR1 handler that calls
gc.collect() then gc.freeze() inside the server. The benchmarks send the signal once the app is warm (models
loaded, pages run), which is what a gc.freeze() at the end of the app's start-up would achieve, without
changing the app to find out whether it is worth doing."""

from __future__ import annotations

import gc
import signal
import sys

from bench.server import FREEZE_MARK


def freeze(signal_number: int, frame: object) -> None:
    """Move every object alive now into the permanent generation, which no collection walks again."""
    gc.collect()  # garbage first: frozen objects are never freed
    gc.freeze()
    print(f"{FREEZE_MARK} gc.freeze() frozen={gc.get_freeze_count()} objects", file=sys.stderr, flush=True)


def main() -> None:
    """Install the handler, then hand over to `streamlit` with this process's arguments."""
    signal.signal(signal.SIGUSR1, freeze)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *sys.argv[1:]]
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
