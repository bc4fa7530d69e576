"""What a model's shape implies, without TensorFlow: cell class names, gates per cell and the parameter
count (the Train page and the Concepts calculator show it before any model is built)."""

from __future__ import annotations

from rnncore.config import RunConfig

CELL_CLASS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
GATES_PER_CELL = {"simplernn": 1, "lstm": 4, "gru": 3}


def count_parameters(config: RunConfig, vocab_size: int) -> int:
    """Trainable parameters, without building the model (matches model.count_params())."""
    gates = GATES_PER_CELL[config.cell]
    total = vocab_size * config.embed_dim
    width = config.embed_dim
    directions = 2 if config.bidirectional else 1
    for _ in range(config.layers):
        # Keras GRU uses reset_after=True: two bias vectors (input and recurrent).
        biases = 2 if config.cell == "gru" else 1
        per_direction = gates * config.units * (width + config.units + biases)
        total += directions * per_direction
        width = directions * config.units
    total += (width + 1) * (1 if config.task == "sentiment" else vocab_size)
    return total
