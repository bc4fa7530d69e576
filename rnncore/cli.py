"""Command-line interface: `python -m rnncore {train,evaluate,predict,generate,export,lab,seq2seq,models,data} …`.

Human progress goes to stderr; for train/evaluate/predict/lab/seq2seq/models the last line of stdout is one JSON
object. Bad input exits with status 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rnncore import notebook_command
from rnncore.bagofwords import command as bag_command
from rnncore.blend import command as blend_command
from rnncore.config import CHARS_ONLY, SENTIMENT_ONLY, RunConfig
from rnncore.errors import RnncoreError
from rnncore.events import TrainEvent
from rnncore.lab.config import LAB_TASKS, LabConfig
from rnncore.lm import command as lm_command
from rnncore.paths import class_models_dir
from rnncore.seq2seq import command as seq2seq_command
from rnncore.settings import add_flags, from_flags
from rnncore.store import ModelStore, RunInfo, run_candidates, safe_name, stores
from rnncore.training.teachers import check_same_split, recorded_teachers

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default prints usage; one clear line is enough
        raise RnncoreError(f"{self.prog}: {message}")


def _run_flags(parser: argparse.ArgumentParser, task: str) -> None:
    """The RunConfig settings this task reads (one flag each, from the fields), then the command's own flags."""
    add_flags(parser, RunConfig, skip=("task", *(CHARS_ONLY if task == "sentiment" else SENTIMENT_ONLY)))
    parser.add_argument("--init-from", help="continue training from this saved run (same architecture)")
    parser.add_argument("--out", help="run folder to create (default: the class store, auto-named)")
    parser.add_argument(
        "--max-minutes", type=float, default=0, help="stop after this much training time, keeping the best epoch"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree for every command."""
    parser = _Parser(prog="python -m rnncore", description="RNN Playground engine")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a model")
    tasks = train.add_subparsers(dest="task", required=True, parser_class=_Parser)
    sentiment = tasks.add_parser("sentiment", help="IMDB sentiment (many-to-one)")
    _run_flags(sentiment, "sentiment")
    sentiment.add_argument(
        "--teacher",
        action="append",
        default=[],
        metavar="MODEL",
        help="also learn from the unlabelled reviews as labelled by this saved model (repeat to average several)",
    )
    lm_command.add_parser(tasks)
    bag_command.add_parser(tasks)
    chars = tasks.add_parser("chars", help="character language model (many-to-many)")
    _run_flags(chars, "chars")

    evaluate = commands.add_parser("evaluate", help="score a saved model")
    evaluate.add_argument("model")
    evaluate.add_argument("--limit", type=int, default=0, help="first N test reviews (fixed order)")

    predict = commands.add_parser("predict", help="sentiment of reviews")
    predict.add_argument("model")
    predict.add_argument("texts", nargs="*")
    predict.add_argument("--file", help="one review per line")

    generate = commands.add_parser("generate", help="generate text with a char model")
    generate.add_argument("model")
    generate.add_argument("--prime", default="")
    generate.add_argument("--length", type=int, default=300)
    generate.add_argument("--temperature", type=float, default=0.8)
    generate.add_argument("--top-k", type=int, default=0)
    generate.add_argument("--greedy", action="store_true")
    generate.add_argument("--seed", type=int, default=None)
    generate.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="write weights.npz (what the server's NumPy inference reads)")
    export.add_argument("models", nargs="+")

    lab = commands.add_parser("lab", help="a Sequence Lab run: a toy sequence task, one cell")
    lab.add_argument("lab_task", metavar="TASK", choices=LAB_TASKS, help=", ".join(LAB_TASKS))
    add_flags(lab, LabConfig, skip=("task",), defaults={"cells": ("lstm",)})

    seq2seq_command.add_parser(commands)
    blend_command.add_parser(commands)
    notebook_command.add_parser(commands)

    commands.add_parser("models", help="list saved models")
    data = commands.add_parser("data", help="make sure a dataset is present")
    data.add_argument("dataset", choices=("imdb", "shakespeare"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return COMMANDS[args.command](args)
    except RnncoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _emit(value: dict[str, Any]) -> None:
    print(json.dumps(value, ensure_ascii=False))


def _config_from(args: argparse.Namespace) -> RunConfig:
    try:
        return from_flags(RunConfig, args, task=args.task)
    except ValueError as error:
        raise RnncoreError(str(error)) from error


class ProgressPrinter:
    """Renders TrainEvents as a one-line progress bar on stderr."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.last_print = 0.0

    def __call__(self, event: TrainEvent) -> None:
        if event.kind == "batch":
            now = time.monotonic()
            if now - self.last_print < 0.5 and event.batch != event.batches:
                return
            self.last_print = now
            filled = int(event.progress * 30)
            loss = event.metrics.get("loss", float("nan"))
            line = (
                f"\repoch {event.epoch}/{event.epochs} [{'#' * filled}{'.' * (30 - filled)}] "
                f"batch {event.batch}/{event.batches} loss {loss:.4f} "
                f"{event.examples_per_second:,.0f} ex/s ETA {event.eta_seconds:,.0f}s"
            )
            self.stream.write(line)
        elif event.kind == "epoch":
            shown = " ".join(f"{key} {value:.4f}" for key, value in event.metrics.items())
            self.stream.write(f"\repoch {event.epoch}/{event.epochs} done: {shown}{' ' * 20}\n")
            if event.message:
                self.stream.write(event.message + "\n")
        else:
            self.stream.write(f"{event.message}\n")
        self.stream.flush()


def _store_and_name(out: str | None, config: RunConfig) -> tuple[ModelStore, str]:
    if out:
        path = Path(out)
        # The run is saved in exactly this folder, so the next command can name it: refuse now (before
        # minutes of training) rather than save under a silently changed name.
        if safe_name(path.name) != path.name:
            raise RnncoreError(
                f"--out must end in a folder name of lowercase letters, digits, '-' and '_' "
                f"(got {path.name!r}; for example {safe_name(path.name)!r})"
            )
        if path.exists():
            raise RnncoreError(f"--out {out} already exists: choose a new folder (runs are never overwritten)")
        return ModelStore(path.parent if str(path.parent) else Path(".")), path.name
    return ModelStore(class_models_dir()), f"{config.task}-{config.cell}-{time.strftime('%Y%m%d-%H%M%S')}"


def cmd_train(args: argparse.Namespace) -> int:
    """Train and save; prints the result JSON."""
    if args.task == "lm":
        return lm_command.run(args, ProgressPrinter(), _stop_requests, class_models_dir(), _emit)
    if args.task == "bagofwords":
        return bag_command.run(args, ProgressPrinter(), class_models_dir(), _emit)
    config = _config_from(args)
    # cheap checks first: importing TensorFlow takes seconds, a typo should not
    if args.max_minutes < 0:
        raise RnncoreError("--max-minutes must be 0 (no limit) or positive")
    if config.task == "chars" and config.corpus not in ("shakespeare", "imdb") and not Path(config.corpus).is_file():
        raise RnncoreError(f"Corpus {config.corpus!r} is not 'shakespeare', 'imdb' or an existing text file")
    store, name = _store_and_name(args.out, config)
    from rnncore.training.keras_io import save_run
    from rnncore.training.train import train

    extra: dict[str, Any] = {"command": "python -m rnncore " + " ".join(shlex.quote(arg) for arg in args.argv)}
    initial_weights = None
    if args.init_from:
        start = _load(args.init_from)
        check_same_split(start.config, config, "--init-from's model")
        initial_weights = start.model.get_weights()
        # keep the lineage so a model card can state the total training time honestly
        parent, earlier = start.info.info, start.info.info.get("init_from", {})
        extra["init_from"] = {
            "path": str(start.info.path),
            "train_seconds": parent.get("train_seconds", 0) + earlier.get("train_seconds", 0),
            "epochs": len(parent.get("history", [])) + earlier.get("epochs", 0),
            "commands": [*earlier.get("commands", []), parent.get("command", "")],  # every earlier stage, in order
        }
        if recorded_teachers(parent):  # an earlier stage learnt from teachers: keep them
            extra["init_from"]["teachers"] = recorded_teachers(parent)
    printer, data = ProgressPrinter(), None
    if getattr(args, "teacher", None):
        from rnncore.data.datasets import prepare_sentiment
        from rnncore.training.teachers import check_teachers, with_teacher_labels

        teachers = [_load(reference) for reference in args.teacher]
        check_teachers(teachers, config)  # before the data is prepared: a mistake should cost no waiting
        status = lambda message: printer(TrainEvent("status", message))  # noqa: E731
        data, extra["teachers"] = with_teacher_labels(prepare_sentiment(config, status), config, teachers, status)
    result = train(
        config,
        data,
        on_event=printer,
        should_stop=_stop_requests(args.max_minutes),
        initial_weights=initial_weights,
    )
    run = save_run(store, result, name, extra)
    summary: dict[str, Any] = {
        "path": str(run.path),
        "train_seconds": result.train_seconds,
        "epochs": len(result.history),
    }
    summary.update({key: value for key, value in result.metrics.items() if key != "confusion"})
    if "confusion" in result.metrics:
        summary["confusion"] = result.metrics["confusion"]
    _emit(summary)
    return 0


def _stop_requests(max_minutes: float):
    """A should_stop callable: true once the time budget is spent or after Ctrl-C / SIGTERM, so training
    ends after the current batch and the best epoch so far is still saved."""
    deadline = time.monotonic() + max_minutes * 60 if max_minutes > 0 else float("inf")
    stop = threading.Event()

    def request_stop(signum, frame):
        print("\nstopping after this batch; the best epoch so far will be saved …", file=sys.stderr)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    return lambda: stop.is_set() or time.monotonic() > deadline


def find_run(reference: str) -> RunInfo:
    """A run by folder path, or by name in the class store, then the shipped store."""
    candidates = run_candidates(reference)
    if candidates:
        return candidates[0]
    raise RnncoreError(f"No model {reference!r}: give a run folder or a name from `python -m rnncore models`")


def _load(reference: str):
    """A run as a Keras model (evaluation needs TensorFlow)."""
    from rnncore.training.keras_io import load_keras_run

    return load_keras_run(_listed(reference))


def _load_network(reference: str):
    """A run for NumPy inference; a run without weights.npz gets it exported first (once)."""
    from rnncore.inference.runs import load_network_run

    run = _listed(reference)
    if not run.has_weights:
        from rnncore.training.keras_io import export_weights

        export_weights(run)
    return load_network_run(run)


def _listed(reference: str) -> RunInfo:
    run = find_run(reference)
    if run.error:
        raise RnncoreError(f"Model {run.name!r} is broken: {run.error}")
    return run


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on its held-out data."""
    from rnncore.training.evaluate import evaluate_run

    loaded = _load(args.model)
    _emit(evaluate_run(loaded, limit=args.limit, on_progress=lambda message: print(message, file=sys.stderr)))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Sentiment for texts given as arguments or lines of a file."""
    from rnncore.inference.predict import Predictor
    from rnncore.inference.scorers import load_scorer

    texts = list(args.texts)
    if args.file:
        try:
            texts += [line for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise RnncoreError(f"Cannot read {args.file}: {error}") from error
    if not texts:
        raise RnncoreError("Give at least one review (as an argument or with --file)")
    empty = [number for number, text in enumerate(texts, start=1) if not text.strip()]
    if empty:
        raise RnncoreError(f"Review {empty[0]} is empty: type a review to get a prediction")
    run = _listed(args.model)
    if run.kind == "sentiment":
        scorer = Predictor(_load_network(args.model))  # exported first when it has no weights.npz yet
    else:
        scorer = load_scorer(run)  # a bag-of-words model or a blend
    predictions = scorer.predict_batch(texts)
    _emit({"predictions": [{"text": text, **p.to_dict()} for text, p in zip(texts, predictions)]})
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate text from a char model."""
    from rnncore.inference.sample import CharSampler, check_sampling

    # checked before the model loads: a bad flag is refused at once, in the sampler's own words
    check_sampling(args.length, args.temperature, args.top_k, args.seed)
    sampler = CharSampler(_load_network(args.model))
    started = time.perf_counter()
    pieces = []
    for step in sampler.generate(
        args.prime, args.length, temperature=args.temperature, top_k=args.top_k, greedy=args.greedy, seed=args.seed
    ):
        pieces.append(step.char)
        if not args.json:
            sys.stdout.write(step.char)
            sys.stdout.flush()
    seconds = time.perf_counter() - started
    if args.json:
        _emit({"text": args.prime + "".join(pieces), "chars_per_second": round(len(pieces) / max(seconds, 1e-9), 1)})
    else:
        sys.stdout.write("\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write each run's weights.npz from its model.keras (runs saved before the archive existed)."""
    from rnncore.training.keras_io import export_weights

    written = [str(export_weights(_listed(reference))) for reference in args.models]
    _emit({"exported": written})
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Train one cell (or several side by side, `--cell gru lstm`) on one Sequence Lab task; the last stdout line
    is the JSON summary, of the first cell (and with several, each cell's under "outcomes")."""
    from rnncore.lab.tasks import TASKS
    from rnncore.training.lab import run_lab

    try:
        config = from_flags(LabConfig, args, task=args.lab_task)
    except ValueError as error:
        raise RnncoreError(str(error)) from error
    metric_name = TASKS[config.task].metric_name

    def show(event: TrainEvent) -> None:
        if event.kind == "epoch":
            metrics = event.metrics
            print(
                f"round {event.epoch}/{event.epochs}: {metric_name} {metrics['metric']:.4f}, "
                f"loss {metrics['loss']:.4f} ({metrics['seconds']:.1f} s)",
                file=sys.stderr,
            )
        elif event.kind == "status":
            print(event.message, file=sys.stderr)

    result = run_lab(config, on_event=show)
    cell = config.cells[0]
    outcome = result.outcomes[cell]
    _emit(
        {
            "task": config.task,
            "cell": cell,
            "length": config.length,
            "units": config.units,
            "learning_rate": config.learning_rate,
            "epochs": config.epochs,
            "rounds": outcome.curve[-1]["round"],
            "batches_per_round": result.batches_per_round,
            "seed": config.seed,
            "metric_name": result.metric_name,
            "metric": outcome.metric,
            "baseline_name": result.baseline_name,
            "baseline": result.baseline,
            "higher_is_better": result.higher_is_better,
            "best_possible": result.best_possible,
            "seconds": round(result.seconds, 2),
            "train_seconds": round(outcome.seconds, 2),
            "compile_seconds": round(outcome.compile_seconds, 2),
            "budget": config.time_budget,
            **({"outcomes": _lab_outcomes(result)} if len(config.cells) > 1 else {}),
        }
    )
    return 0


def _lab_outcomes(result) -> dict[str, dict[str, Any]]:
    """Per cell of a run of several (`--cell gru lstm`): its metric, rounds and training seconds."""
    return {
        cell: {
            "metric": outcome.metric,
            "rounds": outcome.curve[-1]["round"],
            "train_seconds": round(outcome.seconds, 2),
        }
        for cell, outcome in result.outcomes.items()
    }


def cmd_models(args: argparse.Namespace) -> int:
    """List shipped and class models."""
    runs = []
    for source, store in stores():
        for run in store.list_runs():
            print(
                f"{source:8} {run.kind or 'broken':10} {run.name}{'  ERROR: ' + run.error if run.error else ''}",
                file=sys.stderr,
            )
            runs.append({"source": source, **run.summary()})
    _emit({"models": runs})
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    """Download or locate a dataset and print counts."""

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    if args.dataset == "imdb":
        from rnncore.data.imdb import load_imdb

        data = load_imdb(say)
        _emit({"dataset": "imdb", "train": len(data.train), "test": len(data.test), "fingerprint": data.fingerprint})
    else:
        from rnncore.data.corpus import load_corpus

        corpus = load_corpus("shakespeare", say)
        _emit({"dataset": "shakespeare", "characters": len(corpus.text), "alphabet": corpus.vocabulary.size})
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "generate": cmd_generate,
    "export": cmd_export,
    "lab": cmd_lab,
    "seq2seq": lambda args: seq2seq_command.run(args, _stop_requests(0), _emit),
    "notebook": lambda args: notebook_command.run(args, _emit),
    "blend": lambda args: blend_command.run(args, ProgressPrinter(), class_models_dir(), _listed, _emit),
    "models": cmd_models,
    "data": cmd_data,
}
