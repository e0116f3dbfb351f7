"""Decision tables: every input combination hits a row; with hit policy `unique`, exactly one."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

from kinerja.checks.registry import Issue, check
from kinerja.i18n import _, num
from kinerja.model import Cell, Table

MAX_COMBINATIONS = 20_000
MAX_TABLE_WORK = 2_000_000  # input combinations × rows matched at load; beyond it, say so


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
        for a, b in itertools.pairwise(points):
            reps.append((a + b) / 2)
        return sorted(set(reps) | set(points))
    if kind == "string":
        seen = {c.value for c in cells if c.kind == "eq"} | {v for c in cells if c.kind == "in" for v in c.value}
        return sorted(map(str, seen)) + ["\x00" + _("(any other text)")]
    return None


def combinations(table: Table, domains: list[list | None]) -> int | None:
    """How many input combinations to try, or None when a domain is open or the work too large."""
    if any(d is None for d in domains):
        return None
    total = 1
    for d in domains:
        total *= len(d or ())
    return total


def too_large(table: Table, total: int) -> bool:
    return total > MAX_COMBINATIONS or total * len(table.rows) > MAX_TABLE_WORK


@check("table")
def complete_and_exclusive(table: Table, domains: list[list | None]) -> Iterator[Issue]:
    """Every input combination hits a row (K207); under `hit: unique`, only one (K208)."""
    total = combinations(table, domains)
    if total is None:
        return
    if too_large(table, total):
        yield Issue("K220", _("decision table has {total} input combinations and {rows} rows; too many to check "
                              "completeness at load").format(total=num(total, group=True),
                                                             rows=num(len(table.rows), group=True)), ("rows",),
                    _("records that match no row are reported as errors when evaluated"), key=True)
        return
    missing: list[tuple] = []
    overlaps: dict[tuple[int, int], tuple] = {}
    for combo in itertools.product(*domains):  # type: ignore[arg-type]  # no domain is None here
        hits = table.match(list(combo))
        if not hits:
            missing.append(combo)
        elif table.hit == "unique" and len(hits) > 1:
            overlaps.setdefault((hits[0].index, hits[1].index), combo)
    if missing and not table.has_default:
        shown = "; ".join(", ".join(_show(v) for v in combo) for combo in missing[:3])
        more = _(" and {value} more").format(value=len(missing) - 3) if len(missing) > 3 else ""
        yield Issue("K207", _("decision table is incomplete: no row for {shown}{more}").format(shown=shown, more=more),
                    ("rows",), _("add rows for these combinations, use \"-\" for any value, or set a default"),
                    key=True)
    for (a, b), combo in overlaps.items():
        yield Issue("K208", _("rows {value} and {value2} both match {value3} (`hit: unique`)")
                    .format(value=a + 1, value2=b + 1, value3=', '.join(_show(v) for v in combo)), ("rows", b),
                    _("make the rows exclusive, or use `hit: first`"))


def _show(v) -> str:
    if isinstance(v, str) and v.startswith("\x00"):
        return v[1:]
    return str(v)
