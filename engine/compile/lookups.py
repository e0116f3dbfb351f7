"""Bands and decision tables, the two lookup nodes, compiled: inputs typed, cells parsed, then checked (checks/)."""

from __future__ import annotations

import difflib
import itertools
from decimal import Decimal
from typing import Any

from kinerja.checks import run as run_checks
from kinerja.checks.tables import combinations, domain, too_large
from kinerja.compile.positions import Locator
from kinerja.expr.language import ANY, NUMBER, Type, enum
from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.model import Band, BandDef, Cell, Row, Table, make_rounder
from kinerja.policy.located import MAX_DIGITS
from kinerja.policy.resolve import Entry, Resolved

CMP_PREFIXES = (">=", "<=", "!=", "==", ">", "<")


class _Bad:
    pass


_BAD = _Bad()


class NodeCompiler:
    """The band and table half of the compiler (`Compiler` inherits it; the state is the compiler's)."""

    r: Resolved
    findings: list[Finding]
    types: dict[str, Type]
    places: int
    mode: str
    exact: bool
    locator: Locator

    def node_bands(self, entry: Entry) -> Band | None:
        spec = entry.spec
        source = spec.get("input")
        if source not in self.types:
            self.findings.append(entry.finding("K302", _("unknown name `{source}` as band input").format(source=source),
                                               ["input"]))
            return None
        in_type = self.types[source]
        if in_type.kind not in ("number", "any"):
            self.findings.append(entry.finding("K305", _("band input `{source}` is {in_type}, not a number")
                                               .format(source=source, in_type=in_type), ["input"]))
            return None
        specs = spec.get("bands") or []
        defs = []
        by_min = sorted(specs, key=lambda b: Decimal(str(b["min"])))
        for i, b in enumerate(by_min):
            upper, inclusive = None, False
            if "below" in b:
                upper = Decimal(str(b["below"]))
            elif "max" in b:
                upper, inclusive = Decimal(str(b["max"])), True
            elif i + 1 < len(by_min):
                upper = Decimal(str(by_min[i + 1]["min"]))
            defs.append(BandDef(b["label"], Decimal(str(b["min"])), upper, inclusive))
        defs.sort(key=lambda d: d.min, reverse=True)
        rng = spec.get("range") or {}
        field_entry = self.r.sections["fields"].get(source)
        fspec = field_entry.spec if field_entry else {}
        lo = rng.get("min", fspec.get("min"))
        hi = rng.get("max", fspec.get("max"))
        places = spec.get("round")
        band = Band(entry.name, spec.get("label", entry.name), source, defs,
                    Decimal(str(lo)) if lo is not None else None, Decimal(str(hi)) if hi is not None else None,
                    make_rounder(places, self.mode) if places is not None else None)
        resolution = self.resolution(source, fspec, places)
        self.findings.extend(self.locator.all(entry, run_checks("band", spec, band, resolution, fspec)))
        labels = [d.label for d in defs]
        self.types[entry.name] = enum(labels) if all(isinstance(x, str) for x in labels) else NUMBER
        return band

    def resolution(self, source: str, fspec: dict, places) -> Decimal:
        """The step between the values a band's input can take (0: any value)."""
        if places is not None:
            return Decimal(1).scaleb(-places)
        if fspec.get("type") == "integer":
            return Decimal(1)
        if source in self.r.sections["values"] or source in self.r.sections["scorecards"]:
            vspec = self.r.sections["values"].get(source)
            vplaces = vspec.spec.get("places") if vspec and isinstance(vspec.spec, dict) else None
            if vplaces is None and self.exact:
                return Decimal(0)  # carried exactly: any value can reach the band
            return Decimal(1).scaleb(-(vplaces if vplaces is not None else self.places))
        return Decimal(0)

    def node_tables(self, entry: Entry) -> Table | None:
        spec = entry.spec
        inputs = list(spec.get("inputs") or [])
        ok = True
        for i, name in enumerate(inputs):
            if name not in self.types:
                self.findings.append(entry.finding("K302", _("unknown name `{name}` as table input").format(name=name),
                                                   ["inputs", i]))
                ok = False
        rows = []
        for r, row in enumerate(spec.get("rows") or []):
            if len(row) != len(inputs) + 1:
                hint = None
                if len(row) == len(inputs) + 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                       for x in row[-2:]):  # `[A, 12,5]`
                    hint = _("write {row}.{row2}: numbers take a decimal point, not a comma").format(row=row[-2],
                                                                                                   row2=row[-1])
                self.findings.append(entry.finding(
                    "K212", _("row {value} has {row} cells, expected {value2} ({inputs} input(s) and the result)")
                    .format(value=r + 1, row=len(row), value2=len(inputs) + 1, inputs=len(inputs)), ["rows", r], hint))
                ok = False
                continue
            cells: list = []  # a None (a bad cell) leaves ok False, and the table is not built
            for c, raw in enumerate(row[:-1]):
                cell = self.cell(entry, ["rows", r, c], raw, self.types.get(inputs[c], ANY), inputs[c])
                ok = ok and cell is not None
                cells.append(cell)
            output = row[-1]
            rows.append(Row(cells, Decimal(str(output)) if isinstance(output, (int, Decimal)) and
                            not isinstance(output, bool) else output, r))
        has_default = "default" in spec
        default = spec.get("default")
        outs = [row.output for row in rows] + ([default] if has_default and default is not None else [])
        if outs and all(isinstance(o, str) for o in outs):
            self.types[entry.name] = enum(dict.fromkeys(outs))
        elif outs and all(isinstance(o, Decimal) for o in outs):
            self.types[entry.name] = NUMBER
        else:
            self.types[entry.name] = ANY
        if not ok:
            return None
        table = Table(entry.name, spec.get("label", entry.name), inputs, rows, spec.get("hit", "unique"),
                      default, has_default)
        domains = [domain(self.types[n].kind, self.types[n].labels, [row.cells[i] for row in rows])
                   for i, n in enumerate(inputs)]
        if entry.name not in inputs:  # a table reading itself is already a cycle (K209)
            self.findings.extend(self.locator.all(entry, run_checks("table", table, domains)))
        table.lookup = table_lookup(table, [
            domains[i] if self.types[n].labels is not None or self.types[n].kind == "bool" else None
            for i, n in enumerate(inputs)])
        return table

    def cell(self, entry: Entry, sub: list, raw: Any, t: Type, input_name: str) -> Cell | None:
        if raw == "-":
            return Cell("any")
        if isinstance(raw, list):
            values = [self.literal(entry, sub + [i], v, t, input_name) for i, v in enumerate(raw)]
            return None if any(v is _BAD for v in values) else Cell("in", tuple(values))
        if isinstance(raw, str) and raw.startswith(CMP_PREFIXES) and t.labels is None:
            op = next(p for p in CMP_PREFIXES if raw.startswith(p))
            try:
                number = Decimal(raw[len(op):].strip())
            except ArithmeticError:
                number = None
            if number is None or not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
                self.findings.append(entry.finding("K213", _("\"{raw}\" needs a (finite) number after {op}")
                                                   .format(raw=raw, op=op), sub))
                return None
            return Cell("cmp", number, op)
        value = self.literal(entry, sub, raw, t, input_name)
        return None if value is _BAD else Cell("eq", value)

    def literal(self, entry: Entry, sub: list, raw: Any, t: Type, input_name: str):
        if t.labels is not None and raw not in t.labels:
            close = difflib.get_close_matches(str(raw), t.labels, n=1, cutoff=0.4)
            self.findings.append(entry.finding("K213", _("\"{raw}\" is not a label of `{input_name}`")
                                               .format(raw=raw, input_name=input_name), sub,
                                               _("did you mean \"{close}\"?").format(close=close[0]) if close else
                                               _("allowed: ") + ", ".join(t.labels)))
            return _BAD
        if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
            return Decimal(str(raw))
        return raw


def table_lookup(table: Table, domains: list[list | None]) -> dict | None:
    """Precomputed answers for tables over finite domains (labels, true/false): one dict hit
    per record instead of matching rows. Combinations with no row stay out (they error)."""
    total = combinations(table, domains)
    if total is None or too_large(table, total):
        return None
    lookup = {}
    for combo in itertools.product(*domains):  # type: ignore[arg-type]  # no domain is None here
        hits = table.match(list(combo))
        if hits:
            lookup[combo] = hits[0].output
        elif table.has_default:
            lookup[combo] = table.default
    return lookup
