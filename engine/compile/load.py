"""A policy ready to evaluate: found (a file or a shipped id), read and checked against its
schema, its `extends` chain resolved, compiled; or a `PolicyError` with every finding.

The whole path a command takes before evaluating, and nothing more: `kinerja evaluate` imports
this, not the Python API (kinerja.api), which also brings comparison, validation and
explanation.
"""

from __future__ import annotations

import os

from kinerja.compile.compiler import compile_policy
from kinerja.findings import Finding, has_errors
from kinerja.i18n import _
from kinerja.model import Policy
from kinerja.policy.documents import find_policy, read_document, resolve

PolicyLike = Policy | str | os.PathLike


class PolicyError(Exception):
    """A policy that cannot be used: not found (no findings), or with errors (`findings`, each with
    its code, file, line and column)."""

    def __init__(self, message: str, findings: list[Finding] | None = None, file: str | None = None):
        super().__init__(message)
        self.findings = list(findings or [])
        self.file = file


def load_policy(ref: PolicyLike) -> Policy:
    """The compiled policy of a file path or a shipped policy id (`"permenpanrb-6-2022"`), with its
    `extends` chain resolved. Raises PolicyError when it is not found or has errors."""
    if isinstance(ref, Policy):
        return ref
    ref = os.fspath(ref)
    if os.path.isdir(ref):
        raise PolicyError(_("{ref} is a folder: give one policy file").format(ref=ref))
    found = read_document(ref) if os.path.exists(ref) else \
        find_policy(ref, None) if not ref.endswith((".yaml", ".yml")) else None
    if found is None:
        raise PolicyError(_("policy {ref!r} not found (give a file path or a shipped policy id)").format(ref=ref))
    doc = found
    policy, findings = compile_policy(resolve(doc))
    if policy is None or has_errors(findings):
        raise PolicyError(_("policy {file} has errors; fix them first (kinerja validate {file})").format(
            file=doc.file), findings, doc.file)
    return policy
