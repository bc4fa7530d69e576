"""What the server sends to a worker process to train a model (TensorFlow-free, picklable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnncore.config import RunConfig

TRAIN_TASK = "rnncore.training.jobs:run_training_job"
EXPORT_TASK = "rnncore.training.keras_io:export_weights_job"  # payload: a run folder's path
LAB_TASK = "rnncore.training.lab:run_lab_job"  # payload: a rnncore.lab.config.LabConfig


@dataclass(frozen=True)
class TrainingRequest:
    """A config, optional prepared data, and where to save the model (recording who asked for it, for the store
    quotas); `test_sample`: score on that many reviews of the lesson's fixed test sample (0 = all 25,000)."""

    config: RunConfig
    data: Any = None  # None: the worker loads the dataset itself (a missing dataset becomes the job's error)
    store_root: str = ""  # "" = do not save
    save_name: str = ""
    owner_tag: str = ""  # rnncore.jobs.quota.owner_tag of the student's id, written into run.json as "owner"
    test_sample: int = 0
