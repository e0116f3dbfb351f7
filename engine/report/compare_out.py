"""Reporters for `kinerja compare`: text (for a terminal), json (everything), markdown (sized for
a pull-request comment) and html (html.py), in one registry, `COMPARE_FORMATS`. Each takes the
plain-data comparison."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from kinerja.compare.policy_diff import describe
from kinerja.evaluate.fairness import shown_favourable
from kinerja.i18n import N_, _, num
from kinerja.report import html
from kinerja.report.compare_cells import change, errors_text, pct, ratio
from kinerja.report.results import dump_chunks, inert
from kinerja.values import format_value

MARKDOWN_CHANGED_CAP = 50
TEXT_CHANGED_CAP = 200


def _v(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return format_value(value)


def _grid(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
            .rstrip() for r in rows]


def _policy_line(side: str, p: dict) -> str:
    return f"{side}: {p['id']} {p['version']} ({p['file']})"


def _summary_line(s: dict) -> str:
    return _("records: {records}, valid: {valid}, invalid: {invalid}, changed: {changed} "
             "(outputs {outputs}, actions {actions})").format(
        records=s["records"], valid=s["valid"], invalid=s["invalid"], changed=s["changed"],
        outputs=s["outputs_changed"], actions=s["actions_changed"])


def _matrix(data: dict) -> list[list[str]]:
    labels = data["labels"]
    used = [x for x in labels if sum(data["transitions"][x].values()) or
            sum(data["transitions"][y][x] for y in labels)] or labels
    total = _("total")
    rows = [["A \\ B"] + used + [total]]
    for x in used:
        row = data["transitions"][x]
        rows.append([x] + [str(row[y]) for y in used] + [str(sum(row.values()))])
    rows.append([total] + [str(sum(data["transitions"][x][y] for x in labels)) for y in used]
                + [str(data["summary"]["valid"])])
    return rows


def _fair_head() -> list[str]:
    return [_("field"), _("group"), _("records"), _("rate A"), _("ratio A"), _("rate B"), _("ratio B"),
            _("change"), _("flag")]


def _fair_rows(fair: dict) -> list[list[str]]:
    rows = [_fair_head()]
    for name, t in fair["fields"].items():
        for g in t["groups"]:
            a, b = g["a"], g["b"]
            flag = ("A" if a["flag"] else "") + ("B" if b["flag"] else "")
            note = _("< {ratio} in {sides}").format(ratio=num(Decimal("0.8")), sides=flag) if flag else (
                _("too few to judge") if a.get("too_small") else "")
            rows.append([name, str(g["group"]), str(g["records"]), pct(a["rate"]), ratio(a["ratio"]),
                         pct(b["rate"]), ratio(b["ratio"]), change(g["ratio_change"]), note])
    return rows


def _action_head() -> list[str]:
    return [_("action"), "A", "B", _("gained"), _("lost"), _("changed")]


def render_text(data: dict) -> str:
    s = data["summary"]
    out = ["kinerja compare", "  " + _policy_line("A", data["policies"]["a"]),
           "  " + _policy_line("B", data["policies"]["b"]), "", _summary_line(s)]
    if s["outputs_only_a"] or s["outputs_only_b"]:
        out.append(_("outputs only in A: {a}; only in B: {b}").format(a=", ".join(s["outputs_only_a"]) or "-",
                                                                      b=", ".join(s["outputs_only_b"]) or "-"))
    out += ["", _("{output} transitions (rows: A, columns: B):").format(output=data["by_output"])]
    out += _grid(_matrix(data))
    if data["actions"]:
        out += ["", _("actions:")]
        rows = [_action_head()]
        rows += [[k, *(str(v[c]) for c in ("a", "b", "gained", "lost", "changed"))] for k, v in data["actions"].items()]
        out += _grid(rows)
    changed = data["changed"]
    if changed:
        out += ["", _("changed records ({n}):").format(n=len(changed))]
        for entry in changed[:TEXT_CHANGED_CAP]:
            name = f" ({entry['name']})" if entry.get("name") else ""
            out.append("  " + _("row {row}, nip {nip}").format(row=entry["row"], nip=entry["nip"] or "-") + name)
            for d in entry["differences"]:
                sign = ("+" if d["b"] else "-") if d["kind"] == "action" else ""
                what = f"{sign}{d['name']}" if d["kind"] == "action" else f"{d['name']}: {_v(d['a'])} → {_v(d['b'])}"
                out.append(f"    {what}: {d['reason']}")
        if len(changed) > TEXT_CHANGED_CAP:
            out.append("  " + _("… and {n} more (use --format json for all)").format(n=len(changed) - TEXT_CHANGED_CAP))
    if data["invalid"]:
        out += ["", _("invalid records ({n}):").format(n=len(data["invalid"]))]
        for e in data["invalid"][:TEXT_CHANGED_CAP]:
            out.append("  " + _("row {row}, nip {nip}").format(row=e["row"], nip=e["nip"] or "-")
                       + f": A: {errors_text(e['a'])}; B: {errors_text(e['b'])}")
    for name, groups in data["groups"].items():
        out += ["", _("by {field}:").format(field=name)]
        rows = [[name, _("records"), _("valid"), _("invalid"), _("changed")]]
        rows += [[str(k), *(str(g[c]) for c in ("records", "valid", "invalid", "changed"))] for k, g in groups.items()]
        out += _grid(rows)
    if data["fairness"]["fields"]:
        out += ["", _("fairness (favourable: {favourable}; ratio to the best group, below {ratio} flagged):").format(
            favourable=shown_favourable(data["fairness"]["favourable"]), ratio=num(Decimal("0.8")))]
        out += _grid(_fair_rows(data["fairness"]))
    for side, outcomes in data["population"].items():
        shown = [o for o in outcomes if o["status"] != "pass"] or outcomes
        if shown:
            out += ["", _("population checks, {side}:").format(side=side.upper())]
            out += [f"  {_(STATUS_WORDS.get(o['status'], o['status']))}: {o['message']}" for o in shown]
    lines = describe(data["policy_diff"])
    out += ["", _("policy differences:") if lines else _("policy differences: none")] + [f"  {x}" for x in lines]
    return "\n".join(out) + "\n"


STATUS_WORDS = {"pass": N_("pass"), "fail": N_("fail"), "not_checked": N_("not_checked")}  # as JSON says them


_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>!~&])")  # `|` is escaped by _md_row


def _md_text(text: str) -> str:
    """Record text as inert Markdown: no link, image, HTML, emphasis or code span can open, and
    no `@name` becomes a mention (a zero-width space after `@`) in a pull-request comment."""
    return _MD_ACTIVE.sub(r"\\\1", str(text)).replace("@", "@\u200b")


def _md_row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def _md_table(rows: list[list[str]], left: int = 1) -> list[str]:
    align = ["---"] * left + ["---:"] * (len(rows[0]) - left)
    return [_md_row(rows[0]), _md_row(align)] + [_md_row(r) for r in rows[1:]]


def _more(n: int) -> str:
    return "\n" + _("… and {n} more").format(n=n)


def render_markdown(data: dict, cap: int = MARKDOWN_CHANGED_CAP) -> str:
    s, pa, pb = data["summary"], data["policies"]["a"], data["policies"]["b"]
    out = [f"### kinerja compare: `{pa['id']}` {pa['version']} → `{pb['id']}` {pb['version']}", "",
           _("**{changed}** of {valid} valid records change ({outputs} in outputs, {actions} in actions); "
             "{records} records, {invalid} invalid.").format(
               changed=s["changed"], valid=s["valid"], outputs=s["outputs_changed"], actions=s["actions_changed"],
               records=s["records"], invalid=s["invalid"]), ""]
    out += ["#### " + _("{output} (rows: A, columns: B)").format(output=data["by_output"]), ""]
    out += _md_table(_matrix(data)) + [""]
    moved = {k: v for k, v in data["actions"].items() if v["gained"] or v["lost"] or v["changed"]}
    if moved:
        rows = [_action_head()]
        rows += [[f"`{k}`", *(str(v[c]) for c in ("a", "b", "gained", "lost", "changed"))] for k, v in moved.items()]
        out += ["#### " + _("Actions"), ""] + _md_table(rows) + [""]
    if data["changed"]:
        out += ["#### " + _("Changed records ({n})").format(n=len(data["changed"])), ""]
        rows = [[_("row"), "NIP", data["by_output"], _("differences")]]
        for e in data["changed"][:cap]:
            diffs = "; ".join((f"{'+' if d['b'] else '−'}`{d['name']}`" if d["kind"] == "action"
                               else f"`{d['name']}` {_md_text(_v(d['a']))} → {_md_text(_v(d['b']))}")
                              + f" ({_md_text(d['reason'])})" for d in e["differences"])
            nip = _md_text(e["nip"] or "-")
            rows.append([str(e["row"]), f"{nip} {_md_text(e['name'])}" if e.get("name") else nip,
                         _md_text(f"{_v(e['output']['a'])} → {_v(e['output']['b'])}"), diffs])
        out += _md_table(rows, left=4)
        if len(data["changed"]) > cap:
            out.append(_more(len(data["changed"]) - cap))
        out.append("")
    if data["invalid"]:
        out += ["#### " + _("Invalid records ({n})").format(n=len(data["invalid"])), ""]
        rows = [[_("row"), "NIP", "A", "B"]]
        rows += [[str(e["row"]), _md_text(e["nip"] or "-"), _md_text(errors_text(e["a"])),
                  _md_text(errors_text(e["b"]))]
                 for e in data["invalid"][:cap]]
        out += _md_table(rows, left=4)
        if len(data["invalid"]) > cap:
            out.append(_more(len(data["invalid"]) - cap))
        out.append("")
    fair = _fair_rows(data["fairness"])
    flagged = [r for r in fair[1:] if r[-1] or r[-2] not in ("-", ratio(Decimal(0)))]
    if flagged:
        out += ["#### " + _("Fairness ({favourable}; groups flagged or changed)").format(
            favourable=shown_favourable(data["fairness"]["favourable"])), ""]
        out += _md_table([fair[0]] + flagged[:cap], left=2)
        out += [_more(len(flagged) - cap) if len(flagged) > cap else "", ""]
    fails = [(side, o) for side, os in data["population"].items() for o in os if o["status"] == "fail"]
    if fails:
        out += ["#### " + _("Population checks not met"), ""]
        out += [f"- {side.upper()}: {o['message']}" for side, o in fails]
        out.append("")
    lines = describe(data["policy_diff"])
    out += ["#### " + _("Policy differences"), ""] + ([f"- {x}" for x in lines] or [_("none")])
    return "\n".join(out) + "\n"


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False


def write_changed_csv(data: dict, stream) -> None:
    """Every changed record as CSV (row, NIP, groups, the by-output before and after, the
    differences with their reasons), streamed from the comparison's list."""
    groups = list(data["groups"])
    out = csv.writer(stream, lineterminator="\n")
    out.writerow(["row", "nip", *groups, f"{data['by_output']} A", f"{data['by_output']} B", "differences"])
    for e in data["changed"]:
        diffs = "; ".join((f"{'+' if d['b'] else '-'}{d['name']}" if d["kind"] == "action"
                           else f"{d['name']}: {_v(d['a'])} → {_v(d['b'])}") + f" ({d['reason']})"
                          for d in e["differences"])
        cells = [e["nip"] or "", *(_v(e["groups"].get(g)) for g in groups), _v(e["output"]["a"]),
                 _v(e["output"]["b"]), diffs]
        out.writerow([e["row"], *(c if _is_number(c) else inert(c) for c in cells)])  # text never runs as a formula


