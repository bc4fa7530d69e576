"""The server's model cache (rnncore/inference/model_cache.py) is bounded by the memory its models hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnncore.inference.model_cache import ModelCache
from rnncore.inference.predict import Predictor
from rnncore.inference.runs import load_network_run
from rnncore.store import ModelStore


class Blob:
    def __init__(self, name: str, nbytes: int):
        self.name, self.nbytes = name, nbytes


def _cache(max_bytes: int) -> tuple[ModelCache, list[str]]:
    loads: list[str] = []
    return ModelCache(max_bytes, size=lambda blob: blob.nbytes), loads


def _get(cache: ModelCache, loads: list[str], name: str, nbytes: int) -> Blob:
    return cache.get(name, lambda: loads.append(name) or Blob(name, nbytes))


def test_models_are_dropped_least_recently_used_first_past_the_memory_bound():
    cache, loads = _cache(100)
    _get(cache, loads, "a", 40)
    _get(cache, loads, "b", 40)
    _get(cache, loads, "a", 40)  # used again: b is now the oldest
    _get(cache, loads, "c", 40)  # 120 > 100: b goes
    assert loads == ["a", "b", "c"] and "a" in cache and "c" in cache and "b" not in cache
    assert cache.bytes == 80


def test_many_small_models_stay_where_one_big_one_would_not():
    cache, loads = _cache(100)
    for n in range(30):  # thirty small class models fit: no reload while students switch between them
        _get(cache, loads, f"small{n}", 3)
    for n in range(30):
        _get(cache, loads, f"small{n}", 3)
    assert len(loads) == 30
    _get(cache, loads, "big", 150)  # over the bound alone: it stays (the student asked for it), the rest go
    assert "big" in cache and cache.bytes == 150 and not any(f"small{n}" in cache for n in range(30))


def test_a_cache_needs_a_positive_bound():
    with pytest.raises(ValueError, match="positive"):
        ModelCache(0, size=len)


def test_a_predictor_counts_its_weights_and_its_typing_readings():
    run = ModelStore(Path(__file__).parents[1] / "models").get("imdb-lstm")
    predictor = Predictor(load_network_run(run))
    embedding = predictor.network.embedding.nbytes  # 20,000 × 128 floats
    assert embedding < predictor.network.nbytes < 3 * embedding
    assert predictor.nbytes == predictor.network.nbytes + predictor._reader.capacity_bytes
