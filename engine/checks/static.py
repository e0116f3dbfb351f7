"""Static checks on bands, decision tables and weights: small functions that yield findings.

Each check takes the compiled object and the entry it came from (for locations) and yields
`Finding`s. They run after compilation and before any record is touched.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Iterator

from kinerja.findings import Finding
from kinerja.i18n import _, num
from kinerja.model import Band, Cell, Table
from kinerja.policy.resolve import Entry

MAX_COMBINATIONS = 20_000
MAX_TABLE_WORK = 2_000_000  # input combinations × rows matched at load; beyond it, say so


def check_weights(entry: Entry, weights: list[tuple[str, Decimal]]) -> Iterator[Finding]:
    """Indicator weights of a scorecard total exactly 100 (Decimal, so no 99.99 surprises)."""
    total = sum((w for _name, w in weights), Decimal(0))
    if total != 100:
        listed = " + ".join(f"{name} {_n(w)}" for name, w in weights)
        yield entry.finding("K203", _("weights total {value}, expected 100").format(value=_n(total)), ["indicators"],
                            _("{listed} = {value}").format(listed=listed, value=_n(total)), key=True)


def _n(d: Decimal) -> str:
    """A number in a message: `95`, `87.5` (`87,5` in Indonesian)."""
    return num(d.normalize() if d == d.to_integral_value() else d)


def check_band(entry: Entry, band: Band, resolution: Decimal) -> Iterator[Finding]:
    """Bands are ordered, and cover the declared range without gaps or overlaps."""
    specs = entry.spec.get("bands") or []
    mins = [Decimal(str(b["min"])) for b in specs]
    ascending = all(a < b for a, b in zip(mins, mins[1:]))
    descending = all(a > b for a, b in zip(mins, mins[1:]))
    if not (ascending or descending):
        for i in range(1, len(mins)):
            if (mins[i] - mins[i - 1]) * (1 if mins[1] > mins[0] else -1) <= 0 or mins[i] == mins[i - 1]:
                yield entry.finding("K204", _("band \"{specs}\" (min {value}) is out of order: list bands from highest to lowest min (or lowest to highest), each min once").format(specs=specs[i]['label'], value=_n(mins[i])),
                                    ["bands", i, "min"])
                return
    order = sorted(range(len(specs)), key=lambda i: mins[i])
    by_min = {b.min: b for b in band.bands}  # mins are distinct once ordered
    for lo_i, hi_i in zip(order, order[1:]):
        lo, hi = by_min[mins[lo_i]], by_min[mins[hi_i]]
        if lo.upper is None:
            continue
        if lo.inclusive:
            gap = hi.min - lo.upper > resolution if resolution else hi.min > lo.upper
            overlap = lo.upper >= hi.min
        else:
            gap, overlap = lo.upper < hi.min, lo.upper > hi.min
        if gap:
            edge = (_("above {value}") if lo.inclusive else _("from {value}")).format(value=_n(lo.upper))
            yield entry.finding("K205", _("gap between bands \"{label}\" and \"{label2}\": values {edge} up to {value} fall in no band").format(label=lo.label, label2=hi.label, edge=edge, value=_n(hi.min)), ["bands", lo_i],
                                _("set {key} of \"{label}\" to reach {value}, or leave it out").format(
                                    key="max" if lo.inclusive else "below", label=lo.label, value=_n(hi.min)))
        elif overlap:
            yield entry.finding("K206", _("bands \"{label}\" and \"{label2}\" overlap at {value}").format(label=lo.label, label2=hi.label, value=_n(hi.min)),
                                ["bands", lo_i], _("an upper bound given with `below` is exclusive, with `max` inclusive"))
    if band.range_min is not None and mins and min(mins) > band.range_min:
        i = order[0]
        yield entry.finding("K205", _("gap below the lowest band: values from {value} up to {value2} fall in no band").format(value=_n(band.range_min), value2=_n(min(mins))), ["bands", i, "min"],
                            _("set min of \"{specs}\" to {value}").format(specs=specs[i]['label'], value=_n(band.range_min)))
    top = by_min[mins[order[-1]]] if order else None
    if top is not None and top.upper is not None and band.range_max is not None:
        short = top.upper < band.range_max if top.inclusive else top.upper <= band.range_max
        if short:
            yield entry.finding("K205", _("gap above the highest band: values above {value} up to {value2} fall in no band").format(value=_n(top.upper), value2=_n(band.range_max)), ["bands", order[-1]])


def domain(kind: str, labels, cells: list[Cell]) -> list | None:
    """Representative values of one table input: all of a finite domain, else boundary points."""
    if labels is not None:
        return list(labels)
    if kind == "bool":
        return [True, False]
    if kind == "number":
        points = sorted({c.value for c in cells if c.kind == "cmp"} |
                        {v for c in cells if c.kind == "eq" and isinstance(c.value, Decimal) for v in [c.value]} |
                        {v for c in cells if c.kind == "in" for v in c.value if isinstance(v, Decimal)})
        if not points:
            return [Decimal(0)]
        reps = [points[0] - 1, points[-1] + 1]
        for a, b in zip(points, points[1:]):
            reps.append((a + b) / 2)
        return sorted(set(reps) | set(points))
    if kind == "string":
        seen = {c.value for c in cells if c.kind == "eq"} | {v for c in cells if c.kind == "in" for v in c.value}
        return sorted(map(str, seen)) + ["\x00" + _("(any other text)")]
    return None


def check_table(entry: Entry, table: Table, domains: list[list | None]) -> Iterator[Finding]:
    """Every input combination hits a row; with hit policy `unique`, exactly one."""
    if any(d is None for d in domains):
        return
    total = 1
    for d in domains:
        total *= len(d)
    if total > MAX_COMBINATIONS or total * len(table.rows) > MAX_TABLE_WORK:
        yield entry.finding("K220", _("decision table has {total} input combinations and {rows} rows; too many to check completeness at load").format(total=num(total, group=True), rows=num(len(table.rows), group=True)), ["rows"],
                            _("records that match no row are reported as errors when evaluated"), key=True)
        return
    missing, overlaps = [], {}
    for combo in itertools.product(*domains):
        hits = table.match(list(combo))
        if not hits:
            missing.append(combo)
        elif table.hit == "unique" and len(hits) > 1:
            overlaps.setdefault((hits[0].index, hits[1].index), combo)
    if missing and not table.has_default:
        shown = "; ".join(", ".join(_show(v) for v in combo) for combo in missing[:3])
        more = _(" and {value} more").format(value=len(missing) - 3) if len(missing) > 3 else ""
        yield entry.finding("K207", _("decision table is incomplete: no row for {shown}{more}").format(shown=shown, more=more), ["rows"],
                            _("add rows for these combinations, use \"-\" for any value, or set a default"), key=True)
    for (a, b), combo in overlaps.items():
        yield entry.finding("K208", _("rows {value} and {value2} both match {value3} (`hit: unique`)").format(value=a + 1, value2=b + 1, value3=', '.join(_show(v) for v in combo)), ["rows", b], _("make the rows exclusive, or use `hit: first`"))


def _show(v) -> str:
    if isinstance(v, str) and v.startswith("\x00"):
        return v[1:]
    return str(v)


def table_lookup(table: Table, domains: list[list | None]) -> dict | None:
    """Precomputed answers for tables over finite domains (labels, true/false): one dict hit
    per record instead of matching rows. Combinations with no row stay out (they error)."""
    if any(d is None for d in domains):
        return None
    total = 1
    for d in domains:
        total *= len(d)
    if total > MAX_COMBINATIONS or total * len(table.rows) > MAX_TABLE_WORK:
        return None
    lookup = {}
    for combo in itertools.product(*domains):
        hits = table.match(list(combo))
        if hits:
            lookup[combo] = hits[0].output
        elif table.has_default:
            lookup[combo] = table.default
    return lookup
