"""Import TensorFlow/Keras once, quietly, with thread settings chosen for a small shared CPU server."""

from __future__ import annotations

import os
import threading

from rnncore import environment

_lock = threading.Lock()
_configured = False
# Keras draws starting weights from Python's and TensorFlow's process-wide random state. A worker that runs
# several jobs at once (Sequence Lab runs, a weight export) builds its models under this lock, so a seeded run
# starts from the same weights whatever the other threads build meanwhile.
MODEL_BUILD_LOCK = threading.Lock()


def keras_module():
    """Return the `keras` module after configuring TensorFlow (first call costs ~4 s and ~570 MB)."""
    global _configured
    with _lock:
        if not _configured:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            os.environ.setdefault("KERAS_BACKEND", "tensorflow")
            tf = _import_tensorflow_quietly()

            # Leave one core to everything else: small-RNN training is bound by per-step latency and barely
            # gains from a second thread, while thirty students' predictions (NumPy, outside TensorFlow)
            # need a free core to stay fast while a job trains. Inter-op 1: one op at a time, unless the process
            # runs several jobs at once (the pool's lab lane sets RNNCORE_TF_INTER_THREADS): with one inter-op
            # thread, ten lab runs in threads took turns on one core.
            threads = environment.whole(environment.TF_THREADS) or max(1, min((os.cpu_count() or 2) - 1, 4))
            inter_op = environment.whole(environment.TF_INTER_THREADS) or 1
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
                tf.config.threading.set_inter_op_parallelism_threads(inter_op)
            except RuntimeError:
                pass  # TensorFlow was already initialised by the host program; keep its settings
            _configured = True
    import keras

    return keras


def _import_tensorflow_quietly():
    """TensorFlow's C++ runtime prints start-up chatter (oneDNN, absl) straight to file descriptor 2,
    whatever TF_CPP_MIN_LOG_LEVEL says; the CLI promises one-line errors, so hide it during the import."""
    import sys

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded interpreter): import normally
        import tensorflow

        return tensorflow
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow


def seed_keras(seed: int) -> None:
    """What `keras.utils.set_random_seed(seed)` does for building a model (Python's, NumPy's and Keras's seeds),
    without its `tf.random.set_seed`: TensorFlow then clears every kernel cache of the process, and each shared
    step must optimise its graph again on its next call (measured: 1 to 3 s, for every run training at that
    moment, each time another run started). These models draw no TensorFlow-seeded numbers: the same seed
    builds the same weights (a test compares the two)."""
    import random

    import numpy as np
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)  # recreated from the seed
    random.seed(seed)
    np.random.seed(seed)
