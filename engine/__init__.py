"""kinerja's engine: load, validate, compile and evaluate appraisal policies."""


def __getattr__(name: str):
    """`__version__`, looked up in the installed metadata only when asked (importlib.metadata
    costs a noticeable part of a start)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("kinerja")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        version = "0.0.0+unknown"
    globals()["__version__"] = version
    return version
