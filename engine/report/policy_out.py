"""`kinerja show`: a policy as written, or resolved (after `extends`) with each entry's origin.

The resolved form is `Resolved.plain()` (exactly what is hashed into every result) plus the
sha256 and, for every entry, the file and line it came from: a YAML comment, or an `origins`
map in JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from kinerja.i18n import _
from kinerja.policy.documents import SECTIONS, Document, Resolved
from kinerja.policy.yaml_text import entry_lines
from kinerja.report.results import dumps


def origin(entry) -> str:
    """`file:line` of an entry's key."""
    f = entry.finding("K000", "", key=True)
    return f"{entry.file}:{f.line}"


def resolved_yaml(resolved: Resolved) -> str:
    plain = resolved.plain()
    chain = " → ".join(resolved.chain)
    lines = ["# " + _("{id}, resolved: {chain}").format(id=resolved.id, chain=chain),
             "# " + _("sha256: {sha256} (the policy.sha256 every result carries)").format(sha256=resolved.sha256()),
             "# " + _("Each entry's comment names the file and line it comes from.")]
    for key, value in plain.items():
        if key not in SECTIONS:
            lines.extend(entry_lines(key, value))
    for section in SECTIONS:
        entries = resolved.sections.get(section) or {}
        if not entries:
            continue
        lines.append(f"{section}:")
        for name, entry in entries.items():
            lines.extend("  " + line for line in entry_lines(name, entry.spec, _("from {origin}").format(
                origin=origin(entry))))
    return "\n".join(lines) + "\n"


def resolved_json(resolved: Resolved) -> str:
    doc = {"sha256": resolved.sha256(), **resolved.plain()}
    doc["origins"] = {section: {name: origin(e) for name, e in entries.items()}
                      for section, entries in resolved.sections.items() if entries}
    return dumps(doc, indent=2) + "\n"


def written_yaml(doc: Document) -> str:
    return doc.text


def written_json(doc: Document) -> str:
    return dumps(doc.data, indent=2) + "\n"


class PolicyFormat(NamedTuple):
    """A format of `kinerja show`: the policy as written, and resolved (after `extends`)."""

    written: Callable[[Document], str]
    resolved: Callable[[Resolved], str]


SHOW_FORMATS: dict[str, PolicyFormat] = {"yaml": PolicyFormat(written_yaml, resolved_yaml),
                                         "json": PolicyFormat(written_json, resolved_json)}
