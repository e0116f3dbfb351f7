"""`kinerja init`: a new agency policy that extends a national one, with one passing test.

The scaffold is built from the parent itself: its params are listed (commented out) as the
national values an agency may override; the example rule tests an output the parent really
computes; the test record is one of the parent's own test records (or one made from its field
declarations), and its expectation is what the new policy actually gives. Before anything is
written the scaffold is compiled and its test run, so it validates and passes out of the box.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import evaluate_record
from kinerja.findings import has_errors
from kinerja.i18n import _
from kinerja.model import FieldDef, Policy
from kinerja.policy.documents import TESTS_SCHEMA, Document, find_policy, read_document, resolve, shipped_index
from kinerja.policy.yaml_text import entry_lines, to_yaml

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SAMPLE_NIP = "199001012020011001"


class ScaffoldError(Exception):
    """The scaffold cannot be made; `code` is the exit code (2 usage, 1 a broken parent)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class Scaffold:
    policy_path: Path
    policy_text: str
    test_path: Path
    test_text: str


def slug(name: str) -> str:
    """`Badan Kepegawaian Negara` → `badan-kepegawaian-negara` (ASCII, lower case, joined by -)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def paths_for(directory: str, pid: str) -> tuple[Path, Path]:
    base = Path(directory)
    return base / f"{pid}.yaml", base / f"{pid}.test.yaml"


def _q(text: str) -> str:
    """A string literal of the expression language."""
    return json.dumps(text, ensure_ascii=False)


def _y(value) -> str:
    """A YAML scalar, quoted only when it must be."""
    return to_yaml(value).strip()


def _parent(ref: str, directory: Path) -> tuple[Document, str]:
    """The parent document, and how the new policy's `extends` names it."""
    if os.path.isfile(ref):
        rel = os.path.relpath(os.path.abspath(ref), os.path.abspath(directory)).replace(os.sep, "/")
        return read_document(ref), rel
    doc = find_policy(ref, directory if directory.is_dir() else None)
    if doc is None:
        close = difflib.get_close_matches(ref, list(shipped_index()), n=1, cutoff=0.6)
        hint = _("; did you mean \"{close}\"?").format(close=close[0]) if close else \
            _(" (give a shipped policy id or a file path)")
        raise ScaffoldError(_("policy \"{ref}\" not found").format(ref=ref) + hint)
    return doc, ref


def _compile(doc: Document) -> Policy:
    policy, findings = compile_policy(resolve(doc))
    if policy is None or has_errors(findings):
        first = next((f for f in findings if f.severity == "error"), None)
        where = f": {first.location()}: {first.code} {first.message}" if first else ""
        raise ScaffoldError(_("policy {file} has errors{where}").format(file=doc.file, where=where), 1)
    return policy


def sample_value(f: FieldDef):
    if f.type == "nip":
        return SAMPLE_NIP
    if f.type == "enum":
        return f.values[0] if f.values else None
    if f.type in ("integer", "number"):
        if f.min is not None:
            return f.min
        return f.max if f.max is not None and f.max < 0 else Decimal(0)
    if f.type == "boolean":
        return False
    if f.type == "date":
        return "2024-12-31"
    if f.type == "list":
        item = {k: sample_value(v) for k, v in (f.items or {}).items()}
        return [item] * (f.min_items or 0)
    return "contoh"


def sample_record(policy: Policy, parent: Document) -> dict | None:
    """A record the parent evaluates without error: one of its own test records, else made up."""
    tests = parent.data.get("tests") if isinstance(parent.data, dict) else None
    for test in tests or []:
        for record in ([test["record"]] if "record" in test else test.get("records") or []):
            if evaluate_record(policy, record, keep_env=False).ok:
                return dict(record)
    record = {name: sample_value(f) for name, f in policy.fields.items()}
    for _attempt in range(len(record) + 1):
        result = evaluate_record(policy, record, keep_env=False)
        if result.ok:
            return {k: v for k, v in record.items() if v is not None}
        dropped = [e["field"] for e in result.errors if str(e.get("reason", "")).startswith(_("must be empty here: "))
                   and e.get("field") in record]
        if not dropped:
            return None
        for name in dropped:
            del record[name]
    return None


def _condition(policy: Policy, record: dict) -> str:
    """A condition that holds for `record`, on an output the parent computes (else on a field)."""
    result = evaluate_record(policy, record, keep_env=False)
    for name, value in result.outputs.items():
        if isinstance(value, str):
            return f"{name} == {_q(value)}"
    for name, value in result.outputs.items():
        if isinstance(value, Decimal):
            return f"{name} >= {value}"
    for name, f in policy.fields.items():
        if f.type == "enum" and record.get(name) in (f.values or ()):
            return f"{name} == {_q(record[name])}"
    raise ScaffoldError(_("cannot build an example rule: the parent has no output or enum field to test"))


def _free(name: str, taken, sep: str) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}{sep}{n}", n + 1
    return out


