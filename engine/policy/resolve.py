"""`extends` resolved: a policy's parent chain merged entry by entry, each entry remembering
the file and line it came from. The result is plain data plus positions; compile/ turns it
into something that evaluates.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.policy.lookup import ParentRefused, find_policy, shipped_index
from kinerja.policy.nodes import Node, node_at
from kinerja.policy.reading import Document

SECTIONS = ("params", "fields", "scorecards", "values", "bands", "tables", "rules", "population")


@dataclass
class Entry:
    """One named entry of a resolved policy, with where it was written."""

    section: str
    name: str
    spec: Any
    doc: Document
    path: list  # path of the entry inside its document, e.g. ["rules", "sanksi-kinerja"]

    @property
    def file(self) -> str:
        return self.doc.file

    def finding(self, code: str, message: str, sub: list | None = None, hint: str | None = None,
                key: bool = False) -> Finding:
        return self.doc.finding(code, message, self.path + list(sub or []), hint, key=key)

    def node(self, sub: list | None = None) -> Node | None:
        return node_at(self.doc.root, self.path + list(sub or [])) if self.doc.root is not None else None


@dataclass
class Resolved:
    """A policy with its `extends` chain merged. `chain` lists ids from the policy to its root."""

    doc: Document
    meta: dict
    sections: dict[str, dict[str, Entry]]
    chain: list[str]
    findings: list[Finding]
    cycle_doc: Document | None = None  # the policy in the chain whose `cycle` section applies

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    def plain(self) -> dict:
        """The resolved policy as plain data (what is hashed into every result)."""
        out = {k: v for k, v in self.meta.items() if k not in ("extends", "tests", "disable")}
        out["extends_chain"] = self.chain[1:]
        for section, entries in self.sections.items():
            if entries:
                out[section] = {name: e.spec for name, e in entries.items()}
        return out

    def sha256(self) -> str:
        text = json.dumps(self.plain(), sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()  # a "\ud800" escape is legal YAML

    def tests(self) -> list[tuple[dict, Document, list]]:
        return [(t, self.doc, ["tests", i]) for i, t in enumerate(self.meta.get("tests") or [])]


def resolve(doc: Document, *, max_depth: int = 16) -> Resolved:
    """Merge the `extends` chain: a child adds entries, replaces them by name, or disables them."""
    findings = list(doc.findings)
    chain_docs = [doc]
    if not findings and isinstance(doc.data, dict):
        current = doc
        while isinstance(current.data, dict) and current.data.get("extends"):
            ref = str(current.data["extends"])
            folder = Path(current.file).parent
            base = folder if folder.is_dir() else None
            try:
                parent = find_policy(ref, base)
            except ParentRefused as exc:
                findings.append(current.finding("K210", str(exc), ["extends"]))
                break
            ids = [str(d.data.get("id")) for d in chain_docs]
            if parent is None:
                close = difflib.get_close_matches(ref, list(shipped_index()), n=1, cutoff=0.6)
                findings.append(current.finding("K210", _("parent policy \"{ref}\" not found").format(ref=ref),
                                                ["extends"],
                                                _("did you mean \"{close}\"?").format(close=close[0]) if close else
                                                _("give a shipped policy id or a path relative to this file")))
                break
            if parent.findings:
                findings.extend(parent.findings)
                break
            pid = str(parent.data.get("id"))
            if pid in ids:
                findings.append(current.finding("K211", _("extends makes a cycle: {value}")
                                                .format(value=' → '.join(ids + [pid])),
                                                ["extends"]))
                break
            if len(chain_docs) >= max_depth:
                message = _("extends goes more than {max_depth} policies deep ({value} → …)")
                findings.append(current.finding("K211", message.format(max_depth=max_depth, value=' → '.join(ids[:3])),
                                                ["extends"],
                                                _("flatten the chain: extend the national policy directly")))
                break
            chain_docs.append(parent)
            current = parent
    meta = dict(doc.data) if isinstance(doc.data, dict) else {}
    sections: dict[str, dict[str, Entry]] = {s: {} for s in SECTIONS}
    if findings:
        return Resolved(doc, meta, sections, [str(d.data.get("id")) if isinstance(d.data, dict) else "?"
                                              for d in chain_docs], findings)
    for d in reversed(chain_docs):
        data = d.data
        for i, name in enumerate(data.get("disable") or []):
            hits = [s for s in SECTIONS if name in sections[s]]
            if not hits:
                findings.append(d.finding("K216", _("\"{name}\" is not an inherited entry, so it cannot be disabled")
                                          .format(name=name),
                                          ["disable", i]))
            for s in hits:
                del sections[s][name]
        for s in SECTIONS:
            for name, spec in (data.get(s) or {}).items():
                sections[s][name] = Entry(s, name, spec, d, [s, name])
    if "rounding" not in meta:
        meta["rounding"] = next((d.data["rounding"] for d in chain_docs if "rounding" in d.data), {})
    if "summary" not in meta:  # the table columns a parent chose, unless the child chooses its own
        inherited = next((d for d in chain_docs if "summary" in d.data), None)
        if inherited is not None:
            meta["summary"] = inherited.data["summary"]
    cycle_doc = next((d for d in chain_docs if "cycle" in d.data), None)  # inherited whole, like rounding
    if cycle_doc is not None:
        meta["cycle"] = cycle_doc.data["cycle"]
        listed = meta["cycle"].get("annual_rules") if isinstance(meta["cycle"], dict) else None
        if cycle_doc is not doc and isinstance(listed, list):  # a rule the child disabled is not listed
            meta["cycle"] = {**meta["cycle"], "annual_rules": [r for r in listed if r in sections["rules"]]}
    return Resolved(doc, meta, sections, [str(d.data.get("id")) for d in chain_docs], findings, cycle_doc)
