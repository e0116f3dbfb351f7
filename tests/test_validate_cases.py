"""`kinerja validate` on a corpus of small policies, one problem each.

Every file under tests/cases/validate/ starts with a comment header that states what validate
must find, one line per finding:

    # expect: K203 12:5                      code, line:column in this file
    # expect: K211 other.yaml:7:10           ... or in a file next to it (extends)
    # expect: K302 14:11 did you mean "x"?   ... and a text the message or hint must contain
    # expect: none                           no findings at all (every file under ok/)

The findings must match the header exactly: same codes at the same places, nothing more.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.findings import CODES
from kinerja.validate import validate_file, validate_paths

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases" / "validate"
POLICIES = Path(__file__).parents[1] / "policies"
FILES = sorted(CASES.rglob("*.yaml"))
EXPECT = re.compile(r"# expect: (?:none|(?P<code>K\d{3}) (?:(?P<file>[^\s:]+):)?(?P<line>\d+):(?P<col>\d+)"
                    r"(?: (?P<text>.+))?)\s*")

# Every catalogued code `kinerja validate` can report (K0xx-K3xx) needs a case here, so a new
# check's code fails this test until its case file exists. Tested elsewhere, with the reason:
ELSEWHERE = {
    "K001": "a file that cannot be read is not a file of this corpus (test_validate_robust.py)",
    "K003": "a file over the size limit would be a megabyte here (test_validate_robust.py)",
    "K220": "a table too large to check needs 20,000 combinations (test_validate_robust.py)",
}
REQUIRED_CODES = {code for code in CODES if code[1] in "0123"} - set(ELSEWHERE)
# The issue names these six explicitly: each must give exactly its one finding.
ISSUE_CASES = {
    "k005_duplicate_key.yaml": "K005", "k203_weights_95.yaml": "K203", "k205_band_gap_below.yaml": "K205",
    "k207_table_incomplete.yaml": "K207", "k302_unknown_name_in_when.yaml": "K302", "k209_cycle.yaml": "K209",
}


def expectations(path: Path) -> list[tuple[str, Path, int, int, str | None]]:
    """The header's expected findings as (code, file, line, column, text)."""
    out, seen_header = [], False
    for raw in path.read_bytes().decode("utf-8", "replace").splitlines():  # one case is not UTF-8
        if not raw.startswith("#"):
            break
        m = EXPECT.fullmatch(raw)
        if raw.startswith("# expect:"):
            assert m, f"{path.name}: bad header line {raw!r}"
            seen_header = True
            if m["code"]:
                where = path.parent / m["file"] if m["file"] else path
                out.append((m["code"], where.resolve(), int(m["line"]), int(m["col"]), m["text"]))
    assert seen_header, f"{path.name}: no `# expect:` header"
    return out


def case_id(path: Path) -> str:
    return str(path.relative_to(CASES))


def test_corpus_is_complete():
    covered = {e[0] for f in FILES for e in expectations(f)}
    assert covered >= REQUIRED_CODES, f"no case for {sorted(REQUIRED_CODES - covered)}"
    assert list((CASES / "ok").glob("*.yaml")), "no valid cases"
    for f in (CASES / "ok").glob("*.yaml"):
        assert expectations(f) == [], f"{f.name}: files under ok/ must expect none"
    assert len(list((CASES / "extends_cycle").glob("*.yaml"))) == 2
    for name, code in ISSUE_CASES.items():
        [(got, _, _, _, _)] = expectations(CASES / name)
        assert got == code


@pytest.mark.parametrize("path", FILES, ids=case_id)
def test_case(path: Path):
    expected = expectations(path)
    findings = validate_file(str(path))
    got = Counter((f.code, Path(f.file).resolve(), f.line, f.column) for f in findings)
    want = Counter(e[:4] for e in expected)
    shown = "\n".join(f"  {f.code} {f.file}:{f.line}:{f.column} {f.message} | {f.hint}" for f in findings)
    assert got == want, f"findings differ from the header:\n{shown}"
    for code, file, line, col, text in expected:
        if text:
            texts = [f"{f.message} {f.hint or ''}" for f in findings
                     if (f.code, Path(f.file).resolve(), f.line, f.column) == (code, file, line, col)]
            assert any(text in t for t in texts), f"{code} at {line}:{col} does not mention {text!r}: {texts}"


def test_folder_gives_every_file_its_findings():
    """Walking the corpus folder finds exactly the union of all headers (extends cycles both ways)."""
    result = validate_paths([str(CASES)])
    assert sorted(Path(f).resolve() for f in result.files) == [f.resolve() for f in FILES]
    got = Counter((f.code, Path(f.file).resolve(), f.line, f.column) for f in result.findings)
    want = Counter(e[:4] for f in FILES for e in expectations(f))
    assert got == want


# --- the command line ---------------------------------------------------------------------------


def invoke(args: list[str], input: bytes | None = None, github: bool = False):
    """Run `kinerja ...` in-process; GITHUB_ACTIONS is cleared unless asked for (CI sets it)."""
    env = {"GITHUB_ACTIONS": "true" if github else None, "KINERJA_DEBUG": None}
    return CliRunner().invoke(main, args, input=input, env=env)


