"""rnncore: the RNN Playground engine — data, models, training, inference, sampling, storage and a CLI.

Importing this package is cheap. TensorFlow lives in `rnncore.training` alone (worker processes and the CLI);
`rnncore.inference` runs trained models in NumPy, so the Streamlit server never pays ~3.5 s and ~570 MB for it.
Never imports streamlit.
"""

from rnncore.config import RunConfig
from rnncore.errors import DataUnavailableError, ModelLoadError, RnncoreError
from rnncore.events import TrainEvent

__all__ = ["RunConfig", "RnncoreError", "DataUnavailableError", "ModelLoadError", "TrainEvent"]
__version__ = "0.1.0"
