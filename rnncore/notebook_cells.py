"""The pieces every exported notebook is made of (nbformat 4, written as plain JSON): markdown and code cells, and
a module of rnncore copied into a cell, so a notebook generates exactly the app's data without rnncore installed."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
from types import ModuleType
from typing import Any

NOTEBOOK_FORMAT = {"nbformat": 4, "nbformat_minor": 5}
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
RESULT_MARK = "RESULT "  # the line a notebook prints with its figures as JSON (tests read it back)


def markdown(text: str) -> dict[str, Any]:
    """A markdown cell."""
    return {"cell_type": "markdown", "id": "m" + _digest(text), "metadata": {}, "source": text}


def code(text: str) -> dict[str, Any]:
    """A code cell, not yet run."""
    return {
        "cell_type": "code",
        "id": "c" + _digest(text),
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": text,
    }


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def module_code(module: ModuleType) -> str:
    """A module's source for a cell: its docstring and its imports of rnncore (defined by earlier cells) left out,
    under a comment naming the file it comes from."""
    source = inspect.getsource(module)
    tree = ast.parse(source)
    drop: set[int] = set()
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]
        from_rnncore = isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnncore")
        if docstring or from_rnncore:
            drop.update(range(node.lineno, node.end_lineno + 1))
    lines = [line for number, line in enumerate(source.splitlines(), start=1) if number not in drop]
    path = module.__name__.replace(".", "/") + ".py"
    return f"# {path}, as the app runs it\n" + "\n".join(lines).strip() + "\n"


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """The notebook of these cells, with cell ids unique (a repeated cell gets a suffix)."""
    seen: dict[str, int] = {}
    for cell in cells:
        base = cell["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            cell["id"] = f"{base}-{seen[base]}"
    return {**NOTEBOOK_FORMAT, "metadata": KERNEL, "cells": cells}


def as_bytes(book: dict[str, Any]) -> bytes:
    """A notebook as UTF-8 JSON, ready to download as NAME.ipynb."""
    return json.dumps(book, indent=1, ensure_ascii=False).encode("utf-8")
