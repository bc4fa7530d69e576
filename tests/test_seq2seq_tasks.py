"""Seq2seq tasks (NumPy only): every date format reads back as its ISO target, reversals reverse, number words
say their digits; vocabularies, the run's examples and the settings' messages."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest

from rnncore.seq2seq.config import Seq2seqConfig
from rnncore.seq2seq.examples import run_examples
from rnncore.seq2seq.tasks import DATE_FORMATS, TASKS, generate, number_words
from rnncore.seq2seq.vocabulary import END, PAD, START, Vocabulary

# How Python itself reads each format (the ordinal suffix is dropped first).
PARSERS = {
    "2019.01.18": "%Y.%m.%d",
    "18.01.2019": "%d.%m.%Y",
    "01/18/19": "%m/%d/%y",
    "18JAN2019": "%d%b%Y",
    "JAN 18, 2019": "%b %d, %Y",
    "18 January 2019": "%d %B %Y",
    "January 18th, 2019": "%B %d, %Y",
    "Friday, January 18, 2019": "%A, %B %d, %Y",
}


def test_the_format_examples_are_what_their_renderers_write():
    day = datetime.date(2019, 1, 18)
    assert [render(day) for _, render in DATE_FORMATS] == [name for name, _ in DATE_FORMATS]
    assert len(DATE_FORMATS) >= 6 and set(PARSERS) == {name for name, _ in DATE_FORMATS}


@pytest.mark.parametrize("index", range(len(DATE_FORMATS)))
def test_every_date_format_parses_back_to_its_iso_target(index):
    name, render = DATE_FORMATS[index]
    rng = np.random.default_rng(index)
    for offset in rng.integers(0, 36_000, size=300):
        day = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(offset))
        text = re.sub(r"(\d)(st|nd|rd|th),", r"\1,", render(day))
        assert datetime.datetime.strptime(text, PARSERS[name]).date() == day, (name, text)


def test_generated_dates_are_iso_and_mix_as_many_formats_as_the_length_says():
    pairs = generate("dates", 8, 2_000, seed=1)
    for _, target in pairs:
        datetime.date.fromisoformat(target)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", target)
    assert len({_shape(source) for source, _ in pairs}) >= 8
    assert {_shape(source) for source, _ in generate("dates", 1, 200, seed=1)} == {"9999.99.99"}


def _shape(text: str) -> str:
    return re.sub(r"\d", "9", re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", text)))


def test_generation_is_reproducible_from_the_seed():
    for name, task in TASKS.items():
        assert generate(name, task.default_length, 50, 7) == generate(name, task.default_length, 50, 7)
        assert generate(name, task.default_length, 50, 7) != generate(name, task.default_length, 50, 8)


@pytest.mark.parametrize("length", [5, 17, 40])
def test_reverse_targets_are_the_sources_reversed(length):
    for source, target in generate("reverse", length, 200, seed=length):
        assert len(source) == length and target == source[::-1]


@pytest.mark.parametrize(
    "number, words",
    [
        (0, "zero"),
        (7, "seven"),
        (10, "ten"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (110, "one hundred and ten"),
        (312, "three hundred and twelve"),
        (1_000, "one thousand"),
        (1_005, "one thousand and five"),
        (1_100, "one thousand one hundred"),
        (12_345, "twelve thousand three hundred and forty-five"),
        (100_000, "one hundred thousand"),
        (120_000, "one hundred and twenty thousand"),
        (999_999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
    ],
)
def test_number_words(number, words):
    assert number_words(number) == words


def _read_words(words: str) -> int:
    """An independent reader of the words: the generator must agree with it."""
    small = {word: value for value, word in enumerate(number_words(n) for n in range(20))}
    small.update(
        {
            word: 10 * (index + 2)
            for index, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
        }
    )
    total = current = 0
    for word in words.replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = (total + current) * 1000, 0
        else:
            current += small[word]
    return total + current


def test_generated_number_words_say_their_digits_at_every_length():
    for length in range(1, 7):
        pairs = generate("numbers", length, 500, seed=length)
        assert all(_read_words(source) == int(target) for source, target in pairs)
        assert max(len(target) for _, target in pairs) == length  # lengths are mixed, up to the most digits
        assert min(len(target) for _, target in pairs) == 1


def test_number_words_refuse_numbers_out_of_range():
    with pytest.raises(ValueError, match="999,999"):
        number_words(1_000_000)


def test_vocabulary_round_trip_and_special_tokens():
    vocabulary = Vocabulary("abc")
    assert vocabulary.size == 6 and vocabulary.token(PAD) == "<pad>" and vocabulary.token(END) == "</s>"
    padded = vocabulary.pad(["ab", "c"], 4, start=True, end=True)
    assert padded.tolist() == [[START, 3, 4, END], [START, 5, END, PAD]]
    assert vocabulary.decode([3, 4, END, 5]) == "ab"
    with pytest.raises(ValueError, match="'z'"):
        vocabulary.encode("az")


def test_every_task_vocabulary_covers_its_examples():
    for name, task in TASKS.items():
        for source, target in generate(name, task.max_length, 300, 0):
            task.source.encode(source)
            task.target.encode(target)


def test_run_examples_keep_the_heldout_inputs_out_of_training_and_align_teacher_forcing():
    data = run_examples("dates", 8, 3_000, 300, seed=0)
    assert data.seen_fraction == 0.0
    assert not set(data.heldout.source_texts) & set(data.train.source_texts)
    # teacher forcing: the decoder reads start, then the target shifted by one
    assert (data.train.decoder_inputs[:, 0] == START).all()
    assert (data.train.decoder_inputs[:, 1:] == data.train.targets[:, :-1]).all()
    assert data.target_width == 11 and data.heldout.sources.shape[1] == data.train.sources.shape[1]
    tiny = run_examples("numbers", 1, 500, 100, seed=0)  # ten numbers only: they cannot be kept apart
    assert tiny.seen_fraction == 1.0


def test_config_defaults_and_task_lengths():
    config = Seq2seqConfig()
    assert (config.task, config.cell, config.attention, config.units) == ("dates", "lstm", "on", 64)
    assert config.length == TASKS["dates"].default_length and config.uses_attention
    assert 15 <= config.time_budget <= 30
    assert Seq2seqConfig(task="reverse").length == 10
    assert Seq2seqConfig.from_dict({**Seq2seqConfig(task="numbers").to_dict(), "unknown": 1}).task == "numbers"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"task": "poems"}, "task must be one of dates, reverse, numbers; got 'poems'"),
        ({"cell": "transformer"}, "cell must be one of simplernn, lstm, gru"),
        ({"attention": "yes"}, "attention must be one of on, off"),
        ({"task": "reverse", "length": 4}, "length for reverse (symbols per sequence) must be from 5 to 40; got 4"),
        ({"task": "numbers", "length": 7}, "length for numbers (most digits) must be from 1 to 6; got 7"),
        ({"length": 41}, "length must be from 0 to 40"),
        ({"units": 0}, "units must be from 2 to 512"),
        ({"units": 8.5}, "units must be a whole number"),
        ({"learning_rate": 0.0}, "learning_rate must be from"),
        ({"time_budget": -1.0}, "time_budget must be from"),
        ({"seed": -1}, "seed must be from"),
    ],
)
def test_bad_settings_name_what_is_wrong(values, message):
    with pytest.raises(ValueError) as error:
        Seq2seqConfig(**values)
    assert message in str(error.value)