def _comment(text: str, indent: str = "") -> list[str]:
    """A translated paragraph as YAML comment lines (each line of the translation one line)."""
    return [f"{indent}# {line}".rstrip() for line in text.split("\n")]


def policy_text(pid: str, agency: str, extends: str, parent: Policy, rule: str, param: str, cond: str) -> str:
    lines = [
        f"# Kebijakan penilaian kinerja {agency}.",
        *_comment(_("National rules: `extends: {extends}` ({name}).\n"
                    "Everything not written here is inherited unchanged; see the merged result with\n"
                    "  kinerja show --resolved {pid}.yaml\n"
                    "This file holds only the agency's own choices: overridden params, added or replaced\n"
                    "entries (same name as a national entry replaces it), and `disable:` for national\n"
                    "entries the agency does not use.").format(extends=extends, name=parent.name or parent.id,
                                                                pid=pid)),
        "kinerja: 1",
        f"id: {pid}",
        f"name: {_y('Penilaian Kinerja ' + agency)}",
        f"agency: {_y(agency)}",
        'version: "0.1"',
        f"extends: {_y(extends)}",
        "",
        "params:",
    ]
    if parent.params:
        lines += _comment(_("National values (inherited). To make an agency choice, uncomment one and change it:"),
                          "  ")
        for name, value in parent.params.items():
            lines.append("  # " + entry_lines(name, value)[0])
    lines += [
        *_comment(_("Agency choice (example): a param of the agency's own, used by the rule below."), "  "),
        f"  {param}: 10",
        "",
        "rules:",
        *_comment(_("Agency choice (example): a rule of the agency's own. Change or delete it; national\n"
                    "rules are inherited and can be replaced by writing a rule with the same id."), "  "),
        f"  {rule}:",
        "    kind: penghargaan",
        f"    label: {_y('Penghargaan kinerja ' + agency + ' (contoh)')}",
        f"    when: {_y(cond)}",
        "    params:",
        f"      poin: {param}",
        f"    reason: {_y('{poin} poin penghargaan instansi (contoh aturan instansi)')}",
        "",
        *_comment(_("Tests: {pid}.test.yaml (run `kinerja test` in this folder).").format(pid=pid)),
    ]
    return "\n".join(lines) + "\n"


def test_text(pid: str, rule: str, record: dict, outputs: dict, actions: list[str]) -> str:
    test = {
        "name": "contoh: aturan instansi berlaku",
        "record": record,
        "expect": {"outputs": outputs, "actions": actions, "params": {rule: {"poin": 10}}},
    }
    body = to_yaml({"tests": [test]})
    return "\n".join([
        *_comment(_("Tests for {pid}.yaml: a record, and what the policy must give for it.\n"
                    "Add one test per case the agency cares about; `kinerja test --coverage` lists the rules,\n"
                    "band entries and table rows no test reaches yet.").format(pid=pid)),
        "kinerja: 1",
        f"policy: {pid}.yaml",
    ]) + "\n" + body


def scaffold(agency: str, extends: str, directory: str, pid: str | None = None) -> Scaffold:
    """Build (and check) the two files; nothing is written here."""
    pid = pid or slug(agency)
    if not ID_RE.match(pid or ""):
        raise ScaffoldError(_("\"{pid}\" is not a valid policy id: use lower-case letters, digits and -").format(
            pid=pid)
                            if pid else _("the agency name gives no id: pass --id"))
    folder = Path(directory)
    parent_doc, ref = _parent(extends, folder)
    if parent_doc.findings:
        raise ScaffoldError(_("policy {file} has errors: run kinerja validate {file}").format(file=parent_doc.file), 1)
    parent = _compile(parent_doc)
    record = sample_record(parent, parent_doc)
    if record is None:
        raise ScaffoldError(_("cannot make a sample record that {file} evaluates without error").format(
            file=parent_doc.file))
    names = set(parent.fields) | set(parent.params) | set(parent.output_names())
    param = _free("poin_penghargaan", names, "_")
    rule = _free("penghargaan-instansi", set(parent.resolved.sections["rules"]), "-")
    cond = _condition(parent, record)
    policy_path, test_path = paths_for(directory, pid)
    ptext = policy_text(pid, agency, ref, parent, rule, param, cond)
    child = _compile(read_document(str(policy_path), text=ptext))
    result = evaluate_record(child, record, keep_env=False)
    if not result.ok or rule not in [a["id"] for a in result.actions]:
        raise ScaffoldError(f"internal: the example rule does not fire for the sample record ({cond})")
    name = cond.split(" ", 1)[0]
    outputs = {name: result.outputs[name]} if name in result.outputs else {}
    ttext = test_text(pid, rule, record, outputs, [a["id"] for a in result.actions])
    test_doc = read_document(str(test_path), text=ttext, schema_name=TESTS_SCHEMA)
    if test_doc.findings:
        raise ScaffoldError(f"internal: the scaffolded test file is invalid: {test_doc.findings[0].message}")
    return Scaffold(policy_path, ptext, test_path, ttext)
