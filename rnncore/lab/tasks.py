"""The Sequence Lab's toy tasks, generated on the fly in NumPy (no download), each with its metric and the
baseline a network must beat: chance, persistence ("tomorrow equals today") or predicting the mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabTask:
    """What a task is, how it is scored, and what a student should look for."""

    name: str
    title: str
    shape: str  # "many-to-one" or "many-to-many"
    metric_name: str  # "accuracy" or "MSE"
    higher_is_better: bool
    baseline_name: str
    min_length: int
    max_length: int
    default_length: int
    input_dim: int
    output_dim: int
    output: str  # "class", "value", "sequence_class" or "sequence_value"
    look_for: str


@dataclass(frozen=True)
class TaskData:
    """inputs: float32 (N, T, input_dim). targets: int64 (N,) or (N, T) for classes; float32 (N, 1) or
    (N, T, 1) for values."""

    inputs: np.ndarray
    targets: np.ndarray


MEMORY_SYMBOLS, MEMORY_DISTRACTORS = 4, 4
CHARS_TEXT = "hello world. hello rnn. "
CHARS_ALPHABET = "".join(sorted(set(CHARS_TEXT)))
WALK_STEP = 0.1  # the random walk's step size: its persistence MSE is WALK_STEP² on average
SINE_NOISE = 0.1  # the sine wave's noise: no forecast can get its MSE below SINE_NOISE² on average

TASKS: dict[str, LabTask] = {
    "memory": LabTask(
        name="memory",
        title="Memory: recall the first symbol",
        shape="many-to-one",
        metric_name="accuracy",
        higher_is_better=True,
        baseline_name="chance (1 in 4)",
        min_length=5,
        max_length=200,
        default_length=20,
        input_dim=MEMORY_SYMBOLS + MEMORY_DISTRACTORS,
        output_dim=MEMORY_SYMBOLS,
        output="class",
        look_for="The first step shows one of 4 symbols; then come length − 1 distractors, and at the end the "
        "network must name the first symbol. Nothing in between helps, so the answer must survive in the hidden "
        "state the whole way. Raise the length and watch which cells fall back to chance (25 %) within the time "
        "budget; do not assume the gated cells win, measure it (and try another seed). The gradient tab shows how "
        "much step 1 still moves the loss.",
    ),
    "adding": LabTask(
        name="adding",
        title="Adding problem (Hochreiter & Schmidhuber 1997)",
        shape="many-to-one",
        metric_name="MSE",
        higher_is_better=False,
        baseline_name="predict the mean",
        min_length=10,
        max_length=200,
        default_length=50,
        input_dim=2,
        output_dim=1,
        output="value",
        look_for="Each step carries a random number and a marker; exactly two steps are marked (one in each half), "
        "and the target is the sum of those two numbers. Always guessing the average sum scores about 0.167: a "
        "network only beats that line if it learned to spot the markers and hold the first number until the end. "
        "The LSTM was invented for problems like this one; in a short budget, any cell may still be on the line.",
    ),
    "parity": LabTask(
        name="parity",
        title="Parity: odd or even number of ones",
        shape="many-to-one",
        metric_name="accuracy",
        higher_is_better=True,
        baseline_name="chance (1 in 2)",
        min_length=2,
        max_length=50,
        default_length=4,
        input_dim=1,
        output_dim=2,
        output="class",
        look_for="A string of bits; the answer is whether it holds an odd number of ones. Flipping any one bit "
        "flips the answer, so no single step gives a hint: the network must count modulo 2 as it reads. A few "
        "bits are learned within the budget; add a few more and watch the curve sit flat at 50 %, maybe for the "
        "whole run, maybe until it suddenly takes off. Difficulty here rises steeply, not gradually.",
    ),
    "sine": LabTask(
        name="sine",
        title="Sine wave: forecast the next value",
        shape="many-to-many",
        metric_name="MSE",
        higher_is_better=False,
        baseline_name="persistence (next = now)",
        min_length=10,
        max_length=200,
        default_length=50,
        input_dim=1,
        output_dim=1,
        output="sequence_value",
        look_for="A noisy sine wave of random phase and frequency; at every step the network predicts the next "
        "value (many-to-many). Repeating the last value (persistence) is the line to beat. A wave is predictable, "
        "so a network that has picked up the frequency should beat it; the noise sets a floor that nothing can "
        "beat. The free-running forecast shows what happens when the network is fed its own predictions.",
    ),
    "randomwalk": LabTask(
        name="randomwalk",
        title="Random walk: the 'stock price' forecast",
        shape="many-to-many",
        metric_name="MSE",
        higher_is_better=False,
        baseline_name="persistence (tomorrow = today)",
        min_length=10,
        max_length=200,
        default_length=50,
        input_dim=1,
        output_dim=1,
        output="sequence_value",
        look_for="A random walk: each step adds independent noise, like the 'stock price' in many RNN tutorials. "
        "The best possible forecast of tomorrow is today's value, because the next step is pure chance. Watch the "
        "curves approach the persistence line but not go clearly below it: a forecast that looks good on a chart "
        "is usually today's value again, one step late.",
    ),
    "chars": LabTask(
        name="chars",
        title="Characters: learn 'hello world'",
        shape="many-to-many",
        metric_name="accuracy",
        higher_is_better=True,
        baseline_name="most frequent character",
        min_length=5,
        max_length=60,
        default_length=20,
        input_dim=len(CHARS_ALPHABET),
        output_dim=len(CHARS_ALPHABET),
        output="sequence_class",
        look_for="The seeds' one-hot toy: windows of the text 'hello world. hello rnn.' repeated, and the network "
        "predicts every next character. After 'hel' always comes 'l'; after 'hello ' comes 'w' or 'r', and only "
        "a memory of the previous phrase tells which (they alternate). Near the start of a window some next "
        "characters are truly ambiguous, so 100 % is impossible: compare the cells with the best possible "
        "accuracy, and watch which one gets there first.",
    ),
}


def generate(task: str, length: int, count: int, seed: int) -> TaskData:
    """`count` examples of `task` with sequences of `length` steps, reproducible for a seed."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
    spec = TASKS[task]
    if not spec.min_length <= length <= spec.max_length:
        raise ValueError(f"length for {task} must be between {spec.min_length} and {spec.max_length}; got {length}")
    if count < 1:
        raise ValueError(f"count must be at least 1; got {count}")
    rng = np.random.default_rng(seed)
    return GENERATORS[task](rng, length, count)


