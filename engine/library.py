"""What kinerja ships: its policies and column mappings, for `kinerja list`."""

from __future__ import annotations

from kinerja.policy.documents import read_document, shipped_policies
from kinerja.records.mapping import SUFFIX, shipped_mappings


def shipped_library() -> list[dict]:
    """One entry per shipped policy and mapping: id, kind, name, regime (the regulation at the
    root of its `extends` chain), extends, file. Root policies first, then those that extend one, each in file order."""
    docs = {}
    for display, item in shipped_policies():
        doc = read_document(display, text=item.read_bytes())
        if isinstance(doc.data, dict) and doc.data.get("id"):
            docs[str(doc.data["id"])] = (display, doc.data)
    out = []
    for pid, (display, data) in sorted(docs.items(), key=lambda kv: (bool(kv[1][1].get("extends")), kv[1][0])):
        root, seen = pid, {pid}
        while docs.get(root, (None, {}))[1].get("extends") and str(docs[root][1]["extends"]) not in seen:
            root = str(docs[root][1]["extends"])
            seen.add(root)
        out.append({"id": pid, "kind": "policy", "name": str(data.get("name") or ""), "regime": root,
                    "extends": str(data["extends"]) if data.get("extends") else None, "file": display})
    for mid, item in sorted(shipped_mappings().items()):
        doc = read_document(f"policies/mappings/{item.name}", text=item.read_bytes(), schema_name="mapping.schema.json")
        data = doc.data if isinstance(doc.data, dict) else {}
        out.append({"id": mid, "kind": "mapping", "name": str(data.get("name") or ""), "regime": None,
                    "extends": None, "file": f"policies/mappings/{mid}{SUFFIX}"})
    return out
