"""Policy documents: read with positions, checked against the JSON Schema, `extends` resolved.

load (YAML with positions) → schema (findings located at the offending key or value) →
resolve (parent chain merged entry by entry, each entry remembering the file and line it
came from). The result is plain data plus positions; compile.py turns it into something
that evaluates.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import jsonschema

from kinerja.findings import Finding
from kinerja.i18n import N_, _
from kinerja.policy.located import MAX_BYTES, Node, Scalar, key_at, load_path, load_text, node_at, to_plain

SECTIONS = ("params", "fields", "scorecards", "values", "bands", "tables", "rules", "population")
POLICY_SCHEMA = "policy.schema.json"
NOT_POLICIES = (".test.yaml", ".test.yml", ".map.yaml", ".map.yml", ".sample.yaml", ".sample.yml",
                ".records.yaml", ".records.yml")
TESTS_SCHEMA = "policy-tests.schema.json"


@lru_cache(maxsize=None)
def schema(name: str = POLICY_SCHEMA) -> dict:
    return json.loads(resources.files("kinerja.schemas").joinpath(name).read_text("utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


@dataclass
class Document:
    """One YAML file: its display name, the node tree and its plain data."""

    file: str
    root: Node | None
    data: Any
    findings: list[Finding] = field(default_factory=list)
    text: str = ""

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def locate(self, path: list) -> tuple[int, int]:
        node = node_at(self.root, path) if self.root is not None else None
        return (node.line, node.column) if node is not None else (1, 1)

    def finding(self, code: str, message: str, path: list, hint: str | None = None, key: bool = False) -> Finding:
        node = key_at(self.root, path) if key and self.root is not None else None
        if node is None and self.root is not None:
            node = node_at(self.root, path)
        line, col = (node.line, node.column) if node is not None else (1, 1)
        return Finding(code, message, self.file, line, col, json_path(path), hint)


def json_path(path) -> str:
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if str(p).isidentifier() else f"[{json.dumps(p)}]")
    return out


def read_document(source: str | os.PathLike, *, display: str | None = None, text: str | bytes | None = None,
                  schema_name: str = POLICY_SCHEMA) -> Document:
    """Load one file (or given text) and check it against the schema; never raises."""
    name = display or str(source)
    if text is None:
        try:
            with open(source, "rb") as fh:  # never more than the size limit (think /dev/zero)
                text = fh.read(MAX_BYTES + 1)
        except (OSError, ValueError):
            text = None
    if text is not None:
        root, findings = load_text(text, name)
    else:
        root, findings = load_path(source, display=name)
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")
    doc = Document(name, root, to_plain(root) if root is not None else None, list(findings), raw)
    if root is not None and not findings:
        doc.findings.extend(schema_findings(doc, schema_name))
    return doc


# --- JSON Schema errors → located findings ----------------------------------------------------


def schema_findings(doc: Document, schema_name: str = POLICY_SCHEMA) -> list[Finding]:
    if not isinstance(doc.data, dict):
        return [doc.finding("K103", _("a policy file must be a mapping of keys, but this is {value}").format(value=_kind(doc.data)), [])]
    out = []
    for error in sorted(_validator(schema_name).iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        error = _deepest(error)
        if error.validator == "not" and not isinstance(error.instance, dict):
            continue  # `not: {required: [max, below]}` also "fails" on a non-mapping, already a K103
        out.append(_translate(doc, error))
    return _dedupe(out)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For oneOf/anyOf, report the alternative that got furthest, as best_match does."""
    while error.context:
        error = jsonschema.exceptions.best_match(error.context)
        if error.validator not in ("oneOf", "anyOf"):
            break
    return error


_TYPE_WORDS = {"string": N_("text"), "number": N_("a number"), "integer": N_("a whole number"), "boolean": N_("true or false"),
               "object": N_("a mapping (key: value lines)"), "array": N_("a list (lines starting with -)"), "null": N_("empty")}


def _where(path: list) -> str:
    """How a message names the place: `weight`, or `bands[2]` for a list item, not a bare `2`."""
    if not path:
        return _("the policy")
    if isinstance(path[-1], int):
        owner = next((p for p in reversed(path) if not isinstance(p, int)), "item")
        return f"{owner}[{path[-1]}]" if len(path) < 2 or not isinstance(path[-2], int) else \
            f"{owner}[{path[-2]}][{path[-1]}]"
    return str(path[-1])


def _kind(value: Any) -> str:
    if value is None:
        return _("empty")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int):
        return _("a whole number")
    if isinstance(value, (float, Decimal)):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


