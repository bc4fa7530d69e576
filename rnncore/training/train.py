"""Train a model from a RunConfig, reporting progress as TrainEvents.

Early stopping watches validation loss and restores the best weights; a stop request is honoured after
the current batch (Keras checks `stop_training` between batches) and also keeps the best weights.

Sentiment models are then scored on the test set, or on the lesson's fixed sample of it (`test_sample`,
rnncore/training/evaluate.py), in chunks of SCORE_CHUNK reviews: a Stop while scoring ends it after the current
chunk, and the metrics are those of the reviews scored so far (`n` of `test_reviews`, `stopped_scoring`). A job
stopped before scoring began is scored on at most the lesson's sample, so Stop never waits for 25,000 reviews.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from rnncore.config import RunConfig
from rnncore.data.datasets import CharData, SentimentData, prepare_chars, prepare_sentiment
from rnncore.errors import RnncoreError
from rnncore.events import EventHandler, StopCheck, TrainEvent, ignore_event, never_stop
from rnncore.results import TrainResult
from rnncore.training.evaluate import LESSON_SAMPLE, SAMPLE_SEED, lesson_sample_rows
from rnncore.training.model import build_model, start_from_language_model
from rnncore.training.review_batches import LengthGroupedBatches, predict_by_length
from rnncore.training.tf_setup import keras_module

keras = keras_module()  # this module is imported only when training, so TensorFlow is needed anyway
EVAL_BATCH = 512
SCORE_CHUNK = 1024  # test reviews scored between two looks at the stop flag (two EVAL_BATCH batches)


def train(
    config: RunConfig,
    data: SentimentData | CharData | None = None,
    on_event: EventHandler = ignore_event,
    should_stop: StopCheck = never_stop,
    initial_weights: list | None = None,
    test_sample: int = 0,
) -> TrainResult:
    """Train (loading data for `config` when `data` is None), then evaluate; see module docstring.
    `initial_weights` (from a saved run of the same architecture) continues training from there; `test_sample`:
    score a sentiment model on that many test reviews of the lesson's fixed sample (0 = the whole test set)."""
    if data is None:
        on_event(TrainEvent("status", "Loading data …"))
        status = lambda message: on_event(TrainEvent("status", message))  # noqa: E731
        data = prepare_sentiment(config, status) if config.task == "sentiment" else prepare_chars(config, None, status)
    keras.utils.set_random_seed(config.seed)
    on_event(TrainEvent("status", "Building the model …"))
    model = build_model(config, data.vocabulary.size)
    if initial_weights is not None:
        expected = [tuple(w.shape) for w in model.get_weights()]
        if [tuple(w.shape) for w in initial_weights] != expected:
            raise RnncoreError("The starting model has a different architecture or vocabulary than these settings")
        model.set_weights(initial_weights)
    elif config.language_model:
        start_from_language_model(model, config, on_event)
    elif config.embedding_init == "cooccurrence":
        _start_from_word_vectors(model, config, data, on_event)
    model.compile(optimizer=_optimizer(config), **_loss_and_metrics(config))
    if config.adversarial > 0:
        from rnncore.training.adversarial import use_adversarial_training

        use_adversarial_training(model, config.adversarial)
    if config.discriminative_rates > 1:
        from rnncore.training.discriminative import use_discriminative_rates

        use_discriminative_rates(model, config.discriminative_rates)
    if isinstance(data, CharData):
        windows = ShiftingWindows(data.x_train, data.y_train, config.batch_size, config.seed)
        inputs, examples = {"x": windows}, windows.count
    elif config.mask_padding:
        batches = LengthGroupedBatches(data.x_train, data.y_train, config.batch_size, config.padding, config.seed)
        inputs, examples = {"x": batches.as_dataset(), "shuffle": False}, len(data.x_train)  # it shuffles itself
    else:  # without a mask the padding is part of the input, so every review keeps its full length
        inputs = {"x": data.x_train, "y": data.y_train, "batch_size": config.batch_size, "shuffle": True}
        examples = len(data.x_train)
    watcher = _ProgressWatcher(config, data, examples, on_event, should_stop)
    started = time.perf_counter()
    model.fit(**inputs, epochs=config.epochs, verbose=0, callbacks=[watcher])
    train_seconds = time.perf_counter() - started
    watcher.restore_best()
    stopped = watcher.cancelled or should_stop()  # a stop during the last validation comes to light here
    on_event(TrainEvent("status", "Evaluating …"))
    rows = None
    if isinstance(data, SentimentData) and watcher.history:
        size = min(test_sample or LESSON_SAMPLE, LESSON_SAMPLE) if stopped else test_sample
        metrics, rows = score_sentiment(model, config, data, size, None if stopped else should_stop, on_event)
        stopped = stopped or metrics.get("stopped_scoring", False)
    else:
        metrics = _evaluate_chars(model, data) if watcher.history else {}
    result = TrainResult(
        config=config,
        model=model,
        vocabulary=data.vocabulary,
        history=watcher.history,
        metrics=metrics,
        train_seconds=round(train_seconds, 2),
        fingerprint=data.fingerprint,
        stopped_early=watcher.stopped_early,
        cancelled=stopped,
    )
    if rows is not None:
        result.extras["misclassified"] = _misclassified(metrics.pop("_probabilities"), data, rows)
    on_event(TrainEvent("done", "Cancelled" if stopped else "Finished", metrics=_scalars(metrics)))
    return result


