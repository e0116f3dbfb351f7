// kinerja studio: the browser side. Every value from the server is written with textContent.
(function () {
  "use strict";
  var T = {
    id: {language: "Bahasa", policies: "Kebijakan", records: "Data pegawai", drop: "Tarik berkas data ke sini atau pilih di bawah",
      pick: "Pilih kebijakan di sebelah kiri.", tab_read: "Pedoman", tab_edit: "Ubah", tab_try: "Coba", tab_impact: "Dampak",
      discard: "Batalkan perubahan", undo: "Urungkan simpan terakhir", save: "Simpan", params: "Parameter",
      bands: "Rentang nilai", weights: "Bobot kartu skor", tables: "Tabel keputusan", rules: "Tindak lanjut",
      label: "Kategori", min: "Mulai dari (≥)", max: "Sampai (≤)", below: "Di bawah (<)", rule_label: "Nama tindak lanjut",
      reason: "Alasan", when: "Syarat", column: "kolom", unsaved: "perubahan belum disimpan", no_changes: "Tidak ada perubahan.",
      errors: "temuan harus diperbaiki sebelum menyimpan", saved: "Tersimpan. Simpan ini bisa diurungkan.", undone: "Versi sebelumnya dipulihkan.",
      no_records: "Pilih data pegawai di sebelah kiri.", employees: "pegawai", invalid: "tidak dapat dinilai",
      row: "No", nip: "NIP", name: "Nama", predikat: "Predikat", actions: "Tindak lanjut", status: "Status",
      changed_people: "Pegawai yang berubah", changed_of: "{n} dari {m} pegawai berubah bila perubahan ini disimpan.",
      nothing_changes: "Tidak ada pegawai yang berubah.", unit: "Unit kerja", what: "Apa yang berubah",
      fix_first: "Perbaiki temuan dulu untuk melihat hasil.", handbook_errors: "Pedoman ditampilkan setelah temuan diperbaiki.",
      from_to: "Predikat sekarang → sesudah perubahan", click_row: "Klik satu baris untuk melihat penjelasannya.", total: "jumlah",
      action: "Tindak lanjut", before: "Sekarang", after: "Sesudah", gained: "Bertambah", lost: "Berkurang",
      fairness: "Keadilan antar unit ({fav}): rasio tiap unit terhadap unit terbaik; di bawah 0,8 ditandai merah.",
      fairness_same: "Tidak ada rasio yang berubah."},
    en: {language: "Language", policies: "Policies", records: "Employee data", drop: "Drop a data file here or choose one below",
      pick: "Choose a policy on the left.", tab_read: "Handbook", tab_edit: "Edit", tab_try: "Try", tab_impact: "Impact",
      discard: "Discard changes", undo: "Undo last save", save: "Save", params: "Parameters",
      bands: "Bands", weights: "Scorecard weights", tables: "Decision tables", rules: "Actions",
      label: "Category", min: "From (≥)", max: "To (≤)", below: "Below (<)", rule_label: "Action name",
      reason: "Reason", when: "Conditions", column: "column", unsaved: "unsaved change(s)", no_changes: "No changes.",
      errors: "finding(s) to fix before saving", saved: "Saved. This save can be undone.", undone: "The previous version is back.",
      no_records: "Choose employee data on the left.", employees: "employees", invalid: "could not be appraised",
      row: "No", nip: "NIP", name: "Name", predikat: "Predikat", actions: "Actions", status: "Status",
      changed_people: "Employees who change", changed_of: "{n} of {m} employees change if this edit is saved.",
      nothing_changes: "Nobody changes.", unit: "Unit", what: "What changes",
      fix_first: "Fix the findings first to see results.", handbook_errors: "The handbook is shown once the findings are fixed.",
      from_to: "Predikat now → after the change", click_row: "Click a row to see its explanation.", total: "total",
      action: "Action", before: "Now", after: "After", gained: "Gained", lost: "Lost",
      fairness: "Fairness between units ({fav}): each unit's rate against the best unit's; below 0.8 is marked red.",
      fairness_same: "No ratio changes."}
  };
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var lang = "id", state = {files: null, policy: null, edits: {}, findings: [], tab: "read"}, timer = null, seq = 0;
  if (location.search) { history.replaceState(null, "", location.pathname); }  // the token stays in the cookie

  function t(key) { return T[lang][key] || key; }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "cls") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }
  function api(method, url, body, raw) {
    var headers = {"X-CSRF-Token": csrf};
    if (!raw) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {method: method, headers: Object.assign(headers, raw ? raw.headers : {}), credentials: "same-origin",
      body: raw ? raw.body : (body === undefined ? undefined : JSON.stringify(body))}).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { throw new Error(data.error || r.statusText); } return data; });
    });
  }
  function say(text, bad) { var s = $("status"); s.textContent = text; s.className = bad ? "loss" : ""; }
  function translate() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (n) { n.textContent = t(n.getAttribute("data-t")); });
  }
  function edits() { return Object.keys(state.edits).map(function (k) { return {path: state.edits[k].path, value: state.edits[k].value}; }); }
  function records() { return $("records").value; }

  function loadFiles(select) {
    return api("GET", "/api/files").then(function (files) {
      state.files = files;
      $("folder").textContent = files.folder;
      var list = clear($("policies"));
      files.policies.forEach(function (p) {
        var li = el("li", {"data-path": p.path}, [p.name || p.path, el("small", {text: p.path + (p.errors ? " · " + p.errors + " ✗" : "")})]);
        li.addEventListener("click", function () { openPolicy(p.path); });
        if (state.policy && state.policy.path === p.path) { li.className = "active"; }
        list.appendChild(li);
      });
      var sel = $("records"), keep = select || sel.value;
      var uploads = Array.prototype.filter.call(sel.options, function (o) { return o.value.indexOf("upload:") === 0; });
      clear(sel).appendChild(el("option", {value: "", text: "—"}));
      files.records.forEach(function (r) { sel.appendChild(el("option", {value: r, text: r})); });
      uploads.forEach(function (o) { sel.appendChild(o); });
      sel.value = keep || (files.records[0] || "");
    });
  }

  function openPolicy(path) {
    return api("GET", "/api/policy?path=" + encodeURIComponent(path)).then(function (p) {
      state.policy = p; state.edits = {}; state.findings = p.findings;
      $("empty").hidden = true; $("work").hidden = false; $("bar").hidden = false;
      $("title").textContent = path;
      Array.prototype.forEach.call(document.querySelectorAll("#policies li"), function (li) {
        li.className = li.getAttribute("data-path") === path ? "active" : "";
      });
      renderEditor(); showFindings(p.findings); refreshHandbook(); updateBar();
      if (state.tab === "try") { runTry(); } else if (state.tab === "impact") { runImpact(); }
    }).catch(function (e) { say(e.message, true); });
  }

  function refreshHandbook() {
    var frame = $("handbook"), errors = state.findings.some(function (f) { return f.severity === "error"; });
    $("handbook-note").textContent = errors ? t("handbook_errors") : "";
    if (errors) { frame.removeAttribute("src"); return; }
    frame.src = "/api/handbook?path=" + encodeURIComponent(state.policy.path) + "&lang=" + lang +
      "&edits=" + encodeURIComponent(JSON.stringify(edits()));
  }

  // --- the editor ------------------------------------------------------------------------------
  function input(item, kind) {
    if (!item) { return el("span", {cls: "muted", text: "—"}); }
    var key = JSON.stringify(item.path);
    var box = el("input", {cls: "v" + (kind ? " " + kind : ""), "data-path": key, "data-line": item.line,
      "data-column": item.column, "aria-label": item.path.join(" / ")});
    box.value = state.edits[key] ? state.edits[key].value : item.value;
    box.addEventListener("input", function () {
      if (box.value === item.value) { delete state.edits[key]; } else { state.edits[key] = {path: item.path, value: box.value}; }
      box.classList.toggle("changed", box.value !== item.value);
      schedule();
    });
    return el("div", {}, [box, el("div", {cls: "finding", "data-for": key})]);
  }
  function card(title, body) { return el("div", {cls: "card"}, [el("h3", {text: title})].concat(body)); }

  function renderEditor() {
    var e = state.policy.editables, root = clear($("editor"));
    if (e.params.length) {
      var rows = e.params.map(function (p) { return el("tr", {}, [el("td", {}, [el("code", {text: p.path[1]})]), el("td", {}, [input(p, "num")])]); });
      root.appendChild(card(t("params"), [el("table", {}, rows)]));
    }
    Object.keys(e.bands).forEach(function (name) {
      var rows = [el("tr", {}, [el("th", {text: t("label")}), el("th", {text: t("min")}), el("th", {text: t("max") + " / " + t("below")})])];
      e.bands[name].forEach(function (b) {
        rows.push(el("tr", {}, [el("td", {}, [input(b.label)]), el("td", {}, [input(b.min, "num")]),
          el("td", {}, [b.max ? input(b.max, "num") : (b.below ? input(b.below, "num") : el("span", {cls: "muted", text: "—"}))])]));
      });
      root.appendChild(card(t("bands") + ": " + name, [el("table", {"data-band": name}, rows)]));
    });
    Object.keys(e.weights).forEach(function (name) {
      var rows = Object.keys(e.weights[name]).map(function (i) {
        return el("tr", {}, [el("td", {}, [el("code", {text: i})]), el("td", {}, [input(e.weights[name][i], "num")])]);
      });
      root.appendChild(card(t("weights") + ": " + name, [el("table", {}, rows)]));
    });
    Object.keys(e.tables).forEach(function (name) {
      var head = el("tr", {}, e.tables[name].columns.map(function (c) { return el("th", {text: c}); }));
      var rows = e.tables[name].rows.map(function (row) {
        return el("tr", {}, row.map(function (c) { return el("td", {}, Array.isArray(c) ? c.map(function (x) { return input(x); }) : [input(c)]); }));
      });
      root.appendChild(card(t("tables") + ": " + name, [el("table", {"data-table": name}, [head].concat(rows))]));
    });
    Object.keys(e.rules).forEach(function (id) {
      var r = e.rules[id], body = [el("div", {cls: "kv"}, [el("span", {text: t("rule_label")}), input(r.label),
        el("span", {text: t("reason")}), input(r.reason)])];
      r.when.forEach(function (c) { body.push(el("div", {cls: "kv"}, [el("span", {text: t("when")}), input(c, "expr")])); });
      root.appendChild(card(t("rules") + ": " + id, body));
    });
  }

  function schedule() {
    updateBar();
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }
  function check() {
    var mine = ++seq;
    return api("POST", "/api/check", {path: state.policy.path, edits: edits()}).then(function (r) {
      if (mine !== seq) { return; }
      state.findings = r.findings; showFindings(r.findings); updateBar();
      if (state.tab === "read") { refreshHandbook(); } else if (state.tab === "try") { runTry(); } else if (state.tab === "impact") { runImpact(); }
    }).catch(function (e) { say(e.message, true); });
  }
  function showFindings(findings) {
    Array.prototype.forEach.call(document.querySelectorAll(".finding[data-for]"), function (n) { clear(n); });
    Array.prototype.forEach.call(document.querySelectorAll("input.v"), function (n) { n.classList.remove("bad"); });
    var top = clear($("findings"));
    findings.forEach(function (f) {
      var text = f.code + " " + f.message + (f.hint ? " (" + f.hint + ")" : "");
      var own = f.file === state.policy.path && document.querySelectorAll('input.v[data-line="' + f.line + '"]');
      var placed = false;
      Array.prototype.forEach.call(own || [], function (box) {
        var start = parseInt(box.getAttribute("data-column"), 10), next = null;
        Array.prototype.forEach.call(document.querySelectorAll('input.v[data-line="' + f.line + '"]'), function (o) {
          var c = parseInt(o.getAttribute("data-column"), 10); if (c > start && (next === null || c < next)) { next = c; }
        });
        if (f.column < start || (next !== null && f.column >= next)) { return; }
        box.classList.add("bad");
        var where = box.classList.contains("expr") && f.column > start ? " (" + t("column") + " " + (f.column - start + 1) + ")" : "";
        box.parentNode.querySelector(".finding").appendChild(el("div", {"data-code": f.code, text: text + where}));
        placed = true;
      });
      if (!placed) { top.appendChild(el("div", {cls: "finding", "data-code": f.code, text: (f.file || "") + ":" + f.line + ":" + f.column + " " + text})); }
    });
  }
  function updateBar() {
    var n = Object.keys(state.edits).length, errors = state.findings.filter(function (f) { return f.severity === "error"; }).length;
    $("save").disabled = !n || errors > 0; $("discard").disabled = !n;
    say(errors ? errors + " " + t("errors") : (n ? n + " " + t("unsaved") : t("no_changes")), errors > 0);
  }

  // --- try and impact ----------------------------------------------------------------------------
  function runTry() {
    if (!records()) { $("try-summary").textContent = t("no_records"); clear($("try-table")); return; }
    api("POST", "/api/try", {path: state.policy.path, edits: edits(), records: records()}).then(function (r) {
      var table = clear($("try-table"));
      if (!r.ok) { $("try-summary").textContent = t("fix_first"); return; }
      var counts = Object.keys(r.predikat).map(function (k) { return k + ": " + r.predikat[k]; }).join(" · ");
      $("try-summary").textContent = r.records + " " + t("employees") + (r.errors ? ", " + r.errors + " " + t("invalid") : "") +
        (counts ? " — " + counts : "") + ". " + t("click_row");
      table.appendChild(el("tr", {}, ["row", "nip", "name", "predikat", "actions"].map(function (k) { return el("th", {text: t(k)}); })));
      r.rows.forEach(function (row) {
        var tr = el("tr", {cls: "pick", "data-row": row.row}, [el("td", {text: String(row.row)}), el("td", {text: row.nip || "-"}),
          el("td", {text: row.nama || ""}), el("td", {text: row.status === "ok" ? row.predikat || "-" : "✗ " + row.errors.join("; ")}),
          el("td", {text: row.actions.join(", ")})]);
        tr.addEventListener("click", function () { explain(row.row); });
        table.appendChild(tr);
      });
    }).catch(function (e) { say(e.message, true); });
  }
  function explain(row) {
    api("POST", "/api/explain", {path: state.policy.path, edits: edits(), records: records(), row: row, lang: lang}).then(function (r) {
      $("explanation").textContent = r.ok ? (r.nama ? r.nama + "\n" : "") + r.lines.join("\n") : t("fix_first");
    }).catch(function (e) { say(e.message, true); });
  }
  function runImpact() {
    if (!records()) { $("impact-summary").textContent = t("no_records"); return; }
    api("POST", "/api/impact", {path: state.policy.path, edits: edits(), records: records()}).then(function (r) {
      var table = clear($("impact-table")), trans = clear($("impact-transitions"));
      if (!r.ok) { $("impact-summary").textContent = t("fix_first"); return; }
      var d = r.report, s = d.summary;
      $("impact-summary").textContent = s.changed ? t("changed_of").replace("{n}", s.changed).replace("{m}", s.records) : t("nothing_changes");
      $("impact-summary").setAttribute("data-changed", s.changed);
      trans.appendChild(el("caption", {text: t("from_to")}));
      trans.appendChild(el("tr", {}, [el("th", {text: ""})].concat(d.labels.map(function (y) { return el("th", {text: y}); }))));
      d.labels.forEach(function (x) {
        trans.appendChild(el("tr", {}, [el("th", {text: x})].concat(d.labels.map(function (y) {
          var n = d.transitions[x][y]; return el("td", {cls: n && x !== y ? "loss" : "", text: String(n)});
        }))));
      });
      var acts = clear($("impact-actions"));
      acts.appendChild(el("tr", {}, ["action", "before", "after", "gained", "lost"].map(function (k) { return el("th", {text: t(k)}); })));
      Object.keys(d.actions).forEach(function (id) {
        var a = d.actions[id];
        acts.appendChild(el("tr", {"data-action": id}, [el("td", {text: id}), el("td", {text: String(a.a)}), el("td", {text: String(a.b)}),
          el("td", {cls: a.gained ? "gain" : "", text: a.gained ? "+" + a.gained : "0"}), el("td", {cls: a.lost ? "loss" : "", text: a.lost ? "−" + a.lost : "0"})]));
      });
      var fair = clear($("impact-fairness")), moved = [];
      Object.keys(d.fairness.fields || {}).forEach(function (field) {
        d.fairness.fields[field].groups.forEach(function (g) { if (String(g.a.ratio) !== String(g.b.ratio)) { moved.push([field, g]); } });
      });
      $("fairness-note").textContent = t("fairness").replace("{fav}", d.fairness.favourable) + " " + (moved.length ? "" : t("fairness_same"));
      if (moved.length) {
        fair.appendChild(el("tr", {}, ["unit", "before", "after"].map(function (k) { return el("th", {text: t(k)}); })));
        moved.forEach(function (m) {
          fair.appendChild(el("tr", {}, [el("td", {text: m[1].group}), el("td", {cls: m[1].a.flag ? "loss" : "", text: String(m[1].a.ratio)}),
            el("td", {cls: m[1].b.flag ? "loss" : "", text: String(m[1].b.ratio)})]));
        });
      }
      table.appendChild(el("tr", {}, ["row", "name", "nip", "unit", "predikat", "what"].map(function (k) { return el("th", {text: t(k)}); })));
      d.changed.forEach(function (c) {
        var what = el("td", {}, c.differences.map(function (x) {
          var head = x.kind === "action" ? (x.b ? "+ " : "− ") + x.name : x.name + ": " + String(x.a === null ? "-" : x.a) + " → " + String(x.b === null ? "-" : x.b);
          return el("div", {cls: x.kind === "action" ? (x.b ? "gain" : "loss") : ""}, [el("b", {text: head}), " ", el("span", {cls: "muted", text: x.reason})]);
        }));
        var units = Object.keys(c.groups || {}).map(function (k) { return c.groups[k]; }).join(", ");
        table.appendChild(el("tr", {"data-row": c.row, "data-nip": c.nip || ""}, [el("td", {text: String(c.row)}), el("td", {text: c.nama || ""}),
          el("td", {text: c.nip || "-"}), el("td", {text: units}), el("td", {text: String(c.output.a) + " → " + String(c.output.b)}), what]));
      });
    }).catch(function (e) { say(e.message, true); });
  }

  // --- wiring ----------------------------------------------------------------------------------
  function showTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) { b.classList.toggle("active", b.getAttribute("data-tab") === name); });
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (s) { s.classList.toggle("active", s.id === "tab-" + name); });
    if (!state.policy) { return; }
    if (name === "read") { refreshHandbook(); } else if (name === "try") { runTry(); } else if (name === "impact") { runImpact(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
    b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
  });
  $("lang").addEventListener("change", function () { lang = $("lang").value; translate(); if (state.policy) { renderEditor(); showFindings(state.findings); updateBar(); showTab(state.tab); } });
  $("records").addEventListener("change", function () { showTab(state.tab); });
  $("save").addEventListener("click", function () {
    api("POST", "/api/save", {path: state.policy.path, edits: edits(), sha256: state.policy.sha256}).then(function (r) {
      if (!r.ok) { state.findings = r.findings; showFindings(r.findings); updateBar(); return; }
      return openPolicy(state.policy.path).then(function () { say(t("saved")); loadFiles(); });
    }).catch(function (e) { say(e.message, true); });
  });
  $("undo").addEventListener("click", function () {
    api("POST", "/api/undo", {path: state.policy.path}).then(function () {
      return openPolicy(state.policy.path).then(function () { say(t("undone")); loadFiles(); });
    }).catch(function (e) { say(e.message, true); });
  });
  $("discard").addEventListener("click", function () { state.edits = {}; renderEditor(); check(); });
  function upload(file) {
    api("POST", "/api/upload", null, {body: file, headers: {"X-File-Name": file.name, "Content-Type": "application/octet-stream"}}).then(function (r) {
      var sel = $("records"); sel.appendChild(el("option", {value: r.records, text: "⇪ " + r.name})); sel.value = r.records; showTab(state.tab);
    }).catch(function (e) { say(e.message, true); });
  }
  var drop = $("drop");
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) { upload(e.dataTransfer.files[0]); } });
  $("file").addEventListener("change", function () { if ($("file").files[0]) { upload($("file").files[0]); } });
  translate(); showTab("read");
  loadFiles().then(function () { document.body.setAttribute("data-ready", "1"); }).catch(function (e) { say(e.message, true); });
})();
