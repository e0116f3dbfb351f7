"""What the policy workbench (`kinerja studio`) does, as plain functions over one folder.

Every path comes from a browser and is confined to the folder: relative, no `..`, no
symbolic link anywhere on the way, and a policy's `extends` chain may not leave it either.
A policy is edited as text (engine/policy/yaml_edit.py) and then read, checked and compiled like
any policy file, so the findings are the validator's own. Trying records and measuring the
impact of an edit are `evaluate` and `compare` on the edited text; saving keeps the
previous version beside the folder's files so it can be undone. Plain data out.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kinerja.compare.run import Comparison, Options
from kinerja.compile.compiler import compile_policy
from kinerja.evaluate.evaluator import Evaluator
from kinerja.explain.explanation import explain
from kinerja.findings import Finding, has_errors
from kinerja.i18n import _
from kinerja.model import Policy
from kinerja.policy.documents import NOT_POLICIES, ParentRefused, find_policy, read_document, resolve
from kinerja.policy.located import MAX_BYTES
from kinerja.policy.yaml_edit import EditError, apply_edits, editables
from kinerja.records.read import EXTENSIONS, read_records
from kinerja.records.source import RecordsError
from kinerja.values import format_value

HISTORY = ".kinerja-studio"  # previous versions of saved files, inside the folder
MAX_UPLOAD = 8 * 1024 * 1024
MAX_SHOWN = 1000  # result rows sent to the browser (counts always cover every record)


class Refused(Exception):
    """A request the workbench will not serve (a path outside the folder, a file too large)."""


@dataclass
class Edited:
    """A policy's text after the officer's edits, read and compiled."""

    rel: str
    text: str
    policy: Policy | None
    findings: list[Finding]


class Workspace:
    def __init__(self, folder: str | os.PathLike):
        self.root = Path(folder).resolve(strict=True)
        if not self.root.is_dir():
            raise Refused(_("{folder} is not a folder").format(folder=folder))

    # --- confinement ------------------------------------------------------------------------

    def path(self, rel: str, *, must_exist: bool = True) -> Path:
        """`rel` inside the folder, or Refused: absolute paths, `..`, links, hidden parts."""
        if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
            raise Refused(_("give a file inside the workbench folder"))
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or any(p in ("..", ".") or p.startswith(".") for p in parts):
            raise Refused(_("{rel!r} is not a file inside the workbench folder").format(rel=rel))
        current = self.root
        for part in parts:
            current = current / part
            if current.is_symlink():
                raise Refused(_("{rel!r} goes through a symbolic link").format(rel=rel))
        if must_exist and not current.is_file():
            raise Refused(_("{rel!r} is not a file in the workbench folder").format(rel=rel))
        return current

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def files(self) -> dict:
        """The policies (with id, name and how many errors) and the records files in the folder."""
        policies, records = [], []
        for dirpath, dirnames, filenames in os.walk(self.root):  # os.walk does not follow links
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and not (Path(dirpath) / d).is_symlink())
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.startswith(".") or path.is_symlink():
                    continue
                rel = self.rel(path)
                if name.endswith((".yaml", ".yml")) and not name.endswith(NOT_POLICIES):
                    info = self._summary(rel)
                    if info is not None:
                        policies.append(info)
                elif path.suffix.lower() in EXTENSIONS and not name.endswith((".map.yaml", ".test.yaml")):
                    records.append(rel)
        return {"folder": str(self.root), "policies": policies, "records": records}

    def _summary(self, rel: str) -> dict | None:
        try:
            text = self.read_text(rel)
        except Refused:
            return None
        if "kinerja:" not in text:
            return None
        edited = self.edited(rel, [], text)
        data = read_document(rel, text=text).data
        data = data if isinstance(data, dict) else {}
        return {"path": rel, "id": str(data.get("id", "")), "name": str(data.get("name", "")),
                "errors": sum(1 for f in edited.findings if f.severity == "error")}

    def read_text(self, rel: str) -> str:
        path = self.path(rel)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise Refused(_("{rel} is larger than {value} KiB").format(rel=rel, value=MAX_BYTES // 1024))
        return data.decode("utf-8", errors="replace")

    # --- reading and editing ----------------------------------------------------------------

    def edited(self, rel: str, edits: list, text: str | None = None) -> Edited:
        """The policy at `rel` with `edits` ([(yaml path, typed text)]) applied, compiled."""
        original = self.read_text(rel) if text is None else text
        try:
            new = apply_edits(original, [(list(p), v) for p, v in edits]) if edits else original
        except EditError as exc:
            raise Refused(str(exc)) from None
        path = self.path(rel)
        doc = read_document(str(path), text=new)
        refused = self._chain_refusal(doc, path)
        if refused:
            return Edited(rel, new, None, [refused])
        policy, findings = compile_policy(resolve(doc))
        findings = [f.at(file=self._shown(f.file)) for f in findings]
        return Edited(rel, new, None if has_errors(findings) else policy, findings)

    def _chain_refusal(self, doc, path: Path) -> Finding | None:
        """A finding when the `extends` chain would read outside the folder: a path that leaves
        it, or a lookup by id in a folder holding symbolic links (ids are looked up beside the
        file, then among kinerja's shipped policies, which are always allowed)."""
        for _depth in range(16):
            ref = doc.data.get("extends") if isinstance(doc.data, dict) else None
            if not isinstance(ref, str):
                return None
            refuse = doc.finding("K210", f'"{ref}" would read outside the workbench folder', ["extends"]) \
                .at(file=self._shown(doc.file))
            if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
                if os.path.isabs(ref) or "\\" in ref:
                    return refuse
                try:
                    parent = self.path(self.rel(Path(os.path.normpath(path.parent / ref))))
                except (Refused, ValueError):
                    return refuse
            else:
                if any(p.is_symlink() for p in path.parent.glob("*.y*ml")):
                    return refuse
                try:
                    found = find_policy(ref, path.parent)
                except ParentRefused:
                    return refuse
                if found is None:
                    return None
                parent = Path(found.file).resolve()
                if not parent.is_relative_to(self.root):
                    return None  # a shipped policy
            doc, path = read_document(str(parent), text=self.read_text(self.rel(parent))), parent
        return None

    def _shown(self, file: str | None) -> str | None:
        if file and os.path.isabs(file):
            try:
                return self.rel(Path(file))
            except ValueError:
                return file
        return file

    def open(self, rel: str) -> dict:
        text = self.read_text(rel)
        result = self.edited(rel, [], text)
        return {"path": rel, "text": text, "sha256": sha(text), "editables": _plain_editables(editables(text)),
                "findings": [finding_dict(f) for f in result.findings]}

    def check(self, rel: str, edits: list) -> dict:
        result = self.edited(rel, edits)
        return {"path": rel, "findings": [finding_dict(f) for f in result.findings], "ok": result.policy is not None}

    # --- records ------------------------------------------------------------------------------

    def sources(self, records: str, upload: tuple[str, bytes] | None = None):
        """The records of a file in the folder, or of an uploaded file (name, bytes)."""
        try:
            if upload is not None:
                name, data = upload
                if len(data) > MAX_UPLOAD:
                    raise Refused(_("the file is larger than {value} MiB").format(value=MAX_UPLOAD // (1024 * 1024)))
                return list(read_records("-", _format_of(name), stdin=io.BytesIO(data)))
            return list(read_records(str(self.path(records))))
        except RecordsError as exc:
            raise Refused(str(exc)) from None

    def try_records(self, rel: str, edits: list, sources: list, lang: str = "id") -> dict:
        result = self.edited(rel, edits)
        if result.policy is None:
            return {"ok": False, "findings": [finding_dict(f) for f in result.findings]}
        evaluator = Evaluator(result.policy)
        rows: list[dict] = []
        counts: dict[str, int] = {}
        errors = 0
        for source in sources:
            r = evaluator.evaluate(source)
            predikat = r.outputs.get("predikat") if r.ok else None
            if r.ok:
                counts[format_value(predikat)] = counts.get(format_value(predikat), 0) + 1
            errors += not r.ok
            if len(rows) < MAX_SHOWN:
                rows.append({"row": r.row, "nip": r.nip, "nama": _name(source.data), "status": r.status,
                             "predikat": format_value(predikat) if r.ok else None,
                             "actions": [a.get("label") or a["id"] for a in r.actions],
                             "errors": [e.get("reason", "") for e in r.errors]})
        return {"ok": True, "records": len(sources), "errors": errors, "rows": rows,
                "predikat": counts}

    def explain(self, rel: str, edits: list, sources: list, row: int, lang: str = "id") -> dict:
        result = self.edited(rel, edits)
        if result.policy is None:
            return {"ok": False, "findings": [finding_dict(f) for f in result.findings]}
        source = next((s for s in sources if s.row == row), None)
        if source is None:
            raise Refused(_("there is no record {row}").format(row=row))
        evaluated = Evaluator(result.policy, trace=True).evaluate(source)
        return {"ok": True, "row": row, "nama": _name(source.data), "lines": explain(result.policy, evaluated,
                                                                                     lang).lines()}

    def impact(self, rel: str, edits: list, sources: list) -> dict:
        """The saved policy against the edited one over the same records (kinerja compare)."""
        saved, edited = self.edited(rel, []), self.edited(rel, edits)
        if saved.policy is None or edited.policy is None:
            broken = edited if edited.policy is None else saved
            return {"ok": False, "findings": [finding_dict(f) for f in broken.findings]}
        group = ("unit_kerja",) if "unit_kerja" in saved.policy.fields and "unit_kerja" in edited.policy.fields \
            else ()
        by = "predikat" if "predikat" in saved.policy.output_names() and "predikat" in \
            edited.policy.output_names() else None
        options = Options(by or saved.policy.output_names()[0], group)
        comparison = Comparison(saved.policy, edited.policy, options)
        names = {}
        for source in sources:
            comparison.add(source)
            names[source.row] = _name(source.data)
        data = comparison.report()
        for entry in data["changed"]:
            entry["nama"] = names.get(entry["row"])
        data["changed"] = data["changed"][:MAX_SHOWN]
        return {"ok": True, "report": data}

    # --- saving ---------------------------------------------------------------------------------

    def save(self, rel: str, edits: list, expected_sha: str) -> dict:
        """Write the edited text; refuses when the file changed since it was opened, or when
        the edited policy has errors. The previous text is kept for `undo`."""
        current = self.read_text(rel)
        if sha(current) != expected_sha:
            raise Refused(_("the file was changed outside the workbench since you opened it; reopen it"))
        result = self.edited(rel, edits, current)
        if result.policy is None:
            return {"ok": False, "findings": [finding_dict(f) for f in result.findings]}
        path = self.path(rel)
        backup = self._backup(rel)
        backup.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(path.read_bytes())
        _write(path, result.text)
        return {"ok": True, "sha256": sha(result.text), "undo": True}

    def undo(self, rel: str) -> dict:
        path, backup = self.path(rel), self._backup(rel)
        if not backup.is_file() or backup.is_symlink():
            raise Refused(_("there is no earlier version of {rel} to go back to").format(rel=rel))
        previous = backup.read_bytes()
        backup.unlink()
        _write(path, previous.decode("utf-8", errors="replace"))
        return {"ok": True, "sha256": sha(previous.decode("utf-8", errors="replace"))}

    def _backup(self, rel: str) -> Path:
        history = self.root / HISTORY
        if history.is_symlink():
            raise Refused(_("{HISTORY} is a symbolic link").format(HISTORY=HISTORY))
        return history / (rel.replace("/", "__") + ".previous")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".kinerja-tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _format_of(name: str) -> str:
    fmt = EXTENSIONS.get(Path(name).suffix.lower())
    if fmt is None:
        raise Refused(_("cannot tell the format of {name!r}: use .csv, .json, .jsonl, .yaml or .xlsx").format(
            name=name))
    return fmt


def _name(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("nama")
        return str(value) if value not in (None, "") else None
    return None


def finding_dict(f: Finding) -> dict:
    return {"code": f.code, "severity": f.severity, "message": f.message, "hint": f.hint, "file": f.file,
            "line": f.line, "column": f.column}


def _plain_editables(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _plain_editables(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_plain_editables(v) for v in tree]
    if tree is None or isinstance(tree, str):
        return tree
    return {"path": list(tree.path), "value": format_value(tree.value) if not isinstance(tree.value, str)
            else tree.value, "line": tree.line, "column": tree.column}