def score_sentiment(
    model, config: RunConfig, data: SentimentData, size: int, should_stop: StopCheck | None, on_event: EventHandler
) -> tuple[dict[str, Any], np.ndarray]:
    """Metrics on the test rows of the lesson's sample of `size` (0 = all), scored chunk by chunk; with
    `should_stop`, a stop ends scoring after the current chunk (the first chunk is always scored, so there is a
    figure). Returns the metrics and the rows scored, in the order of the probabilities."""
    rows = lesson_sample_rows(data.y_test, size)
    parts: list[np.ndarray] = []
    scored, stopped = 0, False
    for start in range(0, len(rows), SCORE_CHUNK):
        # asked on every chunk, the first included: that is how the worker tells the pool it saw a stop in time
        if should_stop is not None and should_stop() and scored:
            stopped = True
            break
        chunk = rows[start : start + SCORE_CHUNK]
        parts.append(sentiment_probabilities(model, config, data.x_test[chunk]))
        scored += len(chunk)
        if len(rows) > SCORE_CHUNK:
            on_event(TrainEvent("status", f"Scoring the test reviews: {scored:,} of {len(rows):,} …"))
    probabilities = np.concatenate(parts) if parts else np.empty(0, np.float32)
    metrics = sentiment_metrics(probabilities, data.y_test[rows[:scored]])
    metrics.update(
        test_reviews=int(len(rows)),  # what was to be scored: the sample, or the whole test set
        test_set=f"sample of {len(data.y_test):,} (seed {SAMPLE_SEED})" if len(rows) < len(data.y_test) else "full",
        _probabilities=probabilities,
    )
    if stopped:
        metrics["stopped_scoring"] = True
    return metrics, rows[:scored]


def _start_from_word_vectors(model, config: RunConfig, data: SentimentData, on_event: EventHandler) -> None:
    from rnncore.data.word_vectors import imdb_word_vectors

    on_event(TrainEvent("status", "Preparing word vectors from the unlabelled reviews …"))
    status = lambda message: on_event(TrainEvent("status", message))  # noqa: E731
    vectors = imdb_word_vectors(config.vocab_size, config.embed_dim, data.fingerprint, status)
    embedding = model.get_layer("embedding")
    if vectors.shape != tuple(embedding.embeddings.shape):
        raise RnncoreError("The word vectors do not match this vocabulary; clear the cache folder and retry")
    embedding.set_weights([vectors])


