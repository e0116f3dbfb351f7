"""Names: every name a policy declares is usable and declared once; `summary` names outputs."""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Iterator

from kinerja.checks.registry import Issue, check
from kinerja.expr.functions import FUNCTIONS
from kinerja.i18n import N_, _
from kinerja.policy.resolve import Entry

# The sections of a policy as a message names one entry of them ("declared twice: as a field").
SECTION_NAMES = {"fields": N_("field"), "params": N_("param"), "values": N_("value"), "bands": N_("band"),
                 "tables": N_("table"), "scorecards": N_("scorecard"), "rules": N_("rule")}


def _section(entry: Entry) -> str:
    return _(SECTION_NAMES.get(entry.section, entry.section))


@check("name")
def usable(name: str, entry: Entry, sub: tuple, declared: dict[str, Entry]) -> Iterator[Issue]:
    """Not a reserved word, not a function's name, not declared before (K106, K214)."""
    if keyword.iskeyword(name) or name in ("true", "false", "none"):
        yield Issue("K106", _("\"{name}\" is a reserved word and cannot be a name").format(name=name), sub, key=True)
    elif name in FUNCTIONS:
        yield Issue("K214", _("\"{name}\" is the name of a function").format(name=name), sub,
                    _("choose another name"), key=True)
    elif name in declared:
        first = declared[name]
        line = getattr(first.node() or entry.node(), "line", 1)
        yield Issue("K214", _("\"{name}\" is declared twice: as {section} at {file}:{line} and as {section2} here")
                    .format(name=name, section=_section(first), file=first.file, line=line,
                            section2=_section(entry)), sub, key=True)


@check("summary")
def summary_names(names: list, outputs: list[str], fields: dict) -> Iterator[Issue]:
    """`summary:` names outputs or fields (the columns of the table view)."""
    for i, name in enumerate(names):
        if name not in outputs and name not in fields:
            close = difflib.get_close_matches(name, outputs, n=1, cutoff=0.6)
            yield Issue("K302", _("summary names \"{name}\", which is not an output or field of this policy")
                        .format(name=name), ("summary", i),
                        _("did you mean \"{close}\"?").format(close=close[0]) if close else None)
