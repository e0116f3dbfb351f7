"""The Python API (engine/api.py, exposed as kinerja.load_policy, validate, evaluate, explain,
compare): the README's examples run as written, and each call returns what its docstring says."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kinerja

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run_example(code: str, folder: Path, monkeypatch) -> str:
    (folder / "policies").symlink_to(ROOT / "policies")
    monkeypatch.chdir(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    return out.getvalue()


def test_the_readme_has_an_example_for_each_call():
    calls = [name for name in ("load_policy", "validate", "evaluate", "explain", "compare")
             if any(f"kinerja.{name}(" in code for code in readme_examples())]
    assert calls == ["load_policy", "validate", "evaluate", "explain", "compare"]


# (example index, what it prints, exactly)
PRINTED = [
    (0, "permenpanrb-6-2022 2024.2\npolicy 'tidak-ada' not found (give a file path or a shipped policy id)\n"),
    (1, "24 files checked\n"),
    (2, "Counter({'Baik': 171, 'Butuh Perbaikan': 17, 'Kurang/Misconduct': 8, 'Sangat Baik': 8, "
        "'Sangat Kurang': 4})\nerror ['jenis_asn', 'jenis_jabatan']\n"),
    (4, "77 employees change\n{'a': 37, 'b': 77, 'gained': 40, 'lost': 0, 'changed': 37}\n"),
]


@pytest.mark.parametrize("index,printed", PRINTED, ids=["load_policy", "validate", "evaluate", "compare"])
def test_a_readme_example_prints_what_it_says(index, printed, tmp_path, monkeypatch):
    assert run_example(readme_examples()[index], tmp_path, monkeypatch) == printed


def test_the_readme_explain_example_prints_the_explanation_of_row_1(tmp_path, monkeypatch):
    printed = run_example(readme_examples()[3], tmp_path, monkeypatch)
    assert printed.startswith("Explanation of the appraisal result — policy permenpanrb-6-2022 version 2024.2 ")
    assert "Employee: NIP 199806162022122317, row 1\n" in printed


def test_a_policy_with_errors_raises_with_its_located_findings(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kinerja: 1\nid: bad\nname: Bad\nversion: '1'\nfields: {}\nvalues:\n  x: y +\n")
    with pytest.raises(kinerja.PolicyError) as caught:
        kinerja.load_policy(bad)
    assert caught.value.file == str(bad)
    assert [(f.code, f.line) for f in caught.value.findings if f.severity == "error"][:1] == [("K301", 7)]
    assert str(caught.value) == f"policy {bad} has errors; fix them first (kinerja validate {bad})"


def test_a_folder_is_not_a_policy(tmp_path):
    with pytest.raises(kinerja.PolicyError, match="is a folder: give one policy file") as caught:
        kinerja.load_policy(tmp_path)
    assert caught.value.findings == [] and caught.value.file is None


def test_evaluate_gives_one_result_per_record_in_order():
    records = [{"nip": "1"}, {"nip": "2"}, {"nip": "3"}]
    results = kinerja.evaluate("permenpanrb-6-2022", records)
    assert [(r.row, r.nip, r.status) for r in results] == [(1, "1", "error"), (2, "2", "error"), (3, "3", "error")]


def test_evaluate_and_explain_agree_on_a_shipped_sample():
    policy = kinerja.load_policy("permenpanrb-6-2022")
    result = kinerja.evaluate(policy, SAMPLE)[2]
    explanation = kinerja.explain(policy, SAMPLE, nip=result.nip, lang="id")
    assert [(e.row, e.nip, e.status) for e in explanation] == [(3, "197708122012091476", "ok")]
    assert explanation[0].as_dict()["policy"]["id"] == "permenpanrb-6-2022"


def test_compare_of_a_policy_with_itself_changes_nothing():
    data = kinerja.compare("permenpanrb-6-2022", "permenpanrb-6-2022", SAMPLE)
    assert (data["summary"]["records"], data["summary"]["changed"]) == (208, 0)


def test_an_unknown_compare_option_is_a_value_error():
    with pytest.raises(ValueError, match="nilai_tidak_ada"):
        kinerja.compare("permenpanrb-6-2022", "permenpanrb-6-2022", SAMPLE, by_output="nilai_tidak_ada")


def test_import_kinerja_loads_no_engine_stage_and_the_sub_packages_still_import():
    probe = ("import sys, kinerja; before = 'kinerja.compile.compiler' in sys.modules; "
             "import kinerja.evaluation.evaluator as ev; from kinerja.comparison.run import Comparison; "
             "print(before, kinerja.evaluate.__module__, kinerja.compare.__module__, ev.__name__)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out == "False kinerja.api kinerja.api kinerja.evaluation.evaluator\n"


def test_explain_without_nip_or_row_explains_every_record_in_order():
    # the national sample has 208 records (policies/nasional/permenpanrb-6-2022.sample.csv)
    explanations = kinerja.explain("permenpanrb-6-2022", SAMPLE, lang="en")
    assert [e.as_dict()["row"] for e in explanations] == list(range(1, 209))


def test_an_empty_table_input_is_named_alone_in_the_explanation():
    # row 3 of the national sample: pimpinan_unit is false and predikat_organisasi is empty, so
    # only predikat_organisasi explains why rating_hasil_kerja_pimpinan is empty
    [explanation] = kinerja.explain("permenpanrb-6-2022", SAMPLE, row=3, lang="id")
    lines = explanation.text().splitlines()
    assert ("Tabel rating_hasil_kerja_pimpinan: masukan predikat_organisasi kosong, jadi "
            "rating_hasil_kerja_pimpinan kosong") in lines
    [explanation] = kinerja.explain("permenpanrb-6-2022", SAMPLE, row=3, lang="en")
    assert ("Table rating_hasil_kerja_pimpinan: input predikat_organisasi is empty, so "
            "rating_hasil_kerja_pimpinan is empty") in explanation.text().splitlines()
