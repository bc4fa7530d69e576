"""Make shipped runs weights-only: weights.npz in float16 (the NumPy mirror computes in float32; workers rebuild
the Keras model from run.json + weights.npz), model.keras removed. Prints each run's size before and after and
the largest change of P(positive) over the dev suite (sentiment runs) or of next-character probabilities.

    python scripts/ship_weights_only.py models/imdb-bigru models/shakespeare-lstm
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnncore.inference.runs import load_network_run  # noqa: E402
from rnncore.inference.short_reviews import load_short_reviews  # noqa: E402
from rnncore.paths import REPO_ROOT  # noqa: E402
from rnncore.store import MODEL_FILE, WEIGHTS_FILE, ModelStore  # noqa: E402

DEV_SET = REPO_ROOT / "tests" / "data" / "short_reviews.tsv"


def _outputs(path: Path) -> np.ndarray:
    run = load_network_run(ModelStore(path.parent).get(path.name))
    if run.config.task == "sentiment":
        from rnncore.inference.predict import Predictor

        texts = [sentence.text for sentence in load_short_reviews(DEV_SET)]
        return np.array([p.probability for p in Predictor(run).predict_batch(texts)])
    ids = np.array([run.vocabulary.encode("ROMEO:\nWhat light through yonder window breaks?\n")])
    logits = run.network.forward(ids).outputs
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


def convert(path: Path) -> dict:
    """Rewrite one run folder in place."""
    size = sum(item.stat().st_size for item in path.iterdir())
    before = _outputs(path)
    with np.load(path / WEIGHTS_FILE) as archive:
        arrays = {name: archive[name].astype(np.float16) for name in archive.files}
    np.savez(path / WEIGHTS_FILE, **arrays)
    (path / MODEL_FILE).unlink(missing_ok=True)
    change = float(np.abs(_outputs(path) - before).max())
    after = sum(item.stat().st_size for item in path.iterdir())
    return {"run": path.name, "bytes_before": size, "bytes_after": after, "max_probability_change": change}


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(json.dumps(convert(Path(argument))))
