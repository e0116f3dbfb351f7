"""Column headers → policy fields, the way an HR officer writes them.

A column matches a field by its id, its `label` or one of its `aliases`, ignoring case, spaces,
underscores and punctuation (`NIP`, `Unit kerja`, `UNIT_KERJA` and ` unit  kerja ` are all
`unit_kerja`). The match is made once per file, from the header, and reported once: the
columns used, the columns ignored, and the fields no column gave (with the closest header),
so one missing column is one message, not one error per row.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from kinerja.i18n import _
from kinerja.model import FieldDef
from kinerja.records.source import Source

_NOT_WORD = re.compile(r"[\W_]+")


def header_key(text: Any) -> str:
    """How a header is compared: `Golongan / Ruang` = `golongan_ruang` = `GOLONGANRUANG`."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return _NOT_WORD.sub("", text)


@dataclass
class ColumnReport:
    """What one file's header gave the policy (plain data; the CLI prints it)."""

    used: list[tuple[str, str]] = field(default_factory=list)  # (header as written, field id)
    ignored: list[str] = field(default_factory=list)  # headers no field reads
    missing: list[tuple[str, str, str | None]] = field(default_factory=list)  # (field, label, closest header)
    optional: list[str] = field(default_factory=list)  # optional fields without a column
    conditional: list[tuple[str, str]] = field(default_factory=list)  # (field, condition) required on some rows
    clashes: list[tuple[str, list[str]]] = field(default_factory=list)  # field read by two columns

    @property
    def fatal(self) -> bool:
        """A required column is missing or two columns claim one field: no row could be right."""
        return bool(self.missing or self.clashes)

    def lines(self) -> list[str]:
        """The report in a few lines, for stderr (before any row errors)."""
        out = []
        renamed = [f"{h} → {f}" for h, f in self.used if h != f]
        same = [f for h, f in self.used if h == f]
        if self.used:
            shown = ", ".join(renamed + same)
            out.append(_("columns: used ({n}): {value}").format(n=len(self.used), value=shown))
        if self.ignored:
            out.append(_("columns: ignored (no field of the policy reads them): {value}")
                       .format(value=', '.join(self.ignored)))
        if self.conditional:
            shown = ", ".join(_("{name} (when {when})").format(name=name, when=when) for name, when in self.conditional)
            out.append(_("columns: none for fields required on some rows (rows that need them will be errors): {shown}")
                       .format(shown=shown))
        if self.optional:
            out.append(_("columns: none for optional fields (left empty): {value}")
                       .format(value=', '.join(self.optional)))
        return out

    def problems(self) -> list[str]:
        """One message per missing required column or clash (the run stops on these)."""
        out = []
        for name, label, closest in self.missing:
            known = _("\"{label}\" (field {name})").format(label=label, name=name) if label else f'"{name}"'
            tip = (_("; the closest header is \"{closest}\"").format(closest=closest) if closest
                   else _("; no header is close to it"))
            out.append(f"required column {known} not found{tip}")
        for name, headers in self.clashes:
            out.append(_("columns {value} both match field {name}; rename or delete one of them")
                       .format(value=' and '.join(repr(h) for h in headers), name=name))
        return out


def _keys(f: FieldDef) -> list[str]:
    """The headers a field answers to, strongest first: id, label, aliases."""
    return [header_key(k) for k in (f.name, f.label, *f.aliases) if k and header_key(k)]


def match_header(fields: dict[str, FieldDef], header: Iterable[Any]) -> tuple[dict[str, str], ColumnReport]:
    """{header as written: field id} for the columns the policy reads, and the report."""
    header = [h for h in header if isinstance(h, str) and not h.startswith("\x00") and h.strip()]
    index = _index(fields)
    claims: dict[str, list[str]] = {}
    for h in header:
        claimed = h if h in fields else index.get(header_key(h))
        if claimed is not None:
            claims.setdefault(claimed, []).append(h)
    report = ColumnReport()
    rename: dict[str, str] = {}
    for name, hs in claims.items():
        exact = [h for h in hs if h == name]
        if len(hs) > 1 and len(exact) != 1:
            report.clashes.append((name, hs))
            continue
        chosen = exact[0] if exact else hs[0]
        rename[chosen] = name
    report.used = [(h, rename[h]) for h in header if h in rename]
    report.ignored = [h for h in header if h not in rename and not any(h in hs for _, hs in report.clashes)]
    for name, f in fields.items():
        if name in claims:
            continue
        if f.required and f.default is None:
            report.missing.append((name, f.label, _closest(f, report.ignored)))
        elif f.required_when and f.default is None:
            report.conditional.append((name, " and ".join(c.text for c in f.required_when)))
        else:
            report.optional.append(name)
    return rename, report


