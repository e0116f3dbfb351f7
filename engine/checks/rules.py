"""Rules: an exclusion is decided before anything is computed, so it reads fields and params only."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kinerja.checks.registry import Issue, check
from kinerja.expr.language import parse
from kinerja.i18n import _
from kinerja.model import EXCLUDED_KIND


@check("exclusion")
def reads_inputs_only(spec: dict, names: dict, inputs: dict) -> Iterator[Issue]:
    """A computed name in an exclusion's `when` is K302 (it would be read before it exists)."""
    raw = spec.get("when")
    items = raw if isinstance(raw, list) else [raw]
    for i, text in enumerate(items):
        tree, _problems = parse(text) if isinstance(text, str) else (None, None)
        computed = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                           and n.id in names and n.id not in inputs}) if tree is not None else []
        for name in computed:
            yield Issue("K302", _("`{name}` is computed, but a rule of kind {EXCLUDED_KIND} is decided before "
                                  "anything is computed").format(name=name, EXCLUDED_KIND=EXCLUDED_KIND),
                        ("when", i) if isinstance(raw, list) else ("when",),
                        _("read fields and params only (e.g. status_pegawai)"))
