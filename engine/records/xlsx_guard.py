"""The XML inside an .xlsx file, read through a guard: no DOCTYPE, no text run without bound.

A workbook is a zip of XML parts that anyone can write by hand. Every part kinerja reads passes
through `GuardedZip.open`, which refuses a part that declares a DOCTYPE or an ENTITY (entity
expansion can grow without bound; a spreadsheet never needs one) and cuts any run of text longer
than MAX_CELL characters, leaving CUT in its place, so that one 200 MB cell or shared string
costs 128 KB of memory. `cell_value` turns a cut cell into a K410 error on its field.
"""

from __future__ import annotations

import secrets
import zipfile

from kinerja.i18n import _
from kinerja.limits import MAX_CELL
from kinerja.records.source import RecordsError

# Private-use characters around a word no file can know: a number drawn for this process, so a
# cell whose text imitates the mark is read as the text it is, never as a cut cell.
CUT = f"\ue000kinerja:cut:{secrets.token_hex(8)}\ue000"
_CUT = CUT.encode("utf-8")
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
_CHUNK = 64 * 1024  # smaller than MAX_CELL, so a run too long always crosses a read


class GuardedZip(zipfile.ZipFile):
    """A ZipFile whose XML parts are read through `_Guard`."""

    def open(self, name, mode="r", pwd=None, **kwargs):
        raw = super().open(name, mode, pwd, **kwargs)
        filename = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        if mode != "r" or not filename.endswith((".xml", ".rels")):
            return raw
        return _Guard(raw, filename)


class _Guard:
    """A read-only byte stream: the XML part without DOCTYPE and with every run of bytes
    between `<` and `>` (text, or one tag) cut at MAX_CELL bytes."""

    def __init__(self, raw, part: str):
        self.raw, self.part = raw, part
        self.run = 0  # bytes since the last < or >
        self.cutting = False
        self.tail = b""  # the end of the previous read, for a declaration split across reads
        self.pending = b""

    def readable(self) -> bool:
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.raw.close()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self.pending]
            self.pending = b""
            while chunk := self._next():
                parts.append(chunk)
            return b"".join(parts)
        parts, have = [self.pending], len(self.pending)
        while have < size:  # pieces joined once: a large read costs no copy per piece
            chunk = self._next()
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts) if len(parts) > 1 else parts[0]
        out, self.pending = data[:size], data[size:]
        return out

    def _next(self) -> bytes:
        """The next filtered piece of the part, b"" at its end."""
        while True:
            chunk = self.raw.read(_CHUNK)
            if not chunk:
                return b""
            seen = self.tail + chunk
            if any(d in seen for d in _DECLARATIONS):
                raise RecordsError(_("{part} in the workbook declares a DOCTYPE or ENTITY, which a spreadsheet never "
                                     "needs; kinerja does not read it (save the file again in Excel)")
                                   .format(part=self.part))
            self.tail = chunk[-16:]
            out = self._cap(chunk)
            if out:
                return out

    def _cap(self, chunk: bytes) -> bytes:
        first = _first_delimiter(chunk)
        if first < 0:  # no < or > in this read: the run goes on
            return self._run_on(chunk)
        head = self._run_on(chunk[:first])
        if self.cutting:
            head += _CUT
            self.cutting = False
        last = max(chunk.rfind(b"<"), chunk.rfind(b">"))
        self.run = len(chunk) - last - 1  # a run inside one read is shorter than MAX_CELL
        return head + chunk[first:]

    def _run_on(self, data: bytes) -> bytes:
        if self.cutting:
            return b""
        room = MAX_CELL - self.run
        self.run += len(data)
        if len(data) <= room:
            return data
        self.cutting = True
        return _char_boundary(data[:room])


def _first_delimiter(chunk: bytes) -> int:
    lt, gt = chunk.find(b"<"), chunk.find(b">")
    return min(lt, gt) if lt >= 0 and gt >= 0 else max(lt, gt)


def _char_boundary(data: bytes) -> bytes:
    """`data` cut so that it ends neither inside a UTF-8 character nor inside an &entity;."""
    end = len(data)
    while end and data[end - 1] & 0xC0 == 0x80:  # continuation bytes: drop the partial character
        end -= 1
    if end and data[end - 1] >= 0xC0:  # the lead byte of the partial character
        end -= 1
    amp = data.rfind(b"&", max(0, end - 12), end)
    if amp >= 0 and data.find(b";", amp, end) < 0:
        end = amp
    return data[:end]
