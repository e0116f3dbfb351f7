"""The per-record shortcuts of a worker's loop (issue 15) give exactly what the longer way gives:

- a CSV range whose header keeps every column's name is read without the renaming layer
  (records/headers.py `keeps_names`, records/ranges.py `read_range`): the same records as a
  HeaderMatch over the reader of the whole file, short lines and renamed headers included;
- the plain path writes each rule's action out (evaluation/plain.py `_action`): the same dict,
  key order, reason text and errors as `Rule.action` (the generic path), on edge cases a
  shipped policy does not reach (a reason over the text limit, a param beyond the number
  limits, a param that fails, E-notation numbers, yes/no and empty values in a reason).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from kinerja.compile.compiler import compile_policy
from kinerja.evaluation.evaluator import Evaluator
from kinerja.limits import MAX_TEXT
from kinerja.policy.documents import read_document, resolve
from kinerja.records import ranges
from kinerja.records.headers import HeaderMatch, keeps_names, names_only
from kinerja.records.read import read_records
from kinerja.records.source import Source

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
NIP = "199001012015031001"


@pytest.fixture(scope="module")
def fields():
    policy, _ = compile_policy(resolve(read_document(str(NATIONAL))))
    assert policy is not None
    return policy.fields


@pytest.mark.parametrize("header,kept", [
    (("nip", "nama", "jenis_asn"), True),
    (("nip", "nama", "catatan", ""), True),  # an unknown column and an empty one claim no field
    (("NIP", "nama"), False),  # the id in capitals: renamed to nip
    (("nip", "NIP", "nama"), False),  # NIP claims nip too: a line with NIP alone renames it
    (("nip", "Golongan/ruang"), False),  # a label
    ((), True),
], ids=["ids", "unknown-and-empty", "capitals", "id-and-label", "label", "none"])
def test_keeps_names_says_whether_renaming_keeps_every_record(fields, header, kept):
    assert keeps_names(names_only(fields), header) is kept
    assert keeps_names(fields, header) is kept
    if kept:  # and then every record, of any of the columns, is given back as it is
        for n in range(len(header) + 1):
            source = Source(1, dict.fromkeys(header[:n], "v"))
            assert next(iter(HeaderMatch(fields, [source]))) is source


@pytest.mark.parametrize("header", [
    "nip,nama,jenis_asn,golongan,catatan",
    "NIP,Nama,Jenis ASN,Golongan/ruang,catatan",
    "nip,NIP,nama,jenis_asn",
    "NIP,nip,nama,jenis_asn",
], ids=["ids", "labels", "id-then-label", "label-then-id"])
def test_a_range_reads_the_records_a_header_match_gives(tmp_path, fields, header):
    """Whole lines, short lines (the first few columns), a blank line and a quoted cell, read
    by one range of the file (a worker) and by the reader of the whole file with its HeaderMatch."""
    lines = [header, f"{NIP},Budi,PNS,III/a,x", f"{NIP}", f"{NIP},Ani", "", f'{NIP},"Sri, S.H.",PPPK,,y',
             f"{NIP},Tono,PNS,III/b,z,extra"]
    path = tmp_path / "pegawai.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = [(s.row, s.data, s.where, s.problem, s.code) for s in HeaderMatch(fields, read_records(str(path)))]
    split = ranges.split_file(str(path), "csv", 1 << 20, [], names_only(fields))
    assert split is not None
    (only,) = list(split.ranges())
    read = ranges.RangeRead()
    got = [(s.row, s.data, s.where, s.problem, s.code) for s in ranges.read_range(only, read)]
    assert got == whole and len(got) == 5
    assert (read.clean, read.rows, read.blank) == (True, 5, 1)


# --- actions written out -------------------------------------------------------------------

POLICY = """\
kinerja: 1
id: aksi
name: Aksi
version: "1"
params: {batas: 10}
fields:
  nip: {type: nip, required: true}
  nilai: {type: number}
  catatan: {type: string}
  aktif: {type: boolean}
values:
  besar: "nilai * 10000000000000000000"
rules:
  tanpa-alasan:
    kind: catatan
    label: Tanpa alasan
    when: "nilai > batas"
  hanya-id:
    kind: catatan
    when: "nilai > batas"
  lengkap:
    kind: promosi
    label: Lengkap
    when: "nilai > 0"
    params: {lebih: "nilai - batas", kecil: "nilai / 1000000", aktif_juga: "aktif", bagi: "batas / (nilai - 3)"}
    reason: "{nilai} {lebih} {kecil} {aktif} {aktif_juga} {catatan} batas {batas}"
  hanya-nilai:
    kind: catatan
    when: "nilai < 0"
    reason: "{catatan}"
  besar-sekali:
    kind: catatan
    when: "nilai > 15"
    params: {kali: "besar * 10"}
    reason: tetap
