"""`kinerja doc`: the policy handbook ("Pedoman Penilaian Kinerja") as HTML or Markdown.

The facts come from engine/handbook.py; the words and the layout are Jinja2 templates in
templates/handbook/ (autoescaped for HTML; the Markdown template escapes each cell itself).
The HTML is one self-contained file: inline CSS with print rules (A4, a page per section,
tables whose rows never split), no script, nothing fetched.
"""

from __future__ import annotations

import re
from importlib import resources

import jinja2

from ..handbook import build
from ..model import Policy

FORMATS = ("html", "md")
TEMPLATES = "templates/handbook"

TEXTS = {
    "id": {
        "title": "Pedoman Penilaian Kinerja", "contents": "Daftar isi",
        "identity": "Identitas kebijakan", "id": "Kode kebijakan", "version": "Versi", "agency": "Instansi",
        "effective": "Berlaku sejak", "until": "Berlaku sampai", "extends": "Mewarisi kebijakan",
        "sha256": "Sidik jari (sha256)", "rounding": "Pembulatan",
        "rounding_text": "{places} angka di belakang koma, {mode}", "file": "Berkas",
        "sources": "Dasar hukum dan sumber", "no_sources": "Kebijakan ini tidak mencantumkan sumber.",
        "fields": "Data pegawai yang dinilai",
        "fields_intro": "Setiap baris data pegawai memuat isian berikut. Isian wajib yang kosong membuat data "
                        "pegawai itu tidak dapat dinilai (dilaporkan, tidak dilewati).",
        "field": "Isian", "column": "Nama kolom", "type": "Jenis", "allowed": "Nilai yang diperbolehkan",
        "required": "Wajib", "yes_required": "wajib", "not_required": "tidak wajib",
        "required_when": "wajib apabila", "only_when": "hanya diisi apabila", "default": "bila kosong",
        "items": "setiap butir memuat",
        "params": "Parameter",
        "params_intro": "Angka dan batas yang dipakai aturan. Kebijakan instansi dapat mengganti nilainya.",
        "param": "Parameter", "value": "Nilai", "note": "Sumber / catatan", "used": "Dipakai oleh",
        "uncertain": "[U] belum dipastikan dengan naskah peraturan: periksa sebelum ditetapkan.",
        "uncertain_badge": "belum dipastikan",
        "scorecards": "Kartu skor dan bobot", "indicator": "Indikator", "weight": "Bobot (%)",
        "score": "Rumus skor", "total": "Jumlah bobot", "applies_when": "Berlaku apabila",
        "scorecard_result": "Nilai kartu skor = jumlah (skor indikator × bobot ÷ 100).",
        "values": "Nilai yang dihitung", "formula": "Rumus", "each": "dihitung untuk setiap butir",
        "places": "dibulatkan {places} angka di belakang koma",
        "bands": "Rentang nilai", "band_intro": "{label} ditentukan dari {input}:",
        "category": "Kategori", "from": "Dari (≥)", "to": "Sampai", "range": "Rentang yang berlaku: {lo} s.d. {hi}",
        "band_round": "{input} dibulatkan {places} angka di belakang koma sebelum dicocokkan.",
        "tables": "Tabel keputusan", "row": "Baris", "any": "— berarti nilai apa pun",
        "grid_caption": "{output}: {rows} (baris) × {columns} (kolom)",
        "table_unique": "Setiap kombinasi masukan tepat cocok dengan satu baris.",
        "table_first": "Baris pertama yang cocok yang dipakai.",
        "table_default": "Bila tidak ada baris yang cocok: {default}.",
        "rules": "Tindak lanjut hasil penilaian", "kind": "Jenis",
        "rule_when_all": "Pegawai memenuhi syarat tindak lanjut ini apabila semua syarat berikut terpenuhi:",
        "rule_when_one": "Pegawai memenuhi syarat tindak lanjut ini apabila:",
        "rule_always": "Berlaku bagi setiap pegawai yang dinilai.",
        "as_written": "rumus", "reason": "Alasan yang dicatat",
        "slot_note": "(⟨…⟩ diisi dengan data pegawai yang bersangkutan)", "computed": "Dihitung pula",
        "disabled_rules": "Tindak lanjut yang dinonaktifkan: {ids}.",
        "population": "Pemeriksaan per kelompok pegawai",
        "population_intro": "Pemeriksaan atas seluruh pegawai yang dinilai bersama, per {group}.",
        "distribution": "Pola distribusi {output} per {group}, menurut predikat kinerja organisasi "
                        "(diberikan saat penilaian dijalankan).",
        "org_predikat": "Predikat kinerja organisasi", "limits": "Ketentuan",
        "advisory": "Bersifat saran: pelanggaran dilaporkan sebagai peringatan.",
        "error": "Bersifat wajib: pelanggaran membuat penilaian dinyatakan gagal.",
        "count_rule": "Apabila paling sedikit {n} pegawai dalam satu {group} memenuhi syarat berikut, "
                      "kelompok itu mendapat tindak lanjut “{action}” ({kind}):",
        "changes": "Perubahan terhadap kebijakan induk", "changes_intro":
            "Kebijakan ini mewarisi {parent} ({parent_name}) dan mengubah hal-hal berikut; "
            "selebihnya sama dengan kebijakan induk.",
        "no_changes": "Tidak ada perubahan terhadap kebijakan induk.",
        "section": "Bagian", "name": "Nama", "change": "Perubahan", "before": "Semula", "after": "Menjadi",
        "added": "ditambahkan", "removed": "dihapus / dinonaktifkan", "changed": "diubah",
        "from_parent": "dari {parent}",
        "footer": "Disusun otomatis oleh kinerja {version} dari berkas kebijakan {file}. "
                  "Bila isi pedoman ini berbeda dengan berkas kebijakan, yang berlaku adalah berkas kebijakan.",
        "none": "Tidak ada.",
    },
    "en": {
        "title": "Performance Appraisal Handbook", "contents": "Contents",
        "identity": "Policy identity", "id": "Policy id", "version": "Version", "agency": "Agency",
        "effective": "In force from", "until": "In force until", "extends": "Extends",
        "sha256": "Fingerprint (sha256)", "rounding": "Rounding",
        "rounding_text": "{places} decimal places, {mode}", "file": "File",
        "sources": "Legal basis and sources", "no_sources": "This policy lists no sources.",
        "fields": "Employee data appraised",
        "fields_intro": "Each employee record holds the fields below. A required field left empty makes that "
                        "record impossible to appraise (it is reported, never skipped).",
        "field": "Field", "column": "Column name", "type": "Type", "allowed": "Allowed values",
        "required": "Required", "yes_required": "required", "not_required": "optional",
        "required_when": "required when", "only_when": "only filled in when", "default": "when empty",
        "items": "each item holds",
        "params": "Parameters",
        "params_intro": "Numbers and limits the rules use. An agency policy may change their values.",
        "param": "Parameter", "value": "Value", "note": "Source / note", "used": "Used by",
        "uncertain": "[U] not yet confirmed against the regulation's text: check before adopting.",
        "uncertain_badge": "unconfirmed",
        "scorecards": "Scorecards and weights", "indicator": "Indicator", "weight": "Weight (%)",
        "score": "Score formula", "total": "Total weight", "applies_when": "Applies when",
        "scorecard_result": "Scorecard value = sum of (indicator score × weight ÷ 100).",
        "values": "Computed values", "formula": "Formula", "each": "computed for each item",
        "places": "rounded to {places} decimal places",
        "bands": "Bands", "band_intro": "{label} is set from {input}:",
        "category": "Category", "from": "From (≥)", "to": "To", "range": "Valid range: {lo} to {hi}",
        "band_round": "{input} is rounded to {places} decimal places before the lookup.",
        "tables": "Decision tables", "row": "Row", "any": "— means any value",
        "grid_caption": "{output}: {rows} (rows) × {columns} (columns)",
        "table_unique": "Each combination of inputs matches exactly one row.",
        "table_first": "The first matching row is used.",
        "table_default": "When no row matches: {default}.",
        "rules": "Actions following the appraisal", "kind": "Kind",
        "rule_when_all": "An employee qualifies for this action when all of the following hold:",
        "rule_when_one": "An employee qualifies for this action when:",
        "rule_always": "Applies to every employee appraised.",
        "as_written": "formula", "reason": "Reason recorded",
        "slot_note": "(⟨…⟩ is filled in with the employee's own data)", "computed": "Also computed",
        "disabled_rules": "Actions switched off: {ids}.",
        "population": "Checks per group of employees",
        "population_intro": "Checks over all employees appraised together, per {group}.",
        "distribution": "Distribution of {output} per {group}, by the organisation's predikat "
                        "(given when the appraisal is run).",
        "org_predikat": "Organisation predikat", "limits": "Limits",
        "advisory": "Advisory: a breach is reported as a warning.",
        "error": "Binding: a breach makes the run fail.",
        "count_rule": "When at least {n} employees in one {group} meet the conditions below, "
                      "the group gets the action “{action}” ({kind}):",
        "changes": "Changes relative to the parent policy", "changes_intro":
            "This policy extends {parent} ({parent_name}) and changes the following; "
            "everything else is as in the parent policy.",
        "no_changes": "No changes relative to the parent policy.",
        "section": "Section", "name": "Name", "change": "Change", "before": "Before", "after": "After",
        "added": "added", "removed": "removed / switched off", "changed": "changed",
        "from_parent": "from {parent}",
        "footer": "Generated by kinerja {version} from the policy file {file}. "
                  "Where this handbook and the policy file differ, the policy file applies.",
        "none": "None.",
    },
}


