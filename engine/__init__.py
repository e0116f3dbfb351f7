"""kinerja: load, validate, compile and evaluate appraisal policies for penilaian kinerja ASN.

The Python API (engine/api.py; examples in the README's "Python API"):

    import kinerja
    policy = kinerja.load_policy("permenpanrb-6-2022")
    results = kinerja.evaluate(policy, "pegawai.csv")

`load_policy`, `validate`, `evaluate`, `explain`, `compare` and `PolicyError` are imported when
first used, so that `import kinerja` (and `kinerja --version`) stays fast.
"""

API = ("load_policy", "validate", "evaluate", "explain", "compare", "PolicyError")
__all__ = [*API, "__version__"]


def __getattr__(name: str):
    """The API and `__version__`, each looked up only when asked (the engine's stages, and
    importlib.metadata, cost a noticeable part of a start). The stages are nouns
    (`kinerja.evaluation`, `kinerja.comparison`, …) so that no sub-package shadows a verb of the API."""
    if name in API:
        from kinerja import api

        value = getattr(api, name)
    elif name == "__version__":
        from importlib import metadata

        try:
            value = metadata.version("kinerja")
        except metadata.PackageNotFoundError:  # running from a checkout without an install
            value = "0.0.0+unknown"
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
