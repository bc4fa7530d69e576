"""rnncore: the RNN Playground engine — data, models, training, inference, sampling, storage and a CLI.

Importing this package is cheap: TensorFlow is imported only by the modules that need it
(`train`, `model` builders, `store.load_run`), so a UI can list models without paying ~4 s.
Never imports streamlit.
"""

from rnncore.config import RunConfig
from rnncore.errors import DataUnavailableError, ModelLoadError, RnncoreError
from rnncore.events import TrainEvent

__all__ = ["RunConfig", "RnncoreError", "DataUnavailableError", "ModelLoadError", "TrainEvent"]
__version__ = "0.1.0"
