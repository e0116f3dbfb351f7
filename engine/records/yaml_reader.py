"""The YAML reader: a list of records, read with positions so each record names its line.

A problem inside one record (a key named twice, an explicit tag, a number too long) makes that
record an error row; only a file that cannot be parsed as a whole is a RecordsError.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from kinerja.i18n import _
from kinerja.limits import MAX_DEPTH
from kinerja.policy.located import Sequence, load_text, to_plain
from kinerja.records.json_reader import SURROGATE_PROBLEM, replace_surrogates
from kinerja.records.source import RecordsError, Source

MAX_YAML_BYTES = 256 * 1024 * 1024


def read_yaml(stream: IO[bytes]) -> Iterator[Source]:
    """The records of a YAML list, one `Source` per item."""
    root, findings = load_text(stream.read(MAX_YAML_BYTES + 1), "records", max_bytes=MAX_YAML_BYTES,
                               max_depth=MAX_DEPTH)
    if root is None:
        f = findings[0]
        raise RecordsError(_("line {line}: {message}").format(line=f.line, message=f.message) if f.line else f.message)
    if not isinstance(root, Sequence):
        raise RecordsError(_("a YAML records file must be a list of records (lines starting with -)"))
    items = root.items
    located: dict[int, list] = {}
    for f in findings:
        k = _item_at(items, f.line)
        if k is None:
            raise RecordsError(_("line {line}: {message}").format(line=f.line, message=f.message))
        located.setdefault(k, []).append(f)
    for i, node in enumerate(items):
        data = to_plain(node)
        problem, code = None, "K407"
        if i in located:
            f = located[i][0]
            problem, code = _("line {line}: {message}").format(line=f.line, message=f.message), "K410"
        else:
            data, found = replace_surrogates(data)
            if found:
                problem, code = _(SURROGATE_PROBLEM), "K411"
        yield Source(i + 1, data, _("line {number}").format(number=node.line), problem=problem, code=code)


def _item_at(items: list, line: int) -> int | None:
    """The index of the list item whose lines hold `line` (items are in file order)."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        node = items[mid]
        if line < node.line:
            hi = mid - 1
        elif line > node.end_line:
            lo = mid + 1
        else:
            return mid
    return None
