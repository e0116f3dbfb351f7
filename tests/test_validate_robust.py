"""Nothing a user can type or put in a file makes `kinerja validate` print a Python traceback.

Every case goes through the command line (click's CliRunner) and checks the exit code, that the
output has no traceback or "internal error", that every output line is a finding, a hint or the
summary, and, where the input decides it, which finding comes out.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.cli.main import main
from kinerja.validate import validate_file, validate_paths, validate_text

NATIONAL = Path(__file__).parents[1] / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
HEAD = 'kinerja: 1\nid: kasus\nname: Kasus\nversion: "1"\n'
NUM = "fields:\n  n: {type: number}\n"

FINDING = re.compile(r"(?P<file>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?:error|warning|info) (?P<code>K\d{3}) \S.*")
HINT = re.compile(r"    hint: .*")
SUMMARY = re.compile(r"\d+ error\(s\), \d+ warning\(s\)(?:, \d+ info\(s\))? in \d+ file\(s\)"
                     r"|\d+ file\(s\) checked, no problems found")


def run(args: list[str], input: bytes | None = None) -> tuple[int, list[tuple[str, int, int]]]:
    """`kinerja validate ARGS` in text format: (exit code, [(code, line, column), ...])."""
    result = CliRunner().invoke(main, ["validate", *args], input=input,
                                env={"GITHUB_ACTIONS": None, "KINERJA_DEBUG": None})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, check_text(result.output)


def check_text(output: str) -> list[tuple[str, int, int]]:
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    lines = output.splitlines()
    assert lines and SUMMARY.fullmatch(lines[-1]), output[-2000:]
    found = []
    for line in lines[:-1]:
        m = FINDING.fullmatch(line)
        assert m or HINT.fullmatch(line), f"not a finding line: {line!r}"
        if m:
            found.append((m["code"], int(m["line"] or 0), int(m["col"] or 0)))
    return found


def codes(found) -> set[str]:
    return {code for code, _, _ in found}


# --- what is in the file -----------------------------------------------------------------------

BILLION_LAUGHS = (b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                  + b"".join(b"%c: &%c [%s]\n" % (x, x, b",".join([b"*%c" % p] * 9))
                             for p, x in zip(b"abcdefgh", b"bcdefghi")))

CONTENT = {  # id: (file bytes, exit code, expected code, (line, col) or None)
    "garbage": (b"this is : not : valid\n  - [ {\n\x7f", 1, "K004", (3, 1)),
    "garbage-flow": (b"}{][ :: -- ?? @@", 1, "K004", (1, 1)),
    "random-binary": (random.Random(20240601).randbytes(4096), 1, "K002", (1, 1)),
    "nul-byte": (b"kinerja: 1\x00\nid: x\n", 1, "K004", (1, 11)),
    "only-nul-bytes": (b"\x00" * 100, 1, "K004", (1, 1)),
    "empty": (b"", 1, "K011", (0, 0)),
    "whitespace-and-comments": (b"  \n\n\t\n# komentar\n", 1, "K011", (0, 0)),
    "5-MB": ((b"# " + b"x" * 97 + b"\n") * 52_429, 1, "K003", (0, 0)),
    "100000-deep-lists": (b"[" * 100_000 + b"]" * 100_000, 1, "K010", (1, 65)),
    "100000-deep-mappings": (b"a: " + b"{b: " * 100_000 + b"}" * 100_000, 1, "K010", (1, 256)),
    "200-deep-block-mappings": ("".join("  " * i + f"k{i}:\n" for i in range(200)).encode(), 1, "K010", (65, 129)),
    "billion-laughs": (BILLION_LAUGHS, 1, "K006", (1, 4)),
    "windows-1252": (HEAD.encode() + "description: Dinas Pendidikan – café\n".encode("cp1252"), 1, "K002", (5, 31)),
    "utf-16": (HEAD.encode("utf-16"), 1, "K002", (1, 1)),
    "lone-surrogate-escape": (HEAD.encode() + b'description: "\\ud800"\n', 0, None, None),
    "lone-surrogate-key": (HEAD.encode() + b'fields:\n  "\\udfff": {type: number}\n', 1, "K106", (6, 3)),
    "yaml-list": (b"- kinerja: 1\n- id: x\n", 1, "K103", (1, 1)),
    "yaml-scalar": (b"penilaian kinerja\n", 1, "K103", (1, 1)),
    "yaml-null": (b"null\n", 1, "K103", (1, 1)),
    "yaml-tilde": (b"~\n", 1, "K103", (1, 1)),
    "yaml-number": (b"42\n", 1, "K103", (1, 1)),
    "huge-integer": (HEAD.encode() + b"params:\n  a: " + b"9" * 5000 + b"\n", 1, "K013", (6, 6)),
    "huge-exponent": (HEAD.encode() + b"params:\n  a: 1e999999999\n", 1, "K013", (6, 6)),
    "utf-8-bom": (b"\xef\xbb\xbf" + HEAD.encode(), 0, None, None),
    "crlf": (HEAD.replace("\n", "\r\n").encode(), 0, None, None),
    "crlf-unknown-name": ((HEAD + NUM + "rules:\n  r:\n    kind: catatan\n    when: >\n      n > 1\n      and nn < 2\n")
                          .replace("\n", "\r\n").encode(), 1, "K302", (12, 11)),
    "key-with-line-breaks": (HEAD.encode() + b'fields:\n  "a\\nb\\u2028c\\0": {type: number}\n', 1, "K106", (6, 3)),
}

WRONG_TYPES = {  # id: (policy text after HEAD, expected code, (line, col))
    "fields-as-list": ("fields: [nip, nama]\n", "K103", (5, 9)),
    "field-as-text": ("fields:\n  n: number\n", "K103", (6, 6)),
    "params-as-number": ("params: 5\n", "K103", (5, 9)),
    "param-as-list": ("params:\n  a: [1, 2]\n", "K103", (6, 6)),
    "rules-as-string": ("rules: kenaikan pangkat\n", "K103", (5, 8)),
    "rule-as-list": ("rules:\n  r: [a]\n", "K103", (6, 6)),
    "band-entry-without-min": (NUM + "bands:\n  b:\n    input: n\n    bands:\n      - {label: A}\n", "K102", (11, 9)),
    "band-entries-as-mapping": (NUM + "bands:\n  b:\n    input: n\n    bands: {min: 0, label: A}\n", "K103", (10, 12)),
    "band-entry-as-text": (NUM + "bands:\n  b:\n    input: n\n    bands: [A]\n", "K103", (10, 13)),
    "table-row-not-a-list": (NUM + "tables:\n  t:\n    inputs: [n]\n    rows:\n      - 5 A\n", "K103", (11, 9)),
    "table-rows-as-text": (NUM + "tables:\n  t:\n    inputs: [n]\n    rows: semua\n", "K103", (10, 11)),
    "table-inputs-as-text": (NUM + "tables:\n  t:\n    inputs: n\n    rows:\n      - [1, A]\n", "K103", (9, 13)),
    "table-cell-as-mapping": (NUM + "tables:\n  t:\n    inputs: [n]\n    rows:\n      - [{a: 1}, A]\n",
                              "K103", (11, 10)),
    "weight-as-text": (NUM + "scorecards:\n  s:\n    indicators:\n      a: {weight: enam puluh, score: n}\n",
                       "K103", (10, 19)),
    "indicators-as-list": (NUM + "scorecards:\n  s:\n    indicators: [a, b]\n", "K103", (9, 17)),
    "when-5": (NUM + "rules:\n  r:\n    kind: catatan\n    when: 5\n", "K103", (10, 11)),
    "when-mapping": (NUM + "rules:\n  r:\n    kind: catatan\n    when: {n: 1}\n", "K103", (10, 11)),
    "when-empty": (NUM + "rules:\n  r:\n    kind: catatan\n    when:\n", "K103", (10, 10)),
    "value-as-number": (NUM + "values:\n  v: 5\n", "K103", (8, 6)),
    "extends-5": ("extends: 5\n", "K103", (5, 10)),
    "extends-as-list": ("extends: [permenpanrb-6-2022]\n", "K103", (5, 10)),
    "disable-as-text": ("disable: sanksi-kinerja\n", "K103", (5, 10)),
    "rounding-as-text": ("rounding: dua\n", "K103", (5, 11)),
    "tests-as-text": ("tests: semua\n", "K103", (5, 8)),
    "field-type-as-list": ("fields:\n  n: {type: [number]}\n", "K104", (6, 13)),
    "enum-values-as-numbers": ("fields:\n  n: {type: enum, values: [1]}\n", "K103", (6, 28)),
    "field-name-with-unicode": ("fields:\n  nilai_é: {type: number}\n", "K106", (6, 3)),
    "rule-id-with-unicode": (NUM + "rules:\n  aturan-✓:\n    kind: catatan\n    when: n > 1\n", "K106", (8, 3)),
    "table-cell-signalling-nan": (NUM + 'tables:\n  t:\n    inputs: [n]\n    rows:\n      - [">= sNaN", A]\n',
                                  "K213", (11, 10)),
    "table-cell-overflowing-number": (NUM + 'tables:\n  t:\n    inputs: [n]\n    rows:\n'
                                      '      - [">= 9e9999999", A]\n      - [-, B]\n', "K213", (11, 10)),
    "value-reading-itself": (NUM + "values:\n  v: v + n\n", "K209", (8, 3)),
    "expression-nested-4000-deep": (NUM + 'values:\n  v: "' + "-" * 3990 + 'n"\n', "K308", (8, 7)),
    "expression-with-nul": (NUM + 'values:\n  v: "n\\0"\n', "K301", (8, 10)),
    "extends-path-with-nul": ('extends: "a/\\0.yaml"\n', "K210", (5, 10)),
}
WRONG_TYPES = {name: (HEAD + text, code, where) for name, (text, code, where) in WRONG_TYPES.items()}
WRONG_TYPES["id-with-unicode"] = (HEAD.replace("id: kasus", "id: kasus-pénilaian"), "K106", (2, 5))


@pytest.mark.parametrize("data, exit_code, code, where", CONTENT.values(), ids=CONTENT.keys())
def test_file_content(tmp_path: Path, data: bytes, exit_code: int, code: str | None, where):
    path = tmp_path / "policy.yaml"
    path.write_bytes(data)
    status, found = run([str(path)])
    assert status == exit_code, found
    if code is None:
        assert found == []
    else:
        assert (code, *where) in found, found
        assert codes(found) == {code}, found


@pytest.mark.parametrize("text, code, where", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_types(tmp_path: Path, text: str, code: str, where):
    path = tmp_path / "policy.yaml"
    path.write_text(text, "utf-8")
    status, found = run([str(path)])
    assert status == 1
    assert found == [(code, *where)]


def test_wrong_types_everywhere_at_once(tmp_path: Path):
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD + "fields: [a]\nparams: 1\nscorecards: x\nvalues: [1]\nbands: 2\ntables: true\nrules: r\n"
                    "population: 5\ndisable: x\ntests: {}\nextends: 5\nsources: s\nrounding: []\n", "utf-8")
    status, found = run([str(path)])
    assert status == 1
    assert sorted(line for _, line, _ in found) == list(range(5, 18))
    assert codes(found) == {"K103"}


def test_odd_characters_in_keys_are_shown_escaped(tmp_path: Path):
    path = tmp_path / "policy.yaml"
    path.write_bytes(CONTENT["key-with-line-breaks"][0])
    result = CliRunner().invoke(main, ["validate", str(path)], env={"GITHUB_ACTIONS": None})
    assert '"a\\nb\\u2028c\\x00" is not a valid name here' in result.output
    path.write_bytes(CONTENT["lone-surrogate-key"][0])
    result = CliRunner().invoke(main, ["validate", str(path)], env={"GITHUB_ACTIONS": None})
    assert '"\\udfff" is not a valid name here' in result.output


def test_stdin_binary_and_empty():
    assert run(["-"], input=random.Random(7).randbytes(2048))[0] == 1
    status, found = run(["-"], input=b"")
    assert (status, found) == (1, [("K011", 0, 0)])


# --- what the path points at -----------------------------------------------------------------


def test_directory_named_like_a_policy(tmp_path: Path):
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    assert run([str(folder)]) == (2, [("K001", 0, 0)])  # a folder with no policy must not pass silently
    good = tmp_path / "good.yaml"
    good.write_text(HEAD, "utf-8")
    assert run([str(tmp_path)]) == (0, [])  # walking skips the folder named x.yaml
    assert [f.code for f in validate_file(str(folder))] == ["K001"]


def test_missing_file_and_broken_symlink(tmp_path: Path):
    assert run([str(tmp_path / "nope.yaml")]) == (2, [("K001", 0, 0)])
    (tmp_path / "link.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert run([str(tmp_path / "link.yaml")]) == (2, [("K001", 0, 0)])
    assert run(["bad\x00name.yaml"]) == (2, [("K001", 0, 0)])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_endless_file():
    assert run(["/dev/zero"]) == (1, [("K003", 0, 0)])  # read up to the limit, not forever


def test_library_with_a_nul_in_the_path():
    assert [f.code for f in validate_file("policy\x00.yaml")] == ["K001"]


def test_mapping_file_and_policies_only_with_garbage(tmp_path: Path):
    garbage = random.Random(11).randbytes(3000)
    (tmp_path / "kolom.map.yaml").write_bytes(b"kinerja_map: [\n" + garbage)
    (tmp_path / "acak.yaml").write_bytes(garbage)
    assert run([str(tmp_path / "kolom.map.yaml")])[0] == 1
    assert run(["--policies-only", str(tmp_path / "acak.yaml"), str(tmp_path / "kolom.map.yaml")])[0] == 1
    result = CliRunner().invoke(main, ["validate", "--format", "sarif", str(tmp_path)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert json.loads(result.stdout)["runs"][0]["results"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file(tmp_path: Path):
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD, "utf-8")
    path.chmod(0)
    try:
        assert run([str(path)]) == (2, [("K001", 0, 0)])
    finally:
        path.chmod(0o644)


def test_extends_odd_parents(tmp_path: Path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "latin.yaml").write_bytes(b'kinerja: 1\nid: latin\nname: caf\xe9\nversion: "1"\n')
    (tmp_path / "self.yaml").write_text(HEAD + "extends: self.yaml\n", "utf-8")
    (tmp_path / "dir.yaml").write_text(HEAD + "extends: folder.yaml\n", "utf-8")
    (tmp_path / "bad.yaml").write_text(HEAD + "extends: latin.yaml\n", "utf-8")
    assert run([str(tmp_path / "self.yaml")]) == (1, [("K211", 5, 10)])
    assert run([str(tmp_path / "dir.yaml")]) == (1, [("K210", 5, 10)])
    assert run([str(tmp_path / "bad.yaml")]) == (1, [("K002", 3, 10)])  # located in the parent


def test_extends_chain_too_long(tmp_path: Path):
    for i in range(30):
        (tmp_path / f"p{i}.yaml").write_text(HEAD.replace("kasus", f"p{i}") + f"extends: p{i + 1}.yaml\n", "utf-8")
    (tmp_path / "p30.yaml").write_text(HEAD.replace("kasus", "p30"), "utf-8")
    status, found = run([str(tmp_path / "p0.yaml")])
    assert status == 1 and codes(found) == {"K211"}


def test_test_file_with_garbage(tmp_path: Path):
    path = tmp_path / "policy.test.yaml"
    path.write_text("- a\n- b\n", "utf-8")
    status, found = run([str(path)])
    assert status == 1 and found and all(code.startswith("K1") for code in codes(found))


def test_real_process():
    exe = shutil.which("kinerja")
    if exe is None:
        pytest.skip("the kinerja command is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "KINERJA_DEBUG")}
    proc = subprocess.run([exe, "validate", "-"], input=b"[[[[\x00\xff" + random.Random(3).randbytes(1000),
                          capture_output=True, timeout=60, env=env)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stdout + proc.stderr
    check_text(proc.stdout.decode("utf-8"))
    proc = subprocess.run([exe, "validate", "/nonexistent/policy.yaml"], capture_output=True, timeout=60, env=env)
    assert proc.returncode == 2 and b"Traceback" not in proc.stdout + proc.stderr


# --- random damage to the national policy ----------------------------------------------------

NATIONAL_TEXT = NATIONAL.read_text("utf-8")
PIECES = list(":-[]{}\"'#&*!|>%@`,?.\t\\ \n") + ["\u00e9", "\x00", "\u2028", "\ufeff", "---", "<<: ", "1e999999",
                                                  "  ", "- ", ": ", "x", "9", "{x}", " and ", "(", ")"]
EDIT = st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.floats(0, 1, exclude_max=True),
                 st.one_of(st.sampled_from(PIECES), st.characters()), st.integers(1, 8))


def damage(text: str, edits) -> str:
    for kind, where, piece, length in edits:
        i = int(where * len(text))
        if kind == "insert":
            text = text[:i] + piece + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + length:]
        else:
            text = text[:i] + piece + text[i + 1:]
    return text


@settings(max_examples=120, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDIT, min_size=1, max_size=4))
def test_damaged_national_policy(edits):
    text = damage(NATIONAL_TEXT, edits)
    status, _ = run(["-"], input=text.encode("utf-8", "surrogatepass"))
    assert status in (0, 1)


SWAPS = st.sampled_from([0, -1, 1e300, "", "x", "-", ">= 5", "a\nb", "Baik", None, True, [], {}, ["x", 1],
                         {"min": "x"}, {"label": None}, "predikat", "9e9999999", "é"])
SECTIONS = ["fields", "params", "tables", "bands", "values", "rules", "rounding", "tests", "sources"]


@settings(max_examples=50, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(SECTIONS), st.integers(0, 50), st.integers(0, 50), SWAPS),
                min_size=1, max_size=3))
def test_national_policy_with_values_of_the_wrong_type(swaps):
    """Replace an entry (or a key of an entry) of a section with a value of another type."""
    doc = yaml.safe_load(NATIONAL_TEXT)
    for section, i, j, value in swaps:
        node = doc[section]
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            continue
        key = keys[i % len(keys)]
        inner = node[key]
        inner_keys = list(inner) if isinstance(inner, dict) else list(range(len(inner))) \
            if isinstance(inner, list) else []
        if inner_keys and j % 3:
            inner[inner_keys[j % len(inner_keys)]] = value
        else:
            node[key] = value
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    status, _ = run(["-"], input=text.encode("utf-8"))
    assert status in (0, 1)


def test_library_never_raises_on_the_same_inputs():
    for data, *_ in CONTENT.values():
        assert all("\n" not in f.message for f in validate_text(data, "policy.yaml"))
    for text, *_ in WRONG_TYPES.values():
        assert validate_text(text, "policy.yaml")


def test_extends_cannot_reach_files_outside_the_project(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    for name, ref in (("abs", "/etc/passwd.yaml"), ("up", "../../../../etc/x.yaml"), ("dev", "/dev/zero")):
        (tmp_path / "p" / f"{name}.yaml").write_text(HEAD + f"extends: {ref}\n", "utf-8")
    result = validate_paths([str(tmp_path / "p")])
    assert [(f.code, Path(f.file).name) for f in result.findings] == [
        ("K210", "abs.yaml"), ("K210", "dev.yaml"), ("K210", "up.yaml")]


def test_table_reading_itself_is_one_cycle_finding(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + "fields:\n  a: {type: enum, values: [A, B]}\ntables:\n  t:\n    inputs: [a, t]\n"
                    "    rows:\n      - [A, \"-\", X]\n", "utf-8")
    assert [(f.code, f.line, f.column) for f in validate_file(str(path))] == [("K209", 8, 3)]


def test_compile_time_grows_linearly_with_the_number_of_values(tmp_path: Path, timing):
    """A hostile policy with thousands of values must not make validation quadratic."""

    def chain(n: int) -> str:
        lines = [HEAD.rstrip("\n"), "fields:", "  a: {type: number}", "values:", "  v0: a"]
        lines += [f"  v{i}: v{i - 1} + 1" for i in range(1, n)]
        path = tmp_path / f"chain{n}.yaml"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        assert validate_file(str(path)) == []
        return str(path)

    small, big = chain(500), chain(4000)
    # 8× the values: linear is ~8×, quadratic would be ~64×
    assert timing.ratio(lambda: validate_file(big), lambda: validate_file(small), repeat=2) < 16


def test_huge_decision_table_is_a_warning_not_a_hang(tmp_path: Path):
    labels = [f"L{i}" for i in range(140)]
    rows = "".join(f"      - [{x}, {y}, Z]\n" for x in labels for y in labels)
    enum = "{type: enum, values: [" + ", ".join(labels) + "]}"
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + f"fields:\n  a: {enum}\n  b: {enum}\ntables:\n  t:\n    inputs: [a, b]\n"
                    f"    hit: first\n    rows:\n{rows}", "utf-8")
    [finding] = validate_file(str(path))
    assert (finding.code, finding.severity, finding.line, finding.column) == ("K220", "warning", 12, 5)
    assert run([str(path)])[0] == 0