def _memory(rng: np.random.Generator, length: int, count: int) -> TaskData:
    answer = rng.integers(MEMORY_SYMBOLS, size=count)
    inputs = np.zeros((count, length, MEMORY_SYMBOLS + MEMORY_DISTRACTORS), np.float32)
    inputs[np.arange(count), 0, answer] = 1.0
    # Distractors come from their own symbols, so "the first step" is the only place an answer symbol appears.
    distractors = MEMORY_SYMBOLS + rng.integers(MEMORY_DISTRACTORS, size=(count, length - 1))
    rows, steps = np.meshgrid(np.arange(count), np.arange(1, length), indexing="ij")
    inputs[rows, steps, distractors] = 1.0
    return TaskData(inputs, answer.astype(np.int64))


def _adding(rng: np.random.Generator, length: int, count: int) -> TaskData:
    values = rng.random((count, length)).astype(np.float32)
    half = length // 2
    first = rng.integers(half, size=count)  # one marker in each half, as in the original problem
    second = half + rng.integers(length - half, size=count)
    markers = np.zeros((count, length), np.float32)
    markers[np.arange(count), first] = 1.0
    markers[np.arange(count), second] = 1.0
    targets = (values[np.arange(count), first] + values[np.arange(count), second])[:, None]
    return TaskData(np.stack([values, markers], axis=-1), targets.astype(np.float32))


def _parity(rng: np.random.Generator, length: int, count: int) -> TaskData:
    bits = rng.integers(2, size=(count, length))
    return TaskData(bits[..., None].astype(np.float32), (bits.sum(axis=1) % 2).astype(np.int64))


def _sine(rng: np.random.Generator, length: int, count: int) -> TaskData:
    steps = np.arange(length + 1)
    frequency = rng.uniform(0.15, 0.6, size=(count, 1))  # radians per step: periods of about 10 to 40 steps
    phase = rng.uniform(0, 2 * np.pi, size=(count, 1))
    wave = np.sin(frequency * steps + phase) + rng.normal(0, SINE_NOISE, (count, length + 1))
    return _next_value(wave)


