"""The formats of `kinerja list`: what kinerja ships (engine/library.py), as aligned text for
people or JSON. One signature: (entries) → the text to print."""

from __future__ import annotations

from collections.abc import Callable

from kinerja.i18n import _
from kinerja.report.results import dumps


def library_text(items: list[dict]) -> str:
    rows = [["id", _("kind"), _("regime"), "extends", _("name")]]
    rows += [[i["id"], i["kind"], i["regime"] or "-", i["extends"] or "-", i["name"]] for i in items]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    lines.append(_("\nUse an id anywhere a policy or mapping file is asked for: kinerja show ID, kinerja template ID "
                   "-o pegawai.xlsx, kinerja evaluate ID FILE --map MAPPING."))
    return "\n".join(lines) + "\n"


def library_json(items: list[dict]) -> str:
    return dumps(items, indent=2) + "\n"


LIBRARY_FORMATS: dict[str, Callable[[list[dict]], str]] = {"text": library_text, "json": library_json}
