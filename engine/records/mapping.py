"""Column mappings (*.map.yaml): rename an export's columns into a policy's fields.

A mapping is data, never code: `columns` (field ← header or list of accepted headers),
`values` (source label → policy label, ignoring case and spacing), `constants`, and a few
named `transform`s. It is checked against schemas/mapping.schema.json with located findings.
`apply()` rewrites a stream of `Source`s, keeping each value's cell reference.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from kinerja.findings import Finding
from kinerja.i18n import _
from kinerja.policy.documents import LINK_REFUSED, link_escapes, read_document
from kinerja.records.source import BadCell, RecordsError, Source

MAPPING_SCHEMA = "mapping.schema.json"
SUFFIX = ".map.yaml"


class MappingError(RecordsError):
    """The mapping file is wrong; carries located findings (message: one line per finding)."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        lines = []
        for f in findings:
            line = f"{f.location()}: {f.code} {f.message}"
            lines.append(line + (_(" ({hint})").format(hint=f.hint) if f.hint else ""))
        super().__init__("\n".join(lines))


def norm_header(text: Any) -> str:
    """How headers are compared: spacing collapsed, case ignored (`Hasil  Kerja` = `hasil kerja`)."""
    return " ".join(str(text).split()).casefold()


def norm_value(value: Any) -> str:
    """How source values are compared in `values`: like headers, and `KURANG / MISCONDUCT` =
    `Kurang/Misconduct`; a whole number read from Excel as 1.0 matches "1"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = norm_header(value)
    return text.replace(" /", "/").replace("/ ", "/")


def _digits_only(v):
    return "".join(ch for ch in v if ch.isdigit())


# Only text is transformed: a number Excel stored (e.g. a rounded NIP) stays as it is, so the
# Coercer can still see that it was a number and refuse to guess its digits.
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "collapse_spaces": lambda v: " ".join(v.split()),
    "digits_only": _digits_only,
}


@dataclass
class Mapping:
    id: str
    name: str = ""
    file: str = ""
    sheet: str | None = None
    skip_rows: int | None = None
    columns: dict[str, list[str]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # keys already normalised
    constants: dict[str, Any] = field(default_factory=dict)
    transform: dict[str, list[Callable[[str], str]]] = field(default_factory=dict)

    @property
    def header_row(self) -> int | None:
        """XLSX: the row the header is on, from `skip_rows` (None: detect it)."""
        return None if self.skip_rows is None else self.skip_rows + 1

    def matches(self, header: Iterable[Any]) -> bool:
        """True when every required mapped column is in this header (for header detection)."""
        have = {norm_header(h) for h in header if h is not None}
        return bool(self.columns) and all(
            any(norm_header(a) in have for a in aliases)
            for f, aliases in self.columns.items() if f not in self.optional)

    def bind(self, header: list[str], where: str = "") -> BoundMapping:
        """Resolve `columns` against a file's header; a required column missing is an error
        that lists the header, so the user sees what the file really calls it."""
        by_norm: dict[str, str] = {}
        for h in header:
            if h is not None and str(h).strip():
                by_norm.setdefault(norm_header(h), h)
        chosen: dict[str, str] = {}
        missing = []
        for f, aliases in self.columns.items():
            hit = next((by_norm[norm_header(a)] for a in aliases if norm_header(a) in by_norm), None)
            if hit is not None:
                chosen[f] = hit
            elif f not in self.optional:
                missing.append((f, aliases))
        if missing:
            parts = []
            for f, aliases in missing:
                want = _(" or ").join(f'"{a}"' for a in aliases)
                close = difflib.get_close_matches(norm_header(aliases[0]), list(by_norm), n=1, cutoff=0.6)
                tip = _(' (did you mean "{close}"?)').format(close=by_norm[close[0]]) if close else ""
                parts.append(f"{f} ← {want}{tip}")
            shown = ", ".join(f'"{h}"' for h in header if h is not None and str(h).strip()) or _("(nothing)")
            place = _(" in {where}").format(where=where) if where else ""
            raise RecordsError(_("mapping {id}: column not found{place}: {parts}. The header has: {shown}").format(
                id=self.id, place=place, parts="; ".join(parts), shown=shown))
        return BoundMapping(self, chosen)

    def apply(self, sources: Iterator[Source], header: list[str] | None = None,
              where: str = "") -> Iterator[Source]:
        """Rename and translate every record. Without `header` (CSV, JSON), the first
        record's keys are the header."""
        bound = self.bind(header, where) if header is not None else None
        for source in sources:
            if not isinstance(source.data, dict) or source.problem:
                yield source
                continue
            if bound is None:
                bound = self.bind(list(source.data), where)
            yield bound.map(source)


