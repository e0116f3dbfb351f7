"""The policy handbook ("Pedoman Penilaian Kinerja") as plain data, ready for a template.

Built from a compiled policy and its resolved entries: identity and sources; fields; params
with the notes written beside them in the YAML; scorecards; values; bands with their bounds;
decision tables, with a two-input table over known labels laid out as a grid (the kuadran);
each rule's conditions in plain words (engine/explain/phrase.py); and, for a policy that extends
another, what it changes. The words of the handbook live in report/handbook.py's templates;
here only the facts, and phrases built from the policy's own conditions.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from kinerja.compare.policy_diff import change_words, diff_policies
from kinerja.explain.phrase import Names, Segment, conjuncts, phrase
from kinerja.i18n import N_, gettext_in, in_every_language
from kinerja.model import Band, Cell, Policy, Scorecard, Table, Value
from kinerja.policy.documents import Entry, ParentRefused, find_policy, resolve
from kinerja.values import show_value

CMP_SIGNS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}
GRID_MAX = 8  # a two-input table is drawn as a grid when each input has at most this many labels
UNCERTAIN = re.compile(r"\[(?:S/)?U\]")  # the policies' marker of a fact not confirmed in a source

_TYPE_WORDS_EN = {  # English message ids; the Indonesian is in the catalogue
    "string": N_("text"),
    "integer": N_("whole number"),
    "number": N_("number"),
    "boolean": N_("yes/no"),
    "date": N_("date"),
    "enum": N_("choice"),
    "nip": N_("NIP (18 digits)"),
    "list": N_("list"),
}
TYPE_WORDS = in_every_language(_TYPE_WORDS_EN)
_KIND_WORDS_EN = {  # English message ids; the Indonesian is in the catalogue
    "promosi": N_("promotion"),
    "pelatihan": N_("training"),
    "pengembangan": N_("development"),
    "pembinaan": N_("coaching"),
    "sanksi": N_("sanction"),
    "penghargaan": N_("award"),
    "talenta": N_("talent management"),
    "mutasi": N_("transfer"),
    "pendidikan": N_("education"),
    "catatan": N_("note"),
    "dikecualikan": N_("not appraised (excluded)"),
}
KIND_WORDS = in_every_language(_KIND_WORDS_EN)
_SECTION_WORDS_EN = {  # English message ids; the Indonesian is in the catalogue
    "params": N_("Parameter"),
    "fields": N_("Employee data"),
    "scorecards": N_("Scorecard"),
    "values": N_("Derived value"),
    "bands": N_("Band"),
    "tables": N_("Decision table"),
    "rules": N_("Action"),
    "population": N_("Population check"),
    "rounding": N_("Rounding"),
}
SECTION_WORDS = in_every_language(_SECTION_WORDS_EN)


def build(policy: Policy, lang: str = "id") -> dict:
    """Everything the handbook shows, as plain data (strings, lists, dicts)."""
    r = policy.resolved
    labels = _labels(policy)
    names = Names(labels, dict(policy.params))
    used = _params_used(policy, labels)
    own = r.doc
    meta = r.meta
    data: dict[str, Any] = {
        "lang": lang,
        "policy": {
            "id": policy.id, "name": policy.name, "version": policy.version, "sha256": policy.sha256,
            "agency": _text(meta.get("agency")), "effective": _text(meta.get("effective")),
            "until": _text(meta.get("until")), "description": _text(meta.get("description")).strip(),
            "sources": [_text(s) for s in (meta.get("sources") or [])], "file": own.file,
            "extends": _text(meta.get("extends")), "chain": list(r.chain[1:]),
            "rounding": _rounding(meta.get("rounding") or {}, lang),
        },
        "fields": [_field(e, policy, names, lang) for e in r.sections["fields"].values()],
        "params": [_param(e, policy, lang, used.get(e.name, [])) for e in r.sections["params"].values()],
        "scorecards": [], "values": [], "bands": [], "tables": [],
        "rules": [_rule(rule, r.sections["rules"][rule.id], names, lang) for rule in policy.rules],
        "disabled_rules": [name for name, e in r.sections["rules"].items()
                           if isinstance(e.spec, dict) and e.spec.get("enabled") is False],
        "changes": _changes(policy, lang),
        "population": [_population(name, e.spec, names, labels, lang)
                       for name, e in r.sections["population"].items() if isinstance(e.spec, dict)],
    }
    domains = _domains(policy)
    position = {(s, name): i for s in ("scorecards", "values", "bands", "tables")
                for i, name in enumerate(r.sections[s])}
    for node in sorted(policy.nodes, key=lambda n: position[(n.kind + "s", n.name)]):  # as written, not as computed
        entry = r.sections[node.kind + "s"][node.name]
        if isinstance(node, Scorecard):
            data["scorecards"].append(_scorecard(node, entry, names, lang))
        elif isinstance(node, Band):
            data["bands"].append(_band(node, entry, labels, lang))
        elif isinstance(node, Table):
            data["tables"].append(_table(node, entry, labels, domains, lang))
        elif isinstance(node, Value):
            data["values"].append(_value(node, entry, names, lang))
    for section in ("fields", "params", "scorecards", "values", "bands", "tables", "rules", "population"):
        for item in data[section]:
            entry = r.sections[section][item.get("name") or item.get("id")]
            item["origin"] = None if entry.doc is own else _text(entry.doc.data.get("id"))
    return data


def _text(value: Any) -> str:
    return "" if value is None else show_value(value, "id") if not isinstance(value, str) else value


def _labels(policy: Policy) -> dict[str, str]:
    labels = {name: f.label for name, f in policy.fields.items() if f.label}
    for node in policy.nodes:
        if node.label and node.label != node.name:
            labels[node.name] = node.label
        if isinstance(node, Scorecard):
            labels.update({i.name: i.label for i in node.indicators if i.label and i.label != i.name})
    return labels


ROUNDING_WORDS = {"half_up": N_("half up"), "half_even": N_("half to even"), "down": N_("down"), "up": N_("up")}


def _rounding(spec: dict, lang: str) -> dict[str, str]:
    places = spec.get("places", 2)
    mode = spec.get("mode", "half_up")
    words = ROUNDING_WORDS.get(str(mode))
    return {"places": str(places), "mode": gettext_in(lang, words) if words else str(mode)}


def _conditions(texts: Any, names: Names, lang: str) -> list[dict]:
    """Each condition (a list item, or each part of a top-level `and`) in words, with its text."""
    items = texts if isinstance(texts, list) else [] if texts is None else [texts]
    out = []
    for text in items:
        for part in conjuncts(str(text)):
            segments, phrased = phrase(part, names, lang)
            out.append({"segments": segments, "expr": part, "phrased": phrased})
    return out


def _field(entry: Entry, policy: Policy, names: Names, lang: str) -> dict:
    spec, f = entry.spec, policy.fields[entry.name]
    allowed: list[str] = list(f.values or [])
    lo, hi = (show_value(x, lang) if x is not None else None for x in (f.min, f.max))
    bounds = [f"{lo} – {hi}"] if lo is not None and hi is not None else [f"≥ {lo}"] if lo is not None \
        else [f"≤ {hi}"] if hi is not None else []
    items = [{"name": k, "label": v.label or k, "type": TYPE_WORDS[lang].get(v.type, v.type)}
             for k, v in (f.items or {}).items()]
    return {"name": entry.name, "label": f.label or entry.name, "type": TYPE_WORDS[lang].get(f.type, str(f.type)),
            "values": allowed, "bounds": " ".join(bounds), "required": f.required,
            "required_when": _conditions(spec.get("required_when"), names, lang),
            "only_when": _conditions(spec.get("only_when"), names, lang),
            "default": None if f.default is None else show_value(f.default, lang), "items": items,
            "description": _text(spec.get("description"))}


def _param(entry: Entry, policy: Policy, lang: str, used: list[str]) -> dict:
    note = _comment(entry)
    return {"name": entry.name, "value": show_value(policy.params.get(entry.name), lang), "note": note,
            "uncertain": bool(UNCERTAIN.search(note)), "used": used}


def _params_used(policy: Policy, labels: dict) -> dict[str, list[str]]:
    """Param name → the labels of what reads it (values, scorecards, rules), in policy order."""
    readers: list[tuple[str, set]] = []
    for node in policy.nodes:
        exprs = []
        if isinstance(node, Scorecard):
            exprs = [i.score for i in node.indicators] + list(node.when)
        elif isinstance(node, Value):
            exprs = [node.expr] + list(node.when)
        readers.append((labels.get(node.name, node.name), {n for e in exprs for n in e.names}))
    for rule in policy.rules:
        exprs = list(rule.when) + list(rule.params.values())
        readers.append((rule.label or rule.id, {n for e in exprs for n in e.names}))
    out: dict[str, list[str]] = {}
    for name in policy.params:
        out[name] = list(dict.fromkeys(label for label, names in readers if name in names))
    return out


def _comment(entry: Entry) -> str:
    """The comment written beside an entry in its YAML file (after it on its line, or just above)."""
    node = entry.node()
    if node is None or not entry.doc.text:
        return ""
    lines = entry.doc.text.splitlines()
    out: list[str] = []
    row = node.line - 2  # the key's line is the value's line for `name: value`
    above = []
    while 0 <= row < len(lines) and lines[row].lstrip().startswith("#"):
        above.append(lines[row].lstrip()[1:].strip())
        row -= 1
    out.extend(reversed(above))
    if 0 < node.end_line <= len(lines):
        rest = lines[node.end_line - 1][node.end_column - 1:]
        if rest.lstrip().startswith("#"):
            out.append(rest.lstrip()[1:].strip())
    return " ".join(t for t in out if t)


def _scorecard(node: Scorecard, entry: Entry, names: Names, lang: str) -> dict:
    spec = entry.spec
    indicators = [{"name": i.name, "label": i.label, "weight": show_value(i.weight, lang),
                   "score": str((spec.get("indicators") or {}).get(i.name, {}).get("score", ""))}
                  for i in node.indicators]
    total = sum((i.weight for i in node.indicators), Decimal(0))
    return {"name": node.name, "label": node.label, "indicators": indicators, "total": show_value(total, lang),
            "when": _conditions(spec.get("when"), names, lang), "description": _text(spec.get("description"))}


def _value(node: Value, entry: Entry, names: Names, lang: str) -> dict:
    spec = entry.spec if isinstance(entry.spec, dict) else {"expr": entry.spec}
    return {"name": node.name, "label": node.label or node.name, "expr": str(spec.get("expr", "")),
            "each": node.each, "places": spec.get("places"), "when": _conditions(spec.get("when"), names, lang),
            "description": _text(spec.get("description"))}


def _band(node: Band, entry: Entry, labels: dict, lang: str) -> dict:
    entries = []
    for b in node.bands:  # highest first
        if b.upper is not None:
            upper = ("≤ " if b.inclusive else "< ") + show_value(b.upper, lang)
        elif node.range_max is not None:
            upper = "≤ " + show_value(node.range_max, lang)
        else:
            upper = ""
        entries.append({"label": show_value(b.label, lang), "min": show_value(b.min, lang), "upper": upper})
    spec = entry.spec
    return {"name": node.name, "label": node.label, "input": node.input,
            "input_label": labels.get(node.input, node.input), "entries": entries,
            "range": [show_value(x, lang) if x is not None else "" for x in (node.range_min, node.range_max)],
            "round": spec.get("round"), "description": _text(spec.get("description"))}


def _domains(policy: Policy) -> dict[str, list]:
    """The labels a name can take, in the policy's own order, where that is known."""
    out: dict[str, list] = {name: list(f.values) for name, f in policy.fields.items() if f.values}
    out.update(policy.labels)  # values with known labels (a head's rating: one of the field's ratings)
    for node in policy.nodes:
        if isinstance(node, Band):
            out[node.name] = [b.label for b in node.bands]  # highest first
        elif isinstance(node, Table):
            outputs = list(dict.fromkeys(r.output for r in node.rows))
            if node.has_default and node.default not in outputs:
                outputs.append(node.default)
            out[node.name] = outputs
    return out