def decimal_comma(value: Any) -> str | None:
    """The hint for a number written with a decimal comma (`87,5`, as Indonesian Excel shows it),
    which YAML reads as text: "write 87.5"."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
        return _("write {value}: numbers take a decimal point, not a comma").format(value=value.strip().replace(',', '.'))
    return None


def _translate(doc: Document, e: jsonschema.ValidationError) -> Finding:
    path = list(e.absolute_path)
    where = _where(path)
    if e.validator == "additionalProperties":
        allowed = list((e.schema.get("properties") or {}).keys())
        extra = [k for k in e.instance if k not in allowed] if isinstance(e.instance, dict) else []
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = _("did you mean \"{close}\"?").format(close=close[0]) if close else (_("allowed keys: ") + ", ".join(allowed) if allowed else None)
        keys = list(e.instance) if isinstance(e.instance, dict) else []
        if str(key).isdigit() and e.instance[key] is None and keys.index(key) > 0:
            before = e.instance[keys[keys.index(key) - 1]]  # `{min: 87,5}` reads as min: 87 and a key "5"
            if isinstance(before, int) and not isinstance(before, bool):
                hint = _("write {before}.{key}: numbers take a decimal point, not a comma").format(before=before, key=key)
        return doc.finding("K101", _('unknown key "{key}"').format(key=key), path + [key], hint, key=True)
    if e.validator == "required":
        missing = e.message.split("'")[1] if "'" in e.message else e.message
        return doc.finding("K102", _("\"{missing}\" is required here").format(missing=missing), path, key=bool(path))
    if e.validator == "type":
        want = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
        words = _(" or ").join(_(_TYPE_WORDS[w]) if w in _TYPE_WORDS else w for w in want)
        hint = None
        node = node_at(doc.root, path) if doc.root is not None else None
        if "string" in want and isinstance(node, Scalar) and node.style is None:
            hint = _("write it in quotes: \"{source}\"").format(source=node.source)
        elif decimal_comma(e.instance) and ("number" in want or "integer" in want):
            hint = decimal_comma(e.instance)
        return doc.finding("K103", _("{where} must be {words}, but is {value}").format(where=where, words=words,
                                                                                   value=_kind(e.instance)), path, hint)
    if e.validator in ("enum", "const"):
        allowed = e.validator_value if e.validator == "enum" else [e.validator_value]
        close = difflib.get_close_matches(str(e.instance), [str(a) for a in allowed], n=1, cutoff=0.5)
        hint = _("did you mean \"{close}\"?").format(close=close[0]) if close else _("allowed: ") + ", ".join(json.dumps(a) for a in allowed)
        return doc.finding("K104", _("{value} is not allowed for {where}").format(value=json.dumps(e.instance, default=str), where=where), path, hint)
    if e.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems",
                       "minLength", "minProperties"):
        return doc.finding("K105", _("{where}: {value}").format(where=where, value=_range_words(e)), path)
    if e.validator == "pattern":
        return doc.finding("K106", _("\"{instance}\" is not a valid name here").format(instance=e.instance),
                           path, _("use lower-case letters, digits and _ (for rule ids: -), starting with a letter"))
    if e.validator == "propertyNames":
        return doc.finding("K106", _("\"{instance}\" is not a valid name").format(instance=e.instance), path + [e.instance],
                           _("use lower-case letters, digits and _ (for rule ids: -), starting with a letter"), key=True)
    if e.validator == "not":
        return doc.finding("K107", _("{where}: give either max or below, not both").format(where=where), path)
    if e.validator == "uniqueItems":
        return doc.finding("K201", _("{where} lists the same item twice").format(where=where), path)
    return doc.finding("K107", _("{where}: {message}").format(where=where, message=e.message), path)


def _range_words(e) -> str:
    v = e.validator_value
    return {"minimum": _("must be at least {v}").format(v=v), "maximum": _("must be at most {v}").format(v=v),
            "exclusiveMinimum": _("must be more than {v}").format(v=v), "exclusiveMaximum": _("must be less than {v}").format(v=v),
            "minItems": _("needs at least {v} item(s)").format(v=v), "maxItems": _("allows at most {v} item(s)").format(v=v),
            "minLength": _("must not be empty"), "minProperties": _("must not be empty")}[e.validator]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- extends: the parent chain -----------------------------------------------------------------


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


def shipped_policies() -> Iterator[tuple[str, Any]]:
    """(display name, traversable) for every policy file shipped in kinerja.policies."""
    root = resources.files("kinerja.policies")
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.is_dir() and not item.name.startswith(("_", ".")):
                stack.append((item, f"{prefix}{item.name}/"))
            elif item.name.endswith(".yaml") and not item.name.endswith((".test.yaml", ".map.yaml", ".sample.yaml")):
                yield f"policies/{prefix}{item.name}", item


@lru_cache(maxsize=None)
def _shipped_index() -> dict[str, tuple[str, str]]:
    index = {}
    for name, item in shipped_policies():
        text = item.read_text("utf-8")
        pid = _peek_id(text)
        if pid:
            index[pid] = (name, text)
    return index


def _peek_id(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("id:"):
            return line[3:].split("#")[0].strip().strip("'\"") or None
    return None


class ParentRefused(Exception):
    """A path in a policy or test file that points outside the project; a hostile file from a
    pull request must not make kinerja read other files (absolute paths, `..` out of the tree)."""


def project_path(ref: str, base_dir: Path | None, what: str = "extends") -> Path:
    """`ref` relative to `base_dir`, refused unless it stays inside that folder or the current one."""
    if os.path.isabs(ref) or "\\" in ref:
        raise ParentRefused(_("{what} takes a relative path (from this file's folder), not {ref!r}").format(what=what, ref=ref))
    base = base_dir if base_dir is not None else Path.cwd()
    try:
        path = (base / ref).resolve()
    except (ValueError, OSError):  # a NUL byte, a loop of links
        raise ParentRefused(_("cannot use {ref!r} as a path").format(ref=ref)) from None
    if not any(path.is_relative_to(root) for root in (Path.cwd().resolve(), base.resolve())):
        raise ParentRefused(_("\"{ref}\" points outside this project's folders").format(ref=ref))
    return path


def link_escapes(path: str | os.PathLike) -> bool:
    """Whether `path` is a symbolic link to somewhere outside both the folder it sits in and
    the current folder: a `*.yaml` link in a pull request must not make kinerja read (and echo
    in findings) a file from elsewhere on the CI machine, such as a credentials file."""
    if not os.path.islink(path):
        return False
    try:
        target = Path(os.path.realpath(path))
        roots = (Path(os.path.realpath(os.path.dirname(os.path.abspath(path)))), Path.cwd().resolve())
    except (OSError, ValueError):
        return True
    return not any(target.is_relative_to(root) for root in roots)


LINK_REFUSED = N_("is a link to a file outside this project; kinerja does not read it")


def read_capped(path: str | os.PathLike, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` + 1 bytes of a file (enough to tell it is too large, even of /dev/zero);
    OSError for a named pipe or socket, whose opening would wait for a writer forever."""
    mode = os.stat(path).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise OSError(errno.EINVAL, _("it is a named pipe or socket, not a file"))
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _display(path: Path) -> str:
    """A path as users typed it: relative to the current folder when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _read_head(path: Path, limit: int = 65536) -> str:
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", errors="replace")


def find_policy(ref: str, base_dir: Path | None) -> Document | None:
    """A parent by relative path (from the child's folder, staying inside it or the current
    folder), or by id: a policy with that id in the child's own folder, else a shipped one."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        if not ref.endswith((".yaml", ".yml")):
            raise ParentRefused(_("extends takes a policy id or a relative path to a .yaml file"))
        path = project_path(ref, base_dir)
        return read_document(path, display=_display(path)) if path.is_file() else None
    if base_dir is not None and base_dir.is_dir():  # a policy with that id beside the child wins
        for path in sorted(base_dir.glob("*.y*ml")):
            if path.name.endswith(NOT_POLICIES) or not path.is_file() or link_escapes(path):
                continue
            try:
                if _peek_id(_read_head(path)) == ref:
                    return read_document(path, display=_display(path))
            except (OSError, ValueError):
                continue
    shipped = _shipped_index().get(ref)
    if shipped:
        return read_document(shipped[0], text=shipped[1])
    return None


