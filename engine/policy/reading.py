"""One policy (or test) file read with positions and checked against its JSON Schema.

load (YAML with positions, located.py) → schema (findings located at the offending key or
value). Finding parents and shipped policies is `lookup.py`; merging the `extends` chain is
`resolve.py`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from kinerja.findings import Finding
from kinerja.i18n import N_, _
from kinerja.policy.located import MAX_BYTES, Node, Scalar, key_at, load_path, load_text, node_at, to_plain

POLICY_SCHEMA = "policy.schema.json"
TESTS_SCHEMA = "policy-tests.schema.json"


@cache
def schema(name: str = POLICY_SCHEMA) -> dict:
    return json.loads(resources.files("kinerja.schemas").joinpath(name).read_text("utf-8"))


@cache
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
        node: Node | None = key_at(self.root, path) if key and self.root is not None else None
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
        return [doc.finding("K103", _("a policy file must be a mapping of keys, but this is {value}")
                            .format(value=_kind(doc.data)), [])]
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


_TYPE_WORDS = {"string": N_("text"), "number": N_("a number"), "integer": N_("a whole number"),
               "boolean": N_("true or false"), "object": N_("a mapping (key: value lines)"),
               "array": N_("a list (lines starting with -)"), "null": N_("empty")}


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
        return _("write {value}: numbers take a decimal point, not a comma").format(
            value=value.strip().replace(',', '.'))
    return None


def _translate(doc: Document, e: jsonschema.ValidationError) -> Finding:
    path = list(e.absolute_path)
    where = _where(path)
    instance: Any = e.instance  # the types say Any | Unset: an error from iter_errors always has them
    rule: Any = e.validator_value
    if e.validator == "additionalProperties":
        allowed = list(((e.schema if isinstance(e.schema, dict) else {}).get("properties") or {}).keys())
        extra = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = _("did you mean \"{close}\"?").format(close=close[0]) if close else \
            (_("allowed keys: ") + ", ".join(allowed) if allowed else None)
        keys = list(instance) if isinstance(instance, dict) else []
        if str(key).isdigit() and instance[key] is None and keys.index(key) > 0:
            before = instance[keys[keys.index(key) - 1]]  # `{min: 87,5}` reads as min: 87 and a key "5"
            if isinstance(before, int) and not isinstance(before, bool):
                hint = _("write {before}.{key}: numbers take a decimal point, not a comma").format(before=before,
                                                                                                     key=key)
        return doc.finding("K101", _('unknown key "{key}"').format(key=key), path + [key], hint, key=True)
    if e.validator == "required":
        missing = e.message.split("'")[1] if "'" in e.message else e.message
        return doc.finding("K102", _("\"{missing}\" is required here").format(missing=missing), path, key=bool(path))
    if e.validator == "type":
        want = rule if isinstance(rule, list) else [rule]
        words = _(" or ").join(_(_TYPE_WORDS[w]) if w in _TYPE_WORDS else w for w in want)
        hint = None
        node = node_at(doc.root, path) if doc.root is not None else None
        if "string" in want and isinstance(node, Scalar) and node.style is None:
            hint = _("write it in quotes: \"{source}\"").format(source=node.source)
        elif decimal_comma(instance) and ("number" in want or "integer" in want):
            hint = decimal_comma(instance)
        return doc.finding("K103", _("{where} must be {words}, but is {value}").format(where=where, words=words,
                                                                                   value=_kind(instance)), path, hint)
    if e.validator in ("enum", "const"):
        allowed = rule if e.validator == "enum" else [rule]
        close = difflib.get_close_matches(str(instance), [str(a) for a in allowed], n=1, cutoff=0.5)
        hint = _("did you mean \"{close}\"?").format(close=close[0]) if close else \
            _("allowed: ") + ", ".join(json.dumps(a) for a in allowed)
        value = json.dumps(instance, default=str)
        return doc.finding("K104", _("{value} is not allowed for {where}").format(value=value, where=where), path, hint)
    if e.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems",
                       "minLength", "minProperties"):
        return doc.finding("K105", _("{where}: {value}").format(where=where, value=_range_words(e)), path)
    if e.validator == "pattern":
        return doc.finding("K106", _("\"{instance}\" is not a valid name here").format(instance=instance),
                           path, _("use lower-case letters, digits and _ (for rule ids: -), starting with a letter"))
    if e.validator == "propertyNames":
        return doc.finding("K106", _("\"{instance}\" is not a valid name").format(instance=instance),
                           path + [instance],
                           _("use lower-case letters, digits and _ (for rule ids: -), starting with a letter"),
                           key=True)
    if e.validator == "not":
        return doc.finding("K107", _("{where}: give either max or below, not both").format(where=where), path)
    if e.validator == "uniqueItems":
        return doc.finding("K201", _("{where} lists the same item twice").format(where=where), path)
    return doc.finding("K107", _("{where}: {message}").format(where=where, message=e.message), path)


def _range_words(e) -> str:
    v = e.validator_value
    return {"minimum": _("must be at least {v}").format(v=v), "maximum": _("must be at most {v}").format(v=v),
            "exclusiveMinimum": _("must be more than {v}").format(v=v),
            "exclusiveMaximum": _("must be less than {v}").format(v=v),
            "minItems": _("needs at least {v} item(s)").format(v=v),
            "maxItems": _("allows at most {v} item(s)").format(v=v),
            "minLength": _("must not be empty"), "minProperties": _("must not be empty")}[e.validator]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
