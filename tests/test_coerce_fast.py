"""The coercion written out per policy (records/coerce_code.py) gives exactly what the generic path
gives (`Coercer.coerce_generic`: every field through `_field`, then the conditions): the same
values of the same types in the same order (5 and 5.0 stay apart), the same problems with the
same values, messages, codes and cells, for every shipped policy's sample and test records and
for generated values of every field kind, cold and with the remembered texts warm."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja.api import load_policy
from kinerja.compile.compiler import compile_policy
from kinerja.model import FieldDef
from kinerja.policy.documents import read_document, resolve
from kinerja.records.coerce import Coercer
from kinerja.records.read import read_records
from kinerja.records.source import BadCell, PercentCell

POLICIES = Path(__file__).resolve().parent.parent / "policies"
POLICY_FILES = sorted(p for p in POLICIES.glob("*/*.yaml") if p.name.count(".") == 1)


def exactly(result: tuple[dict, list]) -> tuple[list, list]:
    """Values and problems with their types and reprs: Decimal("5") and Decimal("5.0") differ."""
    values, problems = result
    return ([(k, type(v).__name__, repr(v)) for k, v in values.items()],
            [(p.field, type(p.value).__name__, repr(p.value), p.reason, p.code, p.cell) for p in problems])


def same(coercer: Coercer, raw: dict, params: dict, cells=None, comma: bool = False) -> None:
    expected = exactly(coercer.coerce_generic(raw, params, cells, comma))
    for _ in range(2):  # cold, then with what the first call remembered
        assert exactly(coercer.coerce(raw, params, cells, comma)) == expected, raw


@functools.cache
def shipped(path: Path) -> tuple:
    """A shipped policy and every record its sample files and test files hold."""
    policy = load_policy(str(path))
    records = []
    for sample in sorted(path.parent.glob(f"{path.stem}.*")):
        if sample.suffix in (".csv", ".yaml") and sample.name.count(".") == 2 and "test" not in sample.name \
                and "units" not in sample.name:
            records += [(s.data, s.cells, s.decimal_comma) for s in read_records(str(sample))
                        if isinstance(s.data, dict)]
    for test_file in sorted(path.parent.glob("*.test.yaml")):
        doc = yaml.safe_load(test_file.read_text("utf-8"))
        if doc.get("policy") in (path.name, policy.id):
            records += [(t["record"], None, False) for t in doc.get("tests") or () if isinstance(t.get("record"), dict)]
    return policy, records


@pytest.mark.parametrize("path", POLICY_FILES, ids=[p.stem for p in POLICY_FILES])
def test_every_shipped_record_coerces_as_the_generic_path(path):
    policy, records = shipped(path)
    assert records, f"no sample or test records for {path.name}"
    coercer = Coercer(policy.fields)
    for raw, cells, comma in records:
        same(coercer, raw, policy.params, cells, comma)
        same(coercer, raw, policy.params, cells, not comma)
        same(coercer, raw, {}, {name: f"Data!A{i + 2}" for i, name in enumerate(raw)})
    for name, f in policy.fields.items():  # a list's items have a coercer of their own
        if f.items:
            inner = Coercer(f.items)
            for raw, _cells, _comma in records:
                for item in raw.get(name) or ():
                    if isinstance(item, dict):
                        same(inner, item, {})


def test_typed_spreadsheet_cells_coerce_as_the_generic_path(tmp_path):
    """The national sample as a workbook: numbers, dates and booleans stored as Excel types, a
    NIP stored as a number, a percentage, an error cell and empty cells, read by both readers."""
    import openpyxl

    from kinerja.records.xlsx import read_xlsx
    from kinerja.records.xlsx_fast import read_xlsx_fast

    policy, _ = shipped(POLICIES / "nasional" / "permenpanrb-6-2022.yaml")
    sample = [s.data for s in read_records(str(POLICIES / "nasional" / "permenpanrb-6-2022.sample.csv"))]
    header = list(sample[0]) + ["pimpinan_unit", "plt_plh"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(header)
    for n, record in enumerate(sample):
        row: list = []
        for name in header:
            text = record.get(name)
            try:
                row.append(None if not text else int(text) if text.isdigit() and name != "nip" else
                           float(text) if name != "nip" else text)
            except (TypeError, ValueError):
                row.append(text)
        row[header.index("pimpinan_unit")] = n % 3 == 0
        row[header.index("plt_plh")] = ["ya", False, None][n % 3]
        ws.append(row)
    ws.append([198609262015051001, "Angka", "PNS", "III/a", "Pelaksana", None, "Unit", "=1/0", None, "0.98"])
    ws.cell(ws.max_row, 10).value = 0.98
    ws.cell(ws.max_row, 10).number_format = "0%"
    ws.cell(ws.max_row, 8).value = "=1/0"
    path = tmp_path / "data.xlsx"
    wb.save(path)
    coercer = Coercer(policy.fields)
    for reader in (read_xlsx, read_xlsx_fast):
        with open(path, "rb") as fh:
            sources = list(reader(fh, str(path), notes=[]))
        assert len(sources) == len(sample) + 1
        for source in sources:
            same(coercer, source.data, policy.params, source.cells, source.decimal_comma)


# --- generated values, per field kind ---------------------------------------------------------

SPACES = st.sampled_from(["", " ", "  ", "\u00a0", "\t"])
NUMBER_TEXT = st.one_of(
    st.builds("".join, st.tuples(SPACES, st.sampled_from(["", "+", "-"]), st.from_regex(r"\A[0-9]{0,5}\Z"),
                                 st.sampled_from(["", ".", ","]), st.from_regex(r"\A[0-9]{0,4}\Z"),
                                 st.sampled_from(["", ".000", ",5", " 000"]),
                                 st.sampled_from(["", "e3", "E-2", "e+40", "e999999"]),
                                 st.sampled_from(["", "", "%", "\u00b2"]), SPACES)),
    st.sampled_from(["5", "5.0", "5.00", "05", "0", "-0", "0.0", "0E-30", "1e21", "12", "100", "100.5", "1.234,5",
                     "1,5", "1.500", "1 500", "NaN", "inf", "-Infinity", "\u0663", "1_000", "9" * 30, "98%", " 98 % "]))
NIP_LIKE = st.one_of(st.from_regex(r"\A[0-9]{16,20}\Z"), st.from_regex(r"\A ?[0-9]{8} [0-9]{6} [0-9] [0-9]{3} ?\Z"),
                     st.sampled_from(["19860926201505100\u0661", "198609262015051001\n", "1.98609262015051E+17"]),
                     st.integers(10 ** 16, 10 ** 19))
TYPED = st.one_of(st.integers(-(10 ** 25), 10 ** 25), st.floats(), st.decimals(allow_nan=False), st.booleans(),
                  st.dates(), st.datetimes(), st.none(), st.just([]), st.just({"a": 1}), st.just([{"a": "1"}]),
                  st.builds(BadCell, st.sampled_from(["#DIV/0!", "=A1"]), st.just("an Excel error"),
                            st.sampled_from(["K402", "K408"])),
                  st.builds(PercentCell, st.floats(min_value=-10, max_value=10)))
WORDS = st.sampled_from(["", " ", "ya", "Tidak", "TRUE", " 1 ", "0", "benar", "x", "2024-12-31", "31/12/2024",
                         "31-12-2024", "2024-02-30", " 2024-01-01 ", "x" * 201])


def labels(values) -> st.SearchStrategy:
    return st.sampled_from(list(values)).flatmap(lambda v: st.sampled_from(
        [v, v.upper(), v.lower(), f" {v} ", v.replace(" ", "  "), v[:-1], f"{v}x"]))


def value_for(f) -> st.SearchStrategy:
    own = {"number": NUMBER_TEXT, "integer": NUMBER_TEXT, "nip": NIP_LIKE,
           "enum": labels(f.values) if f.values else WORDS}.get(f.type, WORDS)
    return st.one_of(own, own, WORDS, TYPED, st.text(max_size=12))


TRICKY = ["198609262015051001", " 198609262015051001 ", "19860926201505100\u0661", "1986092620150510011",
          "1986 0926 2015 0510 01", 198609262015051001, 1.98609262015051e17, Decimal("198609262015051001"), "5", "5.0",
          "05", " 5 ", "-0", "0E-30", "1e21", "1,5", "1.234,5", "1 500,5", "\u00a01,5", "98%", "12\u00b2", "\u0663",
          "NaN", "Infinity", "x" * 201, "x" * 100_001, "", " ", "\t", None, True, False, 0, 5, 5.0, 0.1, Decimal("5.0"),
          dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), "2024-12-31", "31/12/2024", "ya", "TIDAK", [], {},
          "PNS", "pns", " Di  Atas ekspektasi ", "Di Atas Ekspektasi", "Sesuai Ekspektasi", "III/d", "iii/D", "IV/f",
          BadCell("#REF!", "an Excel error"), PercentCell(0.98), PercentCell(1.5)]


@pytest.mark.parametrize("value", TRICKY, ids=[f"{i}-{type(v).__name__}" for i, v in enumerate(TRICKY)])
def test_a_tricky_value_in_every_national_field(value):
    policy, records = shipped(POLICIES / "nasional" / "permenpanrb-6-2022.yaml")
    coercer = Coercer(policy.fields)
    for name in policy.fields:
        for raw in (records[0][0], records[-1][0]):
            for comma in (False, True):
                same(coercer, {**raw, name: value}, policy.params, {name: "Data!D9"}, comma)


@functools.cache
def all_shipped() -> list:
    return [shipped(p) for p in POLICY_FILES]


@functools.cache
def coercer_of(i: int) -> Coercer:  # kept across examples: later examples meet the memos warm
    return Coercer(all_shipped()[i][0].fields)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_values_coerce_as_the_generic_path(data):
    i = data.draw(st.integers(0, len(POLICY_FILES) - 1), label="policy")
    policy, records = all_shipped()[i]
    raw = dict(data.draw(st.sampled_from(records), label="record")[0])
    for name in data.draw(st.lists(st.sampled_from(sorted(policy.fields)), max_size=4), label="fields"):
        if data.draw(st.booleans()):
            raw[name] = data.draw(value_for(policy.fields[name]), label=name)
        else:
            raw.pop(name, None)
    cells = data.draw(st.none() | st.just({name: f"Data!B{n}" for n, name in enumerate(raw)}), label="cells")
    params = data.draw(st.sampled_from([policy.params, dict(policy.params), {}]), label="params")
    same(coercer_of(i), raw, params, cells, data.draw(st.booleans(), label="comma"))


# --- what the shipped policies do not declare --------------------------------------------------

ODD = """\
kinerja: 1
id: ganjil
name: Ganjil
version: "1"
params:
  batas: 10
