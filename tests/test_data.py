"""Datasets: the IMDB loader and its cache, stratified subsets, vectorisation, char corpora and user text."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from rnncore.config import RunConfig
from rnncore.data.corpus import (
    MAX_ALPHABET,
    MAX_CORPUS_BYTES,
    MIN_CORPUS_CHARS,
    UNKNOWN_CHAR,
    CharVocabulary,
    cap_alphabet,
    check_user_text,
    decode_user_bytes,
    load_corpus,
    text_corpus,
)
from rnncore.data.datasets import char_windows, prepare_chars, prepare_sentiment
from rnncore.data.imdb import CACHE_NAME, ReviewSet, build_vocabulary, load_imdb, split_by_movie, stratified_indices
from rnncore.data.text import OOV_ID
from rnncore.errors import DataUnavailableError, RnncoreError

PER_CLASS = 24  # tests/fixtures.make_imdb_archive default


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """A private, empty RNNCORE_CACHE_DIR for one test."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RNNCORE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def no_download(monkeypatch):
    """Make any download attempt fail (as offline) without importing TensorFlow."""
    calls = []

    def get_file(**kwargs):
        calls.append(kwargs)
        raise OSError("network is unreachable")

    fake_keras = types.ModuleType("keras")
    fake_keras.utils = types.SimpleNamespace(get_file=get_file)
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    return calls


# --- IMDB ---


def test_load_imdb_counts_labels_and_skips_unsup():
    data = load_imdb()
    assert len(data.train) == len(data.test) == 2 * PER_CLASS
    for split in (data.train, data.test):
        assert split.labels.dtype == np.int8
        assert int(split.labels.sum()) == PER_CLASS
        assert len(split.texts) == len(split.labels)
    assert not any("unlabelled" in text for text in data.train.texts + data.test.texts)
    assert len(data.fingerprint) == 16 and int(data.fingerprint, 16) >= 0
    # the raw text is kept; standardisation happens at tokenisation
    assert any("<br />" in text for text in data.train.texts)
    # labels match the fixture's giveaway phrases
    for text, label in zip(data.train.texts, data.train.labels):
        assert ("really liked" in text) == bool(label)


def test_imdb_cache_is_built_once_then_used_without_the_source(fresh_cache, tmp_path, monkeypatch):
    messages: list[str] = []
    first = load_imdb(messages.append)
    assert (fresh_cache / CACHE_NAME).is_file()
    assert any("cache" in message for message in messages)
    assert not list(fresh_cache.glob("*.tmp")), "temporary files must not be left behind"

    messages.clear()
    empty = tmp_path / "empty-data"
    empty.mkdir()
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(empty))  # the archive is gone: the cache alone must do
    second = load_imdb(messages.append)
    assert messages == []
    assert second.fingerprint == first.fingerprint
    assert second.train.texts == first.train.texts
    assert np.array_equal(second.test.labels, first.test.labels)


def test_imdb_from_an_extracted_folder(fresh_cache, tmp_path, monkeypatch):
    root = tmp_path / "extracted"
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            folder = root / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for n in range(3):
                (folder / f"{n}_7.txt").write_text(f"{split} {label} review {n}", encoding="utf-8")
    (root / "aclImdb" / "train" / "unsup").mkdir()
    (root / "aclImdb" / "train" / "unsup" / "0_0.txt").write_text("no label", encoding="utf-8")
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(root))
    data = load_imdb()
    assert len(data.train) == len(data.test) == 6
    for text, label in zip(data.train.texts, data.train.labels):
        assert text.startswith("train pos" if label else "train neg")


def test_corrupt_archive_raises_data_unavailable(fresh_cache, tmp_path, monkeypatch):
    root = tmp_path / "bad-data"
    root.mkdir()
    (root / "aclImdb_v1.tar.gz").write_bytes(b"this is not a gzip file at all" * 10)
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(root))
    with pytest.raises(DataUnavailableError, match="not a readable IMDB archive"):
        load_imdb()
    assert not (fresh_cache / CACHE_NAME).exists()


