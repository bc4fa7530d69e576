"""Errors that rnncore raises for problems a user can fix (shown as one clear line, never a traceback)."""


class RnncoreError(ValueError):
    """Base class: a user-facing problem with input, data or a saved model."""


class DataUnavailableError(RnncoreError):
    """A dataset is neither on disk (RNNCORE_DATA_DIR / cache) nor downloadable."""


class ModelLoadError(RnncoreError):
    """A saved run could not be loaded; the message says why."""
