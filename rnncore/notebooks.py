"""A saved IMDB run as a Jupyter notebook (nbformat 4, written as plain JSON): what was trained and measured,
then code that rebuilds the same network (rnncore.teach.keras_code) and trains it with plain Keras, and a plot of
the run's own curves to compare with. A student can take one exact run of the class home."""

from __future__ import annotations

import json
from typing import Any

from rnncore.config import RunConfig
from rnncore.teach import keras_code

NOTEBOOK_FORMAT = {"nbformat": 4, "nbformat_minor": 5}


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": text}


def run_notebook(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """The notebook for a sentiment run from its run.json contents (`info`)."""
    config = RunConfig.from_dict(info["config"])
    if config.task != "sentiment":
        raise ValueError(f"{name!r} is a {config.task} run; notebooks are made for IMDB sentiment runs")
    vocab_size = int(info.get("vocabulary", {}).get("size", config.vocab_size))
    metrics, history = info.get("metrics", {}), info.get("history", [])
    settings = "\n".join(f"| `{key}` | `{value}` |" for key, value in config.to_dict().items())
    measured = f"test accuracy **{metrics['accuracy']:.4f}**" if "accuracy" in metrics else "no test figure"
    cells = [
        _markdown(
            f"# {name}: an IMDB sentiment run from RNN Playground\n\n"
            f"Trained in the class on {info.get('created', '?')} ({info.get('machine', '?')}): {measured}, "
            f"{len(history)} epochs, {info.get('train_seconds', 0):.0f} s of training.\n\n"
            "The code below rebuilds the same layers (the same parameter count) and trains them with plain Keras "
            "on Keras's own copy of IMDB. Its tokenizer differs from the app's, so expect figures close to, not "
            "equal to, the run's.\n\n| setting | value |\n|---|---|\n" + settings
        ),
        _code("# !pip install keras tensorflow matplotlib   # outside a ready environment\n"),
        _code(keras_code(config, vocab_size)),
        _markdown("## The run's own curves (from its run.json), to compare with yours"),
        _code(
            "import matplotlib.pyplot as plt\n\n"
            f"history = {json.dumps(history)}\n"
            "for key in ('loss', 'val_loss'):\n"
            "    plt.plot([row.get(key) for row in history], label=key)\n"
            "plt.xlabel('epoch'); plt.legend(); plt.show()\n"
        ),
    ]
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {**NOTEBOOK_FORMAT, "metadata": metadata, "cells": cells}


def notebook_bytes(name: str, info: dict[str, Any]) -> bytes:
    """The notebook as UTF-8 JSON, ready to download as NAME.ipynb."""
    return json.dumps(run_notebook(name, info), indent=1, ensure_ascii=False).encode("utf-8")
