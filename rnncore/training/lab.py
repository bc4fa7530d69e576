"""Sequence Lab training (TensorFlow, in a worker process or the CLI): one small model per chosen cell, trained
interleaved (round k of every cell, then round k+1) so their live curves advance together, within a shared
time budget.

Why it is fast enough to watch: each cell's train step is one compiled tf.function (rnncore/training/lab_steps.py),
traced before training (so no curve is charged for compilation) and only once per worker process for each model
shape, so a class's runs in one process share it. Everything else runs on a NumPy copy of the weights
(rnncore/inference/numpy_rnn.py, Keras's exact equations): the validation score after every round, the hidden
states and the free-running forecast need no TensorFlow call and no tracing. Round 0 is scored before any
compilation, so the first points of every curve appear within about a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from rnncore.events import EventHandler, StopCheck, TrainEvent, ignore_event, never_stop
from rnncore.inference.numpy_rnn import Cell
from rnncore.lab.config import LabConfig
from rnncore.lab.results import CellOutcome, LabResult
from rnncore.lab.tasks import TASKS, LabTask, TaskData, baseline, best_possible, generate, loss, score
from rnncore.training.lab_steps import CompiledShape, compiled_shape, starting_weights

TRAIN_EXAMPLES, VALIDATION_EXAMPLES, BATCH_SIZE = 4_096, 512, 64
GRADIENT_EXAMPLES = 128
FINISH_SECONDS_PER_CELL = 0.4  # kept from the budget for the look inside at the end (measured: 0.2 to 0.4 s)
STOP_POLL_SECONDS = 0.1


def batches_per_round(length: int) -> int:
    """Batches in one round: a few hundredths of a second of training for 16 units on one core, so 40 rounds of
    three cells fit the default 15-second budget on a quiet machine (measured: memory, length 20, 11.7 s for the
    whole run); on a busy one the wall-clock budget ends the run earlier. It depends on the length only, never on
    the clock, so the rounds of a seed are the same whatever else the machine is doing."""
    return int(np.clip(round(1_000 / (length + 10)), 4, 32))


@dataclass
class _CellRun:
    """One cell's weights and Adam state (tensors for the shared compiled step), its own batch order and its
    curve so far."""

    cell: str
    weights: list  # in lab_steps.WEIGHT_NAMES order
    rng: np.random.Generator
    learning_rate: float = 0.01
    first_moments: list = field(default_factory=list)
    second_moments: list = field(default_factory=list)
    steps: int = 0
    compiled: CompiledShape | None = None
    curve: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    compile_seconds: float = 0.0
    last_round_seconds: float = 0.0
    rounds: int = 0
    finished: bool = False

    def train_on(self, inputs: np.ndarray, targets: np.ndarray) -> None:
        """One Adam step per batch: inputs (batches, batch size, T, d) and their targets."""
        state = (self.weights, self.first_moments, self.second_moments)
        state = self.compiled.train_round(*state, float(self.steps), self.learning_rate, inputs, targets)
        self.weights, self.first_moments, self.second_moments = state
        self.steps += len(inputs)

    def mirror(self) -> tuple[Cell, np.ndarray, np.ndarray]:
        """A NumPy copy of the current weights: (recurrent cell, dense kernel, dense bias)."""
        kernel, recurrent, bias, dense_kernel, dense_bias = (np.asarray(weight, np.float32) for weight in self.weights)
        recurrent_bias = None
        if self.cell == "gru":  # Keras's reset_after GRU keeps input and recurrent biases as two rows
            bias, recurrent_bias = bias[0], bias[1]
        return Cell(self.cell, kernel, recurrent, bias, recurrent_bias), dense_kernel, dense_bias


def _forward(task: LabTask, run: _CellRun, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, hidden states (N, T, units)) of the model, computed in NumPy from its current weights."""
    cell, dense_kernel, dense_bias = run.mirror()
    hidden, last, _ = cell.run(inputs, None)
    logits = (hidden if task.output.startswith("sequence") else last) @ dense_kernel + dense_bias
    if task.output.endswith("class"):
        logits = np.exp(logits - logits.max(axis=-1, keepdims=True))
        logits /= logits.sum(axis=-1, keepdims=True)
    return logits, hidden


