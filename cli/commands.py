"""Registry of the commands that live in their own modules: every click command defined at
the top level of these modules is added to `kinerja` (in the order found)."""

from __future__ import annotations

import importlib

import click

MODULES = ("run_cmds", "expr_cmd", "test_cmds", "compare_cmd", "ekinerja_cmd", "template_cmd", "doc_cmd",
           "studio_cmd")


def _commands() -> list[click.Command]:
    found: list[click.Command] = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue  # optional module not present
            raise
        found.extend(obj for obj in vars(module).values()
                     if isinstance(obj, click.Command)
                     and getattr(obj.callback, "__module__", "") == module.__name__)
    return found


ALL: list[click.Command] = _commands()
