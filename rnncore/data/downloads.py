"""Find a dataset file locally (RNNCORE_DATA_DIR, then the cache) or download it with keras.utils.get_file."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from rnncore.errors import DataUnavailableError
from rnncore.paths import cache_dir, data_dir

ProgressFn = Callable[[str], None]

OFFLINE_HELP = (
    "Set RNNCORE_DATA_DIR to a folder that holds {name} (for example RNNCORE_DATA_DIR=../shared/data), "
    "or connect to the internet so it can be downloaded from {url}."
)


def locate_or_download(name: str, url: str, on_progress: ProgressFn | None = None) -> Path:
    """Path to `name`: from RNNCORE_DATA_DIR if there, else from the download cache, else downloaded."""
    local_dir = data_dir()
    if local_dir is not None and (local_dir / name).is_file():
        return local_dir / name
    cached = cache_dir() / "downloads" / name
    if cached.is_file():
        return cached
    if on_progress:
        on_progress(f"Downloading {name} from {url} …")
    try:
        import keras  # only needed for downloading; imported late because it is heavy

        # get_file prints a progress bar on stdout; keep stdout clean for the CLI's JSON line.
        with contextlib.redirect_stdout(sys.stderr):
            path = keras.utils.get_file(fname=name, origin=url, cache_dir=str(cache_dir()), cache_subdir="downloads")
    except Exception as error:  # no network, DNS failure, HTTP error, disk full…
        raise DataUnavailableError(
            f"{name} is not available offline and could not be downloaded ({type(error).__name__}). "
            + OFFLINE_HELP.format(name=name, url=url)
        ) from error
    if on_progress:
        on_progress(f"Downloaded {name}.")
    return Path(path)
