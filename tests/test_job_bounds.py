"""Bounded jobs: the caps on parameters and estimated minutes, the messages that say what to lower, and the
time limit a running job gets (rnncore/jobs/bounds.py)."""

from __future__ import annotations

import pytest

from rnncore.config import RunConfig
from rnncore.jobs.bounds import SETUP_SECONDS, JobBounds, check_job, estimate_seconds, time_limit, training_examples
from rnncore.jobs.turns import JobRefused
from rnncore.presets import QUICK

BOUNDS = JobBounds(max_parameters=3_000_000, max_minutes=10)


def test_a_job_within_the_caps_returns_its_estimate():
    config = RunConfig(**QUICK)
    assert check_job(config, BOUNDS) == pytest.approx(estimate_seconds(config, training_examples(config)))
    assert training_examples(RunConfig(**dict(QUICK, limit=2000, validation_fraction=0.2))) == 1600


def test_a_big_embedding_is_refused_naming_vocabulary_and_embedding():
    config = RunConfig(**dict(QUICK, vocab_size=100_000, embed_dim=64))
    with pytest.raises(JobRefused) as refusal:
        check_job(config, BOUNDS)
    message = str(refusal.value)
    assert "6,409,441 parameters" in message and "RNNCORE_MAX_PARAMETERS" in message
    assert "Vocabulary size" in message and "Embedding dim" in message


def test_big_recurrent_layers_are_refused_naming_units_and_layers():
    config = RunConfig(**dict(QUICK, units=512, layers=3, bidirectional=True, vocab_size=1000))
    with pytest.raises(JobRefused, match=r"Lower the Units \(512\) or the Layers \(3\) or turn off Bidirectional"):
        check_job(config, BOUNDS)


def test_a_long_job_is_refused_with_the_epochs_that_would_fit():
    config = RunConfig(**dict(QUICK, epochs=20))  # about 15 min estimated
    with pytest.raises(JobRefused) as refusal:
        check_job(config, BOUNDS)
    message = str(refusal.value)
    assert "RNNCORE_MAX_JOB_MINUTES" in message and "limit is 10 min" in message
    assert "Epochs (20; 13 would fit)" in message and "Max length (200)" in message
    assert check_job(config, JobBounds(max_minutes=20)) is not None  # a teacher who allows more


def test_character_models_are_checked_for_size_only():
    config = RunConfig(task="chars", corpus="shakespeare", units=256, epochs=50)
    assert check_job(config, BOUNDS) is None  # no estimate: the time limit is the cap
    with pytest.raises(JobRefused, match="RNNCORE_MAX_PARAMETERS"):
        check_job(config, JobBounds(max_parameters=100_000), alphabet=65)


def test_the_time_limit_is_twice_the_estimate_at_most_the_cap():
    assert time_limit(100.0, BOUNDS) == 200.0 + SETUP_SECONDS
    assert time_limit(500.0, BOUNDS) == 600.0
    assert time_limit(None, BOUNDS) == 600.0