def _table(node: Table, entry: Entry, labels: dict, domains: dict, lang: str) -> dict:
    spec = entry.spec
    out: dict[str, Any] = {"name": node.name, "label": node.label, "inputs": [{"name": n, "label": labels.get(n, n)}
                                                                for n in node.inputs],
           "output_label": node.label or node.name, "hit": node.hit,
           "default": show_value(node.default, lang) if node.has_default else None,
           "rows": [{"number": r.index + 1, "cells": [_cell(c, lang) for c in r.cells],
                     "output": show_value(r.output, lang)} for r in node.rows],
           "grid": None, "description": _text(spec.get("description"))}
    if len(node.inputs) == 2:
        out["grid"] = _grid(node, domains, lang)
    return out


def _cell(cell: Cell, lang: str) -> str:
    if cell.kind == "any":
        return "—"
    if cell.kind == "in":
        return ", ".join(show_value(v, lang) for v in cell.value)
    if cell.kind == "cmp":
        return f"{CMP_SIGNS.get(cell.op, cell.op)} {show_value(cell.value, lang)}"
    return show_value(cell.value, lang)


def _grid(node: Table, domains: dict, lang: str) -> dict | None:
    """Rows: the first input's labels in the policy's order (best first, top); columns: the
    second input's labels reversed (lowest left), as the kuadran of PermenPANRB 6/2022 and the
    9-box of PermenPANRB 3/2020 are drawn (domain.md §1.4, §3.3)."""
    first, second = (domains.get(n) for n in node.inputs)
    if not first or not second or len(first) > GRID_MAX or len(second) > GRID_MAX:
        return None
    columns = list(reversed(second))
    cells = []
    for x in first:
        row = []
        for y in columns:
            hits = node.match([x, y])
            if hits:
                row.append(show_value(hits[0].output, lang))
            elif node.has_default:
                row.append(show_value(node.default, lang))
            else:
                row.append("")
        cells.append(row)
    return {"rows": [show_value(x, lang) for x in first], "columns": [show_value(y, lang) for y in columns],
            "cells": cells}


