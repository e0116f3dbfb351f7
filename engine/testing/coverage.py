"""Test coverage of a policy: which rules fired, which band entries and table rows were hit.

Items are counted over the resolved policy (inherited entries count for the child): every
enabled rule, every entry of every band and every row of every table. The facts are read
from each successful result's decision trace (`Evaluator(policy, trace=True)`): the rules that
fired, the band entries and the table rows evaluation chose. Nothing is matched again here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from kinerja.i18n import _, num
from kinerja.model import Band, BandStep, Policy, Table, TableStep

KINDS = ("rule", "band", "row")
ROW_TEXT_MAX = 60


@dataclass
class Item:
    kind: str  # rule | band | row
    name: str  # rule id, band name or table name
    message: str  # what was never reached, in words
    file: str
    line: int
    column: int
    covered: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "message": self.message, "file": self.file,
                "line": self.line, "column": self.column}


@dataclass
class Coverage:
    items: list[Item] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> int:
        return sum(1 for i in self.items if i.covered)

    @property
    def uncovered(self) -> list[Item]:
        return [i for i in self.items if not i.covered]

    def percent(self) -> Decimal:
        """Exact percentage; 100 when there is nothing to cover."""
        return Decimal(100) if not self.total else Decimal(self.covered * 100) / Decimal(self.total)

    def percent_text(self) -> str:
        """One decimal, rounded down (so 99.97% never shows as 100%), without a trailing .0."""
        text = str(self.percent().quantize(Decimal("0.1"), rounding=ROUND_DOWN))
        return text[:-2] if text.endswith(".0") else text

    def meets(self, minimum: Decimal) -> bool:
        return self.covered * 100 >= minimum * self.total

    def summary(self) -> str:
        return _("coverage {percent}% ({covered}/{total})").format(
            percent=num(Decimal(self.percent_text())), covered=self.covered, total=self.total)

    def as_dict(self, minimum: Decimal | None = None) -> dict:
        return {"percent": self.percent_text(), "covered": self.covered, "total": self.total,
                "minimum": minimum, "uncovered": [i.as_dict() for i in self.uncovered]}


def _where(entry, sub: list, key: bool = False) -> tuple[str, int, int]:
    f = entry.finding("K000", "", sub, key=key)
    return f.file or "", f.line, f.column


def row_text(table: Table, index: int) -> str:
    """The row's cells (shortened when long) and its result: `Baik, - → 100`."""
    row = table.rows[index]
    cells = ", ".join(str(c) for c in row.cells)
    if len(cells) > ROW_TEXT_MAX:
        cells = cells[:ROW_TEXT_MAX - 1].rstrip(" ,/") + "…"
    return f"{cells} → {row.output}"


class Tracker:
    """Collects what the results of one policy's tests reached."""

    def __init__(self, policy: Policy):
        sections = policy.resolved.sections
        self.bands = [n for n in policy.nodes if isinstance(n, Band)]
        self.tables = [n for n in policy.nodes if isinstance(n, Table)]
        self.rule_items: dict[str, Item] = {}
        self.band_items: dict[tuple[str, int], Item] = {}  # (band, index of the entry in Band.bands)
        self.row_items: dict[tuple[str, int], Item] = {}  # (table, row index)
        ordered: list[Item] = []
        for rule in policy.rules:
            entry = sections["rules"][rule.id]
            item = Item("rule", rule.id, _("rule {id} never fired").format(id=rule.id), *_where(entry, [], key=True))
            self.rule_items[rule.id] = item
            ordered.append(item)
        by_band = {b.name: b for b in self.bands}
        for name, entry in sections["bands"].items():
            band = by_band.get(name)
            if band is None:
                continue
            specs = entry.spec.get("bands") or []
            for k, d in enumerate(band.bands):
                i = next((j for j, s in enumerate(specs) if s.get("label") == d.label and
                          Decimal(str(s.get("min"))) == d.min), 0)
                never = _("band {name} entry {value} never hit").format(name=name, value=_label(d.label))
                self.band_items[(name, k)] = Item("band", name, never, *_where(entry, ["bands", i]))
            ordered.extend(sorted((self.band_items[(name, k)] for k in range(len(band.bands))), key=lambda it: it.line))
        by_table = {t.name: t for t in self.tables}
        for name, entry in sections["tables"].items():
            table = by_table.get(name)
            if table is None:
                continue
            for row in table.rows:
                never = _("table {name} row {value} [{value2}] never hit").format(
                    name=name, value=row.index + 1, value2=row_text(table, row.index))
                item = Item("row", name, never, *_where(entry, ["rows", row.index]))
                self.row_items[(name, row.index)] = item
                ordered.append(item)
        self.items = ordered

    def add(self, result) -> None:
        """Count one result from its trace (only successful or excluded ones: an error result
        decided nothing reliable; an excluded one fired the exclusion rule that took it out)."""
        trace = result.trace
        if result.status not in ("ok", "excluded") or trace is None:
            return
        for rule in trace.rules:
            if rule.fired and rule.id in self.rule_items:
                self.rule_items[rule.id].covered = True
        for step in trace.nodes:
            if isinstance(step, BandStep) and step.entry is not None:
                self.band_items[(step.name, step.entry)].covered = True
            elif isinstance(step, TableStep) and step.row is not None:
                self.row_items[(step.name, step.row)].covered = True

    def coverage(self) -> Coverage:
        return Coverage(list(self.items))


def _label(label) -> str:
    return f'"{label}"' if isinstance(label, str) else str(label)