def changed_beside(data: dict, output: str, fmt: CompareFormat) -> Path | None:
    """A report whose format holds a bounded part of the changed list (html) gets the whole list
    as CSV beside its file (NAME.changed.csv), named in `data["changed_csv"]`; OSError if unwritable."""
    if fmt.full_list_beside is None or len(data["changed"]) <= fmt.full_list_beside():
        return None
    path = Path(output).with_suffix(".changed.csv")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_changed_csv(data, fh)
    data["changed_csv"] = path.name
    return path


def _write_json(data: dict, stream: IO[str], lang: str) -> None:
    # piece by piece: every changed and invalid record is in it
    for chunk in dump_chunks(data, indent=2):
        stream.write(chunk)
    stream.write("\n")


def _write_text(data: dict, stream: IO[str], lang: str) -> None:
    stream.write(render_text(data))


def _write_markdown(data: dict, stream: IO[str], lang: str) -> None:
    stream.write(render_markdown(data))


def _write_html(data: dict, stream: IO[str], lang: str) -> None:
    # a document for the decision meeting: in the document language (Indonesian unless --lang en)
    stream.write(html.render(data, lang))


CompareWriter = Callable[[dict, IO[str], str], None]  # (the comparison, the stream, the document language)


@dataclass(frozen=True)
class CompareFormat:
    """One format of `kinerja compare`: how it writes, and whether it holds only part of the
    changed list (then `changed_beside` writes the rest next to the report's file)."""

    write: CompareWriter
    full_list_beside: Callable[[], int] | None = None  # how many rows the report itself holds


COMPARE_FORMATS: dict[str, CompareFormat] = {
    "text": CompareFormat(_write_text),
    "json": CompareFormat(_write_json),
    "markdown": CompareFormat(_write_markdown),
    "html": CompareFormat(_write_html, full_list_beside=lambda: html.EMBED_ROWS),
}


def write_report(data: dict, fmt: str, stream: IO[str], lang: str = "id") -> None:
    """Write the comparison in the named format (text and markdown follow the message language;
    `lang` is the document language, used by html)."""
    COMPARE_FORMATS[fmt].write(data, stream, lang)
