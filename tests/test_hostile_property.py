"""The property behind issue 10: whatever the records, `kinerja evaluate` ends without an internal
error, with exit code 0, 1 or 2, and (unless the file as a whole is refused, exit 2) with one
result row per input record, in input order.

Records are generated in every input format with values chosen to hurt: huge and tiny
exponents, Unicode digits, quotes, delimiters and line breaks, formulas, long text, nested lists.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kinerja.cli.main import main

POLICY = Path(__file__).parent / "cases" / "hostile" / "policy.yaml"
FIELDS = ["nip", "nama", "nilai", "jumlah"]

NASTY_TEXT = ["1e999999999", "-1e-999999999", "1e21", "9" * 120, "\u00b2", "\u0663", "1_000", "NaN", "Infinity",
              '"', '"a', 'a"b', ",", ";", "\t", "\n", "\r\n", "a\nb,c,d", "=1+1", "@SUM(A1)", "-5", "+5",
              "\x00decimal_comma", "1.234,5", "0E-30", "", " ", "x" * 40_000, "::error::x", "##[error]x"]
text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=20))
number = st.one_of(st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                   st.decimals(allow_nan=False, allow_infinity=False).map(str),
                   st.floats(allow_nan=False, allow_infinity=False))
value = st.one_of(text, number, st.none(), st.booleans())
nested = st.recursive(value, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                          max_size=3), max_leaves=8)
nip = st.one_of(st.just("198609262015051001"), st.text(min_size=1, max_size=20)).filter(lambda s: s.strip())


def record(values):
    return st.fixed_dictionaries({"nip": nip}, optional={f: values for f in FIELDS[1:]})


def _no_surrogates(s: str) -> str:
    return s.encode("utf-8", "replace").decode("utf-8")


def _cell(v) -> str:
    return "" if v is None else _no_surrogates(str(v))


def write_csv(records, path: Path) -> None:
    out = io.StringIO()
    w = csv.writer(out)  # "\r\n" lines: a CR or LF in a cell is quoted
    w.writerow(FIELDS)
    for r in records:
        w.writerow([_cell(r.get(f)) for f in FIELDS])
    path.write_bytes(out.getvalue().encode("utf-8"))


def write_json(records, path: Path) -> None:
    path.write_text(json.dumps(records, default=str), encoding="utf-8")


def write_jsonl(records, path: Path) -> None:
    path.write_text("".join(json.dumps(r, default=str) + "\n" for r in records), encoding="utf-8")


def write_yaml(records, path: Path) -> None:
    path.write_text(yaml.safe_dump([{k: (str(v) if isinstance(v, float) else v) for k, v in r.items()}
                                    for r in records], allow_unicode=False), encoding="utf-8")


def write_xlsx(records, path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(FIELDS)
    for r in records:
        row = []
        for f in FIELDS:
            v = r.get(f)
            if isinstance(v, str) or f == "nip":
                v = ILLEGAL_CHARACTERS_RE.sub("", _cell(v))[:32_000] if v is not None else None
            elif isinstance(v, (list, dict)):
                v = json.dumps(v, default=str)[:1000]
            row.append(v)
        if not str(row[0]).strip():
            row[0] = "x"
        ws.append(row)
    wb.save(path)


WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl, "yaml": write_yaml, "xlsx": write_xlsx}


def check(records, fmt: str, tmp: Path) -> None:
    path = tmp / f"records.{fmt}"
    WRITERS[fmt](records, path)
    result = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output, output[-2000:]
    assert result.exit_code in (0, 1, 2), result.exit_code
    if result.exit_code == 2:  # the file as a whole refused, with one clear line
        assert result.stderr.startswith("kinerja: "), result.stderr
        return
    rows = [json.loads(line)["row"] for line in result.stdout.split("\n") if line]
    assert rows == list(range(1, len(records) + 1)), (rows, len(records))


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "yaml"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(records=st.lists(record(value), min_size=1, max_size=6))
def test_every_record_comes_out_in_order(fmt, records, tmp_path):
    check(records, fmt, tmp_path)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(records=st.lists(record(nested), min_size=1, max_size=5))
def test_nested_values_never_lose_a_record(fmt, records, tmp_path):
    check(records, fmt, tmp_path)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(records=st.lists(record(value), min_size=1, max_size=5))
def test_every_xlsx_record_comes_out_in_order(records, tmp_path):
    check(records, "xlsx", tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "yaml", "xlsx"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_end_cleanly(fmt, data, tmp_path):
    path = tmp_path / f"garbage.{fmt}"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["evaluate", str(POLICY), str(path), "--format", "jsonl"])
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output, output[-2000:]
    assert result.exit_code in (0, 1, 2)


EXPRESSIONS = ["nilai * 2", "nilai * 1e20 * 1e20", "nilai ** 1000", "(nilai * 1e20) ** 1000", "nilai / (nilai - nilai)",
               "nama + nama", "nama + nama + nama + nama", "round(nilai, 12)", "capaian(nilai, jumlah)",
               "coalesce(nilai, 0) * 1e15", "floor(nilai * 1e18)", "jumlah % 7", "-nilai", "nilai > 0",
               "nama if nilai > 1 else 'x'", "count(nilai, jumlah)", "max(nilai, jumlah) * 1e19"]
TYPES = ["number", "integer", "string", "boolean"]


@st.composite
def policies(draw) -> str:
    nilai, jumlah = draw(st.sampled_from(TYPES)), draw(st.sampled_from(["number", "integer"]))
    values = draw(st.lists(st.sampled_from(EXPRESSIONS), min_size=1, max_size=4))
    lines = ["kinerja: 1", "id: acak", "name: Acak", 'version: "1"',
             f"rounding: {{places: {draw(st.integers(0, 12))}, mode: half_up, "
             f"intermediates: {draw(st.sampled_from(['rounded', 'exact']))}}}",
             "fields:", "  nip: {type: nip, required: true}", "  nama: {type: string}",
             f"  nilai: {{type: {nilai}}}", f"  jumlah: {{type: {jumlah}}}", "values:"]
    for i, text in enumerate(values):
        places = draw(st.one_of(st.none(), st.integers(0, 12)))
        lines.append(f'  v{i}: {{expr: "{text}"' + (f", places: {places}" if places is not None else "") + "}")
    lines += ["rules:", "  r:", "    kind: catatan", "    when: \"nama != ''\"", '    reason: "{nama} {v0}"']
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(policy=policies(), records=st.lists(record(value), min_size=1, max_size=4),
       fmt=st.sampled_from(["csv", "jsonl"]))
def test_generated_policies_never_lose_a_record(policy, records, fmt, tmp_path):
    path = tmp_path / "acak.yaml"
    path.write_text(policy)
    data = tmp_path / f"records.{fmt}"
    WRITERS[fmt](records, data)
    result = CliRunner().invoke(main, ["evaluate", str(path), str(data), "--format", "jsonl"])
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output, output[-2000:]
    assert result.exit_code in (0, 1, 2)
    if result.exit_code == 2 or "has errors; fix them first" in result.stderr:
        return  # the file or the policy refused as a whole, with its findings
    rows = [json.loads(line)["row"] for line in result.stdout.split("\n") if line]
    assert rows == list(range(1, len(records) + 1))