def test_cli_text_weights_95():
    path = str(CASES / "k203_weights_95.yaml")
    result = invoke(["validate", path])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{path}:13:5: error K203 weights total 95, expected 100",
        "    hint: hasil 60 + perilaku 35 = 95",
        "1 error(s), 0 warning(s) in 1 file(s)",
    ]


def test_cli_text_unknown_name_in_when():
    path = str(CASES / "k302_unknown_name_in_when.yaml")
    result = invoke(["validate", path])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{path}:14:11: error K302 unknown name `jp_pengembangn` (in rules/pengembangan-kompetensi/when)",
        '    hint: did you mean "jp_pengembangan"?',
        "1 error(s), 0 warning(s) in 1 file(s)",
    ]


def test_cli_text_duplicate_key_and_band_gap_together():
    a, b = str(CASES / "k005_duplicate_key.yaml"), str(CASES / "k205_band_gap_below.yaml")
    result = invoke(["validate", b, a])  # reported in file order, whatever the order given
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f'{a}:11:5: error K005 key "type" appears twice in this mapping')
    assert lines[1:] == [
        f'{b}:14:9: error K205 gap between bands "Menengah" and "Tinggi": values from 85 up to 90 fall in no band',
        '    hint: set below of "Menengah" to reach 90, or leave it out',
        "2 error(s), 0 warning(s) in 2 file(s)",
    ]


def test_cli_shipped_policies_are_clean():
    result = invoke(["validate", str(POLICIES)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"[1-9]\d* file\(s\) checked, no problems found", result.stdout.strip())


def test_cli_ok_cases_are_clean():
    result = invoke(["validate", str(CASES / "ok")])
    assert result.exit_code == 0, result.output


def test_cli_missing_path_exits_2():
    missing = str(CASES / "no-such-policy.yaml")
    result = invoke(["validate", missing])
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[0] == f"{missing}: error K001 no such file or folder"


def test_cli_missing_path_next_to_findings_exits_1():
    result = invoke(["validate", str(CASES / "no-such-policy.yaml"), str(CASES / "k209_cycle.yaml")])
    assert result.exit_code == 1, result.output
    assert {"K001", "K209"} <= set(re.findall(r" error (K\d{3}) ", result.stdout))


def test_cli_json():
    path = str(CASES / "k207_table_incomplete.yaml")
    result = invoke(["validate", "--format", "json", path])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["files"] == [path]
    assert doc["summary"] == {"errors": 1, "warnings": 0, "infos": 0}
    [finding] = doc["findings"]
    assert (finding["code"], finding["file"], finding["line"], finding["column"]) == ("K207", path, 13, 5)
    assert finding["severity"] == "error" and finding["path"] == "$.tables.predikat.rows"
    assert "Di Bawah Ekspektasi" in finding["message"] and finding["hint"]


def test_cli_json_no_findings():
    result = invoke(["validate", "--format", "json", str(CASES / "ok" / "minimal.yaml")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []


GITHUB_LINE = re.compile(r"::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
                         r"(?:endLine=\d+,endColumn=\d+,)?title=(?P<code>K\d{3}) [^:]*::(?P<message>.+)")


def _github(output: str, path: str, code: str, line: int, col: int) -> str:
    [entry] = output.splitlines()
    m = GITHUB_LINE.fullmatch(entry)
    assert m, entry
    assert (m["file"], m["code"], int(m["line"]), int(m["col"])) == (path, code, line, col)
    return m["message"]


def test_cli_github_format():
    path = str(CASES / "k203_weights_95.yaml")
    result = invoke(["validate", "--format", "github", path])
    assert result.exit_code == 1, result.output
    message = _github(result.stdout, path, "K203", 13, 5)
    assert message.startswith("weights total 95, expected 100")


def test_cli_github_actions_env_selects_github():
    path = str(CASES / "k209_cycle.yaml")
    result = invoke(["validate", path], github=True)
    assert result.exit_code == 1, result.output
    assert "nilai_akhir → nilai_tambahan → nilai_akhir" in _github(result.stdout, path, "K209", 10, 3)


def test_cli_explicit_format_beats_github_actions_env():
    result = invoke(["validate", "--format", "text", str(CASES / "k209_cycle.yaml")], github=True)
    assert result.exit_code == 1
    assert not result.stdout.startswith("::") and " error K209 " in result.stdout


def test_cli_stdin():
    data = (CASES / "k203_weights_95.yaml").read_bytes()
    result = invoke(["validate", "-"], input=data)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "<stdin>:13:5: error K203 weights total 95, expected 100"


def test_cli_stdin_valid_policy():
    result = invoke(["validate", "-"], input=(CASES / "ok" / "minimal.yaml").read_bytes())
    assert result.exit_code == 0, result.output


def test_cli_output_file(tmp_path: Path):
    out = tmp_path / "report.json"
    result = invoke(["validate", "--format", "json", "-o", str(out), str(CASES / "k205_band_gap_max.yaml")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert [f["code"] for f in json.loads(out.read_text("utf-8"))["findings"]] == ["K205"]
