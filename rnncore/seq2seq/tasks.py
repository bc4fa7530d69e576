"""The seq2seq tasks, generated on the fly and reproducibly from a seed (no download): dates in many formats to
ISO, reversing a sequence, and number words to digits. Each task has its difficulty knob (`length`) and its
character vocabularies."""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnncore.seq2seq.vocabulary import Vocabulary

MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# 1970–2068: the years whose two-digit form Python's %y reads back the same way (69–99 → 19xx, 00–68 → 20xx)
FIRST_DAY, LAST_DAY = datetime.date(1970, 1, 1), datetime.date(2068, 12, 31)
REVERSE_SYMBOLS = "abcdefghij"
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
ONES += "seventeen eighteen nineteen"
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# One renderer per format, in the order `length` adds them (the first ones are the easiest to read).
DATE_FORMATS: tuple[tuple[str, Callable[[datetime.date], str]], ...] = (
    ("2019.01.18", lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}"),
    ("18.01.2019", lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}"),
    ("01/18/19", lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}"),
    ("18JAN2019", lambda d: f"{d.day:02d}{MONTHS[d.month - 1][:3].upper()}{d.year}"),
    ("JAN 18, 2019", lambda d: f"{MONTHS[d.month - 1][:3].upper()} {d.day}, {d.year}"),
    ("18 January 2019", lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}"),
    ("January 18th, 2019", lambda d: f"{MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year}"),
    ("Friday, January 18, 2019", lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}"),
)


def number_words(number: int) -> str:
    """British English words for 0 ≤ number ≤ 999,999: 312 → "three hundred and twelve",
    1005 → "one thousand and five", 21 → "twenty-one"."""
    if not 0 <= number <= 999_999:
        raise ValueError(f"number must be from 0 to 999,999; got {number}")
    if number < 1000:
        return _below_thousand(number)
    thousands, rest = divmod(number, 1000)
    words = f"{_below_thousand(thousands)} thousand"
    if rest:
        # "and" joins a last part below a hundred ("one thousand and five"), as it does after "hundred"
        words += (" and " if rest < 100 else " ") + _below_thousand(rest)
    return words


def _below_thousand(number: int) -> str:
    words = ONES.split()
    if number < 20:
        return words[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return TENS[tens] + (f"-{words[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{words[hundreds]} hundred" + (f" and {_below_thousand(rest)}" if rest else "")


def _date(rng: np.random.Generator, length: int) -> tuple[str, str]:
    day = FIRST_DAY + datetime.timedelta(days=int(rng.integers((LAST_DAY - FIRST_DAY).days + 1)))
    _, render = DATE_FORMATS[int(rng.integers(length))]
    return render(day), day.isoformat()


def _reverse(rng: np.random.Generator, length: int) -> tuple[str, str]:
    text = "".join(REVERSE_SYMBOLS[index] for index in rng.integers(len(REVERSE_SYMBOLS), size=length))
    return text, text[::-1]


def _number(rng: np.random.Generator, length: int) -> tuple[str, str]:
    # Digits first (uniform), then the number: short numbers are as common as long ones.
    digits = int(rng.integers(1, length + 1))
    number = int(rng.integers(0 if digits == 1 else 10 ** (digits - 1), 10**digits))
    return number_words(number), str(number)


@dataclass(frozen=True)
class Seq2seqTask:
    """What a task is, its difficulty knob and its vocabularies."""

    name: str
    title: str
    length_means: str  # what `length` sets, for help texts
    min_length: int
    max_length: int
    default_length: int
    source: Vocabulary
    target: Vocabulary
    make: Callable[[np.random.Generator, int], tuple[str, str]]
    look_for: str


TASKS: dict[str, Seq2seqTask] = {
    "dates": Seq2seqTask(
        name="dates",
        title="Dates: any format → ISO",
        length_means="formats mixed",
        min_length=1,
        max_length=len(DATE_FORMATS),
        default_length=len(DATE_FORMATS),
        source=Vocabulary(string.ascii_letters + string.digits + " ,./"),
        target=Vocabulary(string.digits + "-"),
        make=_date,
        look_for="Every output digit comes from one place in the input, but that place moves with the format "
        "(the year comes first, last, or in two digits). With attention on, the attention map shows where the "
        "decoder reads each digit; with it off, the encoder's last state must hold the whole date.",
    ),
    "reverse": Seq2seqTask(
        name="reverse",
        title="Reverse a sequence",
        length_means="symbols per sequence",
        min_length=5,
        max_length=40,
        default_length=10,
        source=Vocabulary(REVERSE_SYMBOLS),
        target=Vocabulary(REVERSE_SYMBOLS),
        make=_reverse,
        look_for="Output step t copies input step length − 1 − t: the attention map should become an "
        "anti-diagonal. Without attention, every symbol must survive in one state vector; raise the length.",
    ),
    "numbers": Seq2seqTask(
        name="numbers",
        title="Number words → digits",
        length_means="most digits",
        min_length=1,
        max_length=6,
        default_length=6,
        source=Vocabulary(string.ascii_lowercase + " -"),
        target=Vocabulary(string.digits),
        make=_number,
        look_for='"three hundred and twelve" → 312: the alignment is not one-to-one ("twelve" gives two digits, '
        '"and" none, a missing "tens" word gives a 0) and the decoder must count digits it was never told.',
    ),
}


def generate(task: str, length: int, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (source, target) text pairs of `task` at difficulty `length`, the same for the same seed."""
    spec = TASKS[task]
    rng = np.random.default_rng(seed)
    return [spec.make(rng, length) for _ in range(count)]
