"""What kinerja ships: its policies and column mappings (`kinerja list`), and the sample records
beside a policy (the example rows of `kinerja template`)."""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path

from kinerja.model import Policy
from kinerja.policy.documents import read_document, shipped_policies
from kinerja.records.mapping import SUFFIX, shipped_mappings
from kinerja.records.read import read_records
from kinerja.records.source import RecordsError

SAMPLE_SUFFIXES = (".sample.csv", ".sample.yaml", ".sample.json", ".sample.jsonl")


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


def sample_records(ref: str, policy: Policy, limit: int = 200) -> list[dict]:
    """The first records of the policy's sample file (`<name>.sample.csv` beside it, for a file or
    a shipped id), if it has one that reads."""
    candidates: list[tuple[str, bytes]] = []
    if os.path.exists(ref):
        path = Path(ref)
        stem = path.name.rsplit(".", 1)[0]
        candidates = [(s, path.with_name(stem + s).read_bytes()) for s in SAMPLE_SUFFIXES
                      if path.with_name(stem + s).is_file()]
    else:
        for display, item in shipped_policies():
            if display == policy.resolved.doc.file:  # policies/<folder>/<name>.yaml
                stem = item.name.rsplit(".", 1)[0]
                folder = resources.files("kinerja.policies").joinpath(*display.split("/")[1:-1])
                candidates = [(s, folder.joinpath(stem + s).read_bytes()) for s in SAMPLE_SUFFIXES
                              if folder.joinpath(stem + s).is_file()]
    for suffix, data in candidates[:1]:
        try:
            return [s.data for s in read_records("-", suffix.rsplit(".", 1)[-1], stdin=io.BytesIO(data))
                    if isinstance(s.data, dict)][:limit]
        except RecordsError:
            return []
    return []
