"""kinerja: load, validate, compile and evaluate appraisal policies for penilaian kinerja ASN.

The Python API (engine/api.py; examples in the README's "Python API"):

    import kinerja
    policy = kinerja.load_policy("permenpanrb-6-2022")
    results = kinerja.evaluate(policy, "pegawai.csv")

`load_policy`, `validate`, `evaluate`, `explain`, `compare` and `PolicyError` are imported when
first used, so that `import kinerja` (and `kinerja --version`) stays fast.
"""

import sys
import types

API = ("load_policy", "validate", "evaluate", "explain", "compare", "PolicyError")
# modules named like a call of the API: each is also that call (`kinerja.evaluate(policy, records)`)
CALLABLE_PACKAGES = ("validate", "evaluate", "explain", "compare")
__all__ = [*API, "__version__"]


def __getattr__(name: str):
    """The API and `__version__`, each looked up only when asked (the engine's stages, and
    importlib.metadata, cost a noticeable part of a start)."""
    if name in CALLABLE_PACKAGES:
        from importlib import import_module

        return import_module(f"{__name__}.{name}")  # only its empty __init__; bound below, callable
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


class _CallablePackage(types.ModuleType):
    """A module that is also the API call of its name: `kinerja.evaluate(policy, records)` is
    `kinerja.api.evaluate(policy, records)`, while `kinerja.evaluate.evaluator` stays a module."""

    def __call__(self, *args, **kwargs):
        from kinerja import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """Makes `validate`, `evaluate`, `explain` and `compare` callable as the import system binds them here."""

    def __setattr__(self, name: str, value) -> None:
        if name in CALLABLE_PACKAGES and type(value) is types.ModuleType:
            value.__class__ = _CallablePackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
