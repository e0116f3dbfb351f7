"""The Done-when of issue 14: the same runs under `--lang id`, under `LANG=id_ID.UTF-8` and under
`--lang en` give the same codes, exit codes and JSON keys, and the Indonesian runs contain no
English prose (the leak detector below)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "validate"
VALIDATE_CASES = sorted(CASES.rglob("*.yaml"))
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"

CLEAN = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "KINERJA_LANG": None, "GITHUB_ACTIONS": None}
RUNS = {  # how a run chooses its language
    "flag-id": (["--lang", "id"], CLEAN),
    "locale-id": ([], {**CLEAN, "LANG": "id_ID.UTF-8"}),
    "flag-en": (["--lang", "en"], {**CLEAN, "LANG": "id_ID.UTF-8"}),
}

# Common English words that are not also Indonesian: any of them in Indonesian output, outside
# code, quotes and names, is a message that was not translated.
ENGLISH = set([
    "the", "is", "are", "was", "were", "be", "not", "no", "must", "should", "expected", "expect", "missing",
    "required", "unknown", "cannot", "can", "could", "with", "and", "or", "of", "for", "to", "from", "into",
    "has", "have", "had", "but", "got", "this", "that", "these", "those", "allowed", "found", "error",
    "errors", "warning", "warnings", "file", "files", "checked", "problems", "empty", "only", "when",
    "where", "here", "there", "named", "needs", "need", "give", "use", "using", "line", "lines", "column",
    "columns", "record", "records", "row", "rows", "test", "tests", "passed", "failed", "hint", "did",
    "you", "mean", "policy", "policies", "value", "values", "number", "numbers", "text", "list", "mapping",
    "key", "keys", "than", "more", "less", "at", "least", "most", "which", "while", "after", "before",
    "above", "below", "between", "both", "either", "each", "every", "any", "all", "none", "same", "twice"
])
# Keys of the policy language that messages name bare (`values`, `below`): identifiers, not prose.
POLICY_KEYS = {"values", "below", "rows"}
_CODE = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^']*'|“[^”]*”")  # code spans and quoted user values
_NAME = re.compile(r"\S*[_/\\.:=@$<>{}()\[\]0-9]\S*|--?[a-z][\w-]*")  # identifiers, paths, options, numbers


def english_words(text: str) -> list[str]:
    """English words used as prose in `text`; codes, quoted values and identifiers are skipped."""
    found = []
    for line in text.splitlines():
        line = _CODE.sub(" ", line)
        for token in line.split():
            if _NAME.fullmatch(token):
                continue
            word = token.strip(",;:!?()[]").lower()
            if word in ENGLISH and word not in POLICY_KEYS:
                found.append(word)
    return found


def test_the_detector_finds_english_and_skips_names_and_quotes():
    assert english_words('weights total 95, expected 100') == ["expected"]
    assert english_words('kolom "the value" tidak dikenal; `is_missing(x)` dan rating_hasil_kerja') == []
    assert english_words("berkas policies/x.yaml:3:5: kesalahan K203 jumlah bobot 95") == []


def run(args: list[str], how: str, tmp_path: Path | None = None):
    flags, env = RUNS[how]
    result = CliRunner().invoke(main, flags + args, env=env, prog_name="kinerja")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def machine(doc):
    """A JSON document with every human text replaced: what must not change with the language."""
    if isinstance(doc, dict):
        return {k: ("<text>" if k in HUMAN_KEYS else machine(v)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [machine(v) for v in doc]
    return doc


HUMAN_KEYS = {"message", "hint", "reason", "text", "where", "label_text", "summary", "lines", "explanations",
              "failures", "problems", "name_text"}


@pytest.mark.parametrize("case", VALIDATE_CASES, ids=lambda p: str(p.relative_to(CASES)))
def test_validate_corpus_speaks_the_chosen_language(case):
    runs = {how: run(["validate", str(case), "--format", "json"], how) for how in RUNS}
    docs = {how: json.loads(r.stdout) for how, r in runs.items()}
    assert len({r.exit_code for r in runs.values()}) == 1
    assert machine(docs["flag-id"]) == machine(docs["locale-id"]) == machine(docs["flag-en"])
    assert docs["flag-id"] == docs["locale-id"]
    for how in ("flag-id", "locale-id"):
        text = run(["validate", str(case)], how)
        assert text.exit_code == runs[how].exit_code
        assert english_words(text.output) == [], text.output
    if docs["flag-en"]["findings"]:
        english = run(["validate", str(case)], "flag-en").output
        assert english_words(english), english  # the detector does see the English run


def _records(tmp_path: Path) -> Path:
    base = {"nip": "199001012019032002", "jenis_asn": "PNS", "golongan": "III/a", "jenis_jabatan": "Pelaksana",
            "unit_kerja": "Dinas A", "tahun_dalam_pangkat": 4, "rating_hasil_kerja": "Sesuai Ekspektasi",
            "rating_perilaku_kerja": "Sesuai Ekspektasi", "jp_pengembangan": 20, "hukuman_disiplin": "tidak_ada"}
    rows = [
        base,                                                       # ok
        {**base, "unit_kerja": None},                                # K401 required field missing
        {**base, "tahun_dalam_pangkat": "empat"},                    # K402 wrong type
        {**base, "rating_hasil_kerja": "Sesuai ekspektasi baik"},    # K403 not a label
        {**base, "tahun_dalam_pangkat": -1},                         # K404 out of range
        {**base, "nip": "1990"},                                     # K405 invalid NIP
        {**base, "nip": 199001012019032002.0},                       # K405 NIP stored as a decimal number
        {**base, "golongan": None},                                  # K401 required_when
        {**base, "jenjang_fungsional": "Ahli Muda"},                 # K402 must be empty here (only_when)
        ["not", "a", "record"],                                      # K407 not a mapping
    ]
    path = tmp_path / "pegawai.jsonl"
    lines = [json.dumps(r) for r in rows] + ["{not json"]              # K407 a line that is not JSON
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_record_errors_speak_the_chosen_language(tmp_path):
    records = _records(tmp_path)
    runs = {how: run(["evaluate", str(NATIONAL), str(records), "--format", "jsonl"], how) for how in RUNS}
    rows = {how: [json.loads(line) for line in r.stdout.splitlines()] for how, r in runs.items()}
    assert {r.exit_code for r in runs.values()} == {1}
    assert machine(rows["flag-id"]) == machine(rows["locale-id"]) == machine(rows["flag-en"])
    codes = sorted({e["code"] for row in rows["flag-en"] for e in row.get("errors", [])})
    assert codes == ["K401", "K402", "K403", "K404", "K405", "K407"]
    for how in ("flag-id", "locale-id"):
        reasons = "\n".join(e["reason"] for row in rows[how] for e in row.get("errors", []))
        assert english_words(reasons) == [], reasons
        assert english_words(runs[how].stderr) == [], runs[how].stderr
        assert "data pegawai: 11, berhasil: 1, bermasalah: 10" in runs[how].stderr
    english = "\n".join(e["reason"] for row in rows["flag-en"] for e in row.get("errors", []))
    assert "required but missing" in english
    indonesian = "\n".join(e["reason"] for row in rows["flag-id"] for e in row.get("errors", []))
    assert "wajib diisi tetapi kosong" in indonesian
    assert "mungkin maksud Anda" in indonesian


def test_a_failing_policy_test_speaks_the_chosen_language():
    case = str(ROOT / "tests" / "cases" / "policytests" / "gagal")
    runs = {how: run(["test", case, "--format", "json"], how) for how in RUNS}
    docs = {how: json.loads(r.stdout) for how, r in runs.items()}
    assert {r.exit_code for r in runs.values()} == {1}
    assert machine(docs["flag-id"]) == machine(docs["locale-id"]) == machine(docs["flag-en"])
    for how in ("flag-id", "locale-id"):
        text = run(["test", case], how)
        assert text.exit_code == 1
        assert "GAGAL" in text.output and "uji" in text.stderr + text.output
        assert english_words(text.output + text.stderr) == [], text.output + text.stderr
    english = run(["test", case], "flag-en")
    assert "FAIL" in english.output


VARIANT = dict(name="varian", tinggi_from=85, menengah_from=70, band_label="Kategori potensial")
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles or tags; attribute texts a reader meets kept."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    shown = " ".join(re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", "\n", html) + "\n" + shown


def test_compare_html_speaks_the_chosen_language(tmp_path, policy_variant):
    variant = tmp_path / "varian.yaml"
    variant.write_text(policy_variant("varian-potensial", **VARIANT), encoding="utf-8")
    args = ["compare", str(NATIONAL), str(variant), str(SAMPLE), "--group-by", "unit_kerja",
            "--group-by", "jenis_kelamin"]
    html = {how: run(args + ["--format", "html"], how) for how in RUNS}
    docs = {how: json.loads(run(args + ["--format", "json"], how).stdout) for how in RUNS}
    assert {r.exit_code for r in html.values()} == {0}
    assert docs["flag-en"]["summary"]["changed"] > 0
    assert machine(docs["flag-id"]) == machine(docs["locale-id"]) == machine(docs["flag-en"])
    for how in ("flag-id", "locale-id"):
        page = html[how].stdout
        assert '<html lang="id">' in page and "Pegawai yang berubah" in page
        assert english_words(visible_text(page)) == [], english_words(visible_text(page))
        text = run(args, how).stdout  # the text report too
        assert english_words(text) == [], text
    english = html["flag-en"].stdout
    assert '<html lang="en">' in english and "Changed employees" in english


def test_init_writes_its_comments_in_the_chosen_language(tmp_path):
    written = {}
    for how in ("flag-id", "flag-en"):
        folder = tmp_path / how
        result = run(["init", "--agency", "BKPSDM Kota Contoh", "--extends", "permenpanrb-6-2022",
                      "--dir", str(folder)], how)
        assert result.exit_code == 0, result.output
        written[how] = [(folder / name).read_text("utf-8") for name in ("bkpsdm-kota-contoh.yaml",
                                                                         "bkpsdm-kota-contoh.test.yaml")]
    comments = "\n".join(line for text in written["flag-id"] for line in text.splitlines() if line.startswith("#"))
    assert "# Semua yang tidak ditulis di sini diwarisi apa adanya" in comments
    assert english_words(comments.replace("#", " ")) == [], comments
    english = "\n".join(written["flag-en"])
    assert "# Everything not written here is inherited unchanged" in english

    def data(text):  # the YAML itself, without its comments, is the same in both languages
        return [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert [data(t) for t in written["flag-id"]] == [data(t) for t in written["flag-en"]]


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_sarif_and_github_keep_rule_ids_and_locations(fmt):
    case = str(CASES / "k203_weights_95.yaml")
    out = {how: run(["validate", case, "--format", fmt], how) for how in ("flag-id", "flag-en")}
    assert out["flag-id"].exit_code == out["flag-en"].exit_code == 1
    if fmt == "sarif":
        docs = {how: json.loads(r.stdout) for how, r in out.items()}
        results = {how: [(x["ruleId"], x["level"], x["locations"]) for x in d["runs"][0]["results"]]
                   for how, d in docs.items()}
        rules = {how: [(r["id"], r["name"]) for r in d["runs"][0]["tool"]["driver"]["rules"]]
                 for how, d in docs.items()}
        assert results["flag-id"] == results["flag-en"] and rules["flag-id"] == rules["flag-en"]
        assert docs["flag-id"]["runs"][0]["results"][0]["message"]["text"].startswith("jumlah bobot 95")
    else:
        head = {how: r.stdout.split("::")[1].split(",title=")[0] for how, r in out.items()}
        assert head["flag-id"] == head["flag-en"]
        assert "jumlah bobot 95, seharusnya 100" in out["flag-id"].stdout


SMALL = """kinerja: 1
id: kecil-bagi
name: bagi
version: "1"
fields:
  nip: {type: nip, required: true}
  x: {type: number, required: true}
