"""A saved sentiment run exported as a Jupyter notebook: valid nbformat 4.5 (an id on every cell), code that
compiles, and a network with exactly the run's parameter count."""

from __future__ import annotations

import json
import warnings

import pytest

from rnncore.notebooks import notebook_bytes, run_notebook


def test_the_notebook_rebuilds_the_runs_network(tiny_store):
    run = tiny_store.get("tiny-sentiment")
    notebook = json.loads(notebook_bytes(run.name, run.info))
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    kinds = [cell["cell_type"] for cell in notebook["cells"]]
    assert kinds.count("markdown") == 2 and kinds.count("code") == 3
    assert f"test accuracy **{run.metrics['accuracy']:.4f}**" in notebook["cells"][0]["source"]
    code = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for source in code:
        compile(source, "cell", "exec")  # every cell is valid Python
    model_part = code[1].split("model.compile(")[0]  # the rest downloads Keras's IMDB and trains
    scope: dict = {}
    exec(model_part, scope)
    assert scope["model"].count_params() == run.info["parameters"]


def test_only_sentiment_runs_become_notebooks(tiny_store):
    run = tiny_store.get("tiny-chars")
    with pytest.raises(ValueError, match="notebooks are made for IMDB sentiment runs"):
        run_notebook(run.name, run.info)


def test_the_notebook_validates_with_a_unique_id_on_every_cell(tiny_store):
    nbformat = pytest.importorskip("nbformat", reason="pip install -r requirements-dev.txt")
    run = tiny_store.get("tiny-sentiment")
    book = json.loads(notebook_bytes(run.name, run.info))
    ids = [cell.get("id") for cell in book["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nbformat only warns (MissingIDFieldWarning) about a cell without an id
        nbformat.validate(nbformat.from_dict(book))
        without_ids = {**book, "cells": [{k: v for k, v in cell.items() if k != "id"} for cell in book["cells"]]}
        with pytest.raises(Warning, match="missing an id"):  # the check above would catch the old cells
            nbformat.validate(nbformat.from_dict(without_ids))
