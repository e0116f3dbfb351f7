"""The HTML report of `kinerja compare`: one self-contained file (inline CSS, SVG and JS; no
network). Summary, transition heat table, distribution charts per variant and per group against
the kurva limits, fairness table, searchable list of changed employees, policy differences.
The full comparison is embedded as JSON (`#kinerja-data`); every chart bar carries its numbers in
data attributes, so tests can check the drawn figures against the data.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from ..fairness import shown_favourable
from ..i18n import N_, _, lang, num
from ..model import format_value
from ..policy_diff import describe
from .compare_out import STATUS_WORDS, _change, _errors, _fair_head, _pct, _ratio
from .results import dumps

COLOURS = {"a": "#3b6ea8", "b": "#d9822b"}
STATIC_ROWS = 500  # changed rows drawn without JS; the search re-draws from the embedded data
EMBED_ROWS = 5000  # changed (and invalid) records embedded for the search: the page stays small;
# `kinerja compare -o FILE.html` writes every changed record beside it (FILE.changed.csv)

CSS = """
:root{--a:#3b6ea8;--b:#d9822b;--ok:#2e7d32;--bad:#c62828;--muted:#666;--line:#ddd}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#222;background:#fafafa}header{background:#1f3b57;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;
font-size:20px}header p{margin:2px 0;opacity:.9}main{padding:8px 24px 40px;max-width:1200px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:8px 0}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px;background:#fcfcfc}
.card b{display:block;font-size:22px}.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f0f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.heat td.n{min-width:56px;text-align:center}.legend{color:var(--muted);font-size:12px;margin:6px 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:12px}
.panel{border:1px solid var(--line);border-radius:6px;padding:8px}.badge{display:inline-block;border-radius:10px;
padding:0 8px;font-size:12px;color:#fff;margin-left:4px}.pass{background:var(--ok)}.fail{background:var(--bad)}
.not_checked{background:#999}ul.limits{margin:4px 0 0;padding-left:18px;font-size:12px}li.bad{color:var(--bad)}
.flag{color:var(--bad);font-weight:600}input#search{padding:6px 8px;width:320px;max-width:100%;
border:1px solid #bbb;border-radius:4px;margin-bottom:8px}#changed-table td:nth-child(5){max-width:640px}
.muted{color:var(--muted)}svg text{font-size:11px;fill:#333}.panel svg text{font-size:12px}
"""

JS = """
(function(){
  var data = JSON.parse(document.getElementById('kinerja-data').textContent);
  var rows = data.changed || [], body = document.getElementById('changed-body');
  var count = document.getElementById('changed-count'), box = document.getElementById('search');
  var LIMIT = %d;
  var W = JSON.parse(document.getElementById('kinerja-words').textContent);
  function esc(s){return String(s).replace(/[&<>"]/g,function(c){
    return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
  function val(v){return v===null||v===undefined?'-':(v===true?W.yes:(v===false?W.no:String(v)));}
  function text(e){var g=e.groups||{},parts=[e.row,e.nip||''];for(var k in g){parts.push(g[k]);}
    e.differences.forEach(function(d){parts.push(d.name,val(d.a),val(d.b),d.reason);});
    return parts.join(' ').toLowerCase();}
  function diffs(e){return e.differences.map(function(d){
    var head=d.kind==='action'?(d.b?'+':'\\u2212')+d.name:d.name+': '+val(d.a)+' \\u2192 '+val(d.b);
    return '<div><b>'+esc(head)+'</b> <span class="muted">'+esc(d.reason)+'</span></div>';}).join('');}
  function row(e){var g=e.groups||{},gs=[];for(var k in g){gs.push(g[k]);}
    return '<tr data-row="'+e.row+'"><td class="n">'+e.row+'</td><td>'+esc(e.nip||'-')+'</td><td>'+
      esc(gs.join(', '))+'</td><td>'+esc(val(e.output.a))+' \\u2192 '+esc(val(e.output.b))+'</td><td>'+
      diffs(e)+'</td></tr>';}
  var index = rows.map(text);
  function apply(){
    var q=(box.value||'').trim().toLowerCase(), html=[], n=0;
    var terms=(q.match(/"[^"]+"|\\S+/g)||[]).map(function(t){return t.replace(/^"|"$/g,'');});
    for(var i=0;i<rows.length;i++){
      var ok=true;for(var t=0;t<terms.length;t++){if(index[i].indexOf(terms[t])<0){ok=false;break;}}
      if(ok){n++;if(html.length<LIMIT){html.push(row(rows[i]));}}
    }
    body.innerHTML=html.join('');
    count.textContent=W.shown.replace('{n}',n).replace('{total}',rows.length)+
      (n>LIMIT?W.drawn.replace('{limit}',LIMIT):'');
    count.setAttribute('data-matches', n);
  }
  if(box){
    box.addEventListener('input', apply);
    var m=/[#&]q=([^&]*)/.exec(location.hash);
    if(m){box.value=decodeURIComponent(m[1].replace(/\\+/g,' '));}
    apply();
  }
  document.body.setAttribute('data-js','ready');
})();
"""


HEADINGS = {"summary": N_("Summary"), "groups": N_("Per group"), "groups_kurva": N_("Per group against the kurva limits"),
            "fairness": N_("Fairness"), "changed": N_("Changed employees"),
            "search": N_("search NIP, unit, output, reason…"), "search_label": N_("search"), "row": N_("row"),
            "group": N_("group"), "differences": N_("differences"), "policy_diff": N_("Policy differences")}


def _e(value) -> str:
    return escape(format_value(value) if not isinstance(value, str) else value, quote=True)


def _cards(s: dict) -> str:
    items = [("records", _("records")), ("valid", _("valid")), ("invalid", _("invalid")), ("changed", _("changed")),
             ("outputs_changed", _("outputs changed")), ("actions_changed", _("actions changed"))]
    return '<div class="cards">' + "".join(
        f'<div class="card" data-key="{k}"><b>{s[k]}</b><span>{_e(label)}</span></div>' for k, label in items) + "</div>"


def _heat(data: dict) -> str:
    labels, t = data["labels"], data["transitions"]
    biggest = max([t[x][y] for x in labels for y in labels] or [0]) or 1
    head = "".join(f"<th>{_e(y)}</th>" for y in labels)
    rows = []
    for x in labels:
        cells = []
        for y in labels:
            n = t[x][y]
            alpha = Decimal(n) / biggest * Decimal("0.85") if n else 0
            colour = "59,110,168" if x == y else "217,130,43"
            cells.append(f'<td class="n" data-from="{_e(x)}" data-to="{_e(y)}" data-count="{n}" '
                         f'style="background:rgba({colour},{alpha:.2f})">{n}</td>')
        rows.append(f"<tr><th>{_e(x)}</th>{''.join(cells)}<td class=\"n\">{sum(t[x].values())}</td></tr>")
    totals = "".join(f'<td class="n">{sum(t[x][y] for x in labels)}</td>' for y in labels)
    total = _e(_("total"))
    return (f'<table class="heat" id="transition-table"><tr><th>A \\ B</th>{head}<th>{total}</th></tr>{"".join(rows)}'
            f'<tr><th>{total}</th>{totals}<td class="n">{data["summary"]["valid"]}</td></tr></table>'
            f'<p class="legend"><span class="sw" style="background:#3b6ea8"></span>{_e(_("same predikat"))}'
            f'<span class="sw" style="background:#d9822b"></span>{_e(_("changed"))}</p>')


def _bars(series: dict[str, dict[str, int]], labels: list[str], chart: str, scale: str = "count",
          marks: dict | None = None) -> str:
    """Horizontal grouped bars: one row per label, one bar per variant. `scale` count or pct."""
    width, left, bar, gap = (420, 130, 12, 6) if scale == "count" else (240, 120, 11, 6)
    n_series = len(series)
    row_h = n_series * bar + gap + 4
    height = row_h * len(labels) + 22
    totals = {k: sum(v.values()) for k, v in series.items()}
    biggest = max([c for v in series.values() for c in v.values()] or [0]) or 1
    total_w = left + width + 110
    out = [f'<svg class="chart" data-chart="{_e(chart)}" viewBox="0 0 {total_w} {height}" width="100%" '
           f'style="max-width:{total_w}px" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, label in enumerate(labels):
        y0 = i * row_h + 4
        out.append(f'<text x="{left - 6}" y="{y0 + n_series * bar / 2 + 4}" text-anchor="end">{_e(label)}</text>')
        for j, (variant, counts) in enumerate(series.items()):
            count = counts.get(label, 0)
            total = totals[variant]
            pct = (Decimal(count * 100) / total).quantize(Decimal("0.01")) if total else Decimal(0)
            frac = (pct / 100) if scale == "pct" else Decimal(count) / biggest
            w = (frac * width).quantize(Decimal("0.1"))
            y = y0 + j * bar
            shown = f"{count} ({pct.normalize():f}%)" if scale == "pct" else str(count)
            out.append(f'<rect class="bar" data-chart="{_e(chart)}" data-variant="{variant}" data-label="{_e(label)}" '
                       f'data-count="{count}" data-pct="{pct}" x="{left}" y="{y}" width="{w}" height="{bar - 1}" '
                       f'fill="{COLOURS[variant]}"><title>{variant.upper()} {_e(label)}: {shown}</title></rect>')
            out.append(f'<text x="{left + float(w) + 4}" y="{y + bar - 2}">{variant.upper()} {shown}</text>')
        for bound, ok in (marks or {}).get(label, []):
            x = left + float(Decimal(bound) / 100 * width)
            out.append(f'<line class="limit" data-label="{_e(label)}" data-bound="{_e(bound)}" x1="{x}" x2="{x}" '
                       f'y1="{y0 - 2}" y2="{y0 + n_series * bar + 1}" stroke="{"#2e7d32" if ok else "#c62828"}" '
                       'stroke-width="2" stroke-dasharray="3,2"/>')
    if scale == "pct":
        y = height - 6
        for p in (0, 50, 100):
            out.append(f'<text x="{left + width * p / 100}" y="{y}" text-anchor="middle" class="muted">{p}%</text>')
    out.append("</svg>")
    return "".join(out)


def _overall(data: dict) -> str:
    labels, t = data["labels"], data["transitions"]
    a = {x: sum(t[x].values()) for x in labels}
    b = {y: sum(t[x][y] for x in labels) for y in labels}
    return _bars({"a": a, "b": b}, labels, "overall")


def _limit_items(limits_a: list, limits_b: list) -> str:
    items = []
    for i, lim in enumerate(limits_a or limits_b):
        oka = limits_a[i]["ok"] if limits_a else None
        okb = limits_b[i]["ok"] if limits_b else None
        mark = " ".join(f"{side}: {'✓' if ok else '✗'} {lim_['count']} ({num(Decimal(str(lim_['pct'])))}%)"
                        for side, ok, lim_ in
                        (("A", oka, limits_a[i] if limits_a else None), ("B", okb, limits_b[i] if limits_b else None))
                        if ok is not None)
        bad = (oka is False) or (okb is False)
        items.append(f'<li class="{"bad" if bad else "ok"}" data-ok-a="{str(oka).lower()}" '
                     f'data-ok-b="{str(okb).lower()}">{_e(lim["text"])} — {_e(mark)}</li>')
    return f'<ul class="limits">{"".join(items)}</ul>' if items else ""


def _panels(data: dict) -> str:
    """One panel per group: the distribution under A and B, with the kurva limits when checked."""
    labels = data["labels"]
    out = []
    by_key: dict[tuple, dict] = {}
    for side, outcomes in data["population"].items():
        for o in outcomes:
            if o["kind"] == "distribution":
                by_key.setdefault((o["check"], o["group_by"], o["group"]), {})[side] = o
    covered, empty = set(), []
    for (check, field, group), sides in by_key.items():
        covered.add(field)
        if not any(o["valid"] for o in sides.values()):
            empty.append(f"{group} ({field})")
            continue
        oa, ob = sides.get("a"), sides.get("b")
        any_o = oa or ob
        series = {s: o["counts"] for s, o in sides.items()}
        marks: dict = {}
        for o in (oa, ob):
            for lim in (o or {}).get("limits", []):
                if "label" in lim and ("max_pct" in lim or "min_pct" in lim):
                    marks.setdefault(lim["label"], []).append((lim.get("max_pct", lim.get("min_pct")), lim["ok"]))
        badges = "".join(f'<span class="badge {o["status"]}" data-variant="{s}" data-status="{o["status"]}">'
                         f'{s.upper()}: {_e(_(STATUS_WORDS.get(o["status"], o["status"])))}</span>'
                         for s, o in sides.items())
        org = any_o.get("org_predikat")
        title = f"{_e(group)} <span class=\"muted\">({_e(field)}; predikat organisasi {_e(org or '—')})</span>"
        chart = f"{check}:{group}"
        out.append(f'<div class="panel" data-group="{_e(group)}" data-check="{_e(check)}"><h3>{title}{badges}</h3>'
                   + _bars(series, list(any_o["counts"]) or labels, chart, "pct", marks)
                   + _limit_items((oa or {}).get("limits", []), (ob or {}).get("limits", [])) + "</div>")
    for field, groups in data["groups"].items():
        if field in covered:
            continue
        for group, g in groups.items():
            if not g["valid"]:
                empty.append(f"{group} ({field})")
                continue
            out.append(f'<div class="panel" data-group="{_e(group)}" data-field="{_e(field)}">'
                       f'<h3>{_e(group)} <span class="muted">({_e(field)}; '
                       f'{_e(_("{n} valid").format(n=g["valid"]))})</span></h3>'
                       + _bars({"a": g["a"], "b": g["b"]}, labels, f"{field}:{group}", "pct") + "</div>")
    note = f'<p class="muted">{_e(_("no valid records: {groups}").format(groups=", ".join(empty)))}</p>' if empty else ""
    return (f'<div class="panels">{"".join(out)}</div>' if out else f'<p class="muted">{_e(_("no groups"))}</p>') + note


def _fairness(data: dict) -> str:
    fair = data["fairness"]
    if not fair["fields"]:
        return f'<p class="muted">{_e(_("no group fields (use --group-by)"))}</p>'
    rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in _fair_head()[:-1]) + "</tr>"]
    for name, t in fair["fields"].items():
        for g in t["groups"]:
            a, b = g["a"], g["b"]
            cls = lambda f: ' class="n flag"' if f else ' class="n"'  # noqa: E731 - tiny local formatter
            rows.append(f'<tr data-field="{_e(name)}" data-group="{_e(g["group"])}" data-ratio-a="{_e(a["ratio"])}" '
                        f'data-ratio-b="{_e(b["ratio"])}"><td>{_e(name)}</td><td>{_e(g["group"])}</td>'
                        f'<td class="n">{g["records"]}</td><td class="n">{_pct(a["rate"])}</td>'
                        f'<td{cls(a["flag"])}>{_ratio(a["ratio"])}</td><td class="n">{_pct(b["rate"])}</td>'
                        f'<td{cls(b["flag"])}>{_ratio(b["ratio"])}</td><td class="n">{_change(g["ratio_change"])}</td>'
                        "</tr>")
    legend = _("favourable: {favourable}; ratio = group rate ÷ best group rate; {flag} flagged (four-fifths rule)")
    before, _sep, after = legend.partition("{flag}")
    flag = f'<span class="flag">{_e(_("below {ratio}").format(ratio=num(Decimal("0.8"))))}</span>'
    return (f'<p class="legend">{_e(before.format(favourable=shown_favourable(fair["favourable"])))}{flag}{_e(after)}</p>'
            '<table id="fairness-table">'
            + "".join(rows) + "</table>")


def _changed_rows(data: dict) -> str:
    rows = []
    for e in data["changed"][:STATIC_ROWS]:
        diffs = "".join(
            f'<div><b>{_e((("+" if d["b"] else "−") + d["name"]) if d["kind"] == "action" else d["name"] + ": " + format_value(d["a"]) + " → " + format_value(d["b"]))}</b> '
            f'<span class="muted">{_e(d["reason"])}</span></div>' for d in e["differences"])
        groups = ", ".join(format_value(v) for v in e["groups"].values())
        rows.append(f'<tr data-row="{e["row"]}"><td class="n">{e["row"]}</td><td>{_e(e["nip"] or "-")}</td>'
                    f'<td>{_e(groups)}</td><td>{_e(e["output"]["a"])} → {_e(e["output"]["b"])}</td>'
                    f"<td>{diffs}</td></tr>")
    return "".join(rows)


def _invalid(data: dict) -> str:
    if not data["invalid"]:
        return f'<p class="muted">{_e(_("none"))}</p>'
    rows = "".join(f'<tr><td class="n">{e["row"]}</td><td>{_e(e["nip"] or "-")}</td><td>{_e(_errors(e["a"]))}</td>'
                   f'<td>{_e(_errors(e["b"]))}</td></tr>' for e in data["invalid"][:STATIC_ROWS])
    more = len(data["invalid"]) - STATIC_ROWS
    return (f'<table id="invalid-table"><tr><th>{_e(_("row"))}</th><th>NIP</th><th>A</th><th>B</th></tr>' + rows
            + "</table>" + (f'<p class="muted">{_e(_("… and {n} more (see the embedded JSON)").format(n=more))}</p>'
                            if more > 0 else ""))


def _embed(data: dict) -> str:
    # `<` never occurs in JSON outside strings, so escaping it keeps `</script>` out of the page
    capped = {k: data[k][:EMBED_ROWS] for k in ("changed", "invalid") if len(data[k]) > EMBED_ROWS}
    return dumps({**data, **capped} if capped else data).replace("<", "\\u003c")


def _capped_note(data: dict) -> str:
    total = len(data["changed"])
    if total <= EMBED_ROWS:
        return ""
    if data.get("changed_csv"):
        before, _sep, after = _("all {total} are in {file} beside this report").partition("{file}")
        where = f"{_e(before.format(total=total))}<b>{_e(data['changed_csv'])}</b>{_e(after)}"
    else:
        where = _e(_("use --format json, or -o FILE.html for a CSV of all of them"))
    head = _e(_("The search covers the first {shown} of {total}; ").format(shown=EMBED_ROWS, total=total))
    return f'<p class="muted" id="changed-capped">{head}{where}.</p>'


def render(data: dict) -> str:
    s, pa, pb = data["summary"], data["policies"]["a"], data["policies"]["b"]
    lines = describe(data["policy_diff"])
    diff = "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>" if lines else \
        f'<p class="muted">{_e(_("none"))}</p>'
    t = {key: _e(_(text)) for key, text in HEADINGS.items()}
    words = {"yes": _("yes"), "no": _("no"), "shown": _("{n} of {total} shown"), "drawn": _(" (first {limit} drawn)")}
    words_json = dumps(words).replace("<", "\\u003c")  # no `</script>` inside the data block
    groups_title = t["groups_kurva"] if data["population"] else t["groups"]
    shown = _e(_("{n} of {total} shown").format(n=s["changed"], total=s["changed"]))
    output = _e(data["by_output"])
    return f"""<!doctype html>
<html lang="{lang()}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>kinerja compare: {_e(pa['id'])} → {_e(pb['id'])}</title><style>{CSS}</style></head>
<body data-js="off"><header><h1>kinerja compare</h1>
<p>A: <b>{_e(pa['id'])}</b> {_e(pa['version'])} <span class="muted">({_e(pa['file'])})</span></p>
<p>B: <b>{_e(pb['id'])}</b> {_e(pb['version'])} <span class="muted">({_e(pb['file'])})</span></p></header><main>
<section id="summary"><h2>{t["summary"]}</h2>{_cards(s)}</section>
<section id="transitions"><h2>{_e(_("{output}: A (rows) → B (columns)").format(output=data["by_output"]))}</h2>{_heat(data)}</section>
<section id="distribution"><h2>{_e(_("{output} distribution").format(output=data["by_output"]))}</h2>
<p class="legend"><span class="sw" style="background:#3b6ea8"></span>A<span class="sw" style="background:#d9822b">
</span>B</p>{_overall(data)}</section>
<section id="groups"><h2>{groups_title}</h2>{_panels(data)}</section>
<section id="fairness"><h2>{t["fairness"]}</h2>{_fairness(data)}</section>
<section id="changed"><h2>{t["changed"]}</h2>
<input id="search" type="search" placeholder="{t["search"]}" aria-label="{t["search_label"]}">
<p id="changed-count" class="muted" data-matches="{s['changed']}">{shown}</p>
<table id="changed-table"><thead><tr><th>{t["row"]}</th><th>NIP</th><th>{t["group"]}</th><th>{output}</th>
<th>{t["differences"]}</th></tr></thead><tbody id="changed-body">{_changed_rows(data)}</tbody></table>{_capped_note(data)}</section>
<section id="invalid"><h2>{_e(_("Invalid records ({n})").format(n=s["invalid"]))}</h2>{_invalid(data)}</section>
<section id="policy-diff"><h2>{t["policy_diff"]}</h2>{diff}</section>
</main>
<script type="application/json" id="kinerja-data">{_embed(data)}</script>
<script type="application/json" id="kinerja-words">{words_json}</script>
<script>{JS % STATIC_ROWS}</script>
</body></html>
"""
