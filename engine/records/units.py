"""The units file (`--units`): the unit tree of an instansi, each unit's predikat kinerja
organisasi (per period, optionally) and the NIP of its head.

Read once, checked (unknown parent, cycle, duplicate unit, unknown predikat), then used in
three places: it fills three record fields the policy may declare (`predikat_organisasi`,
`pimpinan_unit`, `unit_dipimpin`), it gives the kurva distribusi check each unit's predikat,
and it says which units a unit rolls up to. What a head's predikat organisasi implies is the
policy's business (a decision table), never this module's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.records.org_predikat import org_labels
from kinerja.records.read import read_records
from kinerja.records.source import BadCell, RecordsError

COLUMNS = ("unit_kerja", "induk", "predikat_organisasi", "nip_pimpinan", "periode")
FILLED = ("predikat_organisasi", "pimpinan_unit", "unit_dipimpin")  # record fields a units file fills
NAMES_SHOWN = 10


@dataclass
class Unit:
    name: str
    parent: str | None
    head: str | None
    line: int
    predikat: dict = field(default_factory=dict)  # periode ("" = the whole year / the run) → label
    periods: set = field(default_factory=set)  # the periode values of its rows, for the duplicate check


@dataclass
class Units:
    """The checked unit tree. `findings` hold the file's own problems; the run goes on."""

    file: str
    units: dict[str, Unit]
    findings: list[Finding]
    heads: dict[str, list[str]] = field(default_factory=dict)  # NIP → the units that NIP heads
    _folded: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._folded = {_fold(n): n for n in self.units}

    def find(self, name) -> Unit | None:
        """The unit of this name (case and spacing forgiven), or None."""
        if not isinstance(name, str):
            return None
        hit = self._folded.get(_fold(name))
        return self.units[hit] if hit is not None else None

    def predikat(self, unit: Any, periode: str | None = None) -> str | None:
        """The unit's predikat organisasi for a period, else its annual one."""
        u = self.find(unit)
        if u is None:
            return None
        if periode:
            hit = u.predikat.get(str(periode).strip())
            if hit is not None:
                return hit
        return u.predikat.get("")

    def ancestors(self, unit: str) -> list[str]:
        """The unit's parents, nearest first (stops at a cycle, which is already a finding)."""
        out, seen = [], set()
        u = self.find(unit)
        while u is not None and u.parent and u.parent not in seen:
            seen.add(u.parent)
            parent = self.units.get(u.parent)
            if parent is None:
                break
            out.append(parent.name)
            u = parent
        return out

    def org_predikat(self, periode: str | None = None) -> dict[str, str]:
        """unit → predikat for the kurva check of one period (or the year)."""
        return {n: p for n in self.units if (p := self.predikat(n, periode)) is not None}

    def headed_by(self, nip: str | None, own_unit) -> Unit | None:
        """The unit a NIP heads: its own unit when it heads that one, else the first it heads."""
        names = self.heads.get(nip or "")
        if not names:
            return None
        own = self.find(own_unit)
        if own is not None and own.name in names:
            return own
        return self.units[names[0]]

    def fill(self, raw: dict, wanted: set[str], period_field: str | None) -> dict:
        """A copy of a raw record with the fields the units file knows, for the fields the policy declares.
        A value the record already carries is kept (the record is more specific than the file)."""
        out = dict(raw)
        unit_name = raw.get("unit_kerja")
        periode = raw.get(period_field) if period_field else None
        nip = str(raw.get("nip") or "").strip()
        head = self.headed_by(nip, unit_name)
        periode = str(periode).strip() if periode not in (None, "") else None
        predikat = self.predikat(head.name if head else unit_name, periode)  # a head: the unit they lead
        values = {"predikat_organisasi": predikat, "pimpinan_unit": head is not None,
                  "unit_dipimpin": head.name if head else None}
        for name in wanted:
            if _blank(out.get(name)) and values.get(name) is not None:
                out[name] = values[name]
        return out


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def read_units(path: str, labels: list[str] | None = None) -> Units:
    """Read and check a units file (CSV or XLSX). Raises ValueError when it cannot be used at all
    (unreadable, or without a `unit_kerja` column); every other problem is a finding."""
    findings: list[Finding] = []
    units: dict[str, Unit] = {}
    folded: dict[str, str] = {}
    heads: dict[str, list[str]] = {}
    known = {_fold(lab): lab for lab in labels or []}
    try:
        rows = list(read_records(path))
    except RecordsError as exc:
        raise ValueError(str(exc)) from None
    if rows and isinstance(rows[0].data, dict) and "unit_kerja" not in rows[0].data:
        raise ValueError(_("{path}: needs a unit_kerja column (columns: {value})").format(path=path,
                                                                                          value=', '.join(COLUMNS)))

    def finding(code: str, message: str, line: int, column: str, hint: str | None = None) -> None:
        findings.append(Finding(code, message, path, line, 1, f"$[{line - 1}].{column}", hint))

    for src in rows:
        data = {k: (v.value if isinstance(v, BadCell) else v)  # an Excel error cell reads as its text (#REF!)
                for k, v in src.data.items()} if isinstance(src.data, dict) else {}
        tail = (src.where or "").rsplit(" ", 1)[-1]
        line = int(tail) if tail.isdigit() else src.row + 1  # "line 5" (csv), "Sheet1 row 14" (xlsx)
        name = " ".join(str(data.get("unit_kerja") or "").split())
        if not name:
            finding("K610", _("a row without unit_kerja"), line, "unit_kerja")
            continue
        periode = str(data.get("periode") or "").strip()
        label = str(data.get("predikat_organisasi") or "").strip()
        if label and known:
            hit = known.get(_fold(label))
            if hit is None:
                close = difflib.get_close_matches(label, list(known.values()), n=1, cutoff=0.5)
                finding("K613", _("predikat organisasi \"{label}\" of {name} is not one of: {value}")
                        .format(label=label, name=name, value=", ".join(known.values())),
                        line, "predikat_organisasi", f'did you mean "{close[0]}"?' if close else None)
                label = ""
            else:
                label = hit
        unit = units.get(folded.get(_fold(name), ""))
        parent = " ".join(str(data.get("induk") or "").split()) or None
        head = str(data.get("nip_pimpinan") or "").strip() or None
        if unit is None:
            unit = units[name] = Unit(name, parent, head, line)
            folded[_fold(name)] = name
        elif periode in unit.periods:
            finding("K612", _("unit {name} is listed twice (first on line {line})").format(name=name, line=unit.line)
                    + (_(" for periode {periode}").format(periode=periode) if periode else ""), line, "unit_kerja",
                    _("give each unit one row, or one row per periode"))
            continue
        elif (parent and parent != unit.parent) or (head and head != unit.head):
            finding("K612", _("unit {name} has a different induk or nip_pimpinan than on line {line}")
                    .format(name=name, line=unit.line), line,
                    "induk" if parent and parent != unit.parent else "nip_pimpinan",
                    _("the rows of one unit for several periods share induk and nip_pimpinan"))
            continue
        unit.periods.add(periode)
        if label:
            unit.predikat[periode] = label
        if unit.head and name not in heads.setdefault(unit.head, []):
            heads[unit.head].append(name)
    for unit in units.values():  # parents by their canonical name
        if unit.parent is not None:
            hit = folded.get(_fold(unit.parent))
            if hit is None:
                close = difflib.get_close_matches(unit.parent, list(units), n=1, cutoff=0.6)
                finding("K610", _("induk \"{parent}\" of {name} is not a unit in this file")
                        .format(parent=unit.parent, name=unit.name), unit.line,
                        "induk", _("did you mean \"{close}\"?").format(close=close[0]) if close else None)
                unit.parent = None
            else:
                unit.parent = hit
    done: set[str] = set()  # units whose chain up is known to end (or to be reported): each is walked once
    for unit in units.values():
        chain: list[str] = []
        on_chain: set[str] = set()
        u: Unit | None = unit
        while u is not None and u.name not in done:
            if u.name in on_chain:
                cycle = chain[chain.index(u.name):] + [u.name]
                finding("K611", _("the units form a cycle: ") + " → ".join(cycle), units[cycle[0]].line, "induk")
                break
            chain.append(u.name)
            on_chain.add(u.name)
            u = units.get(u.parent) if u.parent is not None else None
        done.update(chain)
    findings.sort(key=lambda f: f.line)  # in the order of the file
    return Units(path, units, findings, heads)