@dataclass
class BoundMapping:
    mapping: Mapping
    chosen: dict[str, str]  # field -> header as written in the file

    def __post_init__(self):
        self.consumed = set(self.chosen.values())

    def map(self, source: Source) -> Source:
        m, data, cells = self.mapping, source.data, source.cells or {}
        out: dict[str, Any] = {k: v for k, v in data.items() if k not in self.consumed}
        pairs = [(k, k) for k in cells if k not in self.consumed]
        for f, header in self.chosen.items():
            out[f] = data.get(header)
            pairs.append((f, header))
        for f, value in m.constants.items():
            out[f] = value
        pairs = [(new, old) for new, old in pairs if new not in m.constants]
        out_cells = cells.remap(pairs) if hasattr(cells, "remap") else \
            {new: cells[old] for new, old in pairs if old in cells}
        for f, ops in m.transform.items():
            v = out.get(f)
            if isinstance(v, str):
                for op in ops:
                    v = op(v)
                out[f] = v
        for f, table in m.values.items():
            v = out.get(f)
            if v is None or isinstance(v, (BadCell, bool)):
                continue
            hit = table.get(norm_value(v), _MISS)
            if hit is not _MISS:
                out[f] = hit
        return Source(source.row, out, source.where, out_cells or None, source.problem, source.code,
                      source.decimal_comma)


_MISS = object()


# --- loading -----------------------------------------------------------------------------------


def shipped_mappings() -> dict[str, Any]:
    """id -> traversable, for every *.map.yaml shipped under kinerja.policies."""
    out: dict[str, Any] = {}
    stack = [resources.files("kinerja.policies")]
    while stack:
        folder = stack.pop()
        for item in sorted(folder.iterdir(), key=lambda p: p.name):
            if item.is_dir() and not item.name.startswith(("_", ".")):
                stack.append(item)
            elif item.name.endswith(SUFFIX):
                out[item.name[: -len(SUFFIX)]] = item
    return out


def load_mapping(ref: str) -> Mapping:
    """A mapping file path, or the id of a shipped mapping (e.g. `ekinerja-bkn`).
    Raises MappingError (a RecordsError) with located findings when it is wrong."""
    if os.path.isfile(ref):
        if link_escapes(ref):
            raise RecordsError(f"{ref} {_(LINK_REFUSED)}")
        doc = read_document(ref, schema_name=MAPPING_SCHEMA)
    else:
        shipped = shipped_mappings()
        item = shipped.get(ref[: -len(SUFFIX)] if ref.endswith(SUFFIX) else ref)
        if item is None:
            if os.path.isdir(ref):
                raise RecordsError(_("{ref} is a folder: give one mapping file (*.map.yaml)").format(ref=ref))
            close = difflib.get_close_matches(ref, list(shipped), n=1, cutoff=0.6)
            tip = _('; did you mean "{close}"?').format(close=close[0]) if close else (
                _("; shipped mappings: {names}").format(names=", ".join(sorted(shipped))) if shipped else "")
            raise RecordsError(_("mapping {ref!r} not found (give a *.map.yaml file or a shipped mapping id){tip}")
                               .format(
                ref=ref, tip=tip))
        doc = read_document(f"policies/mappings/{item.name}", text=item.read_bytes(), schema_name=MAPPING_SCHEMA)
    findings = list(doc.findings) or _check(doc)
    if findings:
        raise MappingError(findings)
    return _build(doc.data, doc.file)


def mapping_findings(name: str, text: str | bytes | None = None) -> list[Finding]:
    """Every finding for one *.map.yaml (schema, then what the schema cannot say), for validate."""
    doc = read_document(name, text=text, schema_name=MAPPING_SCHEMA)
    return list(doc.findings) or _check(doc)


def _check(doc) -> list[Finding]:
    """What the schema cannot say: a field both read from a column and given a constant."""
    data = doc.data
    out = []
    columns = data.get("columns") or {}
    for name in data.get("constants") or {}:
        if name in columns:
            out.append(doc.finding("K214", _("\"{name}\" is both read from a column and given a constant")
                                   .format(name=name),
                                   ["constants", name], _("keep one of the two"), key=True))
    for i, name in enumerate(data.get("optional") or []):
        if name not in columns:
            out.append(doc.finding("K104", _("\"{name}\" is listed as optional but is not in columns")
                                   .format(name=name),
                                   ["optional", i]))
    return out


def _build(data: dict, file: str) -> Mapping:
    columns = {f: ([v] if isinstance(v, str) else list(v)) for f, v in (data.get("columns") or {}).items()}
    values = {f: {norm_value(k): v for k, v in table.items()} for f, table in (data.get("values") or {}).items()}
    transform = {}
    for f, ops in (data.get("transform") or {}).items():
        transform[f] = [TRANSFORMS[op] for op in ([ops] if isinstance(ops, str) else ops)]
    return Mapping(id=str(data["id"]), name=str(data.get("name") or ""), file=file, sheet=data.get("sheet"),
                   skip_rows=data.get("skip_rows"), columns=columns, optional=frozenset(data.get("optional") or ()),
                   values=values, constants=dict(data.get("constants") or {}), transform=transform)
