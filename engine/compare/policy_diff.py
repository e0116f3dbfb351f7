"""Structural difference of two resolved policies: per section, what was added, removed or changed.

Changes are described in the section's own terms: a band's thresholds per label, a table's rows,
a rule's conditions (added/removed), a scorecard's weights, a param's value. Plain data out.
"""

from __future__ import annotations

import re
from typing import Any

from kinerja.i18n import _
from kinerja.i18n import lang as current_lang
from kinerja.policy.documents import SECTIONS, Resolved
from kinerja.values import format_value

META = ("rounding", "cycle")
CHANGE_WORDS = {  # the technical words of a change (below), as an officer says them
    "id": [(r"^band (.*): min$", r"rentang \1: batas bawah"), (r"^band (.*): max$", r"rentang \1: batas atas"),
           (r"^band (.*): below$", r"rentang \1: di bawah"), (r"^band (.*)$", r"rentang \1"),
           (r"^condition added$", "syarat ditambahkan"), (r"^condition removed$", "syarat dihapus"),
           (r"^row added$", "baris ditambahkan"), (r"^row removed$", "baris dihapus"),
           (r"^row order$", "urutan baris"), (r"^row (\d+)$", r"baris \1"),
           (r"^indicator (.*): weight$", r"indikator \1: bobot"), (r"^indicator (.*)$", r"indikator \1"),
           (r"^label$", "nama"), (r"^value$", "nilai"), (r"^reason$", "alasan"), (r"^description$", "keterangan"),
           (r"^expr$", "rumus"), (r"^input$", "masukan"), (r"^inputs$", "masukan"), (r"^default$", "nilai bawaan"),
           (r"^kind$", "jenis"), (r"^params\.(.*)$", r"nilai tambahan \1"), (r"^range\.(.*)$", r"rentang: \1")],
    "en": [],
}


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, list) else [x]


def _change(what: str, a: Any, b: Any) -> dict:
    return {"what": what, "a": a, "b": b}


