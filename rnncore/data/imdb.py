"""The Large Movie Review Dataset (raw text): located or downloaded once, converted into one compact
cache file, then loaded in well under 2 s. Also: stratified subsets and cached vectorisation."""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rnncore.data.downloads import ProgressFn, locate_or_download
from rnncore.data.text import Vocabulary, pad_sequences, tokenize
from rnncore.errors import DataUnavailableError
from rnncore.paths import cache_dir, data_dir

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
# v2 adds each review's movie; the text blob (and so the fingerprint) is the same as v1's.
CACHE_NAME = "imdb_v1_reviews_v2.npz"
UNLABELLED_CACHE_NAME = "imdb_v1_unsup_text.npz"
SPLITS = ("train", "test")


@dataclass(frozen=True)
class ReviewSet:
    """Reviews of one split with labels (1 = positive, 0 = negative) and, where the data says, the movie
    each review is about (reviews of one movie share names and plot words, so they must not straddle a
    train/validation split)."""

    texts: tuple[str, ...]
    labels: np.ndarray  # int8, shape (n,)
    movies: np.ndarray | None = None  # int32 movie number per review, -1 where unknown

    def __len__(self) -> int:
        return len(self.texts)

    def stratified_subset(self, n: int, seed: int = 0) -> ReviewSet:
        """`n` reviews, half positive and half negative, chosen reproducibly (all of them if n is 0)."""
        rows = stratified_indices(self.labels, n, seed)
        movies = None if self.movies is None else self.movies[rows]
        return ReviewSet(tuple(self.texts[i] for i in rows), self.labels[rows], movies)


