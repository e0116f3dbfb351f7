"""The HTML report of `kinerja compare`, for a decision meeting: one self-contained file (inline
CSS, SVG and JS; no network), rendered from Jinja2 templates with autoescaping
(engine/report/templates/). First what the variant does to actions (who gains, who loses, by
name), then predikat transitions with a chart, then groups against the kurva, fairness, the
searchable list of changed employees and the policy differences. Headings in Indonesian, or
English with lang="en". The comparison is embedded as JSON (`#kinerja-data`, the changed list
capped at EMBED_ROWS: `compare -o FILE.html` writes the full list as a CSV beside it); every chart bar
carries its numbers in data attributes, so tests can check the drawing against the data.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kinerja.compare.policy_diff import describe
from kinerja.i18n import N_, in_every_language
from kinerja.report.compare_cells import change, errors_text, pct, ratio
from kinerja.report.results import dumps
from kinerja.values import format_value

COLOURS = {"a": "#3b6ea8", "b": "#d9822b"}
STATIC_ROWS = 500  # changed rows drawn without JS; the search re-draws from the embedded data
EMBED_ROWS = 5000  # changed (and invalid) records embedded for the search: the page stays small;
# `kinerja compare -o FILE.html` writes every changed record beside it (FILE.changed.csv)
NAMES_SHOWN = 30  # per action and direction, in the actions section

# The page's words, in English; each is translated from the catalogue where the page is built.
_TEXTS_EN = {
    'title': N_('kinerja compare: what the policy change does'),
    'summary': N_('Summary'),
    'cards': [N_('records'), N_('valid'), N_('invalid'), N_('records changed'), N_('outputs changed'),
              N_('actions changed')],
    'big_list': N_('{n} employees changed; this page holds the first {shown}. The full list:'),
    'capped': N_('The search covers the first {shown} of {n}; all {n} are in <b>{csv}</b> beside this report.'),
    'capped_no_csv': N_('The search covers the first {shown} of {n}; use --format json, or -o FILE.html for a CSV of '
                        'all of them.'),
    'actions': N_('Actions that change'),
    'gain': N_('gain'),
    'lose': N_('lose'),
    'changed_params': N_('change in detail'),
    'people': N_('employees'),
    'who_gain': N_('Who gains'),
    'who_lose': N_('Who loses'),
    'and_more': N_('… and {n} more'),
    'no_actions': N_('No action changes.'),
    'transitions': N_('{output}: A (rows) → B (columns)'),
    'total': N_('total'),
    'same': N_('same'),
    'moved': N_('moved'),
    'distribution': N_('{output} distribution'),
    'groups': N_('Per group'),
    'against_kurva': N_('against the kurva limits'),
    'no_groups': N_('no groups'),
    'no_valid': N_('no valid records'),
    'fairness': N_('Fairness (four-fifths rule)'),
    'favourable': N_('favourable'),
    'ratio_legend': N_('ratio = group rate ÷ best group rate;'),
    'below': N_('below 0.8 flagged'),
    'fair_head': [N_('field'), N_('group'), N_('records'), N_('rate A'), N_('ratio A'), N_('rate B'), N_('ratio B'),
                  N_('change')],
    'no_fairness': N_('no group fields (use --group-by)'),
    'changed': N_('Changed employees'),
    'search': N_('search NIP, name, unit, output, reason…'),
    'of': N_('of'),
    'shown': N_('shown'),
    'first': N_('drawn:'),
    'row': N_('row'),
    'name': N_('name'),
    'group': N_('group'),
    'differences': N_('differences'),
    'invalid': N_('Invalid records'),
    'none': N_('none'),
    'policy_diff': N_('Policy differences'),
    'yes': N_('yes'),
    'no': N_('no'),
    'org': N_('organisation predikat'),
    'valid': N_('valid'),
    'status': {
        'pass': N_('pass'),
        'fail': N_('fail'),
        'not_checked': N_('not checked'),
        'action': N_('action'),
    },
}


TEXTS = in_every_language(_TEXTS_EN)


CARD_KEYS = ["records", "valid", "invalid", "changed", "outputs_changed", "actions_changed"]


def _template(name: str):
    path = resources.files("kinerja.report") / "templates" / name
    text = path.read_text(encoding="utf-8")
    return text, None, lambda: True


ENV = Environment(loader=FunctionLoader(_template), autoescape=select_autoescape(["j2", "html"], default=True),
                  undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)


def bars(series: dict[str, dict[str, int]], labels: list[str], chart: str, scale: str = "count",
         marks: dict | None = None) -> dict:
    """Geometry of horizontal grouped bars (one row per label, one bar per variant) for the
    `bars` macro. `scale`: count (longest bar = the biggest count) or pct (of each variant's total)."""
    width, left, bar, gap = (420, 130, 12, 6) if scale == "count" else (240, 120, 11, 6)
    n_series = len(series)
    row_h = n_series * bar + gap + 4
    height = row_h * len(labels) + 22
    totals = {k: sum(v.values()) for k, v in series.items()}
    biggest = max([c for v in series.values() for c in v.values()] or [0]) or 1
    rows = []
    for i, label in enumerate(labels):
        y0 = i * row_h + 4
        row: dict[str, Any] = {"label": format_value(label), "label_x": left - 6,
                               "label_y": y0 + n_series * bar / 2 + 4, "bars": [], "marks": []}
        for j, (variant, counts) in enumerate(series.items()):
            count = counts.get(label, 0)
            total = totals[variant]
            pct = (Decimal(count * 100) / total).quantize(Decimal("0.01")) if total else Decimal(0)
            frac = (pct / 100) if scale == "pct" else Decimal(count) / biggest
            w = (frac * width).quantize(Decimal("0.1"))
            y = y0 + j * bar
            row["bars"].append({"variant": variant, "count": count, "pct": pct, "x": left, "y": y, "w": w,
                                "h": bar - 1, "colour": COLOURS[variant],
                                "shown": f"{count} ({pct.normalize():f}%)" if scale == "pct" else str(count),
                                "text_x": left + float(w) + 4, "text_y": y + bar - 2})
        for bound, ok in (marks or {}).get(label, []):
            row["marks"].append({"bound": format_value(bound), "x": left + float(Decimal(bound) / 100 * width),
                                 "y1": y0 - 2, "y2": y0 + n_series * bar + 1, "colour": "#2e7d32" if ok else "#c62828"})
        rows.append(row)
    ticks = [{"x": left + width * p / 100, "y": height - 6, "text": f"{p}%"} for p in (0, 50, 100)] \
        if scale == "pct" else []
    return {"chart": chart, "width": left + width + 110, "height": height, "rows": rows, "ticks": ticks}


def _heat(data: dict) -> tuple[list[dict], list[int]]:
    labels, t = data["labels"], data["transitions"]
    biggest = max([t[x][y] for x in labels for y in labels] or [0]) or 1
    rows = []
    for x in labels:
        cells = []
        for y in labels:
            n = t[x][y]
            alpha = Decimal(n) / biggest * Decimal("0.85") if n else 0
            cells.append({"to": y, "n": n, "alpha": f"{alpha:.2f}", "colour": "59,110,168" if x == y else "217,130,43"})
        rows.append({"label": x, "cells": cells, "total": sum(t[x].values())})
    return rows, [sum(t[x][y] for x in labels) for y in labels]


def _actions(data: dict) -> list[dict]:
    """Per action that changes: counts under A and B, who gains and who loses (names first)."""
    people: dict[str, dict[str, list]] = {}
    for e in data["changed"]:
        group = ", ".join(format_value(v) for v in e["groups"].values())
        for d in e["differences"]:
            if d["kind"] == "action" and d["a"] != d["b"]:
                side = "gain" if d["b"] else "lose"
                people.setdefault(d["name"], {"gain": [], "lose": []})[side].append(
                    {"row": e["row"], "nip": e["nip"], "name": e.get("name"), "group": group})
    out = []
    labels = data.get("action_labels") or {}
    for aid, t in data["actions"].items():
        if not (t["gained"] or t["lost"] or t["changed"]):
            continue
        who = people.get(aid, {"gain": [], "lose": []})
        out.append({"id": aid, "label": labels.get(aid, aid), "a": t["a"], "b": t["b"], "gained": t["gained"],
                    "lost": t["lost"], "changed": t["changed"],
                    "gainers": who["gain"][:NAMES_SHOWN],
                    "more_gainers": t["gained"] - min(len(who["gain"]), NAMES_SHOWN),
                    "losers": who["lose"][:NAMES_SHOWN], "more_losers": t["lost"] - min(len(who["lose"]), NAMES_SHOWN)})
    return sorted(out, key=lambda x: -(x["gained"] + x["lost"]))


def _limits(limits_a: list, limits_b: list) -> list[dict]:
    items = []
    for i, lim in enumerate(limits_a or limits_b):
        oka = limits_a[i]["ok"] if limits_a else None
        okb = limits_b[i]["ok"] if limits_b else None
        mark = " ".join(f"{side}: {'✓' if ok else '✗'} {one['count']} ({one['pct']}%)" for side, ok, one in
                        (("A", oka, limits_a[i] if limits_a else {}), ("B", okb, limits_b[i] if limits_b else {}))
                        if ok is not None)
        items.append({"text": lim["text"], "mark": mark, "bad": (oka is False) or (okb is False),
                      "ok_a": str(oka).lower(), "ok_b": str(okb).lower()})
    return items


def _panels(data: dict, t: dict) -> tuple[list[dict], list[str]]:
    """One panel per group: the distribution under A and B, with the kurva limits when checked."""
    labels = data["labels"]
    out, empty, covered = [], [], set()
    by_key: dict[tuple, dict] = {}
    for side, outcomes in data["population"].items():
        for o in outcomes:
            if o["kind"] == "distribution":
                by_key.setdefault((o["check"], o["group_by"], o["group"]), {})[side] = o
    for (check, field, group), sides in by_key.items():
        covered.add(field)
        if not any(o["valid"] for o in sides.values()):
            empty.append(f"{group} ({field})")
            continue
        oa, ob = sides.get("a"), sides.get("b")
        any_o: dict = oa or ob or {}  # a check outcome of at least one side
        marks: dict = {}
        for o in (oa, ob):
            for lim in (o or {}).get("limits", []):
                if "label" in lim and ("max_pct" in lim or "min_pct" in lim):
                    marks.setdefault(lim["label"], []).append((lim.get("max_pct", lim.get("min_pct")), lim["ok"]))
        out.append({"group": group, "check": check, "field": field,
                    "subtitle": f"{t['org']} {any_o.get('org_predikat') or '—'}",
                    "badges": [{"side": s, "status": o["status"]} for s, o in sides.items()],
                    "chart": bars({s: o["counts"] for s, o in sides.items()}, list(any_o["counts"]) or labels,
                                  f"{check}:{group}", "pct", marks),
                    "limits": _limits((oa or {}).get("limits", []), (ob or {}).get("limits", []))})
    for field, groups in data["groups"].items():
        if field in covered:
            continue
        for group, g in groups.items():
            if not g["valid"]:
                empty.append(f"{group} ({field})")
                continue
            out.append({"group": group, "check": None, "field": field, "subtitle": f"{g['valid']} {t['valid']}",
                        "badges": [], "limits": [],
                        "chart": bars({"a": g["a"], "b": g["b"]}, labels, f"{field}:{group}", "pct")})
    return out, empty


def _fairness(data: dict) -> list[dict]:
    rows = []
    for name, table in data["fairness"]["fields"].items():
        for g in table["groups"]:
            a, b = g["a"], g["b"]
            rows.append({"field": name, "group": g["group"], "records": g["records"],
                         "ratio_a_raw": format_value(a["ratio"]), "ratio_b_raw": format_value(b["ratio"]),
                         "rate_a": pct(a["rate"]), "ratio_a": ratio(a["ratio"]), "flag_a": a["flag"],
                         "rate_b": pct(b["rate"]), "ratio_b": ratio(b["ratio"]), "flag_b": b["flag"],
                         "change": change(g["ratio_change"])})
    return rows


def _diff_head(d: dict, t: dict) -> str:
    if d["kind"] == "action":
        return ("+" if d["b"] else "−") + d["name"]
    return f"{d['name']}: {_v(d['a'], t)} → {_v(d['b'], t)}"


def _v(value, t: dict) -> str:
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    return format_value(value)


def _changed(data: dict, t: dict) -> list[dict]:
    return [{"row": e["row"], "nip": e["nip"], "name": e.get("name"),
             "groups": ", ".join(format_value(v) for v in e["groups"].values()),
             "a": format_value(e["output"]["a"]), "b": format_value(e["output"]["b"]),
             "diffs": [{"head": _diff_head(d, t), "reason": d["reason"]} for d in e["differences"]]}
            for e in data["changed"][:STATIC_ROWS]]


def _embed(data: dict) -> str:
    # `<` never occurs in JSON outside strings, so escaping it keeps `</script>` out of the page
    return dumps(data).replace("<", "\\u003c")


def render(data: dict, lang: str = "id") -> str:
    t = TEXTS[lang]
    s = data["summary"]
    embedded = {**data, "changed": list(data["changed"][:EMBED_ROWS]), "invalid": list(data["invalid"][:EMBED_ROWS])}
    total, csv_name = len(data["changed"]), data.get("changed_csv")
    capped = None
    if total > EMBED_ROWS:  # Markup: the template's own text around an escaped file name
        capped = Markup(t["capped"]).format(shown=EMBED_ROWS, n=total, csv=csv_name) if csv_name else \
            t["capped_no_csv"].format(shown=EMBED_ROWS, n=total)
    heat, heat_totals = _heat(data)
    labels, tr = data["labels"], data["transitions"]
    overall = bars({"a": {x: sum(tr[x].values()) for x in labels}, "b": {y: sum(tr[x][y] for x in labels)
                                                                       for y in labels}}, labels, "overall")
    panels, empty = _panels(data, t)
    js_texts = {"yes": t["yes"], "no": t["no"], "of": t["of"], "shown": t["shown"], "first": t["first"],
                "limit": STATIC_ROWS}
    return ENV.get_template("compare.html.j2").render(
        lang=lang, t=t, a=data["policies"]["a"], b=data["policies"]["b"], s=s,
        cards=list(zip(CARD_KEYS, t["cards"])), csv_name=csv_name if capped else None, capped=capped,
        embedded_changed=len(embedded["changed"]), actions=_actions(data), by_output=data["by_output"],
        labels=labels, heat=heat, heat_totals=heat_totals, overall=overall, kurva=bool(data["population"]),
        panels=panels, empty_groups=empty, fairness=_fairness(data), favourable=data["fairness"]["favourable"],
        changed=_changed(data, t),
        invalid=[{"row": e["row"], "nip": e["nip"], "a": errors_text(e["a"]), "b": errors_text(e["b"])}
                 for e in data["invalid"][:STATIC_ROWS]],
        invalid_more=len(data["invalid"]) - STATIC_ROWS, diff=describe(data["policy_diff"]),
        embedded=_embed(embedded), js_texts=dumps(js_texts).replace("<", "\\u003c"))
