"""Turn a RunConfig into ready-to-train arrays: IMDB for sentiment, a char corpus for language models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.config import RunConfig
from rnncore.data.corpus import CharCorpus, CharVocabulary, load_corpus
from rnncore.data.counterfactuals import counterfactual_sentences
from rnncore.data.downloads import ProgressFn
from rnncore.data.imdb import full_vectorized, load_imdb, split_by_movie, stratified_indices
from rnncore.data.sentence_crops import sentence_crops
from rnncore.data.text import Vocabulary, pad_sequences


@dataclass(frozen=True)
class SentimentData:
    """Padded id matrices and labels for training, validation (from train) and test."""

    vocabulary: Vocabulary
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_texts: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True)
class CharData:
    """Next-character training pairs (x, y shifted by one) from a corpus, plus its alphabet."""

    corpus_name: str
    vocabulary: CharVocabulary
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    fingerprint: str
    validation_ids: np.ndarray  # the whole held-out text, for scoring with the state carried along


def prepare_sentiment(config: RunConfig, on_progress: ProgressFn | None = None) -> SentimentData:
    """IMDB vectorised for `config`: a stratified subset of `limit` training reviews, a validation split
    carved out of it by whole movies (the test set is never used for choices), and the full test set."""
    imdb = load_imdb(on_progress)
    if on_progress:
        on_progress(f"Vectorising IMDB with a {config.vocab_size:,}-id vocabulary …")
    vocabulary, train, test = full_vectorized(config.vocab_size, imdb.fingerprint)
    rows = stratified_indices(train.labels, config.limit, config.seed)
    val_rows, train_rows = split_by_movie(
        rows, imdb.train.movies, train.labels, config.validation_fraction, config.seed
    )
    x_all = train.padded(config.maxlen, config.truncating, config.padding)
    x_test = test.padded(config.maxlen, config.truncating, config.padding)
    labels = train.labels.astype(np.float32)
    x_train, y_train = x_all[train_rows], labels[train_rows]
    texts, extra_labels = short_examples(
        [imdb.train.texts[row] for row in train_rows],
        labels[train_rows],
        config.sentence_crops,
        config.counterfactuals,
        config.seed,
        config.verb_negations,
        config.clause_negations,
        config.shift_contrasts,
    )  # from the training rows only: validation and test stay whole reviews
    if texts:
        extra = pad_sequences(
            [vocabulary.encode(text) for text in texts], config.maxlen, config.truncating, config.padding
        )
        x_train, y_train = np.concatenate([x_train, extra]), np.concatenate([y_train, extra_labels])
    return SentimentData(
        vocabulary=vocabulary,
        x_train=x_train,
        y_train=y_train,
        x_val=x_all[val_rows],
        y_val=labels[val_rows],
        x_test=x_test,
        y_test=test.labels.astype(np.float32),
        test_texts=imdb.test.texts,
        fingerprint=imdb.fingerprint,
    )


def short_examples(
    texts: list[str],
    labels: np.ndarray,
    crops: float,
    counterfactuals: float,
    seed: int,
    verbs: bool = False,
    clauses: bool = False,
    shifts: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Short training examples added to the training reviews, as fractions of their number: sentence crops
    (short input in distribution) and counterfactual negations and contrasts (what "not" and "but" do)."""
    out, out_labels = [], [np.zeros(0, dtype=np.float32)]
    if crops:
        crop_texts, crop_labels = sentence_crops(texts, labels, round(crops * len(texts)), seed)
        out += crop_texts
        out_labels.append(crop_labels.astype(np.float32))
    if counterfactuals:
        edit_texts, edit_labels = counterfactual_sentences(
            texts, labels, round(counterfactuals * len(texts)), seed, verbs, clauses, shifts
        )
        out += edit_texts
        out_labels.append(edit_labels)
    return out, np.concatenate(out_labels)


def char_windows(ids: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows: x = ids[i : i+T], y = ids[i+1 : i+T+1]."""
    count = (len(ids) - 1) // seq_len
    if count < 1:
        raise ValueError(f"The text is too short for sequences of {seq_len} characters; lower seq_len")
    x = ids[: count * seq_len].reshape(count, seq_len)
    y = ids[1 : count * seq_len + 1].reshape(count, seq_len)
    return x, y


def prepare_chars(
    config: RunConfig, corpus: CharCorpus | None = None, on_progress: ProgressFn | None = None
) -> CharData:
    """Char-level training data; the last 10 % of the text is held out for validation."""
    import hashlib

    corpus = corpus or load_corpus(config.corpus, on_progress)
    vocabulary = corpus.vocabulary
    seq_len = min(config.seq_len, max(2, (len(corpus.validation_text) - 1)))
    x_train, y_train = char_windows(vocabulary.encode(corpus.train_text), seq_len)
    validation_ids = vocabulary.encode(corpus.validation_text)
    x_val, y_val = char_windows(validation_ids, seq_len)
    fingerprint = hashlib.sha256(corpus.text.encode("utf-8")).hexdigest()[:16]
    return CharData(corpus.name, vocabulary, x_train, y_train, x_val, y_val, fingerprint, validation_ids)
