"""The class database's two back ends for the tests: a fixture parametrised over BACKENDS calls `use_backend` to
run its test once over SQLite (the default file beside the class store) and once over PostgreSQL
(TEST_POSTGRES_URL, which .ci/run starts and exports).

Without TEST_POSTGRES_URL, or with a server that does not answer, the PostgreSQL half is skipped with the reason;
with TEST_POSTGRES_REQUIRED=1 (set by .ci/run) it fails instead, so CI always tests both."""

from __future__ import annotations

import functools
import os

import pytest

from rnncore.classroom import ClassDB, class_db

BACKENDS = ("sqlite", "postgresql")


@functools.cache
def postgres_problem() -> str:
    """Why the PostgreSQL tests cannot run ("" when they can)."""
    url = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if not url:
        return "no PostgreSQL server: set TEST_POSTGRES_URL (.ci/run starts one from Debian's postgresql)"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # any driver or connection failure
        return f"PostgreSQL at TEST_POSTGRES_URL does not answer: {type(error).__name__}: {error}"
    return ""


def use_backend(name: str, monkeypatch) -> ClassDB:
    """Point the app at back end `name` (skipping or failing for an unreachable PostgreSQL); its tables empty."""
    if name == "postgresql":
        problem = postgres_problem()
        if problem:
            if os.environ.get("TEST_POSTGRES_REQUIRED") == "1":
                pytest.fail(problem)
            pytest.skip(problem)
        monkeypatch.setenv("RNNCORE_DATABASE_URL", os.environ["TEST_POSTGRES_URL"].strip())
    else:
        monkeypatch.delenv("RNNCORE_DATABASE_URL", raising=False)  # the SQLite file beside the class store
    database = class_db()
    database.clear()
    return database