def _randomwalk(rng: np.random.Generator, length: int, count: int) -> TaskData:
    # One fixed scale for every walk (start 0, step WALK_STEP), not a per-sequence normalisation: scaling each
    # walk by its own range would leak the future into the inputs and make it predictable.
    walk = np.cumsum(rng.normal(0, WALK_STEP, (count, length + 1)), axis=1)
    return _next_value(walk)


def _next_value(series: np.ndarray) -> TaskData:
    """Inputs are the series up to step T−1, targets the value one step later (many-to-many forecast)."""
    return TaskData(series[:, :-1, None].astype(np.float32), series[:, 1:, None].astype(np.float32))


def _chars(rng: np.random.Generator, length: int, count: int) -> TaskData:
    text = CHARS_TEXT * (length // len(CHARS_TEXT) + 3)
    ids = np.array([CHARS_ALPHABET.index(char) for char in text])
    starts = rng.integers(len(CHARS_TEXT), size=count)  # a random start offset: every window is a new phase
    windows = ids[starts[:, None] + np.arange(length + 1)]
    inputs = np.eye(len(CHARS_ALPHABET), dtype=np.float32)[windows[:, :-1]]
    return TaskData(inputs, windows[:, 1:].astype(np.int64))


GENERATORS = {
    "memory": _memory,
    "adding": _adding,
    "parity": _parity,
    "sine": _sine,
    "randomwalk": _randomwalk,
    "chars": _chars,
}


def baseline(task: str, data: TaskData) -> float:
    """What the task's no-learning baseline scores on `data` (see LabTask.baseline_name)."""
    spec = TASKS[task]
    if spec.output == "class":
        return 1.0 / spec.output_dim
    if spec.output == "value":
        return float(np.mean((data.targets - data.targets.mean()) ** 2))
    if spec.output == "sequence_value":
        return float(np.mean((data.inputs - data.targets) ** 2))  # persistence: the next value is this one
    counts = np.bincount(data.targets.reshape(-1), minlength=spec.output_dim)
    return float(counts.max() / counts.sum())


def score(task: str, data: TaskData, outputs: np.ndarray) -> float:
    """The task's metric for model outputs: class probabilities (or logits) or predicted values."""
    spec = TASKS[task]
    outputs = np.asarray(outputs)
    if spec.output in ("class", "sequence_class"):
        return float(np.mean(outputs.argmax(axis=-1) == data.targets))
    return float(np.mean((outputs.reshape(data.targets.shape) - data.targets) ** 2))


def loss(task: str, data: TaskData, outputs: np.ndarray) -> float:
    """The training loss for model outputs: cross-entropy of class probabilities, or the mean squared error
    (so the loss of regression tasks equals their metric)."""
    spec = TASKS[task]
    outputs = np.asarray(outputs, np.float64)
    if spec.output in ("class", "sequence_class"):
        chosen = np.take_along_axis(outputs, data.targets[..., None], axis=-1)
        return float(-np.mean(np.log(np.clip(chosen, 1e-7, 1.0))))  # Keras clips probabilities the same way
    return float(np.mean((outputs.reshape(data.targets.shape) - data.targets) ** 2))


def best_possible(task: str, length: int) -> float:
    """The best score any predictor can reach on average: 1 or 0 where the answer is certain; for chars, the
    accuracy of the best guess from each window's prefix (the text is fixed, so this is exact); for the forecasts,
    the variance of what cannot be known (the random walk's next step, the sine's noise: a floor, not a target)."""
    spec = TASKS[task]
    if task == "chars":
        return _chars_best_accuracy(length)
    if task == "randomwalk":
        return WALK_STEP**2
    if task == "sine":
        return SINE_NOISE**2
    return 1.0 if spec.higher_is_better else 0.0


def _chars_best_accuracy(length: int) -> float:
    """Over every start offset (equally likely) and step, how often the most common next character after that
    prefix is right: what a perfect memory of the window so far can score."""
    text = CHARS_TEXT * (length // len(CHARS_TEXT) + 3)
    starts = range(len(CHARS_TEXT))
    correct = 0
    for step in range(length):
        following: dict[str, dict[str, int]] = {}
        for start in starts:
            counts = following.setdefault(text[start : start + step + 1], {})
            counts[text[start + step + 1]] = counts.get(text[start + step + 1], 0) + 1
        correct += sum(max(counts.values()) for counts in following.values())
    return correct / (length * len(starts))
