"""kinerja's engine: load, validate, compile and evaluate appraisal policies."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("kinerja")
except _metadata.PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+unknown"