@dataclass
class UnitCheck:
    """During a run: which heads appeared in the records, and which records name no known unit.
    Memory grows with the units and with the distinct unknown names, never with the records."""

    units: Units
    seen_heads: set = field(default_factory=set)
    unknown: dict = field(default_factory=dict)  # unit name → [count, first rows]

    def add(self, row: int, raw) -> None:
        if not isinstance(raw, dict):
            return
        nip = str(raw.get("nip") or "").strip()
        if nip in self.units.heads:
            self.seen_heads.add(nip)
        name = raw.get("unit_kerja")
        if isinstance(name, str) and name.strip() and self.units.find(name) is None:
            entry = self.unknown.setdefault(" ".join(name.split()), [0, []])
            entry[0] += 1
            if len(entry[1]) < 3:
                entry[1].append(row)

    def findings(self, records: str) -> list[Finding]:
        out = []
        for nip, names in self.units.heads.items():
            if nip not in self.seen_heads:
                for name in names:
                    u = self.units.units[name]
                    out.append(Finding("K614", _("nip_pimpinan {nip} of {name} is not in the records")
                                       .format(nip=nip, name=name), self.units.file,
                                       u.line, 1, f"$[{u.line - 1}].nip_pimpinan"))
        for name, (count, rows) in list(self.unknown.items())[:NAMES_SHOWN * 10]:
            close = difflib.get_close_matches(name, list(self.units.units), n=1, cutoff=0.6)
            shown = ", ".join(map(str, rows)) + (", …" if count > len(rows) else "")
            out.append(Finding("K615", _("unit_kerja \"{name}\" of {count} record(s) (row {shown}) is not a "
                                         "unit in {file}").format(name=name, count=count, shown=shown,
                                                                  file=self.units.file),
                               records, rows[0] + 1, 1, "$.unit_kerja",
                               f'did you mean "{close[0]}"?' if close else None))
        return out


def known_labels(policy) -> list[str]:
    """The organisation predikat labels a policy knows: its distribution limits, and the values
    of its `predikat_organisasi` field."""
    labels = org_labels(policy.population)
    f = policy.fields.get("predikat_organisasi")
    if f is not None and f.values:
        labels += [v for v in f.values if v not in labels]
    return labels


def prepare(sources, policy, units: Units | None = None, check: UnitCheck | None = None, also: dict | None = None):
    """The records with the units file's fields filled in (for the fields the policy declares;
    `also`: the fields of a second policy, for compare), each checked against the units."""
    wanted = {n for n in FILLED if n in policy.fields or n in (also or {})}
    cycle = policy.cycle
    period_field = cycle.period_field if cycle is not None else None
    for source in sources:
        raw = source.data
        if isinstance(raw, dict) and not source.problem:
            if check is not None:
                check.add(source.row, raw)
            if units is not None and wanted:
                raw = units.fill(raw, wanted, period_field)
            if raw is not source.data:
                source = replace(source, data=raw)
        yield source
