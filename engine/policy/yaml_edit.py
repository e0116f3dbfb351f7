"""Change single values in a policy's YAML text and nothing else.

Each edit names a scalar by its path (`["bands", "kategori_potensial", "bands", 0, "min"]`)
and gives the text an officer typed. The scalar's own characters are replaced in place,
using the positions the loader records, so every other byte of the file — comments, key
order, spacing, quotes — stays as it was. The new text is written so that it reads back as
what was typed: a number where a number was and the input is one, otherwise a string, quoted
when a plain scalar would read differently. Anything the loader then reports (a threshold
that is not a number) is a finding of the ordinary validator, not an error here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kinerja.i18n import _
from kinerja.policy.located import _BREAKS, Mapping, Node, Scalar, Sequence, load_text

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


class EditError(ValueError):
    """An edit that cannot be applied: no such value, or a value that is not a single line."""


@dataclass(frozen=True)
class Editable:
    """A scalar an officer may change: where it is, and what it says now."""

    path: tuple
    value: Any
    source: str
    line: int
    column: int


def _offsets(text: str) -> list[int]:
    """The offset of the start of each line (index 0 = line 1), with the loader's line breaks."""
    return [0] + [m.end() for m in _BREAKS.finditer(text)]


def scalar_at(root: Node, path: list) -> Scalar:
    node = root
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node.items:
            node = node.items[part][1]
        elif isinstance(node, Sequence) and isinstance(part, int) and 0 <= part < len(node.items):
            node = node.items[part]
        else:
            raise EditError(_("no value at {path}").format(path="/".join(map(str, path))))
    if not isinstance(node, Scalar):
        raise EditError(_("{path} is not a single value").format(path="/".join(map(str, path))))
    if node.end_line != node.line or node.style in ("|", ">"):
        raise EditError(_("{path} spans several lines; edit it in the file").format(path="/".join(map(str, path))))
    return node


def render(node: Scalar, typed: str) -> str:
    """The YAML text for what was typed, in the node's own style where that reads back right."""
    typed = typed.strip() if isinstance(node.value, (int, Decimal)) and not isinstance(node.value, bool) else typed
    was_number = isinstance(node.value, (int, Decimal)) and not isinstance(node.value, bool)
    if was_number and re.fullmatch(r"-?[0-9]+,[0-9]+", typed):
        typed = typed.replace(",", ".")  # 85,5: the Indonesian decimal comma
    if was_number and _NUMBER.fullmatch(typed):
        return typed
    if isinstance(node.value, bool) and typed in ("true", "false"):
        return typed
    if node.style is None and typed and _reads_back(typed, typed):
        return typed
    if node.style != '"' and typed.isprintable():
        return "'" + typed.replace("'", "''") + "'"
    return json.dumps(typed, ensure_ascii=False)


def _reads_back(source: str, want: str) -> bool:
    """A plain scalar that reads as the same text in a block and inside flow collections."""
    for probe, path in ((f"x: {source}\n", ["x"]), (f"x: [{source}]\n", ["x", 0]), (f"x: {{k: {source}}}\n",
                                                                                      ["x", "k"])):
        root, findings = load_text(probe)
        if findings or root is None:
            return False
        try:
            node = scalar_at(root, path)
        except EditError:
            return False
        if node.value != want or not isinstance(node.value, str) or node.source != source:
            return False
        value = root.items["x"][1] if isinstance(root, Mapping) else None
        if len(getattr(value, "items", ())) > 1:
            return False
    return True


def apply_edits(text: str, edits: list[tuple[list, str]]) -> str:
    """The text with each edited scalar replaced; raises EditError for a path that is no
    single-line scalar, or when the YAML itself cannot be read."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    root, findings = load_text(body)
    if root is None:
        raise EditError(findings[0].message if findings else _("the file cannot be read"))
    starts = _offsets(body)
    spans = []
    for path, typed in edits:
        node = scalar_at(root, list(path))
        start = starts[node.line - 1] + node.column - 1
        end = starts[node.end_line - 1] + node.end_column - 1
        spans.append((start, end, render(node, str(typed))))
    spans.sort(reverse=True)
    for (_start, end, _value), (nxt, _end, _next_value) in zip(spans[1:], spans):
        if end > nxt:
            raise EditError(_("two edits change the same value"))
    for start, end, new in spans:
        body = body[:start] + new + body[end:]
    return bom + body


def editables(text: str) -> dict[str, Any]:
    """The values the workbench offers for editing, by section: params, band entries,
    scorecard weights, decision-table cells, rule labels, reasons and conditions."""
    root, _ = load_text(text)
    out: dict[str, Any] = {"params": [], "bands": {}, "weights": {}, "tables": {}, "rules": {}}
    if not isinstance(root, Mapping):
        return out

    def item(path: list) -> Editable | None:
        try:
            node = scalar_at(root, path)
        except EditError:
            return None
        return Editable(tuple(path), node.value, node.source, node.line, node.column)

    section = lambda name: root.items[name][1] if name in root.items else None  # noqa: E731 - local lookup
    params = section("params")
    if isinstance(params, Mapping):
        out["params"] = [e for name in params.items if (e := item(["params", name]))]
    bands = section("bands")
    if isinstance(bands, Mapping):
        for name, (_, spec) in bands.items.items():
            entries = spec.items.get("bands", (None, None))[1] if isinstance(spec, Mapping) else None
            rows = []
            for i, entry in enumerate(entries.items if isinstance(entries, Sequence) else []):
                if isinstance(entry, Mapping):
                    rows.append({k: item(["bands", name, "bands", i, k]) for k in entry.items})
            out["bands"][name] = rows
    cards = section("scorecards")
    if isinstance(cards, Mapping):
        for name, (_, spec) in cards.items.items():
            inds = spec.items.get("indicators", (None, None))[1] if isinstance(spec, Mapping) else None
            out["weights"][name] = {i: item(["scorecards", name, "indicators", i, "weight"])
                                    for i in (inds.items if isinstance(inds, Mapping) else {})}
    tables = section("tables")
    if isinstance(tables, Mapping):
        for name, (_, spec) in tables.items.items():
            table_rows = spec.items.get("rows", (None, None))[1] if isinstance(spec, Mapping) else None
            inputs = spec.items.get("inputs", (None, None))[1] if isinstance(spec, Mapping) else None
            columns = [n.value for n in inputs.items if isinstance(n, Scalar)] \
                if isinstance(inputs, Sequence) else []
            cells = []
            for r, row in enumerate(table_rows.items if isinstance(table_rows, Sequence) else []):
                if not isinstance(row, Sequence):
                    continue
                cells.append([[item(["tables", name, "rows", r, c, i]) for i in range(len(cell.items))]
                              if isinstance(cell, Sequence) else item(["tables", name, "rows", r, c])
                              for c, cell in enumerate(row.items)])
            out["tables"][name] = {"columns": [str(c) for c in columns] + [name], "rows": cells}
    rules = section("rules")
    if isinstance(rules, Mapping):
        for rid, (_, spec) in rules.items.items():
            if not isinstance(spec, Mapping):
                continue
            when = spec.items.get("when", (None, None))[1]
            conds = [item(["rules", rid, "when", i]) for i in range(len(when.items))] \
                if isinstance(when, Sequence) else [item(["rules", rid, "when"])] if when is not None else []
            out["rules"][rid] = {"label": item(["rules", rid, "label"]), "reason": item(["rules", rid, "reason"]),
                                 "when": conds}
    return out


def plain_number(text: str) -> Decimal | None:
    try:
        return Decimal(text) if _NUMBER.fullmatch(text.strip()) else None
    except InvalidOperation:
        return None
