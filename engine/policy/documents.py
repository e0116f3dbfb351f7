"""The policy stage's names in one place: read a file (reading.py), find a parent or a shipped
policy (lookup.py), merge the `extends` chain (resolve.py).

Callers outside policy/ import from here; the modules behind it each do one job.
"""

from __future__ import annotations

from kinerja.policy.lookup import (
    LINK_REFUSED,
    NOT_POLICIES,
    ParentRefused,
    find_policy,
    link_escapes,
    project_path,
    read_capped,
    shipped_index,
    shipped_policies,
)
from kinerja.policy.reading import (
    POLICY_SCHEMA,
    TESTS_SCHEMA,
    Document,
    decimal_comma,
    json_path,
    read_document,
    schema,
    schema_findings,
)
from kinerja.policy.resolve import SECTIONS, Entry, Resolved, resolve

__all__ = [
    "LINK_REFUSED",
    "NOT_POLICIES",
    "POLICY_SCHEMA",
    "SECTIONS",
    "TESTS_SCHEMA",
    "Document",
    "Entry",
    "ParentRefused",
    "Resolved",
    "decimal_comma",
    "find_policy",
    "json_path",
    "link_escapes",
    "project_path",
    "read_capped",
    "read_document",
    "resolve",
    "schema",
    "schema_findings",
    "shipped_index",
    "shipped_policies",
]