def _load(name: str) -> str:
    return resources.files("kinerja.engine.report").joinpath(f"{TEMPLATES}/{name}").read_text("utf-8")


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_load), autoescape=fmt == "html",
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["cell"] = md_cell
    env.filters["code"] = md_code
    return env


def md_cell(value) -> str:
    """Text safe inside a Markdown table cell or paragraph: no markup, no line breaks, no `|`."""
    text = re.sub(r"\s+", " ", str(value))
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("*", "\\*"), ("_", "\\_"),
                 ("`", "\\`"), ("[", "\\["), ("]", "\\]")):
        text = text.replace(a, b)
    return text


def md_code(value) -> str:
    """Inline code in Markdown, safe in a table cell: a fence longer than any run of backticks
    inside, so the text (even `<script>`) stays literal code and never becomes markup."""
    text = re.sub(r"\s+", " ", str(value)).strip().replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if len(fence) > 1 else f"`{text}`"


def render(policy: Policy, fmt: str = "html", lang: str = "id", version: str = "") -> str:
    """The handbook of a compiled policy as HTML or Markdown text."""
    data = build(policy, lang)
    template = _environment(fmt).get_template("handbook.html.j2" if fmt == "html" else "handbook.md.j2")
    return template.render(h=data, t=TEXTS[lang], version=version)