def _record(task: LabTask, run: _CellRun, validation: TaskData, config: LabConfig, on_event: EventHandler) -> None:
    """Score the cell on the validation data, add the point to its curve and report it."""
    outputs, _ = _forward(task, run, validation.inputs)
    point = {
        "round": run.rounds,
        "seconds": run.seconds,
        "loss": loss(task.name, validation, outputs),
        "metric": score(task.name, validation, outputs),
    }
    run.curve.append(point)
    metrics = {"loss": point["loss"], "metric": point["metric"], "seconds": run.seconds}
    on_event(TrainEvent("epoch", cell=run.cell, epoch=run.rounds, epochs=config.epochs, metrics=metrics))


@contextmanager
def _watching(should_stop: StopCheck) -> Iterator[threading.Event]:
    """An Event set once `should_stop()` says so, polled from a thread every 0.1 s: a stop is acknowledged at
    once even while the main thread traces a step or looks inside a model (the pool ends workers that stay
    silent for a second)."""
    stop, done = threading.Event(), threading.Event()

    def poll() -> None:
        while not done.is_set() and not stop.is_set():
            if should_stop():
                stop.set()
            done.wait(STOP_POLL_SECONDS)

    watcher = threading.Thread(target=poll, name="rnncore-lab-stop", daemon=True)
    watcher.start()
    try:
        yield stop
    finally:
        done.set()
        watcher.join()


def _train_round(run: _CellRun, train: TaskData, batches: int, stop: threading.Event) -> bool:
    """One round of `batches` batches for one cell (one compiled call); False if a stop came first."""
    if stop.is_set():
        return False
    tick = time.perf_counter()
    rows = run.rng.integers(len(train.inputs), size=(batches, BATCH_SIZE))
    run.train_on(train.inputs[rows], train.targets[rows])
    run.last_round_seconds = time.perf_counter() - tick
    run.seconds += run.last_round_seconds
    run.rounds += 1
    return True


def run_lab(config: LabConfig, on_event: EventHandler = ignore_event, should_stop: StopCheck = never_stop) -> LabResult:
    """Train every cell of `config` on its task, interleaved, until `epochs` rounds or the time budget; a stop
    ends the run after the current round and returns what the cells had learned (cancelled=True)."""
    started = time.perf_counter()
    with _watching(should_stop) as stop:
        task = TASKS[config.task]
        train = generate(config.task, config.length, TRAIN_EXAMPLES, config.seed)
        validation = generate(config.task, config.length, VALIDATION_EXAMPLES, config.seed + 1_000_003)
        batches = batches_per_round(config.length)
        on_event(TrainEvent("status", "Building the models …"))
        runs = []
        for cell in config.cells:
            # Every cell draws the same batches in the same order: the comparison is about the cell alone.
            weights = starting_weights(task, cell, config.units, config.length, config.seed)
            runs.append(_CellRun(cell, weights, np.random.default_rng(config.seed), config.learning_rate))
            _record(task, runs[-1], validation, config, on_event)  # round 0: the untrained start
        on_event(TrainEvent("status", "Compiling the training steps …"))
        for run in runs:
            if stop.is_set():
                break
            tick = time.perf_counter()  # tracing, or a moment when this process already traced the shape
            run.compiled = compiled_shape(task, run.cell, config.units, config.length, validation)
            run.compile_seconds = time.perf_counter() - tick
            run.first_moments = [np.zeros_like(weight) for weight in run.weights]
            run.second_moments = [np.zeros_like(weight) for weight in run.weights]
        on_event(TrainEvent("status", "Training …"))
        deadline = started + config.time_budget - FINISH_SECONDS_PER_CELL * len(runs)
        while not stop.is_set() and not all(run.finished for run in runs):
            for run in runs:
                if run.finished or stop.is_set():
                    continue
                # Start a round only if it should end in time, judging by the cell's previous round.
                if run.rounds >= config.epochs or time.perf_counter() + run.last_round_seconds > deadline:
                    run.finished = True
                elif _train_round(run, train, batches, stop):
                    _record(task, run, validation, config, on_event)
        cancelled = stop.is_set()  # a stop while looking inside comes too late to change anything
        on_event(TrainEvent("status", "Looking inside the trained models …"))
        outcomes = {run.cell: _outcome(task, run, validation) for run in runs}
    sequence_value = task.output == "sequence_value"
    return LabResult(
        config=config,
        metric_name=task.metric_name,
        higher_is_better=task.higher_is_better,
        baseline_name=task.baseline_name,
        baseline=baseline(config.task, validation),
        outcomes=outcomes,
        example_inputs=validation.inputs[0],
        example_targets=np.asarray(validation.targets[0]),
        seconds=time.perf_counter() - started,
        cancelled=cancelled,
        forecast_from=config.length // 2 if sequence_value else None,
        batches_per_round=batches,
        batch_size=BATCH_SIZE,
        best_possible=best_possible(config.task, config.length),
    )


