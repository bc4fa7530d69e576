"""Word-level text handling: standardisation, tokenisation, the capped vocabulary and padding/truncation."""

from __future__ import annotations

import numpy as np
import pytest

from rnncore.data.text import FIRST_WORD_ID, OOV_ID, PAD_ID, Vocabulary, pad_sequences, standardize, tokenize


def test_standardize_strips_html_and_unescapes_entities():
    assert standardize("Great<br /><br />Movie &amp; FUN") == "great  movie & fun"
    assert standardize("Don’t") == "don't"


def test_tokenize_keeps_inner_apostrophes_and_sentiment_punctuation():
    assert tokenize("I didn't like it!!! Why? <br />Boring... (really)") == [
        "i",
        "didn't",
        "like",
        "it",
        "!",
        "!",
        "!",
        "why",
        "?",
        "boring",
        "really",
    ]
    # leading / trailing apostrophes are quotes, not part of the word; underscores split words
    assert tokenize("'quoted' snake_case") == ["quoted", "snake", "case"]


def test_tokenize_handles_unicode_scripts_and_drops_emoji():
    assert tokenize("Café 映画 שלום 😀") == ["café", "映画", "שלום"]
    assert tokenize("") == []
    assert tokenize("   \n\t ") == []


def test_vocabulary_ranks_by_frequency_then_alphabetically():
    vocabulary = Vocabulary.build([["b", "a", "c", "a"], ["b", "d"]], size=5)
    # a and b are tied on 2: alphabetical; then c and d tied on 1: only c fits
    assert vocabulary.words == ("a", "b", "c")
    assert vocabulary.size == 5
    assert vocabulary.index == {"a": 2, "b": 3, "c": 4}


def test_vocabulary_special_ids_never_collide_with_words():
    vocabulary = Vocabulary.build([["<pad>", "<unk>", "film"]], size=10)
    ids = vocabulary.encode_tokens(["film", "<pad>", "<unk>", "never-seen"])
    assert PAD_ID not in ids
    assert ids[-1] == OOV_ID
    assert min(ids[:3]) >= FIRST_WORD_ID
    assert vocabulary.word(PAD_ID) == "<pad>" and vocabulary.word(OOV_ID) == "<unk>"
    assert [vocabulary.word(i) for i in ids[:3]] == ["film", "<pad>", "<unk>"]


def test_vocabulary_encode_uses_the_same_standardisation():
    vocabulary = Vocabulary.build([tokenize("great film, great fun")], size=10)
    assert vocabulary.encode("GREAT<br />Film!") == [vocabulary.index["great"], vocabulary.index["film"], OOV_ID]


def test_vocabulary_size_is_capped_and_validated():
    vocabulary = Vocabulary.build([[f"w{n}" for n in range(100)]], size=12)
    assert vocabulary.size == 12 and len(vocabulary.words) == 10
    with pytest.raises(ValueError):
        Vocabulary.build([["a"]], size=2)


def test_vocabulary_build_is_reproducible():
    tokens = [tokenize("the plot and the actors and the film"), tokenize("a film of the year")]
    assert Vocabulary.build(tokens, 6) == Vocabulary.build(list(reversed(tokens)), 6)


@pytest.mark.parametrize(
    ("truncating", "padding", "expected"),
    [
        ("pre", "pre", [[0, 0, 1, 2], [3, 4, 5, 6]]),
        ("pre", "post", [[1, 2, 0, 0], [3, 4, 5, 6]]),
        ("post", "pre", [[0, 0, 1, 2], [2, 3, 4, 5]]),
        ("post", "post", [[1, 2, 0, 0], [2, 3, 4, 5]]),
    ],
)
def test_pad_sequences_sides(truncating, padding, expected):
    out = pad_sequences([[1, 2], [2, 3, 4, 5, 6]], maxlen=4, truncating=truncating, padding=padding)
    assert out.dtype == np.int32
    assert out.tolist() == expected


def test_pad_sequences_empty_rows_and_bad_sides():
    assert pad_sequences([[], [7]], maxlen=3).tolist() == [[0, 0, 0], [0, 0, 7]]
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    with pytest.raises(ValueError):
        pad_sequences([[1]], maxlen=2, truncating="middle")
    with pytest.raises(ValueError):
        pad_sequences([[1]], maxlen=2, padding="both")