def split_by_movie(
    rows: np.ndarray, movies: np.ndarray | None, labels: np.ndarray, fraction: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(validation rows, training rows) from `rows`, about `fraction` of them held out, whole movies at a
    time: IMDB's test set has no movie in common with its training set, so a validation set that does
    would score names and plots it has seen and overstate test accuracy. Movies are taken in random
    order, skipping one that would tip the positive/negative balance (most movies lean one way);
    reviews of unknown movies count as movies of their own."""
    rng = np.random.default_rng(seed)
    rows = rng.permutation(rows)
    target = max(1, int(round(len(rows) * fraction)))
    groups = movies[rows].astype(np.int64) if movies is not None else np.full(len(rows), -1)
    groups = np.where(groups >= 0, groups, -1 - np.arange(len(rows)))  # unknown: a group of one
    members: dict[int, list[int]] = {}
    for position, group in enumerate(groups.tolist()):
        members.setdefault(group, []).append(position)  # dicts keep first-seen (shuffled) order
    positive = labels[rows] >= 0.5
    held_out: list[int] = []
    balance = 0  # positives minus negatives held out so far
    tolerance = max(0.02 * target, max(map(len, members.values())))
    for positions in members.values():
        if len(held_out) >= target:
            break
        lean = int(positive[positions].sum()) * 2 - len(positions)
        if abs(balance + lean) > max(abs(balance), tolerance):
            continue  # would tip the balance too far; a later movie will fit
        held_out.extend(positions)
        balance += lean
    is_val = np.zeros(len(rows), dtype=bool)
    is_val[held_out] = True
    return rows[is_val], rows[~is_val]


def stratified_indices(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a class-balanced random subset of size n (every row if n <= 0 or too big)."""
    if n <= 0 or n >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    chosen = []
    for label, share in ((1, n // 2), (0, n - n // 2)):
        candidates = np.flatnonzero(labels == label)
        chosen.append(rng.choice(candidates, size=min(share, len(candidates)), replace=False))
    return np.sort(np.concatenate(chosen))


@dataclass(frozen=True)
class ImdbData:
    """IMDB train and test splits plus a short fingerprint of the cached data."""

    train: ReviewSet
    test: ReviewSet
    fingerprint: str


def load_imdb(on_progress: ProgressFn | None = None) -> ImdbData:
    """Load IMDB from the compact cache, building the cache from the archive on first use."""
    cache = cache_dir() / CACHE_NAME
    if not cache.is_file():
        _build_cache(_find_source(on_progress), cache, on_progress)
    return _read_cache(str(cache), cache.stat().st_mtime_ns)


@lru_cache(maxsize=2)
def _read_cache(path: str, _mtime: int) -> ImdbData:
    with np.load(path) as archive:
        texts = _read_texts(archive)
        labels = archive["labels"]
        split = archive["split"]
        movies = archive["movies"]
        fingerprint = str(archive["fingerprint"])
    sets = {}
    for code, name in enumerate(SPLITS):
        rows = np.flatnonzero(split == code)
        sets[name] = ReviewSet(tuple(texts[i] for i in rows), labels[rows].astype(np.int8), movies[rows])
    return ImdbData(train=sets["train"], test=sets["test"], fingerprint=fingerprint)


def _find_source(on_progress: ProgressFn | None) -> Path:
    """An extracted aclImdb/ folder or the .tar.gz archive."""
    local = data_dir()
    if local is not None and (local / "aclImdb").is_dir():
        return local / "aclImdb"
    return locate_or_download(IMDB_ARCHIVE, IMDB_URL, on_progress)


LABELLED_FOLDERS = {(split, label_name) for split in SPLITS for label_name in ("neg", "pos")}
UNLABELLED_FOLDERS = {("train", "unsup")}


def _iter_reviews(source: Path, folders: set[tuple[str, str]] = LABELLED_FOLDERS):
    """Yield (split, folder, file name, text) for every review in the wanted (split, folder) pairs, from an
    extracted aclImdb/ folder or the archive. Folders are "neg", "pos" and, unlabelled, "unsup"."""
    if source.is_dir():
        for split, folder in sorted(folders):
            for path in sorted((source / split / folder).glob("*.txt")):
                yield split, folder, path.name, path.read_text(encoding="utf-8", errors="replace")
        return
    for split, folder, name, data in _archive_files(source):
        if (split, folder) in folders and name.endswith(".txt"):
            yield split, folder, name, data.decode("utf-8", errors="replace")


def _archive_files(source: Path):
    """Yield (split, folder, file name, bytes) for the files two levels deep (aclImdb/train/pos/1_7.txt),
    and (split, "", name, bytes) for the movie lists one level up (aclImdb/train/urls_pos.txt)."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            for member in archive:
                parts = member.name.split("/")
                if not member.isfile() or len(parts) not in (3, 4) or parts[1] not in SPLITS:
                    continue
                handle = archive.extractfile(member)
                data = handle.read() if handle else b""
                yield (parts[1], parts[2], parts[3], data) if len(parts) == 4 else (parts[1], "", parts[2], data)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DataUnavailableError(f"{source} is not a readable IMDB archive: {error}") from error


def _movie_lists(source: Path) -> dict[tuple[str, str], list[str]]:
    """{(split, "pos"/"neg"): movie URL per review number} from the urls_*.txt files (empty if absent)."""
    wanted = {f"urls_{folder}.txt": folder for folder in ("neg", "pos")}
    if source.is_dir():
        files = (
            (split, name, (source / split / name).read_bytes())
            for split in SPLITS
            for name in wanted
            if (source / split / name).is_file()
        )
    else:
        files = ((split, name, data) for split, folder, name, data in _archive_files(source) if not folder)
    return {
        (split, wanted[name]): data.decode("utf-8", errors="replace").split()
        for split, name, data in files
        if name in wanted
    }


def _movie_numbers(rows: list[tuple[str, str, str, str]], lists: dict[tuple[str, str], list[str]]) -> np.ndarray:
    """A number per review for its movie (reviews are named <n>_<rating>.txt; line n of urls_<folder>.txt
    is its movie's page), or -1 where that is unknown."""
    urls = []
    for split, folder, name, _ in rows:
        listed = lists.get((split, folder), [])
        number = name.split("_", 1)[0]
        urls.append(listed[int(number)] if number.isdigit() and int(number) < len(listed) else "")
    known = sorted({url for url in urls if url})
    index = {url: i for i, url in enumerate(known)}
    return np.array([index.get(url, -1) for url in urls], dtype=np.int32)


def _build_cache(source: Path, cache: Path, on_progress: ProgressFn | None) -> None:
    if on_progress:
        on_progress(f"Converting {source.name} into a compact cache (once) …")
    rows = sorted(_iter_reviews(source), key=lambda row: (row[0], row[1]))  # stable, order-independent
    if not rows:
        raise DataUnavailableError(f"No labelled reviews found in {source}")
    _write_texts(
        cache,
        [text for *_, text in rows],
        labels=np.array([int(folder == "pos") for _, folder, _, _ in rows], dtype=np.int8),
        split=np.array([SPLITS.index(split) for split, *_ in rows], dtype=np.int8),
        movies=_movie_numbers(rows, _movie_lists(source)),
    )


def _write_texts(cache: Path, texts: list[str], **arrays: np.ndarray) -> None:
    """Save texts as one UTF-8 blob plus offsets (and any extra arrays), atomically via a temporary file
    so a half-written cache is never seen. The blob's hash is stored as the data fingerprint."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    blob = b"".join(encoded)
    fingerprint = hashlib.sha256(blob).hexdigest()[:16]
    handle, temp_name = tempfile.mkstemp(dir=cache.parent, suffix=".npz.tmp")
    os.close(handle)
    try:
        with open(temp_name, "wb") as out:
            np.savez(
                out,
                blob=np.frombuffer(blob, dtype=np.uint8),
                offsets=offsets,
                fingerprint=np.array(fingerprint),
                **arrays,
            )
        os.replace(temp_name, cache)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def _read_texts(archive) -> list[str]:
    blob = archive["blob"].tobytes()
    offsets = archive["offsets"]
    return [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]


def load_unlabelled_texts(on_progress: ProgressFn | None = None) -> tuple[str, ...]:
    """IMDB's 50,000 unlabelled reviews (the archive's train/unsup folder), cached like the labelled ones.
    They carry no label: they feed word vectors, and training only with labels a trained model gave them
    (rnncore.training.teachers); never validation or test.
    An archive without them (a partial copy) gives an empty tuple."""
    cache = cache_dir() / UNLABELLED_CACHE_NAME
    if not cache.is_file():
        source = _find_source(on_progress)
        if on_progress:
            on_progress("Reading the unlabelled reviews (once) …")
        texts = sorted(text for *_, text in _iter_reviews(source, UNLABELLED_FOLDERS))
        _write_texts(cache, texts)
    with np.load(cache) as archive:
        return tuple(_read_texts(archive))


@dataclass(frozen=True)
class EncodedReviews:
    """Reviews as unpadded id lists plus their labels."""

    ids: tuple[tuple[int, ...], ...]
    labels: np.ndarray

    def padded(self, maxlen: int, truncating: str = "pre", padding: str = "pre") -> np.ndarray:
        """Fixed-length matrix for training."""
        return pad_sequences(self.ids, maxlen, truncating, padding)


def build_vocabulary(train: ReviewSet, vocab_size: int) -> Vocabulary:
    """Vocabulary from the training reviews only (the test set never shapes the model)."""
    return Vocabulary.build((tokenize(text) for text in train.texts), vocab_size)


def encode_reviews(reviews: ReviewSet, vocabulary: Vocabulary) -> EncodedReviews:
    """Tokenise and map to ids."""
    return EncodedReviews(tuple(tuple(vocabulary.encode(text)) for text in reviews.texts), reviews.labels)


@lru_cache(maxsize=4)
def full_vectorized(vocab_size: int, fingerprint: str) -> tuple[Vocabulary, EncodedReviews, EncodedReviews]:
    """Vocabulary plus encoded train/test for the full dataset, cached on disk per (vocab size, data) and
    memoised in the process: tokenising 50,000 reviews takes seconds, so classroom runs share the work."""
    path = cache_dir() / f"imdb_ids_v{vocab_size}_{fingerprint}.npz"
    if path.is_file():
        try:
            return _read_vectorized(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    data = load_imdb()
    if data.fingerprint != fingerprint:
        raise DataUnavailableError("IMDB cache changed while loading; try again")
    vocabulary = build_vocabulary(data.train, vocab_size)
    train, test = encode_reviews(data.train, vocabulary), encode_reviews(data.test, vocabulary)
    _write_vectorized(path, vocabulary, train, test)
    return vocabulary, train, test


def _ragged(encoded: EncodedReviews) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(ids) for ids in encoded.ids], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.fromiter((i for ids in encoded.ids for i in ids), dtype=np.int32, count=int(offsets[-1]))
    return flat, offsets


def _unragged(flat: np.ndarray, offsets: np.ndarray, labels: np.ndarray) -> EncodedReviews:
    values = flat.tolist()
    ids = tuple(tuple(values[offsets[i] : offsets[i + 1]]) for i in range(len(offsets) - 1))
    return EncodedReviews(ids, labels)


def _write_vectorized(path: Path, vocabulary: Vocabulary, train: EncodedReviews, test: EncodedReviews) -> None:
    arrays: dict[str, np.ndarray] = {"words": np.array(vocabulary.words, dtype=object).astype(str)}
    for name, encoded in (("train", train), ("test", test)):
        arrays[f"{name}_flat"], arrays[f"{name}_offsets"] = _ragged(encoded)
        arrays[f"{name}_labels"] = encoded.labels
    handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(handle)
    try:
        with open(temp_name, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temp_name, path)
    except OSError:
        pass  # a cache we cannot write (read-only or full disk) only costs time
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def _read_vectorized(path: Path) -> tuple[Vocabulary, EncodedReviews, EncodedReviews]:
    with np.load(path) as archive:
        vocabulary = Vocabulary(tuple(str(word) for word in archive["words"]))
        splits = [
            _unragged(archive[f"{name}_flat"], archive[f"{name}_offsets"], archive[f"{name}_labels"]) for name in SPLITS
        ]
    return vocabulary, splits[0], splits[1]