def resolve(doc: Document, *, max_depth: int = 16) -> Resolved:
    """Merge the `extends` chain: a child adds entries, replaces them by name, or disables them."""
    findings = list(doc.findings)
    chain_docs = [doc]
    if not findings and isinstance(doc.data, dict):
        current = doc
        while isinstance(current.data, dict) and current.data.get("extends"):
            ref = str(current.data["extends"])
            base = Path(current.file).parent
            base = base if base.is_dir() else None
            try:
                parent = find_policy(ref, base)
            except ParentRefused as exc:
                findings.append(current.finding("K210", str(exc), ["extends"]))
                break
            ids = [str(d.data.get("id")) for d in chain_docs]
            if parent is None:
                close = difflib.get_close_matches(ref, list(_shipped_index()), n=1, cutoff=0.6)
                findings.append(current.finding("K210", _("parent policy \"{ref}\" not found").format(ref=ref), ["extends"],
                                                _("did you mean \"{close}\"?").format(close=close[0]) if close else
                                                _("give a shipped policy id or a path relative to this file")))
                break
            if parent.findings:
                findings.extend(parent.findings)
                break
            pid = str(parent.data.get("id"))
            if pid in ids:
                findings.append(current.finding("K211", _("extends makes a cycle: {value}").format(value=' → '.join(ids + [pid])),
                                                ["extends"]))
                break
            if len(chain_docs) >= max_depth:
                findings.append(current.finding("K211", _("extends goes more than {max_depth} policies deep ({value} → …)").format(max_depth=max_depth, value=' → '.join(ids[:3])), ["extends"],
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
                findings.append(d.finding("K216", _("\"{name}\" is not an inherited entry, so it cannot be disabled").format(name=name),
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
