"""RNN Playground benchmark suite: `python -m bench [--quick] [--write-md] [--skip NAME ...]`.

One module per benchmark (latency, trajectory, generation, training, coldstart, memory, concurrency);
`common` holds timing and model-picking helpers, `report` the table, targets and BENCHMARKS.md writer.
"""