"""


@pytest.fixture(scope="module")
def evaluator():
    policy, findings = compile_policy(resolve(read_document("aksi.yaml", text=POLICY)))
    assert policy is not None, findings
    return Evaluator(policy, keep_env=True)


def _both(evaluator: Evaluator, record: dict):
    source = Source(1, record, "line 2")
    values, problems = evaluator.coercer.coerce(record, evaluator.policy.params)
    generic = evaluator.evaluate_generic(source, copy.deepcopy(values), problems)  # Rule.action
    plain = evaluator.evaluate_coerced(source, copy.deepcopy(values), problems)  # written out
    assert evaluator.plain.__name__ == "plain"
    return plain, generic


@pytest.mark.parametrize("record,status", [
    ({"nilai": "12", "catatan": "baik", "aktif": "ya"}, "ok"),
    ({"nilai": "0.00000001", "aktif": "tidak"}, "ok"),  # a param in E notation, a reason with nothing
    ({"nilai": "3"}, "error"),  # a param divides by zero: the checking path says where
    ({"nilai": "4", "catatan": "x" * (MAX_TEXT - 10)}, "error"),  # the reason over the text limit
    ({"nilai": "-1", "catatan": "y" * MAX_TEXT}, "ok"),  # a reason of one value, at the limit
    ({"nilai": "20"}, "error"),  # a param beyond the number limits
], ids=["ok", "tiny", "param-fails", "reason-too-long", "reason-of-one-value-at-the-limit", "number-limit"])
def test_an_action_written_out_is_rule_action(evaluator, record, status):
    plain, generic = _both(evaluator, {"nip": NIP, **record})
    assert (plain.status, repr(plain.actions), plain.errors, repr(plain.env)) == \
        (generic.status, repr(generic.actions), generic.errors, repr(generic.env))
    assert plain.status == status


def test_the_action_written_out_keeps_keys_values_and_reason(evaluator):
    plain, _generic = _both(evaluator, {"nip": NIP, "nilai": "12", "catatan": "baik", "aktif": "ya"})
    lengkap = next(a for a in plain.actions if a["id"] == "lengkap")
    assert list(lengkap) == ["id", "kind", "label", "lebih", "kecil", "aktif_juga", "bagi", "reason"]
    assert lengkap["reason"] == "12 2 0 ya ya baik batas 10"
    assert [a["reason"] for a in plain.actions if a["id"] in ("tanpa-alasan", "hanya-id")] == \
        ["Tanpa alasan", "hanya-id"]
    plain, _generic = _both(evaluator, {"nip": NIP, "nilai": "-1", "catatan": "baik"})
    assert plain.actions == [{"id": "hanya-nilai", "kind": "catatan", "reason": "baik"}]


# --- a period row's months ------------------------------------------------------------------

@pytest.mark.parametrize("months,expected", [
    (None, 3), ("", 3), ("  ", 3), ("2", 2), (2, 2), ("x", None),
], ids=["left-out", "empty", "blank", "text", "number", "bad"])
def test_a_period_row_takes_its_months_as_prepare_gives_them(months, expected):
    """`evaluate` fills the months inline only for a row that leaves them out; it gives what
    coercing `prepare(raw)` gives (a TW row covers 3 months, domain.md §1.6)."""
    policy, _ = compile_policy(resolve(read_document(str(NATIONAL))))
    assert policy is not None
    evaluator = Evaluator(policy, keep_env=True)
    raw = {"nip": NIP, "jenis_asn": "PNS", "golongan": "III/a", "jenis_jabatan": "Fungsional",
           "jenjang_fungsional": "Ahli Pertama", "unit_kerja": "Dinas A", "tahun_dalam_pangkat": "4",
           "rating_hasil_kerja": "Sesuai Ekspektasi", "rating_perilaku_kerja": "Sesuai Ekspektasi",
           "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada", "periode": "TW2"}
    if months is not None:
        raw["bulan_dinilai"] = months
    source = Source(1, raw, "line 2")
    result = evaluator.evaluate(source)
    values, problems = evaluator.coercer.coerce(evaluator.prepare(raw), policy.params)
    reference = evaluator.evaluate_generic(source, values, problems)
    assert (result.status, result.outputs, result.actions, result.errors) == \
        (reference.status, reference.outputs, reference.actions, reference.errors)
    assert (result.env or {}).get("bulan_dinilai") == expected
    assert result.raw is raw


# --- the population tally ------------------------------------------------------------------

def _reference_tallies(run, results) -> list:
    """The tallies `_count` gives for every result, grouped here by `group_value` alone."""
    from kinerja.evaluation.population import _count, _Tally, group_value
    tallies: list[dict] = [{} for _ in run.checks]
    for result in results:
        for check, mine in zip(run.checks, tallies):
            periode = group_value(result, "periode")
            periode = "" if periode == "(kosong)" else periode
            tally = mine.setdefault((periode, group_value(result, check.group_by)), _Tally())
            _count(tally, result, result.status, result.env, check, check.kind == "distribution",
                   check.skip if check.kind == "distribution" else [], getattr(check, "output", None))
    return tallies


@pytest.mark.parametrize("skip_when", ['plt_plh or status_pegawai == "tugas_belajar"', "plt_plh",
                                       "potensial > 80", None],
                         ids=["national", "a-field", "fails-on-empty", "none"])
def test_the_population_tally_counts_as_count_does(skip_when):
    """Appraised records (a skip condition that holds, does not, or cannot be judged on an empty
    value), errors, exclusions and results without their env, in the groups `add` finds."""
    from kinerja.evaluation.population import PopulationRun
    text = NATIONAL.read_text(encoding="utf-8")
    line = '    skip_when: plt_plh or status_pegawai == "tugas_belajar"\n'
    assert line in text
    text = text.replace(line, f"    skip_when: {skip_when}\n" if skip_when else "")
    policy, findings = compile_policy(resolve(read_document(str(NATIONAL), text=text)))
    assert policy is not None, findings
    evaluator = Evaluator(policy, keep_env=True)
    base = {"nip": NIP, "jenis_asn": "PNS", "golongan": "III/a", "jenis_jabatan": "Pelaksana", "unit_kerja": "Dinas A",
            "tahun_dalam_pangkat": "4", "rating_hasil_kerja": "Sesuai Ekspektasi",
            "rating_perilaku_kerja": "Sesuai Ekspektasi", "jp_pengembangan": "20", "hukuman_disiplin": "tidak_ada"}
    changes = [{}, {"plt_plh": "ya"}, {"status_pegawai": "tugas_belajar"}, {"potensial": "90"}, {"potensial": ""},
               {"status_pegawai": "cltn"}, {"jenis_asn": "x"}, {"unit_kerja": "Dinas B", "periode": "TW1"},
               {"rating_hasil_kerja": "Di Atas Ekspektasi", "rating_perilaku_kerja": "Di Atas Ekspektasi"}]
    results = [evaluator.evaluate(Source(i, {**base, **change})) for i, change in enumerate(changes * 2, 1)]
    results[-1].env = None  # a result shipped without its env
    run = PopulationRun(policy.population, None, "periode")
    for result in results:
        run.add(result)
    assert {r.status for r in results} == {"ok", "error", "excluded"}
    assert run.tallies == _reference_tallies(run, results)
    assert any(t.skipped for t in run.tallies[0].values()) is (skip_when is not None)


def test_a_header_match_renames_each_record_by_its_own_keys(fields):
    """Records whose keys change from one to the next (JSON lines): each is renamed as its own
    keys say, whether the keys before it were kept or renamed; a record kept is the very same."""
    from kinerja.records.headers import match_header
    shapes = [("nip", "nama"), ("nip", "nama"), ("NIP", "nama"), ("NIP", "nama"), ("nip", "nama"), ("nip",),
              ("Nama", "nip"), ("nip", "nama")]
    sources = [Source(i, dict.fromkeys(keys, f"v{i}")) for i, keys in enumerate(shapes, 1)]
    sources.insert(3, Source(99, ["not", "a", "mapping"]))
    got = list(HeaderMatch(fields, iter(sources)))
    assert len(got) == len(sources)
    for source, out in zip(sources, got):
        if not isinstance(source.data, dict):
            assert out is source
            continue
        rename = match_header(fields, list(source.data))[0]
        if all(h == f for h, f in rename.items()):
            assert out is source
        else:
            assert out.data == {rename.get(k, k): v for k, v in source.data.items()} and out.row == source.row


def test_records_iterate_their_readers_generator_and_still_split(tmp_path, fields):
    path = tmp_path / "pegawai.csv"
    path.write_text("nip,nama\n" + "".join(f"{NIP},P {i}\n" for i in range(5)), encoding="utf-8")
    records = read_records(str(path))
    match = HeaderMatch(fields, records)
    match.start()
    assert match.split(1 << 20) is not None  # the Records behind the match still cut their file
    assert [s.data["nama"] for s in match] == [f"P {i}" for i in range(5)]
    records = read_records(str(path))
    assert next(records).row == 1 and [s.row for s in records] == [2, 3, 4, 5]  # next() and a loop share one reader


# --- the coercion written out ---------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "policies").glob("*/*.yaml") if p.name.count(".") == 1),
                         ids=lambda p: p.stem)
def test_the_written_coercion_holds_only_its_conditions_constants_as_text(path):
    """The conditions of `required_when`/`only_when` run inline as their checked trees: the only
    text constants of the written function are those of the conditions' compiled expressions."""
    from kinerja.records.coerce import Coercer
    policy, _ = compile_policy(resolve(read_document(str(path))))
    assert policy is not None
    coercer = Coercer(policy.fields)
    coercer.coerce({name: "" for name in policy.fields}, policy.params)
    code = coercer.coerce.__code__
    texts = {c for c in code.co_consts if isinstance(c, str)}
    allowed = {c for f in policy.fields.values() for e in [*f.required_when, *f.only_when]
               for c in e.fn.__code__.co_consts if isinstance(c, str)}
    assert texts <= allowed, texts - allowed
    assert not [name for name in code.co_names if re.fullmatch(r"[RO]\d+_\d+", name)]  # no closure called