def _optimizer(config: RunConfig):
    options: dict[str, Any] = {"learning_rate": config.learning_rate}
    if config.clipnorm > 0:
        options["clipnorm"] = config.clipnorm  # bounds exploding gradients, the classic RNN failure
    return {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}[
        config.optimizer
    ](**options)


def _loss_and_metrics(config: RunConfig) -> dict[str, Any]:
    if config.task == "sentiment":
        accuracy = keras.metrics.MeanMetricWrapper(_rounded_label_accuracy, name="accuracy")
        return {"loss": "binary_crossentropy", "metrics": [accuracy]}
    return {"loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True), "metrics": ["accuracy"]}


def _rounded_label_accuracy(y_true, y_pred):
    # a teacher's label is a probability (rnncore.training.teachers): agreeing with it means being on its side of 0.5
    return keras.metrics.binary_accuracy(keras.ops.round(y_true), y_pred)


def _scalars(metrics: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in metrics.items() if isinstance(value, (int, float))}


class ShiftingWindows(keras.utils.PyDataset):
    """Character-model training batches whose window boundaries move by a random offset every epoch.
    With one fixed cut the model sees each stretch of text at the same window position (with the same
    amount of context) every epoch and memorises it; re-cutting gives fresh windows of the same text."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0):
        super().__init__()
        self.stream = np.concatenate([x.ravel(), y[-1, -1:]])  # the training text the windows were cut from
        self.seq_len = x.shape[1]
        self.count = max(1, len(x) - 1)  # windows per epoch: the same for every offset
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def on_epoch_end(self) -> None:
        """Pick the next epoch's offset and window order."""
        offset = int(self.rng.integers(self.seq_len)) if self.count < len(self.stream) // self.seq_len else 0
        self.starts = offset + self.seq_len * self.rng.permutation(self.count)

    def __len__(self) -> int:
        return math.ceil(self.count / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        starts = self.starts[index * self.batch_size : (index + 1) * self.batch_size]
        positions = starts[:, None] + np.arange(self.seq_len)
        return self.stream[positions], self.stream[positions + 1]


class _ProgressWatcher(keras.callbacks.Callback):
    """Emits events, validates at the end of each epoch, early-stops on validation loss and honours
    stop requests. Validation runs here rather than in fit() so that a stop skips it."""

    def __init__(self, config: RunConfig, data, examples: int, on_event: EventHandler, should_stop: StopCheck):
        super().__init__()
        self.config, self.data, self.on_event, self.should_stop = config, data, on_event, should_stop
        self.examples = examples
        self.batches = math.ceil(examples / config.batch_size)
        self.history: list[dict[str, float]] = []
        self.best_loss = math.inf
        self.best_weights = None
        self.waited = 0
        self.stopped_early = False
        self.cancelled = False
        self.epoch_seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.epoch_started = time.perf_counter()
        if epoch == 0:
            self.run_started = self.epoch_started

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        done = batch + 1
        per_batch = (now - self.epoch_started) / done
        epoch_guess = self.epoch_seconds[-1] if self.epoch_seconds else per_batch * self.batches * 1.1
        remaining_epochs = self.config.epochs - self.epoch
        self.on_event(
            TrainEvent(
                "batch",
                epoch=self.epoch,
                epochs=self.config.epochs,
                batch=done,
                batches=self.batches,
                metrics={key: float(value) for key, value in (logs or {}).items()},
                examples_per_second=done * self.config.batch_size / max(now - self.epoch_started, 1e-9),
                eta_seconds=per_batch * (self.batches - done) + remaining_epochs * epoch_guess,
                elapsed_seconds=now - self.run_started,
            )
        )
        if self.should_stop():
            self.cancelled = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.cancelled:
            return  # skip validation so a stop request takes effect at once
        metrics = {key: float(value) for key, value in (logs or {}).items()}
        metrics.update(self._validate())
        self.history.append(metrics)
        self.epoch_seconds.append(time.perf_counter() - self.epoch_started)
        if metrics["val_loss"] < self.best_loss:
            self.best_loss, self.waited = metrics["val_loss"], 0
            self.best_weights = self.model.get_weights()
        else:
            self.waited += 1
            if self.config.patience and self.waited >= self.config.patience:
                self.stopped_early = True
                self.model.stop_training = True
        now = time.perf_counter()
        self.on_event(
            TrainEvent(
                "epoch",
                message="Early stop: validation loss stopped improving" if self.stopped_early else "",
                epoch=self.epoch,
                epochs=self.config.epochs,
                batch=self.batches,
                batches=self.batches,
                metrics=metrics,
                examples_per_second=self.examples / max(self.epoch_seconds[-1], 1e-9),
                eta_seconds=(self.config.epochs - self.epoch) * self.epoch_seconds[-1] * (not self.stopped_early),
                elapsed_seconds=now - self.run_started,
            )
        )

    def _validate(self) -> dict[str, float]:
        if isinstance(self.data, SentimentData):
            probabilities = sentiment_probabilities(self.model, self.config, self.data.x_val)
            metrics = sentiment_metrics(probabilities, self.data.y_val)
            return {"val_accuracy": metrics["accuracy"], "val_loss": metrics["loss"]}
        values = self.model.evaluate(
            self.data.x_val, self.data.y_val, batch_size=EVAL_BATCH, verbose=0, return_dict=True
        )
        return {f"val_{key}": float(value) for key, value in values.items()}

    def restore_best(self) -> None:
        """Put back the weights of the epoch with the lowest validation loss, if any epoch finished."""
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def _evaluate_chars(model, data: CharData) -> dict[str, Any]:
    from rnncore.inference.numpy_rnn import NumpyRNN
    from rnncore.inference.sample import stateful_nats_per_char

    values = model.evaluate(data.x_val, data.y_val, batch_size=EVAL_BATCH, verbose=0, return_dict=True)
    # Windows start from a blank state; carried along, the state gives every character its full context.
    stateful = stateful_nats_per_char(NumpyRNN.from_keras(model, "chars"), data.validation_ids)
    return {
        "val_loss": float(values["loss"]),
        "val_bits_per_char": float(values["loss"]) / math.log(2),
        "val_loss_stateful": stateful,
    }


def sentiment_probabilities(model, config: RunConfig, x: np.ndarray) -> np.ndarray:
    """P(positive) for padded reviews; masked models skip most padding by scoring in length groups."""
    if config.mask_padding:
        return predict_by_length(model, x, config.padding, EVAL_BATCH)
    return model.predict(x, batch_size=EVAL_BATCH, verbose=0).reshape(-1)


def sentiment_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Accuracy, binary cross-entropy and confusion-matrix counts for P(positive) against 0/1 labels."""
    p = np.clip(probabilities.astype(np.float64), 1e-7, 1 - 1e-7)
    y = labels.astype(np.float64)
    predicted = p >= 0.5
    actual = y >= 0.5
    return {
        "accuracy": float(np.mean(predicted == actual)),
        "loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "n": int(len(y)),
        "confusion": {
            "true_positive": int(np.sum(predicted & actual)),
            "false_positive": int(np.sum(predicted & ~actual)),
            "true_negative": int(np.sum(~predicted & ~actual)),
            "false_negative": int(np.sum(~predicted & actual)),
        },
    }


def _misclassified(
    probabilities: np.ndarray, data: SentimentData, rows: np.ndarray, count: int = 20
) -> list[dict[str, Any]]:
    """The most confidently wrong of the scored test reviews (`probabilities[i]` is row `rows[i]`'s): the best
    material for a class discussion."""
    labels = data.y_test[rows]
    wrong = np.flatnonzero((probabilities >= 0.5) != (labels >= 0.5))
    worst = wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5), kind="stable")][:count]
    return [
        {"text": data.test_texts[rows[i]], "label": int(labels[i]), "probability": float(probabilities[i])}
        for i in worst
    ]