def test_archive_without_reviews_raises(fresh_cache, tmp_path, monkeypatch):
    import tarfile

    root = tmp_path / "empty-archive"
    root.mkdir()
    with tarfile.open(root / "aclImdb_v1.tar.gz", "w:gz"):
        pass
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(root))
    with pytest.raises(DataUnavailableError, match="No labelled reviews"):
        load_imdb()


def test_missing_data_offline_gives_a_helpful_error(fresh_cache, tmp_path, monkeypatch, no_download):
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("RNNCORE_DATA_DIR", str(empty))
    with pytest.raises(DataUnavailableError, match="RNNCORE_DATA_DIR") as caught:
        load_imdb()
    assert "aclImdb_v1.tar.gz" in str(caught.value)
    assert len(no_download) == 1
    with pytest.raises(DataUnavailableError, match="tinyshakespeare.txt"):
        load_corpus("shakespeare")


# --- stratified subsets ---


def test_stratified_indices_are_balanced_sorted_and_reproducible():
    labels = np.array([1] * 30 + [0] * 70, dtype=np.int8)
    rows = stratified_indices(labels, 20, seed=3)
    assert len(rows) == 20 and len(set(rows.tolist())) == 20
    assert np.all(np.diff(rows) > 0)
    assert int(labels[rows].sum()) == 10
    assert np.array_equal(rows, stratified_indices(labels, 20, seed=3))
    assert not np.array_equal(rows, stratified_indices(labels, 20, seed=4))
    odd = stratified_indices(labels, 7, seed=0)
    assert len(odd) == 7 and int(labels[odd].sum()) == 3  # n // 2 positives, the rest negative


@pytest.mark.parametrize("n", [0, -5, 100, 1000])
def test_stratified_indices_all_rows_when_n_is_zero_or_too_big(n):
    labels = np.array([0, 1] * 50, dtype=np.int8)
    assert np.array_equal(stratified_indices(labels, n), np.arange(100))


def test_review_set_stratified_subset():
    data = load_imdb()
    subset = data.train.stratified_subset(10, seed=1)
    assert isinstance(subset, ReviewSet) and len(subset) == 10
    assert int(subset.labels.sum()) == 5
    assert set(subset.texts) <= set(data.train.texts)
    assert len(data.train.stratified_subset(0)) == len(data.train)


# --- vectorisation and training arrays ---


def test_vocabulary_comes_from_training_reviews_only():
    train = ReviewSet(("good good film", "bad film"), np.array([1, 0], np.int8))
    vocabulary = build_vocabulary(train, 10)
    assert set(vocabulary.words) == {"good", "film", "bad"}
    assert vocabulary.encode("unseen good") == [OOV_ID, vocabulary.index["good"]]


def test_prepare_sentiment_shapes_limit_and_validation_split():
    config = RunConfig(task="sentiment", vocab_size=20, maxlen=12, limit=20, validation_fraction=0.1, seed=2)
    data = prepare_sentiment(config)
    # whole movies are held out (up to six fixture reviews each), so the split is at least the fraction
    assert len(data.x_train) + len(data.x_val) == 20 and 2 <= len(data.x_val) <= 2 + 5
    assert data.x_train.shape[1] == data.x_val.shape[1] == 12
    assert data.x_test.shape == (2 * PER_CLASS, 12) and len(data.test_texts) == 2 * PER_CLASS
    assert int(data.y_train.sum() + data.y_val.sum()) == 10  # the stratified 20 are half positive
    assert data.vocabulary.size == 20  # the fixture has ~36 distinct words: the cap applies
    assert data.x_train.max() < 20 and data.x_train.min() >= 0
    assert data.y_train.dtype == np.float32
    # the whole training split is used when limit is 0
    everything = prepare_sentiment(config.with_changes(limit=0))
    assert len(everything.x_train) + len(everything.x_val) == 2 * PER_CLASS
    assert round(2 * PER_CLASS * 0.1) <= len(everything.x_val) < round(2 * PER_CLASS * 0.1) + 6


def test_reviews_know_their_movie():
    train = load_imdb().train
    assert train.movies is not None and train.movies.dtype == np.int32 and (train.movies >= 0).all()
    # the fixture gives reviews 0-2 of each label one movie, so there are PER_CLASS / 3 movies per split
    assert len(np.unique(train.movies)) == PER_CLASS // 3
    subset = train.stratified_subset(10, seed=1)
    assert subset.movies is not None and len(subset.movies) == 10


