"""Print the model-card table of the shipped models (from each run.json) as markdown for the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe(config: dict) -> str:
    """Short architecture string, e.g. 'BiGRU 64, max-pool, emb 64'."""
    cell = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[config["cell"]]
    direction = "Bi" if config["bidirectional"] else ""
    text = f"{direction}{cell} {config['layers']}×{config['units']}, emb {config['embed_dim']}"
    if config["task"] == "sentiment":
        text += f", {config['pooling']} head, vocab {config['vocab_size']:,}, maxlen {config['maxlen']}"
    else:
        text += f", seq {config['seq_len']}"
    return text + (f", dropout {config['dropout']}" if config["dropout"] else "")


def main() -> int:
    rows = [
        "| model | task | architecture | params | result | epochs | train time | machine |",
        "|---|---|---|---|---|---|---|---|",
    ]
    commands = []
    for info_path in sorted((ROOT / "models").glob("*/run.json")):
        info = json.loads(info_path.read_text(encoding="utf-8"))
        config, metrics = info["config"], info["metrics"]
        if config["task"] == "sentiment":
            result = f"test accuracy **{metrics['accuracy']:.4f}** (n={metrics['n']:,}), loss {metrics['loss']:.3f}"
        else:
            result = f"held-out **{metrics['val_loss']:.3f} nats/char** ({metrics['val_bits_per_char']:.3f} bits)"
        epochs, minutes = str(len(info["history"])), info["train_seconds"] / 60
        stage = info.get("init_from")  # continued from an earlier run: count both stages
        if stage:
            epochs = f"{stage['epochs']} + {epochs}"
            minutes += stage["train_seconds"] / 60
        rows.append(
            f"| `{info_path.parent.name}` | {config['task']} | {describe(config)} | {info['parameters']:,} | {result} "
            f"| {epochs} | {minutes:.1f} min | {info.get('machine', '')} |"
        )
        first = f"# (stage 1 from {stage['path']}, see scripts/train_shipped.sh)\n" if stage else ""
        commands.append(f"# {info_path.parent.name}\n{first}RNNCORE_DATA_DIR=../shared/data {info.get('command', '')}")
    print("\n".join(rows))
    print("\n```bash\n" + "\n".join(commands) + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
