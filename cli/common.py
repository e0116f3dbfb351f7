"""Helpers shared by commands: load a policy or stop with its findings, open outputs."""

from __future__ import annotations

import os
import sys

import click

import kinerja
from kinerja.compile.compiler import compile_policy
from kinerja.findings import has_errors
from kinerja.i18n import _, os_reason
from kinerja.model import Policy
from kinerja.policy.documents import find_policy, read_document, resolve
from kinerja.report.findings import ReportContext, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"kinerja: {message}", err=True)
    sys.exit(code)


def load_policy(ref: str) -> Policy:
    """A policy file path, or the id of a shipped policy; on findings print them and exit 1."""
    if os.path.isdir(ref):
        fail(_("{ref} is a folder: give one policy file").format(ref=ref))
    if os.path.exists(ref):
        doc = read_document(ref)
    else:
        doc = find_policy(ref, None) if not ref.endswith((".yaml", ".yml")) else None
        if doc is None:
            fail(_("policy {ref!r} not found (give a file path or a shipped policy id)").format(ref=ref))
    policy, findings = compile_policy(resolve(doc))
    if policy is None or has_errors(findings):
        click.echo(render(findings, "text", ReportContext([doc.file], kinerja.__version__)), err=True)
        fail(_("policy {file} has errors; fix them first (kinerja validate {file})").format(file=doc.file), EXIT_FINDINGS)
    return policy


class Output:
    """stdout, or a file opened for text; closed on exit."""

    def __init__(self, path: str | None, binary: bool = False):
        self.path = path
        self.fh = None
        if path and path != "-":
            try:
                self.fh = open(path, "wb" if binary else "w", encoding=None if binary else "utf-8",
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
        if self.fh is not None:
            try:
                os.remove(self.path)
            except OSError:
                pass