def test_split_by_movie_never_puts_one_movie_on_both_sides():
    rng = np.random.default_rng(0)
    movies = rng.integers(0, 40, size=300).astype(np.int32)
    movies[:30] = -1  # unknown movies are groups of one
    labels = (rng.random(300) < np.where(movies % 2 == 0, 0.9, 0.1)).astype(np.int8)  # movies lean one way
    rows = np.arange(300)
    val, train = split_by_movie(rows, movies, labels, 0.2, seed=3)
    assert sorted(np.concatenate([val, train]).tolist()) == rows.tolist()
    assert not set(movies[val][movies[val] >= 0]) & set(movies[train][movies[train] >= 0])
    assert 60 <= len(val) < 60 + np.bincount(movies[movies >= 0]).max()
    assert abs(labels[val].mean() - 0.5) < 0.1  # balanced although each movie leans one way
    again, _ = split_by_movie(rows, movies, labels, 0.2, seed=3)
    assert np.array_equal(val, again)  # reproducible per seed
    plain_val, plain_train = split_by_movie(rows, None, labels, 0.2, seed=3)  # no movies known: random rows
    assert len(plain_val) == 60 and len(plain_train) == 240


def test_prepare_sentiment_padding_and_truncation_sides():
    base = RunConfig(task="sentiment", vocab_size=60, maxlen=5, seed=0)
    pre = prepare_sentiment(base)
    post = prepare_sentiment(base.with_changes(padding="post", truncating="post"))
    # fixture reviews are longer than 5 tokens, so nothing is padded and the cut side decides the ids
    assert (pre.x_test != 0).all() and (post.x_test != 0).all()
    assert not np.array_equal(pre.x_test, post.x_test)
    long_maxlen = prepare_sentiment(base.with_changes(maxlen=40, padding="post"))
    short_rows = (long_maxlen.x_test == 0).any(axis=1)
    assert short_rows.any()
    assert (long_maxlen.x_test[short_rows, 0] != 0).all()  # post padding: real words first


def test_prepare_chars_windows_are_shifted_by_one():
    config = RunConfig(task="chars", corpus="shakespeare", seq_len=20)
    data = prepare_chars(config)
    corpus = load_corpus("shakespeare")
    assert data.vocabulary == CharVocabulary.from_text(corpus.text)
    assert data.x_train.shape[1] == 20 and data.x_train.shape == data.y_train.shape
    assert np.array_equal(data.y_train[:, :-1], data.x_train[:, 1:])
    assert np.array_equal(data.y_train[:-1, -1], data.x_train[1:, 0])
    assert data.vocabulary.decode(data.x_train[0]) == corpus.text[:20]
    assert data.vocabulary.decode(data.x_val[0]) == corpus.validation_text[:20]
    assert len(data.x_train) > 5 * len(data.x_val) > 0


def test_char_windows_too_short():
    with pytest.raises(ValueError, match="too short"):
        char_windows(np.arange(5, dtype=np.int32), 10)
    x, y = char_windows(np.arange(11, dtype=np.int32), 5)
    assert x.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert y.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]


# --- char corpora and user text ---


def test_shakespeare_and_imdb_corpora():
    shakespeare = load_corpus("shakespeare")
    assert shakespeare.name == "shakespeare" and shakespeare.text.startswith("First Citizen:")
    assert shakespeare.train_text + shakespeare.validation_text == shakespeare.text
    assert len(shakespeare.validation_text) == pytest.approx(0.1 * len(shakespeare.text), abs=1)
    imdb = load_corpus("imdb")
    assert imdb.name == "imdb"
    assert "<br" not in imdb.text and "&amp;" not in imdb.text
    assert imdb.text == imdb.text.lower()