def _generic(a: Any, b: Any, path: str = "") -> list[dict]:
    """Leaf-level differences of two plain values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in dict.fromkeys([*a, *b]):
            sub = f"{path}.{key}" if path else str(key)
            if key not in a:
                out.append(_change(sub, None, b[key]))
            elif key not in b:
                out.append(_change(sub, a[key], None))
            else:
                out.extend(_generic(a[key], b[key], sub))
        return out
    if a != b or (type(a) is not type(b) and not (_num(a) and _num(b))):
        return [_change(path or "value", a, b)]
    return []


def _num(x) -> bool:
    return not isinstance(x, bool) and hasattr(x, "__add__") and not isinstance(x, (str, list, tuple, dict))


def _bands(a: dict, b: dict) -> list[dict]:
    out = []
    ba = {str(x.get("label")): x for x in a.get("bands") or []}
    bb = {str(x.get("label")): x for x in b.get("bands") or []}
    for label in dict.fromkeys([*ba, *bb]):
        x, y = ba.get(label), bb.get(label)
        if x is None or y is None:
            out.append(_change(f"band {label}", x, y))
            continue
        for key in ("min", "max", "below"):
            if x.get(key) != y.get(key):
                out.append(_change(f"band {label}: {key}", x.get(key), y.get(key)))
    rest = {k: v for k, v in a.items() if k != "bands"}, {k: v for k, v in b.items() if k != "bands"}
    return out + _generic(*rest)


def _row_text(row) -> str:
    cells = [" / ".join(map(format_value, c)) if isinstance(c, list) else format_value(c) for c in row[:-1]]
    return " | ".join(cells) + " → " + format_value(row[-1]) if row else ""


def _tables(a: dict, b: dict) -> list[dict]:
    out = []
    ra, rb = a.get("rows") or [], b.get("rows") or []
    sa, sb = [_row_text(r) for r in ra], [_row_text(r) for r in rb]
    if sa != sb:
        keys_a = {tuple(map(str, r[:-1])): r for r in ra if isinstance(r, list)}
        keys_b = {tuple(map(str, r[:-1])): r for r in rb if isinstance(r, list)}
        for key in dict.fromkeys([*keys_a, *keys_b]):
            x, y = keys_a.get(key), keys_b.get(key)
            if x is None:
                out.append(_change("row added", None, _row_text(y)))
            elif y is None:
                out.append(_change("row removed", _row_text(x), None))
            elif x != y:
                out.append(_change(f"row {ra.index(x) + 1}", _row_text(x), _row_text(y)))
        if not out:
            out.append(_change("row order", sa, sb))
    rest = {k: v for k, v in a.items() if k != "rows"}, {k: v for k, v in b.items() if k != "rows"}
    return out + _generic(*rest)


def _conditions(a: dict, b: dict) -> list[dict]:
    out = []
    wa, wb = [str(x) for x in _as_list(a.get("when"))], [str(x) for x in _as_list(b.get("when"))]
    for text in wa:
        if text not in wb:
            out.append(_change("condition removed", text, None))
    for text in wb:
        if text not in wa:
            out.append(_change("condition added", None, text))
    rest = {k: v for k, v in a.items() if k != "when"}, {k: v for k, v in b.items() if k != "when"}
    return out + _generic(*rest)


def _scorecards(a: dict, b: dict) -> list[dict]:
    out = []
    ia, ib = a.get("indicators") or {}, b.get("indicators") or {}
    for name in dict.fromkeys([*ia, *ib]):
        x, y = ia.get(name), ib.get(name)
        if x is None or y is None:
            out.append(_change(f"indicator {name}", x, y))
        elif x.get("weight") != y.get("weight"):
            out.append(_change(f"indicator {name}: weight", x.get("weight"), y.get("weight")))
        else:
            out.extend(_change(f"indicator {name}: {c['what']}", c["a"], c["b"]) for c in
                       _generic({k: v for k, v in x.items() if k != "weight"},
                                {k: v for k, v in y.items() if k != "weight"}))
    rest = {k: v for k, v in a.items() if k != "indicators"}, {k: v for k, v in b.items() if k != "indicators"}
    return out + _conditions(*rest)


_DESCRIBE = {"bands": _bands, "tables": _tables, "rules": _conditions, "values": _conditions,
             "scorecards": _scorecards}


def diff_policies(a: Resolved, b: Resolved) -> dict:
    """{"meta": [changes], "sections": {section: {"added", "removed", "changed": {name: [changes]}}}}."""
    sections = {}
    for section in SECTIONS:
        ea, eb = a.sections[section], b.sections[section]
        added = [n for n in eb if n not in ea]
        removed = [n for n in ea if n not in eb]
        changed = {}
        for name in ea:
            if name not in eb or ea[name].spec == eb[name].spec:
                continue
            x, y = ea[name].spec, eb[name].spec
            if section == "values" and isinstance(x, str):
                x = {"expr": x}
            if section == "values" and isinstance(y, str):
                y = {"expr": y}
            if isinstance(x, dict) and isinstance(y, dict):
                changes = _DESCRIBE.get(section, _generic)(x, y)
            else:
                changes = [_change("value", x, y)]
            changed[name] = changes or [_change("value", x, y)]
        if added or removed or changed:
            sections[section] = {"added": added, "removed": removed, "changed": changed}
    meta = [c for key in META for c in _generic({key: a.meta.get(key)}, {key: b.meta.get(key)})]
    return {"same": not sections and not meta, "meta": meta, "sections": sections}


def describe(diff: dict) -> list[str]:
    """One line per change, for text and markdown reports."""
    lang = current_lang()
    lines = [f"{change_words(c['what'], lang)}: {format_value(c['a'])} → {format_value(c['b'])}" for c in diff["meta"]]
    for section, d in diff["sections"].items():
        for name in d["added"]:
            lines.append(_("{section}: {name} added in B").format(section=section, name=name))
        for name in d["removed"]:
            lines.append(_("{section}: {name} removed in B").format(section=section, name=name))
        for name, changes in d["changed"].items():
            for c in changes:
                lines.append(f"{section}: {name}: {change_words(c['what'], lang)}: {_short(c['a'])} → {_short(c['b'])}")
    return lines


def change_words(text: str, lang: str) -> str:
    """A change's technical words (`band Baik: min`) as an officer says them in `lang`."""
    for pattern, repl in CHANGE_WORDS.get(lang, ()):
        new, n = re.subn(pattern, repl, text)
        if n:
            return new
    return text


def _short(value: Any, limit: int = 80) -> str:
    text = _("(none)") if value is None else format_value(value) if not isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