values:
  y: {expr: 10 / x}
"""


def test_an_evaluation_error_and_an_unreadable_file_speak_the_chosen_language(tmp_path):
    policy = tmp_path / "kecil.yaml"
    policy.write_text(SMALL, encoding="utf-8")
    records = tmp_path / "r.csv"
    records.write_text("nip,x\n199001012020011001,0\n", encoding="utf-8")
    rows = {how: json.loads(run(["evaluate", str(policy), str(records), "--format", "jsonl"], how).stdout)
            for how in ("flag-id", "flag-en")}
    assert [e["code"] for e in rows["flag-id"]["errors"]] == [e["code"] for e in rows["flag-en"]["errors"]] == ["K406"]
    assert "pembagian dengan nol" in rows["flag-id"]["errors"][0]["reason"]
    assert "division by zero" in rows["flag-en"]["errors"][0]["reason"]
    missing = {how: run(["evaluate", str(policy), str(tmp_path / "tidak-ada.csv")], how)
               for how in ("flag-id", "flag-en")}
    assert missing["flag-id"].exit_code == missing["flag-en"].exit_code == 2
    assert missing["flag-id"].stderr.endswith("tidak dapat dibaca: berkas tidak ada\n")
    assert english_words(missing["flag-id"].stderr) == []
    assert missing["flag-en"].stderr.endswith(f"cannot read {tmp_path / 'tidak-ada.csv'}: it does not exist\n")
