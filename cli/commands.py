"""Registry of the commands that live in their own modules: every click command defined at
the top level of these modules is added to `kinerja` (in the order found)."""

from __future__ import annotations

import importlib

import click

MODULES = ("run_cmds", "expr_cmd", "test_cmds", "compare_cmd", "ekinerja_cmd", "template_cmd", "doc_cmd",
           "studio_cmd")
# Where a command lives, so running it imports only its module (a fast start); a command not
# named here is still found, by importing every module.
WHERE = {"evaluate": "run_cmds", "explain": "run_cmds", "expr": "expr_cmd", "test": "test_cmds",
         "show": "test_cmds", "init": "test_cmds", "compare": "compare_cmd", "ekinerja": "ekinerja_cmd",
         "doc": "doc_cmd", "studio": "studio_cmd", "template": "template_cmd", "list": "template_cmd"}


def commands_in(modules=MODULES) -> list[click.Command]:
    """The click commands defined at the top level of these modules (each imported once)."""
    found: list[click.Command] = []
    for name in modules:
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
