"""Population checks: rules over all evaluated records, grouped by a field (placeholder)."""

from __future__ import annotations


def compile_checks(resolved, names):
    return [], []
