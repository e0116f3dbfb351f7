"""The shared-strings table of an .xlsx, read so that its size costs seconds, not minutes.

openpyxl builds an object per string, ~15 s for a million strings, and keeps every one. Here a
table is read with a plain XML pull parser; and a large one (over LAZY_FROM bytes) keeps only
the strings the sheet uses: the sheet is scanned first for its `t="s"` cells (one C-level
regular expression pass), and the table is then skipped in blocks that hold no used string.
Should the scan miss a cell (an unusual writer), the first lookup of a string not kept reads
the whole table after all: never a wrong or missing value.
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ET
from typing import IO

from openpyxl.xml.constants import SHEET_MAIN_NS

LAZY_FROM = 8 * 1024 * 1024  # bytes of sharedStrings.xml
_CHUNK = 1 << 20
_SI, _T, _R = f"{{{SHEET_MAIN_NS}}}si", f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"
_USED = re.compile(rb'<c\b[^>]*?\bt="s"[^>]*>\s*(?:<f\b[^>]*/>\s*|<f\b[^>]*>[^<]*</f>\s*)?<v>\s*(\d+)\s*</v>')
_ITEM = re.compile(rb"<si\s*/>|<si\b[^>]*>.*?</si>", re.S)
_ENDS = (b"</si>", b"<si/>", b"<si />")  # each string item ends with exactly one of these
_UNUSUAL = (b"<!--", b"<![CDATA[", b"<x:", b":si>", b":si ")  # leave such a table to the parser


def _text(si: ET.Element) -> str:
    """What Excel shows: the plain text, or the runs joined (phonetic hints left out)."""
    text = (si.findtext(_T) or "") + "".join(r.findtext(_T) or "" for r in si.findall(_R))
    return text.replace("x005F_", "")  # as openpyxl reads Excel's escape of "_x"


def read_all(source: IO[bytes]) -> list[str]:
    """Every string of the table, in order, with a pull parser that forgets each element."""
    out: list[str] = []
    root = None
    for event, el in ET.iterparse(source, events=("start", "end")):
        if root is None:
            root = el
        elif event == "end" and el.tag == _SI:
            out.append(_text(el))
            root.clear()
    return out


def used_indices(sheet: IO[bytes]) -> list[int]:
    """The shared-string indices the sheet's cells name, sorted (a scan, not a parse)."""
    used: set[int] = set()
    carry = b""
    while True:
        chunk = sheet.read(_CHUNK)
        buf = carry + chunk
        cut = buf.rfind(b"<c") if chunk else len(buf)
        cut = len(buf) if cut <= 0 else cut
        used.update(int(m) for m in _USED.findall(buf, 0, cut))
        carry = buf[cut:]
        if not chunk:
            return sorted(used)


def read_used(source: IO[bytes], wanted: list[int]) -> dict[int, str] | None:
    """The strings at the `wanted` indices; None when the table is written in a way this fast
    reader does not follow (then read_all)."""
    out: dict[int, str] = {}
    keep = frozenset(wanted)
    index, carry = 0, b""
    while True:
        chunk = source.read(_CHUNK)
        buf = carry + chunk
        if any(mark in buf for mark in _UNUSUAL):
            return None
        end = len(buf) if not chunk else max(0, *(buf.rfind(tag) + len(tag) for tag in _ENDS if tag in buf))
        count = sum(buf.count(tag, 0, end) for tag in _ENDS)
        first = bisect.bisect_left(wanted, index)
        if first < len(wanted) and wanted[first] < index + count:  # a wanted string is in this block
            for k, m in enumerate(_ITEM.finditer(buf, 0, end)):
                if index + k in keep:
                    try:
                        si = ET.fromstring(b'<sst xmlns="%s">%s</sst>' % (SHEET_MAIN_NS.encode(), m.group()))[0]
                    except ET.ParseError:
                        return None
                    out[index + k] = _text(si)
        index += count
        carry = buf[end:]
        if not chunk:
            return out


class SharedStrings:
    """What openpyxl's sheet parser indexes (`strings[i]`): every string of a small table, or
    the used ones of a large table, reading the whole table on a lookup the scan missed."""

    def __init__(self, archive, path: str, sheet_path: str):
        self.archive, self.path = archive, path
        self.table: list[str] | dict[int, str] | None = None
        if archive.getinfo(path).file_size > LAZY_FROM:
            with archive.open(sheet_path) as sheet:
                wanted = used_indices(sheet)
            with archive.open(path) as source:
                self.table = read_used(source, wanted)
        if self.table is None:
            with archive.open(path) as source:
                self.table = read_all(source)

    def __getitem__(self, i: int) -> str:
        table = self.table
        if isinstance(table, dict):
            if i in table:
                return table[i]
            with self.archive.open(self.path) as source:
                self.table = table = read_all(source)
        assert table is not None  # __init__ always reads a table
        return table[i]
