"""`kinerja show`: a policy as written, or resolved (after `extends`) with each entry's origin.

The resolved form is `Resolved.plain()` (exactly what is hashed into every result) plus the
sha256 and, for every entry, the file and line it came from: a YAML comment, or an `origins`
map in JSON.
"""

from __future__ import annotations

from decimal import Decimal

import yaml

from ..policy import SECTIONS, Resolved
from .results import dumps

WIDTH = 4096  # never wrap: a comment after a wrapped flow collection would land inside it


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    if value == value.to_integral_value() and "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal)


def to_yaml(data, flow_leaves: bool = True) -> str:
    """Plain data as block YAML (innermost lists and mappings in flow style), Decimal exact."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                     default_flow_style=None if flow_leaves else False)


def origin(entry) -> str:
    """`file:line` of an entry's key."""
    f = entry.finding("K000", "", key=True)
    return f"{entry.file}:{f.line}"


def resolved_yaml(resolved: Resolved) -> str:
    plain = resolved.plain()
    chain = " → ".join(resolved.chain)
    lines = [f"# {resolved.id}, resolved: {chain}",
             f"# sha256: {resolved.sha256()} (the policy.sha256 every result carries)",
             "# Each entry's comment names the file and line it comes from."]
    head = {k: v for k, v in plain.items() if k not in SECTIONS}
    lines.append(to_yaml(head).rstrip("\n"))
    for section in SECTIONS:
        entries = resolved.sections.get(section) or {}
        if not entries:
            continue
        lines.append(f"{section}:")
        for name, entry in entries.items():
            body = to_yaml({name: entry.spec}).rstrip("\n").splitlines()
            body[0] += f"  # from {origin(entry)}"
            lines.extend("  " + line for line in body)
    return "\n".join(lines) + "\n"


def resolved_json(resolved: Resolved) -> str:
    doc = {"sha256": resolved.sha256(), **resolved.plain()}
    doc["origins"] = {section: {name: origin(e) for name, e in entries.items()}
                      for section, entries in resolved.sections.items() if entries}
    return dumps(doc, indent=2) + "\n"