def test_user_text_file_corpus(tmp_path):
    path = tmp_path / "my poem.txt"
    text = "Roses are red, violets are blue — ünïcödé 映画 😀\n" * 10
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus(str(path))
    assert corpus.name == "my poem" and corpus.text == text
    assert "😀" in corpus.vocabulary.chars


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary" * 100, "binary"),
        (b"\xff\xfe bad utf-8 " * 100, "not UTF-8"),
        (b"too short", "at least"),
        (b"a" * 500, "one distinct character"),
    ],
)
def test_bad_corpus_files_raise_clear_errors(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(RnncoreError, match=message):
        load_corpus(str(path))


def test_missing_and_oversized_corpus_files(tmp_path):
    with pytest.raises(RnncoreError, match="existing text file"):
        load_corpus(str(tmp_path / "nope.txt"))
    with pytest.raises(RnncoreError, match="existing text file"):
        load_corpus(str(tmp_path))  # a folder is not a corpus
    big = tmp_path / "big.txt"
    big.write_bytes(b"ab" * (MAX_CORPUS_BYTES // 2 + 1))
    with pytest.raises(RnncoreError, match="larger than"):
        load_corpus(str(big))


def test_check_user_text_and_text_corpus():
    assert check_user_text("ab" * MIN_CORPUS_CHARS) == "ab" * MIN_CORPUS_CHARS
    with pytest.raises(RnncoreError, match="at least"):
        text_corpus("xy" * (MIN_CORPUS_CHARS // 2 - 1))
    with pytest.raises(RnncoreError, match="larger than"):
        check_user_text("é" * (MAX_CORPUS_BYTES // 2 + 1))  # counted in UTF-8 bytes, not characters
    corpus = text_corpus("hello world. " * 20, name="pasted")
    assert corpus.name == "pasted" and corpus.vocabulary.size == len(set("hello world. "))


def test_a_user_corpus_alphabet_keeps_the_most_frequent_characters(tmp_path):
    common = "the quick brown fox jumps over the lazy dog.\n"
    rare = "".join(chr(0x4E00 + n) for n in range(3_000))  # 3,000 CJK characters, each used twice
    text = common * 200 + rare + rare + UNKNOWN_CHAR
    corpus = text_corpus(text)
    alphabet = corpus.vocabulary.chars
    assert len(alphabet) == MAX_ALPHABET and UNKNOWN_CHAR in alphabet
    assert set(common) <= set(alphabet)  # every frequent character is kept
    assert len(corpus.text) == len(text)  # one character for one: positions and the split stay put
    kept_rare = set(alphabet) - set(common) - {UNKNOWN_CHAR}
    assert len(kept_rare) == MAX_ALPHABET - 1 - len(set(common))
    assert kept_rare == set(rare[: len(kept_rare)])  # ties go to the lower code point: reproducible
    assert corpus.text.count(UNKNOWN_CHAR) == 2 * (len(rare) - len(kept_rare)) + 1
    path = tmp_path / "mixed.txt"
    path.write_text(text, encoding="utf-8")
    assert load_corpus(str(path)).text == corpus.text  # an upload and a paste get the same alphabet
    data = prepare_chars(RunConfig(task="chars", corpus="custom", seq_len=40), corpus)
    assert data.vocabulary.size == MAX_ALPHABET and int(data.x_train.max()) < MAX_ALPHABET


def test_cap_alphabet_leaves_small_alphabets_alone():
    text = "Roses are red, violets are blue — ünïcödé 映画 😀\n" * 10
    assert cap_alphabet(text) is text
    assert cap_alphabet("aaabbc", limit=2) == f"aaa{UNKNOWN_CHAR * 3}"


def test_decode_user_bytes():
    assert decode_user_bytes("héllo".encode()) == "héllo"
    with pytest.raises(RnncoreError, match="binary"):
        decode_user_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(RnncoreError, match="position 1"):
        decode_user_bytes(b"a\xe9b", "upload.txt")


def test_char_vocabulary_encode_decode_and_unknowns():
    vocabulary = CharVocabulary.from_text("hello world")
    assert vocabulary.chars == " dehlorw" and vocabulary.size == 8
    ids = vocabulary.encode("hold")
    assert ids.dtype == np.int32 and vocabulary.decode(ids) == "hold"
    with pytest.raises(RnncoreError, match="'XZ'"):
        vocabulary.encode("hello XZ")
    assert vocabulary.keep_known("hello, World!") == ("hello orld", "!,W")
    assert vocabulary.encode("").shape == (0,)
