"""What a model's shape implies, without TensorFlow: cell class names, gates per cell and the parameters of
every layer (the Train page and the Concepts calculator show them before any model is built). One function,
`parameter_rows`, does the counting; `count_parameters` is its sum."""

from __future__ import annotations

from rnncore.config import RunConfig

CELL_CLASS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
GATES_PER_CELL = {"simplernn": 1, "lstm": 4, "gru": 3}


def parameter_rows(config: RunConfig, vocab_size: int) -> list[dict]:
    """One row per layer (layer, formula, parameters), in model order: Embedding, each recurrent layer, Dense."""
    gates = GATES_PER_CELL[config.cell]
    directions = 2 if config.bidirectional else 1
    rows = [
        {
            "layer": f"Embedding({vocab_size:,}, {config.embed_dim})",
            "formula": f"vocab × embed = {vocab_size:,} × {config.embed_dim}",
            "parameters": vocab_size * config.embed_dim,
        }
    ]
    width = config.embed_dim
    biases = 2 if config.cell == "gru" else 1  # Keras GRU uses reset_after=True: input and recurrent biases
    for depth in range(config.layers):
        per_direction = gates * config.units * (width + config.units + biases)
        formula = f"{gates} × {config.units} × ({width} + {config.units} + {biases})"
        name = f"{CELL_CLASS[config.cell]}({config.units})"
        if directions == 2:
            formula, name = f"2 × {formula}", f"Bidirectional({name})"
        rows.append({"layer": f"{name} #{depth + 1}", "formula": formula, "parameters": directions * per_direction})
        width = directions * config.units
    outputs = 1 if config.task == "sentiment" else vocab_size
    rows.append(
        {"layer": f"Dense({outputs})", "formula": f"({width} + 1) × {outputs}", "parameters": (width + 1) * outputs}
    )
    return rows


def count_parameters(config: RunConfig, vocab_size: int) -> int:
    """Trainable parameters, without building the model (matches model.count_params())."""
    return sum(row["parameters"] for row in parameter_rows(config, vocab_size))
