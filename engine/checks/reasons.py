"""Reason texts: each `{name}` placeholder names something the reason can show (K215)."""

from __future__ import annotations

from collections.abc import Iterator

from kinerja.checks.registry import Issue, check
from kinerja.i18n import _
from kinerja.model import template_names
from kinerja.suggest import close_match

MAX_REASON_FINDINGS = 20  # unknown placeholders located one by one in one reason text
ACTION_PLACEHOLDERS = ("count", "group", "group_by", "at_least")


@check("reason")
def placeholders_known(reason: str, known: set[str]) -> Iterator[Issue]:
    """Each `{name}` in a rule's reason names a field, value, param or rule param; the issue
    points at the placeholder. After MAX_REASON_FINDINGS unknown ones, one issue counts the
    rest: locating each in a long text is linear, so thousands would make validate quadratic."""
    start, unknown, names = 0, 0, None
    for ref in template_names(reason):
        at = reason.find("{", start)
        start = reason.find("}", at) + 1
        if ref in known:
            continue
        unknown += 1
        if unknown > MAX_REASON_FINDINGS:
            continue
        before = reason[:at]
        line, col = before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1
        names = names if names is not None else sorted(known)
        close = close_match(ref, names)
        yield Issue("K215", _("reason mentions {{{ref}}}, which is not a field, value, param or rule param")
                    .format(ref=ref), ("reason",), _('did you mean "{close}"?').format(close=close) if close else None,
                    inside=(line, col))
    if unknown > MAX_REASON_FINDINGS:
        yield Issue("K215", _("the reason mentions {value} more names that are not a field, value, param or rule "
                              "param").format(value=unknown - MAX_REASON_FINDINGS), ("reason",))


@check("group_action")
def action_placeholders(action: dict) -> Iterator[Issue]:
    """A population check's group action can show the count, the group and the threshold only."""
    for ref in template_names(action.get("reason") or ""):
        if ref not in ACTION_PLACEHOLDERS:
            yield Issue("K215", _("reason mentions {{{ref}}}; a group action can only use ").format(ref=ref)
                        + ", ".join("{" + p + "}" for p in ACTION_PLACEHOLDERS), ("action", "reason"))
            return
