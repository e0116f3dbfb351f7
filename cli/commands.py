"""Registry of the commands that live in their own modules."""

from .run_cmds import evaluate

ALL: list = [evaluate]
