"""Teacher page: the class's models (every run of the class store) with Rename and Delete, and the end of the
lesson: archive every class run into a dated folder beside the store, clear the class wall and questions (after
offering the wall's CSV) and start clean."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import streamlit as st

from rnncore.errors import RnncoreError
from rnncore.paths import class_models_dir
from rnncore.store import ModelStore, RunInfo
from ui.teacher_jobs import flash


def class_store() -> ModelStore:
    """The class model store (RNNCORE_STORE_DIR, default ./class_models)."""
    return ModelStore(class_models_dir())


def run_row(run: RunInfo) -> dict[str, Any]:
    """The table row of one class run."""
    metrics = run.metrics
    if "accuracy" in metrics:
        result = f"test accuracy {float(metrics['accuracy']):.1%}"
    elif "val_loss" in metrics:
        result = f"held-out loss {float(metrics['val_loss']):.3f}"
    else:
        result = ""
    return {
        "name": run.name,
        "kind": run.kind or "broken",
        "result": run.error or result,
        "created": str(run.info.get("created", ""))[:16].replace("T", " "),
    }


def archive_folder(store_root: Path, now: float | None = None) -> Path:
    """A new dated folder for an archive, beside the store: class_models_archive/2026-12-01-1530 (a second
    archive within the same minute gets -2, -3, …)."""
    base = store_root.parent / f"{store_root.name}_archive"
    stamp = time.strftime("%Y-%m-%d-%H%M", time.localtime(now))
    candidate, attempt = base / stamp, 1
    while candidate.exists():
        attempt += 1
        candidate = base / f"{stamp}-{attempt}"
    return candidate


def archive_runs(store: ModelStore, now: float | None = None) -> tuple[Path, int]:
    """Move every run of `store` (broken ones too) into a new dated archive folder; returns it and the count.
    Each run is moved with one rename, so it leaves the listings at once, and the store folder itself stays:
    a job still saving writes into a hidden temporary folder there, and its model lands in the clean store."""
    if not store.root.is_dir():
        raise RnncoreError("The class store is empty: nothing to archive")
    runs = [path for path in store.root.iterdir() if path.is_dir() and not path.name.startswith(".")]
    target = archive_folder(store.root, now)
    target.mkdir(parents=True)
    for path in runs:
        os.rename(path, target / path.name)
    return target, len(runs)


def runs_part() -> None:
    """The class runs in a table; pick one to rename or delete it."""
    store = class_store()
    runs = store.list_runs()
    st.caption(f"{len(runs)} runs in `{store.root}`. Renaming or deleting changes every student's model list at once.")
    if not runs:
        st.info("No class model yet: the runs students train appear here.", icon="ℹ️")
        return
    st.dataframe([run_row(run) for run in runs], hide_index=True)
    name = st.selectbox("Run", [run.name for run in runs], key="teacher_run")
    rename_column, delete_column = st.columns(2)
    with rename_column:
        new_name = st.text_input("New name", key="teacher_new_name", max_chars=60, help="At most 60 characters.")
        # Never disabled on an empty box: the click that follows typing arrives before the rerun that would
        # enable it, and would be lost.
        if st.button("Rename", key="teacher_rename"):
            try:
                renamed = store.rename(name, new_name)
            except RnncoreError as error:  # the name is taken, or the run vanished meanwhile
                st.error(str(error), icon="⚠️")
            else:
                flash(f"Renamed {name!r} to {renamed.name!r}.")
                st.rerun()
    with delete_column:
        sure = st.checkbox(f"Yes, delete {name!r}", key="teacher_delete_sure")
        if st.button("Delete", key="teacher_delete", disabled=not sure, type="primary"):
            try:
                store.delete(name)
            except RnncoreError as error:
                st.error(str(error), icon="⚠️")
            else:
                flash(f"Deleted {name!r}.")
                st.session_state.pop("teacher_delete_sure", None)  # the next run needs its own confirmation
                st.rerun()


def archive_part() -> None:
    """End of lesson: the wall's CSV to keep first, then (after a confirmation) every class run moved into a dated
    archive folder and the class database's wall and questions cleared (the teacher's settings stay)."""
    from rnncore.classroom import class_db  # SQLAlchemy loads on first use (cold start)

    store, database = class_store(), class_db()
    count, entries, questions = len(store.list_runs()), len(database.entries()), len(database.questions())
    target = archive_folder(store.root)
    st.caption(
        f"Moves the {count} class runs into `{target.parent}/…` (a folder named by date and time) and leaves the "
        "class store empty for the next lesson; nothing is deleted there, and jobs still running save into the "
        f"clean store. Also clears the fool-the-model wall ({entries} sentences) and the predict-then-reveal "
        f"questions ({questions}, with their answers): download the wall first to keep it. Pause, moderation and "
        "the classroom settings stay as they are."
    )
    st.download_button(
        "Download the wall as CSV (before it is cleared)",
        database.wall_csv(),
        file_name=f"class-wall-{time.strftime('%Y-%m-%d')}.csv",
        mime="text/csv",
        key="teacher_archive_wall_csv",
        icon=":material/download:",
        disabled=not entries,
    )
    anything = bool(count or entries or questions)
    sure = st.checkbox(
        "Yes, archive every class run, clear the wall and questions, and start clean",
        key="teacher_archive_sure",
        disabled=not anything,
    )
    if st.button("Archive and start clean", key="teacher_archive", disabled=not (sure and anything)):
        done = []
        if count:
            folder, moved = archive_runs(store)
            done.append(f"Archived {moved} runs into {folder}")
        database.clear(keep_settings=True)
        done.append(f"cleared {entries} wall sentences and {questions} questions")
        st.session_state.pop("teacher_archive_sure", None)
        flash("; ".join(done) + ".")
        st.rerun()
