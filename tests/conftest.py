"""Shared fixtures: every test runs against tiny datasets in a temporary folder (never the network or
the shared datasets), with its own cache and class model store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnncore.training.keras_io import load_keras_run, save_run
from tests.fixtures import make_corpus, make_imdb_archive

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RNNCORE_TF_THREADS", "2")


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """RNNCORE_DATA_DIR contents: a mini IMDB archive and a mini Shakespeare."""
    root = tmp_path_factory.mktemp("data")
    make_imdb_archive(root / "aclImdb_v1.tar.gz")
    make_corpus(root / "tinyshakespeare.txt")
    return root


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(data_root, tmp_path_factory):
    """Point rnncore at the fixture data, a private cache and a private class store for the whole run."""
    saved = {key: os.environ.get(key) for key in ("RNNCORE_DATA_DIR", "RNNCORE_CACHE_DIR", "RNNCORE_STORE_DIR")}
    os.environ["RNNCORE_DATA_DIR"] = str(data_root)
    os.environ["RNNCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["RNNCORE_STORE_DIR"] = str(tmp_path_factory.mktemp("class_models"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


TINY_SENTIMENT = dict(
    task="sentiment",
    cell="gru",
    units=8,
    embed_dim=8,
    vocab_size=60,
    maxlen=40,
    epochs=3,
    batch_size=8,
    learning_rate=0.01,
    seed=1,
)
TINY_CHARS = dict(
    task="chars",
    corpus="shakespeare",
    cell="lstm",
    units=16,
    embed_dim=8,
    seq_len=40,
    epochs=2,
    batch_size=16,
    learning_rate=0.01,
    seed=1,
)


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory):
    """A model store holding one tiny sentiment run ('tiny-sentiment') and one tiny char run ('tiny-chars')."""
    from rnncore.config import RunConfig
    from rnncore.store import ModelStore
    from rnncore.training.train import train

    store = ModelStore(tmp_path_factory.mktemp("store"))
    save_run(store, train(RunConfig(**TINY_SENTIMENT)), "tiny-sentiment")
    save_run(store, train(RunConfig(**TINY_CHARS)), "tiny-chars")
    return store


@pytest.fixture(scope="session")
def sentiment_run(tiny_store):
    """The loaded tiny sentiment run."""
    return load_keras_run(tiny_store.get("tiny-sentiment"))


@pytest.fixture(scope="session")
def char_run(tiny_store):
    """The loaded tiny char run."""
    return load_keras_run(tiny_store.get("tiny-chars"))