def _rule(rule, entry: Entry, names: Names, lang: str) -> dict:
    spec = entry.spec
    params = [{"name": n, "expr": str(t)} for n, t in (spec.get("params") or {}).items()]
    reason = [("t", part) if i % 2 == 0 else ("val", show_value(names.params[part], lang))
              if part in names.params else ("slot", names.labels.get(part) or part)
              for i, part in enumerate(rule.parts) if part] if rule.reason else []
    return {"id": rule.id, "label": rule.label or rule.id, "kind": rule.kind,
            "kind_text": KIND_WORDS[lang].get(rule.kind, rule.kind),
            "conditions": _conditions(spec.get("when"), names, lang), "params": params,
            "reason": reason, "description": _text(spec.get("description"))}


_LIMIT_WORDS_EN = {  # English message ids; the Indonesian is in the catalogue
    "max_pct": N_("at most {n}%"),
    "min_pct": N_("at least {n}%"),
    "max_count": N_("at most {n} employees"),
    "min_count": N_("at least {n} employees"),
    "or": N_(" or "),
    "none": N_("none may be"),
}
LIMIT_WORDS = in_every_language(_LIMIT_WORDS_EN)


def _population(name: str, spec: dict, names: Names, labels: dict, lang: str) -> dict:
    """A check over all employees of a group: the kurva distribusi limits, or a count that leads
    to an action for the group."""
    words = LIMIT_WORDS[lang]
    out = {"name": name, "kind": spec.get("kind"), "label": _text(spec.get("label")) or name,
           "description": _text(spec.get("description")).strip(), "group_by": labels.get(spec.get("group_by"),
                                                                                       spec.get("group_by")),
           "severity": spec.get("severity", "advisory"), "limits": [], "when": [], "at_least": None, "action": None}
    if spec.get("kind") == "distribution":
        out["output"] = labels.get(spec.get("output"), spec.get("output"))
        for org, limits in (spec.get("limits") or {}).items():
            lines = []
            for lim in limits or []:
                who = lim.get("label") or words["or"].join(str(x) for x in lim.get("any_of") or [])
                for key in ("max_pct", "min_pct", "min_count", "max_count"):
                    if key in lim:
                        n = show_value(lim[key], lang)
                        lines.append(f"{words['none']} {who}" if key == "max_count" and n == "0"
                                     else f"{who} {words[key].format(n=n)}")
            out["limits"].append({"org": str(org), "lines": lines})
    elif spec.get("kind") == "count":
        out["when"] = _conditions(spec.get("when"), names, lang)
        out["at_least"] = spec.get("at_least")
        action = spec.get("action") or {}
        out["action"] = {"id": _text(action.get("id")), "label": _text(action.get("label")) or _text(action.get("id")),
                         "kind": KIND_WORDS[lang].get(action.get("kind"), _text(action.get("kind")))}
    return out


