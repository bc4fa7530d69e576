"""Settings of the word-level LSTM language model pretrained on IMDB's training + unlabelled reviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rnncore.settings import SettingsDict, check_settings, setting

TASK = "wordlm"


@dataclass(frozen=True)
class LanguageModelConfig(SettingsDict):
    """One pretraining run. The Embedding and LSTM are named as in rnncore.training.model, so a sentiment
    model of the same vocabulary, embed_dim and units can start from them (fine-tuning)."""

    TASK: ClassVar[str] = TASK

    vocab_size: int = setting(20_000, "words kept (from the labelled training reviews, by frequency)", 10, 100_000)
    embed_dim: int = setting(128, "embedding size (tied with the output layer)", 8, 1024)
    units: int = setting(256, "LSTM units", 8, 2048)
    window: int = setting(70, "time steps per truncated-backprop window (state carries over)", 5, 1000)
    batch_size: int = setting(64, "parallel streams of text", 1, 1024)
    sampled: int = setting(1024, "negative words per step for sampled softmax (0 = full softmax)", 0, 100_000)
    epochs: int = setting(3, "passes over the ~23 M training tokens", 1, 100)
    learning_rate: float = setting(2e-3, "Adam's peak learning rate (warm-up, then linear decay to a tenth)", 1e-6, 1.0)
    clipnorm: float = setting(1.0, "clip the global gradient norm at this (0 = off)", 0.0, 1000.0)
    dropout: float = setting(0.1, "dropout on the embeddings and on the LSTM output", 0.0, 0.9)
    heldout_fraction: float = setting(0.005, "share of reviews held out for perplexity", 0.0001, 0.5)
    heldout_tokens: int = setting(120_000, "at most this many held-out tokens are scored", 1000, 10_000_000)
    checkpoint_minutes: float = setting(10.0, "write a checkpoint this often", 0.05, 600.0)
    seed: int = setting(0, "random seed", 0, 2**31 - 1)

    def __post_init__(self) -> None:
        check_settings(self)
        if self.sampled >= self.vocab_size:
            raise ValueError(f"sampled must be below vocab_size ({self.vocab_size}); got {self.sampled}")