fields:
  nip: {type: nip, required: true}
  kode: {type: nip, default: "198609262015051001"}
  nama: {type: string, required: true}
  tanggal: {type: date, default: "2024-12-31"}
  mulai: {type: date, required: true}
  aktif: {type: boolean, required: true}
  kelas: {type: enum, values: [A, B b], required: true}
  jam: {type: number, min: 0, max: 100, unit: percent}
  nilai: {type: integer, min: 1, default: 0}
  alasan:
    type: string
    required_when: [jam > batas, kelas == "A"]
    only_when: [jam > batas, kelas == "A"]
  catatan: {type: string, only_when: aktif}
"""


@pytest.fixture(scope="module")
def odd():
    policy, findings = compile_policy(resolve(read_document("ganjil.yaml", text=ODD)))
    assert findings == []
    return policy


@pytest.mark.parametrize("raw", [
    pytest.param({"nip": "198609262015051001", "nama": "Budi", "mulai": "2024-01-02", "kelas": "A", "jam": "20"},
                 id="required-when-both-hold"),
    pytest.param({"nip": "198609262015051001", "nama": "Budi", "mulai": "2024-01-02", "kelas": "B b", "jam": "20",
                  "alasan": "x"}, id="only-when-fails"),
    pytest.param({"nip": 198609262015051001, "nama": " ", "mulai": dt.date(2024, 1, 2), "kelas": "b  B",
                  "jam": "98%", "catatan": "x", "aktif": "tidak"}, id="typed-and-percent"),
    pytest.param({"nip": None, "kode": " ", "tanggal": "", "nilai": "", "jam": "x"},
                 id="empty-and-missing"),
    pytest.param({"nip": "1986 0926 2015 0510 01", "nama": "x" * 100_001, "mulai": "2024-02-30", "kelas": "C",
                  "jam": PercentCell(0.98), "alasan": ["x"]}, id="every-problem"),
], )
def test_fields_the_shipped_policies_do_not_have(odd, raw):
    coercer = Coercer(odd.fields)
    for params in (odd.params, {}, {"batas": Decimal(50)}):
        for comma in (False, True):
            same(coercer, raw, params, {"jam": "Data!C3"}, comma)


@pytest.mark.parametrize("raw", [{}, {"n": None}, {"n": " "}, {"n": "4"}, {"n": []}, {"n": {"a": 1}}, {"n": {1, 2}}],
                         ids=["absent", "none", "blank", "given", "list", "mapping", "set"])
@pytest.mark.parametrize("field", [
    pytest.param(FieldDef("n", "number", required=True, default=Decimal(3)), id="required-with-default"),
    pytest.param(FieldDef("n", "enum", required=True, default="x", values=("a",)), id="unusable-default"),
    pytest.param(FieldDef("n", "enum", values=("a", "b")), id="enum"),
    pytest.param(FieldDef("n", "list", items={"a": FieldDef("a", "number")}, default=[{"a": "1"}]), id="list-default"),
])
def test_field_definitions_no_policy_file_gives(field, raw):
    same(Coercer({"n": field}), raw, {"n": Decimal(1)})


def test_a_list_or_mapping_for_a_label_is_a_problem_not_a_crash():
    coercer = Coercer({"kelas": FieldDef("kelas", "enum", values=("A", "B"))})
    for value in ([], ["A"], {"A": 1}, {"A"}):
        values, [problem] = coercer.coerce({"kelas": value}, {})
        assert (values["kelas"], problem.code, problem.reason) == (None, "K402", "expected text, got a list or mapping")


def test_the_params_are_read_as_they_are_each_time(odd):
    """The copy of the params made once is used only while they are the same dict holding the
    same values in the same order; a change in place is seen at once."""
    coercer = Coercer(odd.fields)
    params = {"batas": Decimal("10"), "lain": "x"}
    raw = {"nip": "198609262015051001", "nama": "Budi", "mulai": "2024-01-02", "kelas": "A", "jam": "20"}
    for change in (lambda p: None, lambda p: p.update(batas=Decimal("10.0")), lambda p: p.update(lain=p.pop("batas")),
                   lambda p: p.update(batas=Decimal(30)), lambda p: p.update(baru=1), lambda p: p.clear()):
        change(params)
        for _ in range(2):
            values, problems = coercer.coerce(raw, params)
            assert exactly((values, problems)) == exactly(coercer.coerce_generic(raw, params))
            assert list(values)[:len(params)] == list(params)
    assert repr(coercer.coerce(raw, {"batas": Decimal("10.0")})[0]["batas"]) == "Decimal('10.0')"


@pytest.mark.parametrize("first", [
    pytest.param({"nip": "198609262015051001", "nama": "Budi", "kelas": "A", "kolom_lain": "x"}, id="extra-column"),
    pytest.param({"nip": "198609262015051001", "nama": "Budi", "kelas": "A"}, id="fields-only"),
    pytest.param({"nama": "Budi", "jam": "5"}, id="required-left-out"),
])
@pytest.mark.parametrize("raw", [
    pytest.param({"nip": "198609262015051001", "nama": "Sari", "kelas": "B b", "kolom_lain": "y"}, id="same-keys"),
    pytest.param({"kolom_lain": "y", "kelas": "a", "nama": "Sari", "nip": "198609262015051001"}, id="other-order"),
    pytest.param({"nip": "198609262015051001", "nama": "Sari", "kelas": "A", "jam": "5"}, id="same-length-other-key"),
    pytest.param({"nip": "198609262015051001", "nama": "Sari", "kelas": None, "kolom_lain": None}, id="none-values"),
    pytest.param({"nip": "198609262015051001", "nama": "Sari"}, id="fewer-keys"),
    pytest.param({"nip": "1986", "nama": "", "kelas": "C", "kolom_lain": "y", "jam": "x", "alasan": "z"},
                 id="more-keys"),
    pytest.param({"nama": "Budi", "jam": "5"}, id="required-left-out"),
])
def test_the_keys_of_the_first_record_are_a_shortcut_only(odd, first, raw):
    """The first record's keys (a file's columns) are read in one call when a record has just
    those keys, in any order; a record with other keys is read field by field."""
    coercer = Coercer(odd.fields)
    same(coercer, first, odd.params)
    same(coercer, raw, odd.params)
    same(coercer, raw, odd.params, None, True)