def _changes(policy: Policy, lang: str) -> dict | None:
    """What this policy changes relative to its parent (None when it extends nothing)."""
    r = policy.resolved
    ref = r.meta.get("extends")
    if not ref:
        return None
    base = Path(r.doc.file).parent
    try:
        parent_doc = find_policy(str(ref), base if base.is_dir() else None)
    except ParentRefused:
        parent_doc = None
    if parent_doc is None:
        return None
    parent = resolve(parent_doc)
    diff = diff_policies(parent, r)
    words = SECTION_WORDS[lang]
    items: list[dict] = []
    for change in diff["meta"]:
        items.append({"section": words.get(change["what"], change["what"]), "name": "", "change": "changed",
                      "what": "", "a": _short(change["a"], lang), "b": _short(change["b"], lang)})
    for section, d in diff["sections"].items():
        for name in d["added"]:
            items.append({"section": words[section], "name": name, "change": "added", "what": "", "a": "",
                          "b": _gist(r.sections[section][name].spec, lang)})
        for name in d["removed"]:
            items.append({"section": words[section], "name": name, "change": "removed", "what": "",
                          "a": _gist(parent.sections[section][name].spec, lang), "b": ""})
        for name, changes in d["changed"].items():
            for c in changes:
                items.append({"section": words[section], "name": name, "change": "changed",
                              "what": change_words(c["what"], lang), "a": _short(c["a"], lang),
                              "b": _short(c["b"], lang)})
    return {"parent": str(parent.id or ref), "parent_name": _text(parent.meta.get("name")), "items": items}


def _gist(spec: Any, lang: str) -> str:
    """An entry in a few words: its label, or a param's value, or a value's formula."""
    if isinstance(spec, dict):
        return _text(spec.get("label") or spec.get("expr") or "")
    return _short(spec, lang)


def _short(value: Any, lang: str, limit: int = 160) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {_short(v, lang)}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(_short(v, lang) for v in value)
    else:
        text = show_value(value, lang)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def segments_text(segments: list[Segment]) -> str:
    return "".join(t for _, t in segments)
