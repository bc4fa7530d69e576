"""The model store: round trips, names, concurrency, broken runs, and saves killed at random moments."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.results import TrainResult
from rnncore.store import INFO_FILE, MODEL_FILE, VOCAB_FILE, WEIGHTS_FILE, ModelStore, safe_name
from rnncore.training.keras_io import load_keras_run, save_run

REPO = Path(__file__).resolve().parents[1]


def make_result(config: Any, model: Any, vocabulary: Any, **changes: Any) -> TrainResult:
    """A TrainResult with made-up training figures around a real (tiny) model."""
    figures = dict(
        history=[{"loss": 0.6, "val_loss": 0.7}],
        metrics={"accuracy": 0.75, "loss": 0.5, "n": 48},
        train_seconds=1.5,
        fingerprint="0123456789abcdef",
    )
    return TrainResult(config, model, vocabulary, **{**figures, **changes})


@pytest.fixture(scope="module")
def result(sentiment_run) -> TrainResult:
    return make_result(sentiment_run.config, sentiment_run.model, sentiment_run.vocabulary)


@pytest.fixture(scope="module")
def char_result(char_run) -> TrainResult:
    return make_result(char_run.config, char_run.model, char_run.vocabulary, metrics={"val_loss": 1.2})


@pytest.fixture
def store(tmp_path) -> ModelStore:
    return ModelStore(tmp_path / "store")


def _same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_save_list_load_round_trip(store, result, char_result):
    assert store.list_runs() == []  # a store folder that does not exist yet is simply empty
    saved = save_run(store, result, "My Model", {"command": "python -m rnncore train sentiment"})
    assert saved.name == "my-model" and saved.error is None and saved.kind == "sentiment"
    assert sorted(p.name for p in saved.path.iterdir()) == [MODEL_FILE, INFO_FILE, VOCAB_FILE, WEIGHTS_FILE]
    info = json.loads((saved.path / INFO_FILE).read_text(encoding="utf-8"))
    assert info["config"] == result.config.to_dict()
    assert info["metrics"] == result.metrics and info["history"] == result.history
    assert info["parameters"] == result.model.count_params()
    assert info["command"] == "python -m rnncore train sentiment"
    assert info["data_fingerprint"] == result.fingerprint and info["vocabulary"]["type"] == "words"
    chars = save_run(store, char_result, "chars")
    assert chars.kind == "chars" and not (chars.path / VOCAB_FILE).exists()

    listed = store.list_runs()
    assert {run.name for run in listed} == {"my-model", "chars"}
    assert all(run.error is None for run in listed)
    loaded = load_keras_run(store.get("My Model"))  # looked up with the same sanitising
    assert loaded.config == result.config and loaded.vocabulary == result.vocabulary
    assert _same_weights(loaded.model, result.model)
    assert load_keras_run(store.get("chars")).vocabulary == char_result.vocabulary
    assert store.get("my-model").metrics == result.metrics
    assert store.get("my-model").summary()["error"] is None


def test_saving_a_compiled_model_drops_the_optimizer(store, result):
    from rnncore.training.tf_setup import keras_module

    keras = keras_module()
    model = keras.models.clone_model(result.model)
    model.set_weights(result.model.get_weights())
    model.compile(optimizer="adam", loss="binary_crossentropy")
    saved = save_run(store, make_result(result.config, model, result.vocabulary), "compiled")
    loaded = load_keras_run(saved)
    assert _same_weights(loaded.model, model)
    assert model.optimizer is not None  # the caller's model is left as it was


def test_names_are_unique_on_collision(store, result):
    names = [save_run(store, result, "run").name for _ in range(3)]
    assert names == ["run", "run-2", "run-3"]
    assert save_run(store, result, "RUN").name == "run-4"  # same after sanitising


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("/absolute/path", "absolute-path"),
        ("..", "run"),
        ("", "run"),
        ("   ", "run"),
        (".hidden", "hidden"),
        ("Ünïcödé 映画 😀", "n-c-d"),
        ("a" * 200, "a" * 60),
        ("with\x00nul\nnewline", "with-nul-newline"),
        ("CON", "con"),
        ("ok_name-1", "ok_name-1"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "映画 😀", "~/.bashrc", "a/../../b"])
def test_hostile_names_stay_inside_the_store(store, result, name):
    saved = save_run(store, result, name)
    assert saved.path.parent.resolve() == store.root.resolve()
    assert saved.error is None and not saved.name.startswith(".")
    assert [run.name for run in store.list_runs()] == [saved.name]
    with pytest.raises(RnncoreError):
        ModelStore(store.root / "sub").get(name)


def test_ten_threads_saving_the_same_name(store, result):
    barrier = threading.Barrier(10)
    saved, errors = [], []

    def save() -> None:
        try:
            barrier.wait()
            saved.append(save_run(store, result, "same name"))
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = {run.name for run in saved}
    assert len(names) == 10 and "same-name" in names
    listed = store.list_runs()
    assert {run.name for run in listed} == names
    for run in listed:
        assert run.error is None
        assert _same_weights(load_keras_run(run).model, result.model)
    assert not [p for p in store.root.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_model_file(store, result, damage):
    saved = save_run(store, result, "broken")
    save_run(store, result, "fine")
    model_file = saved.path / MODEL_FILE
    data = model_file.read_bytes()
    if damage == "truncate":
        model_file.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        model_file.write_bytes(os.urandom(len(data)))
    else:
        model_file.write_bytes(b"")
    with pytest.raises(ModelLoadError, match="'broken' could not be loaded: ") as caught:
        load_keras_run(store.get("broken"))
    assert len(str(caught.value).splitlines()) >= 1 and len(str(caught.value)) > len("could not be loaded: ") + 10
    assert {run.name for run in store.list_runs()} == {"broken", "fine"}
    assert _same_weights(load_keras_run(store.get("fine")).model, result.model)


def test_missing_or_bad_run_json_is_listed_with_an_error(store, result):
    missing = save_run(store, result, "missing-info")
    (missing.path / INFO_FILE).unlink()
    bad = save_run(store, result, "bad-info")
    (bad.path / INFO_FILE).write_text("{not json", encoding="utf-8")
    invalid = save_run(store, result, "invalid-config")
    info = json.loads((invalid.path / INFO_FILE).read_text(encoding="utf-8"))
    info["config"]["units"] = 0
    (invalid.path / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    no_model = save_run(store, result, "no-model")
    (no_model.path / MODEL_FILE).unlink()
    (no_model.path / WEIGHTS_FILE).unlink()
    save_run(store, result, "good")

    runs = {run.name: run for run in store.list_runs()}
    assert set(runs) == {"missing-info", "bad-info", "invalid-config", "no-model", "good"}
    assert runs["missing-info"].error == f"{INFO_FILE} is missing"
    assert runs["bad-info"].error.startswith(f"{INFO_FILE} is unreadable")
    assert "units" in runs["invalid-config"].error
    assert runs["no-model"].error == f"{MODEL_FILE} and {WEIGHTS_FILE} are missing"
    assert runs["good"].error is None
    assert runs["missing-info"].kind == "" and runs["missing-info"].summary()["error"]
    for name in ("missing-info", "bad-info", "invalid-config", "no-model"):
        with pytest.raises(ModelLoadError, match="is broken"):
            load_keras_run(store.get(name))


def test_missing_vocabulary_file(store, result):
    saved = save_run(store, result, "no-vocab")
    (saved.path / VOCAB_FILE).unlink()
    with pytest.raises(ModelLoadError, match="vocabulary"):
        load_keras_run(store.get("no-vocab"))


def test_stray_files_and_hidden_folders_are_not_runs(store, result):
    save_run(store, result, "real")
    (store.root / "notes.txt").write_text("not a run", encoding="utf-8")
    half = store.root / ".saving-abc123"
    shutil.copytree(store.get("real").path, half)  # even a complete-looking temp folder is never listed
    (store.root / ".saving-empty").mkdir()
    assert [run.name for run in store.list_runs()] == ["real"]
    with pytest.raises(RnncoreError):
        store.get(".saving-abc123")  # sanitised to "saving-abc123", which does not exist


def test_delete(store, result):
    save_run(store, result, "doomed")
    save_run(store, result, "kept")
    store.delete("doomed")
    assert [run.name for run in store.list_runs()] == ["kept"]
    assert sorted(p.name for p in store.root.iterdir()) == ["kept"]
    with pytest.raises(RnncoreError, match="No model"):
        store.delete("doomed")
    with pytest.raises(RnncoreError, match="No model"):
        load_keras_run(store.get("doomed"))


def test_failed_save_changes_nothing(store, result, monkeypatch):
    import rnncore.store as store_module

    save_run(store, result, "before")

    def disk_full(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "_write_json", disk_full)
    with pytest.raises(RnncoreError, match="No space left on device"):
        save_run(store, result, "after")
    assert sorted(p.name for p in store.root.iterdir()) == ["before"]


def test_unwritable_store_root_is_a_clear_error(tmp_path, result):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")
    with pytest.raises(RnncoreError, match="Could not save the model"):
        save_run(ModelStore(in_the_way), result, "x")
    with pytest.raises(RnncoreError, match="Could not save the model"):
        save_run(ModelStore(in_the_way / "below"), result, "x")
    assert ModelStore(in_the_way).list_runs() == []


def test_listing_is_newest_first(store, result):
    for name in ("old", "new"):
        run = save_run(store, result, name)
        info = json.loads((run.path / INFO_FILE).read_text(encoding="utf-8"))
        info["created"] = "2020-01-01T00:00:00" if name == "old" else "2030-01-01T00:00:00"
        (run.path / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    assert [run.name for run in store.list_runs()] == ["new", "old"]


# --- killed while saving ---

KILL_DRIVER = textwrap.dedent(
    """
    import json, os, random, signal, sys, time
    from pathlib import Path

    from rnncore.config import RunConfig
    from rnncore.results import TrainResult
    from rnncore.store import ModelStore
    from rnncore.data.text import Vocabulary

    root, model_path, vocab_path, params, kills, seed = sys.argv[1:7]
    source = Path(model_path).read_bytes()
    vocabulary = Vocabulary(tuple(json.loads(Path(vocab_path).read_text(encoding="utf-8"))))
    config = RunConfig.from_dict(json.loads(sys.argv[7]))


    class CopyModel:
        # Writes a real .keras file in small pieces, as a slow disk would, so kills land mid-file too.
        optimizer = None

        def save(self, path):
            with open(path, "wb") as out:
                for start in range(0, len(source), 4096):
                    out.write(source[start : start + 4096])
                    out.flush()

        def count_params(self):
            return int(params)


    import rnncore.training.keras_io as keras_io
    from rnncore.training.keras_io import save_run

    # The fake model has no layers to export: its one slow file stands for everything a save writes.
    keras_io.write_model_files = lambda model, config, folder: model.save(Path(folder) / "model.keras")
    store = ModelStore(root)
    result = TrainResult(config, CopyModel(), vocabulary, [{"val_loss": 0.5}], {"accuracy": 0.5}, 1.0, "f")
    rng = random.Random(int(seed))


    def temp_folders():
        return sum(1 for path in Path(root).iterdir() if path.name.startswith(".saving-")) if Path(root).is_dir() else 0


    for trial in range(int(kills)):
        before = temp_folders()
        pid = os.fork()
        if pid == 0:  # child: save and delete forever, keeping the 1st, 17th, 33rd… run, until killed
            try:
                n = 0
                while True:
                    run = save_run(store, result, "run")
                    n += 1
                    if n % 16 != 1:
                        store.delete(run.name)
            finally:
                os._exit(3)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"killed": os.WIFSIGNALED(status), "left_temp": temp_folders() > before}), flush=True)
    """
)

REAL_KERAS_DRIVER = textwrap.dedent(
    """
    import sys

    from rnncore.results import TrainResult
    from rnncore.store import ModelStore
    from rnncore.training.keras_io import load_keras_run, save_run

    run = load_keras_run(ModelStore(sys.argv[2]).get(sys.argv[3]))


    store = ModelStore(sys.argv[1])
    result = TrainResult(run.config, run.model, run.vocabulary, [{"val_loss": 0.5}], {"accuracy": 0.5}, 1.0, "f")
    print("ready", flush=True)
    n = 0
    while True:
        saved = save_run(store, result, "real")
        n += 1
        if n % 4:
            store.delete(saved.name)
    """
)


def _assert_every_listed_run_is_complete(store: ModelStore, reference) -> int:
    runs = store.list_runs()
    for run in runs:
        assert not run.name.startswith(".")
        assert run.error is None, f"{run.name}: {run.error}"
        loaded = load_keras_run(run)
        assert loaded.vocabulary == reference.vocabulary
        assert _same_weights(loaded.model, reference.model)
    return len(runs)


def test_saves_killed_at_random_moments_never_leave_a_broken_run(tmp_path, sentiment_run, tiny_store):
    """50 SIGKILLs at random points of save/delete (10 launches × 5 forked savers, each killed once).

    The saver writes a real .keras file (copied in 4 KB pieces) through ModelStore.save, so the store's
    own steps (temp folder, model file, vocab.json, run.json + fsync, rename; delete's rename + rmtree)
    are what gets interrupted. A real-Keras variant follows below."""
    source = tiny_store.get("tiny-sentiment").path
    root = tmp_path / "killed"
    config_json = json.dumps(sentiment_run.config.to_dict())
    reports = []
    for launch in range(10):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                KILL_DRIVER,
                str(root),
                str(source / MODEL_FILE),
                str(source / VOCAB_FILE),
                str(sentiment_run.model.count_params()),
                "5",
                str(launch),
                config_json,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        reports += [json.loads(line) for line in done.stdout.splitlines()]
    assert len(reports) == 50 and all(report["killed"] for report in reports)
    # evidence that the kills really interrupted saves/deletes midway (a temp folder was left behind)
    assert sum(report["left_temp"] for report in reports) >= 25
    assert any(path.name.startswith(".saving-") for path in root.iterdir())
    assert _assert_every_listed_run_is_complete(ModelStore(root), sentiment_run) >= 1


def test_real_keras_saves_killed_at_random_moments(tmp_path, sentiment_run, tiny_store):
    """A launch that saves with Keras itself, SIGKILLed at a random moment of its save loop (one launch
    only: each costs a TensorFlow import)."""
    root = tmp_path / "killed-real"
    rng = random.Random(7)
    for _ in range(1):
        process = subprocess.Popen(
            [sys.executable, "-c", REAL_KERAS_DRIVER, str(root), str(tiny_store.root), "tiny-sentiment"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.2, 1.0))
            assert process.poll() is None, "the saver died on its own"
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.wait(30)
    _assert_every_listed_run_is_complete(ModelStore(root), sentiment_run)


# --- run.json files of the wrong shape (hand-edited or from elsewhere) ---


def _hand_made_run(root: Path, name: str, info: Any) -> Path:
    """A run folder written by hand: run.json holding `info` (any JSON value) and a placeholder archive."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    (folder / WEIGHTS_FILE).write_bytes(b"")
    return folder


def test_run_json_of_the_wrong_shape_is_listed_as_broken(store, monkeypatch, capsys, tmp_path):
    from rnncore import cli
    from rnncore.config import RunConfig

    config = RunConfig(task="sentiment").to_dict()
    cases = {
        "config-list": ({"config": []}, "config must be an object"),
        "numeric-created": ({"config": config, "created": 12345}, "'created' must be a string, not a number"),
        "not-an-object": ([1, 2], "must hold an object"),
        "task-list": ({"config": {"task": []}}, "task must be a string"),
        "no-config": ({"created": "2024-01-01T00:00:00"}, "no config"),
        "metrics-list": ({"config": config, "metrics": [0.5]}, "'metrics' must be an object"),
        "chars-list": ({"config": config, "vocabulary": {"type": "chars", "chars": ["a"]}}, "character vocabulary"),
    }
    for name, (info, _) in cases.items():
        _hand_made_run(store.root, name, info)
    _hand_made_run(store.root, "fine", {"config": config, "created": "2024-01-01T00:00:00"})

    runs = {run.name: run for run in store.list_runs()}  # sorting by `created` must not meet a number
    assert set(runs) == {*cases, "fine"}
    assert runs["fine"].error is None
    for name, (_, reason) in cases.items():
        assert runs[name].error.startswith(f"{INFO_FILE} is unreadable") and reason in runs[name].error, name
        assert runs[name].kind == "" and runs[name].info == {}

    monkeypatch.setenv("RNNCORE_STORE_DIR", str(store.root))
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tmp_path / "no-shipped"))
    assert cli.main(["models"]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    listed = {model["name"]: model["error"] for model in json.loads(out.strip().splitlines()[-1])["models"]}
    assert listed["fine"] is None and all(listed[name] for name in cases)


@pytest.mark.parametrize("page", ["home.py", "predict.py", "generate.py", "concepts.py"])
def test_pages_list_a_store_with_a_numeric_created_without_breaking(page, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from rnncore.config import RunConfig

    _hand_made_run(tmp_path / "class", "numeric-created", {"config": RunConfig().to_dict(), "created": 12345})
    _hand_made_run(tmp_path / "class", "config-list", {"config": []})
    monkeypatch.setenv("RNNCORE_STORE_DIR", str(tmp_path / "class"))
    monkeypatch.setenv("RNNCORE_SHIPPED_DIR", str(tmp_path / "no-shipped"))
    at = AppTest.from_file(str(REPO / "pages" / page), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if "Something went wrong" in e.value]


def test_rename(store, result):
    save_run(store, result, "first")
    save_run(store, result, "second")
    renamed = store.rename("first", "Best Model!")
    assert renamed.name == "best-model" and renamed.error is None
    assert sorted(run.name for run in store.list_runs()) == ["best-model", "second"]
    assert load_keras_run(store.get("best-model")).model is not None
    with pytest.raises(RnncoreError, match="already a model called 'second'"):
        store.rename("best-model", "second")  # an existing name is refused, nothing moves
    with pytest.raises(RnncoreError, match="Type a new name"):
        store.rename("best-model", " !! ")
    with pytest.raises(RnncoreError, match="No model"):
        store.rename("first", "third")
    assert store.rename("second", "second").name == "second"  # its own name: nothing to do
    assert sorted(run.name for run in store.list_runs()) == ["best-model", "second"]