def _index(fields: dict[str, Any]) -> dict[str, str]:
    """header_key → the field a column of that key claims (ids first, then labels, then aliases:
    an id is never shadowed)."""
    index: dict[str, str] = {}
    for name in fields:
        index.setdefault(header_key(name), name)
    for name, f in fields.items():
        if f.label and header_key(f.label):
            index.setdefault(header_key(f.label), name)
    for name, f in fields.items():
        for alias in f.aliases:
            if header_key(alias):
                index.setdefault(header_key(alias), name)
    return index


_KEPT: dict[tuple, bool] = {}  # (header, the fields' names) → keeps_names, per process (a few files a run)


def keeps_names(fields: dict[str, Any], header: tuple[str, ...]) -> bool:
    """Whether a HeaderMatch of `fields` gives back, as they are, the records read under `header`
    (a CSV file's; any record has some of its columns: a short line has the first few): every
    column is a field's own id or claims no field (match_header then renames nothing, whatever
    the columns' subset)."""
    key = (header, tuple((name, f.label, tuple(f.aliases)) for name, f in fields.items()))
    kept = _KEPT.get(key)
    if kept is None:
        index = _index(fields)
        kept = all(h in fields or index.get(header_key(h)) is None for h in header
                   if isinstance(h, str) and not h.startswith("\x00") and h.strip())
        if len(_KEPT) >= 64:
            _KEPT.clear()
        _KEPT[key] = kept
    return kept


def _closest(f: FieldDef, headers: list[str]) -> str | None:
    by_key = {header_key(h): h for h in headers}
    for key in _keys(f):
        close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
        if close:
            return by_key[close[0]]
    return None


@dataclass(frozen=True)
class FieldNames:
    """What a column is matched to a field by (its id, label and aliases) and nothing else of the
    field: it pickles, so worker processes rename the records they read exactly as the parent's
    HeaderMatch does (match_header's renaming reads only these; the report is not made there)."""

    name: str
    label: str | None = None
    aliases: tuple[str, ...] = ()
    required: bool = False
    default: Any = None
    required_when: tuple = ()


def names_only(fields: dict[str, FieldDef]) -> dict[str, Any]:
    """The fields as FieldNames (see there)."""
    return {name: FieldNames(name, f.label, tuple(f.aliases)) for name, f in fields.items()}


class HeaderMatch:
    """Renames each record's columns to field ids. The first record's header is matched (and
    reported) when `start()` is called, before any row is evaluated; a record with other keys
    (JSON lines differ) is matched on its own, silently."""

    def __init__(self, fields: dict[str, FieldDef], sources: Iterable[Source]):
        self.fields = fields
        self.records = sources  # as given (a Records: it splits and closes)
        self.sources = iter(sources)
        self.first: Source | None = None
        self.report: ColumnReport | None = None
        self._cache: dict[tuple, dict[str, str] | None] = {}
        self._keys: tuple | None = None  # the keys of the record before and their renaming: most often
        self._rename: dict[str, str] | None = None  # every record's (equal tuples: no hashing)

    def start(self) -> ColumnReport | None:
        """Read the first record (this may raise the reader's RecordsError) and match its header."""
        for source in self.sources:
            self.first = source
            if isinstance(source.data, dict) and not source.problem:
                self.report = self._bind(source.data)[1]
            break
        return self.report

    def split(self, block_bytes: int):
        """The file cut in byte ranges for workers to read, each record renamed as here
        (records/ranges.py); None where the records cannot be read that way."""
        split = getattr(self.records, "split", None)
        return split(block_bytes, names_only(self.fields)) if split is not None else None

    def close(self) -> None:
        """Close the records read (their file), when they are not read to the end."""
        getattr(self.records, "close", getattr(self.sources, "close", lambda: None))()

    def _bind(self, data: dict) -> tuple[dict[str, str] | None, ColumnReport]:
        rename, report = match_header(self.fields, list(data))
        identity = all(h == f for h, f in rename.items())
        self._cache[tuple(data)] = None if identity else rename
        return self._cache[tuple(data)], report

    def __iter__(self) -> Iterator[Source]:
        if self.first is not None:
            yield self._apply(self.first)
            self.first = None
        apply = self._apply
        for source in self.sources:
            data = source.data
            # the keys of the record before, kept as they are: `_apply`'s common case, without its call
            if self._rename is None and data.__class__ is dict and tuple(data) == self._keys:
                yield source
            else:
                yield apply(source)

    def _apply(self, source: Source) -> Source:
        data = source.data
        if not isinstance(data, dict):
            return source
        keys = tuple(data)
        if keys == self._keys:
            rename = self._rename
        else:
            rename = self._cache[keys] if keys in self._cache else self._bind(data)[0]
            self._keys, self._rename = keys, rename
        if rename is None:
            return source
        out = {rename.get(k, k): v for k, v in data.items()}
        cells = source.cells
        if cells:
            pairs = [(rename.get(k, k), k) for k in cells]
            cells = cells.remap(pairs) if hasattr(cells, "remap") else {new: cells[old] for new, old in pairs}
        return replace(source, data=out, cells=cells)  # the rest (problem, code, decimal comma) as read
