"""Helpers shared by commands: load a policy or stop with its findings, open outputs."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

import click

import kinerja
from kinerja.compile import load
from kinerja.i18n import _, os_reason
from kinerja.model import Policy
from kinerja.report.findings import ReportContext, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"kinerja: {message}", err=True)
    sys.exit(code)


def load_policy(ref: str) -> Policy:
    """A policy file path, or the id of a shipped policy; on findings print them and exit 1."""
    try:
        return load.load_policy(ref)
    except load.PolicyError as exc:
        if exc.file is None:  # not found
            fail(str(exc))
        click.echo(render(exc.findings, "text", ReportContext([exc.file], kinerja.__version__)), err=True)
        fail(str(exc), EXIT_FINDINGS)


class Output:
    """stdout, or a file opened for text; closed on exit."""

    def __init__(self, path: str | None, binary: bool = False):
        self.path = path
        self.fh = None
        if path and path != "-":
            try:
                self.fh = open(  # noqa: SIM115 (closed by close(): the file outlives this call)
                    path, "wb" if binary else "w", encoding=None if binary else "utf-8",
                    newline=None if binary else "", errors=None if binary else "backslashreplace")
            except OSError as exc:
                fail(_("cannot write {path}: {value}").format(path=path, value=os_reason(exc)))

    @property
    def stream(self):
        if self.fh is not None:
            return self.fh
        return sys.stdout

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()

    def discard(self) -> None:
        """Close and delete the file: a run that failed before writing a record leaves nothing."""
        self.close()
        if self.fh is not None and self.path is not None:
            with contextlib.suppress(OSError):
                os.remove(self.path)
