"""A blend's inference in NumPy: log-odds = bias + w₁·log-odds of the first member + w₂·log-odds of the second."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncore.errors import ModelLoadError, RnncoreError
from rnncore.inference.predict import Prediction
from rnncore.store import ModelStore, RunInfo, find_member

WEIGHTS_FILE = "weights.npz"
EDGE = 1e-7  # probabilities are clipped this far from 0 and 1 before their log-odds are taken


def log_odds(probabilities) -> np.ndarray:
    """log(p / (1 − p)), clipped so a certain member stays finite."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EDGE, 1.0 - EDGE)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class Blend:
    """Two loaded members (anything with predict_batch), a weight each and a bias."""

    members: tuple
    weights: tuple[float, ...]
    bias: float
    names: tuple[str, ...] = ()

    def member_log_odds(self, texts: list[str]) -> np.ndarray:
        """Each member's log-odds per text, shape (members, texts)."""
        return np.stack([log_odds([p.probability for p in member.predict_batch(texts)]) for member in self.members])

    def predict_batch(self, texts: list[str]) -> list[Prediction]:
        """Predictions for many reviews."""
        if not texts:
            return []
        logits = self.bias + np.asarray(self.weights) @ self.member_log_odds(texts)
        return [Prediction(float(p)) for p in 1.0 / (1.0 + np.exp(-logits))]

    def probability(self, text: str) -> float:
        """P(positive) of one review."""
        return self.predict_batch([text])[0].probability


def save_blend_weights(folder: Path, weights: tuple[float, ...], bias: float) -> None:
    """Write the blend's weights.npz (its only arrays)."""
    np.savez(Path(folder) / WEIGHTS_FILE, member_weights=np.asarray(weights, np.float64), bias=np.float64(bias))


def load_blend(run: RunInfo) -> Blend:
    """Load a blend run and its two members (looked up beside it first, then in the stores)."""
    from rnncore.blend.config import BlendConfig
    from rnncore.inference.scorers import load_scorer

    config = BlendConfig.from_dict(run.info["config"])
    try:
        with np.load(run.path / WEIGHTS_FILE) as archive:
            weights = tuple(float(w) for w in archive["member_weights"])
            bias = float(archive["bias"])
    except (OSError, ValueError, KeyError) as error:
        raise ModelLoadError(f"Blend {run.name!r} is unreadable: {error}") from error
    if len(weights) != 2:
        raise ModelLoadError(f"Blend {run.name!r} has {len(weights)} member weights, not 2")
    names = (config.first, config.second)
    members = []
    for name in names:
        member = find_member(name, ModelStore(run.path.parent))
        if member.kind == "blend":
            raise RnncoreError(f"Blend {run.name!r}: its member {name!r} is a blend itself")
        members.append(load_scorer(member))
    return Blend(tuple(members), weights, bias, names)
