"""scripts/model_cards.py: every figure and every command needed to reproduce a shipped model."""

from __future__ import annotations

import importlib.util
import json

from rnncore.config import RunConfig
from rnncore.paths import REPO_ROOT

spec = importlib.util.spec_from_file_location("model_cards", REPO_ROOT / "scripts" / "model_cards.py")
model_cards = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model_cards)


def _write(folder, **info):
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")


def test_cards_list_results_times_and_every_command(tmp_path):
    sentiment = RunConfig(cell="gru", bidirectional=True, pooling="max", embedding_dropout=0.2).to_dict()
    chars = RunConfig(task="chars", cell="lstm", layers=2, units=300).to_dict()
    history = [{"val_loss": 1.0}] * 3
    _write(
        tmp_path / "student",
        config=sentiment,
        metrics={"accuracy": 0.9012, "loss": 0.25, "n": 25_000},
        parameters=1234,
        history=history,
        train_seconds=600,
        machine="test box",
        command="python -m rnncore train sentiment --teacher t1 --teacher t2",
        teachers={"commands": ["cmd-t1", "cmd-t2"], "unlabelled_reviews": 50_000, "train_seconds": 1200},
    )
    _write(
        tmp_path / "tuned",
        config=sentiment,
        metrics={"accuracy": 0.9, "loss": 0.25, "n": 25_000},
        parameters=1234,
        history=history[:1],
        train_seconds=60,
        command="tune-stage",
        init_from={
            "epochs": 2,
            "train_seconds": 540,
            "commands": ["learn-stage"],
            "teachers": {"commands": ["cmd-t1", "cmd-t2"], "unlabelled_reviews": 50_000, "train_seconds": 600},
        },
    )
    _write(
        tmp_path / "writer",
        config=chars,
        metrics={"val_loss": 1.46, "val_bits_per_char": 2.1, "val_loss_stateful": 1.42},
        parameters=99,
        history=history,
        train_seconds=60,
        command="stage-2",
        init_from={"epochs": 20, "train_seconds": 120, "commands": ["stage-1"]},
    )
    text = model_cards.cards(tmp_path)
    student, tuned, writer = (line for line in text.splitlines() if line.startswith("| `"))
    assert "**0.9012**" in student and "BiGRU 1×64" in student and "embedding dropout 0.2" in student
    assert "50,000 unlabelled reviews labelled by 2 teacher models" in student and "30.0 min" in student
    assert "**1.420 nats/char**" in writer and "20 + 3" in writer and "3.0 min" in writer
    assert "labelled by 2 teacher models" in tuned and "2 + 1" in tuned and "20.0 min" in tuned
    commands = text.split("```bash\n")[1]
    assert "# student (its teachers, then the model itself)" in commands
    assert "# tuned (its teachers, listed above, then 2 stages, each" in commands
    assert commands.count("cmd-t1") == 1 and commands.index("learn-stage") < commands.index("tune-stage")
    assert commands.index("cmd-t1") < commands.index("cmd-t2") < commands.index("--teacher t1")
    assert commands.index("stage-1") < commands.index("stage-2")
