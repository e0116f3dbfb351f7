"""Population checks and the fairness view after an `evaluate` run: lines for stderr, and the
JSON document of `--population-output`."""

from __future__ import annotations

from decimal import Decimal

from kinerja.evaluate.fairness import shown_favourable
from kinerja.i18n import _
from kinerja.report.findings import SEVERITY_WORDS
from kinerja.report.results import dumps


def finding_line(f) -> str:
    return (f"{f.location()}: {_(SEVERITY_WORDS.get(f.severity, f.severity))} {f.code} {f.message}"
            + (f" ({f.hint})" if f.hint else ""))


def text_lines(outcomes: list, fairness: dict) -> list[str]:
    lines: list[str] = []
    not_checked: dict[tuple[str, str], list[str]] = {}
    for o in outcomes:
        if o.status == "fail" and o.finding is not None:
            f = o.finding
            lines.append(f"{f.location()}: {f.severity} {f.code} {f.message}")
        elif o.status == "pass":
            lines.append(_("population: ok: {message}").format(message=o.message))
        elif o.status == "action":
            a = o.action
            lines.append(_("population: action {a} ({a2}) for {group_by} {group}: {a3}").format(
                a=a["id"], a2=a["kind"], group_by=o.group_by, group=o.group, a3=a["reason"]))
        else:
            why = o.message.rsplit("(", 1)[-1].rstrip(")")
            not_checked.setdefault((o.check, why), []).append(o.group)
    for (check, why), groups in not_checked.items():
        # one short line: the names only when there are few (the JSON output lists them all)
        shown = ": " + ", ".join(groups) if len(groups) <= 3 else ""
        lines.append(_("population: {check}: {groups} group(s) not checked ({why}){shown}").format(
            check=check, groups=len(groups), why=why, shown=shown))
    for name, table in fairness.items():
        lines.append(_("fairness by {name} ({table}; best: {value}):").format(
            name=name, table=shown_favourable(table["favourable"]), value=table["best"] or "-"))
        for g in table["groups"]:
            rate = "-" if g["rate"] is None else f"{(g['rate'] * 100).quantize(Decimal('0.1'))}%"
            ratio = "-" if g["ratio"] is None else str(g["ratio"])
            lines.append(_("  {g}: {g2} of {g3} ({rate}), ratio {ratio}").format(
                g=g["group"], g2=g["favourable"], g3=g["records"], rate=rate, ratio=ratio)
                + (_("  below 0.8") if g["flag"] else _("  too few to judge") if g.get("too_small") else ""))
    return lines


def population_json(policy_info: dict, org_predikat: dict, outcomes: list, fairness: dict, units=None,
                    unit_findings: list | None = None) -> str:
    """The outcomes of the population checks, the fairness tables and (with a units file) its findings."""
    doc = {"policy": policy_info, "org_predikat": org_predikat,
           "population": [o.as_dict() for o in outcomes], "fairness": fairness}
    if units is not None:
        doc["units"] = {"file": units.file, "findings": [f.as_dict() for f in unit_findings or []]}
    return dumps(doc, indent=2) + "\n"
