"""Print the model-card table of the shipped models (from each run.json) as markdown; with --write, put it
into README.md between the model-cards markers."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def describe(config: dict) -> str:
    """Short architecture string, e.g. 'BiGRU 64, max-pool, emb 64'."""
    if config["task"] == "wordlm":
        return (
            f"word language model: LSTM 1×{config['units']}, emb {config['embed_dim']} tied with the output, "
            f"vocab {config['vocab_size']:,}, sampled softmax {config['sampled']:,}"
        )
    if config["task"] == "bagofwords":
        if config.get("ngrams", 1) == 2:
            weighting = ", naive-Bayes scaled (NBSVM)" if config.get("naive_bayes") else ""
            return (
                f"bag of words and word pairs (neighbours' order only): logistic regression on the presence of "
                f"{config['vocab_size']:,} words and up to {config['max_pairs']:,} pairs{weighting}"
            )
        return f"bag of words (order ignored): logistic regression on word presence, vocab {config['vocab_size']:,}"
    if config["task"] == "blend":
        return f"blend: log-odds of `{config['first']}` and `{config['second']}` added, weights chosen on validation"
    cell = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[config["cell"]]
    direction = "Bi" if config["bidirectional"] else ""
    text = f"{direction}{cell} {config['layers']}×{config['units']}, emb {config['embed_dim']}"
    if config["task"] == "sentiment":
        text += f", {config['pooling']} head, vocab {config['vocab_size']:,}, maxlen {config['maxlen']}"
    else:
        text += f", seq {config['seq_len']}"
    if config.get("embedding_init", "random") != "random":
        text += ", word-vector start"
    if config.get("embedding_dropout"):
        text += f", embedding dropout {config['embedding_dropout']}"
    text += f", dropout {config['dropout']}" if config["dropout"] else ""
    if config["task"] == "sentiment":
        start = config.get("language_model")
        text += f"; fine-tuned from the word language model `{Path(start).name}`" if start else "; no language model"
    if config.get("counterfactuals"):
        negated = [
            name for name, key in (("verbs", "verb_negations"), ("clauses", "clause_negations")) if config.get(key)
        ]
        too = f" ({' and '.join(negated)} negated too)" if negated else ""
        shifted = " (and changes of mind)" if config.get("shift_contrasts") else ""
        text += f"; counterfactual negations{too} and contrasts{shifted} {config['counterfactuals']}× the reviews"
    return text


def cards(models_dir: Path = ROOT / "models") -> str:
    """The markdown table plus every model's training command(s)."""
    rows = [
        "| model | task | architecture | params | result | epochs | train time | machine |",
        "|---|---|---|---|---|---|---|---|",
    ]
    commands, listed = [], set()  # teachers shared by several models are listed once
    for info_path in sorted(models_dir.glob("*/run.json")):
        info = json.loads(info_path.read_text(encoding="utf-8"))
        config, metrics = info["config"], info.get("metrics", {})
        if config["task"] == "wordlm":
            result = f"held-out perplexity **{info['history'][-1]['heldout_perplexity']:.1f}**"
        elif config["task"] in ("bagofwords", "blend"):
            result = f"test accuracy **{metrics['accuracy']:.4f}** (n=25,000), loss {metrics['loss']:.3f}"
        elif config["task"] == "sentiment":
            result = f"test accuracy **{metrics['accuracy']:.4f}** (n={metrics['n']:,}), loss {metrics['loss']:.3f}"
        else:
            stateful = metrics.get("val_loss_stateful")
            result = (
                f"held-out **{stateful:.3f} nats/char** ({stateful / math.log(2):.3f} bits) with the state carried "
                f"along; {metrics['val_loss']:.3f} in {config['seq_len']}-char windows"
                if stateful is not None
                else f"held-out **{metrics['val_loss']:.3f} nats/char** ({metrics['val_bits_per_char']:.3f} bits)"
            )
        epochs = str(len(info["history"])) if config["task"] not in ("bagofwords", "blend") else "—"
        minutes = info["train_seconds"] / 60
        stage = info.get("init_from")  # continued from an earlier run: count both stages
        if stage:
            epochs = f"{stage['epochs']} + {epochs}"
            minutes += stage["train_seconds"] / 60
        architecture = describe(config)
        taught = info.get("teachers") or (stage or {}).get("teachers")
        if taught:
            architecture += f"; also learnt from {taught['unlabelled_reviews']:,} unlabelled reviews labelled by "
            architecture += f"{taught.get('teachers', len(taught['commands']))} teacher models"
            minutes += taught.get("train_seconds", 0) / 60  # the teachers' training is part of its cost
        rows.append(
            f"| `{info_path.parent.name}` | {config['task']} | {architecture} | {info['parameters']:,} | {result} "
            f"| {epochs} | {minutes:.1f} min | {info.get('machine', '')} |"
        )
        stages = [*(stage or {}).get("commands", []), info.get("command", "")]
        teachers = (taught or {}).get("commands", [])
        steps = f"{len(stages)} stages, each continuing from the one before" if len(stages) > 1 else ""
        if teachers:
            shown = "listed above, " if set(teachers) <= listed else ""
            steps = f"its teachers, {shown}then " + (steps or "the model itself")
            teachers = [command for command in teachers if command not in listed]
            listed.update(teachers)
        note = f" ({steps})" if steps else ""
        commands.append(
            f"# {info_path.parent.name}{note}"
            + "".join(f"\nRNNCORE_DATA_DIR=../shared/data {command}" for command in [*teachers, *stages])
        )
    return "\n".join(rows) + "\n\n```bash\n" + "\n".join(commands) + "\n```\n"


def main(argv: list[str]) -> int:
    text = cards()
    if "--write" not in argv:
        print(text, end="")
        return 0
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = "<!-- model-cards:start -->\n", "<!-- model-cards:end -->"
    if start not in content or end not in content:
        print("README.md has no model-cards markers", file=sys.stderr)
        return 2
    before, rest = content.split(start, 1)
    readme.write_text(before + start + text + end + rest.split(end, 1)[1], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