def _outcome(task: LabTask, run: _CellRun, validation: TaskData) -> CellOutcome:
    """The cell's final numbers and what it does inside, on the validation data."""
    outputs, hidden = _forward(task, run, validation.inputs[:1])
    forecast = None
    if task.output == "sequence_value":
        forecast = free_running_forecast(run.mirror(), validation.inputs[0], len(validation.inputs[0]) // 2)
    return CellOutcome(
        cell=run.cell,
        metric=run.curve[-1]["metric"],
        seconds=run.seconds,
        curve=list(run.curve),
        example_prediction=outputs[0],
        hidden=hidden[0],
        step_gradient_norms=step_gradient_norms(run, validation),
        compile_seconds=run.compile_seconds,
        forecast=forecast,
    )


def free_running_forecast(mirror: tuple[Cell, np.ndarray, np.ndarray], inputs: np.ndarray, start: int) -> np.ndarray:
    """(T, 1) forecast of a next-value model: forecast[t] predicts the value after step t. The model reads the
    true inputs up to step `start`, then its own previous prediction in place of each later input, so from
    step start + 1 on it runs free. Steps before `start` are NaN."""
    cell, dense_kernel, dense_bias = mirror
    forecast = np.full((len(inputs), 1), np.nan, np.float32)
    h, c = cell.zero_state(1)
    prediction = inputs[0]
    for step in range(len(inputs)):
        value = inputs[step] if step <= start else prediction
        h, c = cell.step(cell.project(value[None, :]), h, c)
        prediction = (h @ dense_kernel + dense_bias)[0]
        if step >= start:
            forecast[step] = prediction
    return forecast


def step_gradient_norms(run: _CellRun, data: TaskData) -> np.ndarray:
    """(T,): over the first examples of `data`, the mean of ‖∂loss/∂x_t‖, the loss being each example's own:
    how much the input at step t still moves the loss (vanishing gradients make early steps fall to ~0).
    Zeros for a run stopped before its step was compiled."""
    count = min(GRADIENT_EXAMPLES, len(data.inputs))
    if run.compiled is None:
        return np.zeros(data.inputs.shape[1], np.float32)
    gradient = np.asarray(run.compiled.input_gradient(run.weights, data.inputs[:count], data.targets[:count]))
    # The batch loss is the mean of the examples' losses: times `count` gives each example's own gradient.
    return (np.linalg.norm(gradient, axis=-1) * count).mean(axis=0)


def run_lab_job(config: LabConfig, on_event: EventHandler, should_stop: StopCheck) -> LabResult:
    """Worker-pool entry point (lane "lab"): rnncore.jobs.requests.LAB_TASK."""
    return run_lab(config, on_event, should_stop)
