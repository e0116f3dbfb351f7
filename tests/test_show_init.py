"""`kinerja show` (as written, and resolved with each entry's origin) and `kinerja init`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main
from kinerja.compile.compiler import compile_policy
from kinerja.policy.documents import read_document, resolve
from kinerja.policy.located import load_text, to_plain
from kinerja.testing.scaffold import slug

ROOT = Path(__file__).parent.parent
NATIONAL = "policies/nasional/permenpanrb-6-2022.yaml"
CHILD = "tests/cases/policytests/anak/anak.yaml"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def line_of(path: str, pattern: str) -> int:
    """1-based line of the first line matching `pattern` (so the tests survive edits elsewhere)."""
    lines = Path(path).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if re.match(pattern, line))


# --- show ----------------------------------------------------------------------------------------


def test_show_prints_the_policy_as_written():
    result = invoke("show", "permenpanrb-6-2022")
    assert result.exit_code == 0
    assert result.stdout == Path(NATIONAL).read_text("utf-8")


def test_show_json_is_the_plain_data():
    result = invoke("show", CHILD, "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["extends"] == "permenpanrb-6-2022" and doc["disable"] == ["rencana-suksesi"]


def test_show_resolved_names_the_origin_of_every_entry():
    result = invoke("show", CHILD, "--resolved")
    assert result.exit_code == 0, result.output
    text = result.stdout
    policy, _ = compile_policy(resolve(read_document(CHILD)))
    assert text.splitlines()[:3] == [
        "# anak, resolved: anak → permenpanrb-6-2022",
        f"# sha256: {policy.sha256} (the policy.sha256 every result carries)",
        "# Each entry's comment names the file and line it comes from.",
    ]
    national_kp = line_of(NATIONAL, r"  kp_min_tahun_dalam_pangkat:")
    national_sanksi = line_of(NATIONAL, r"  sanksi-kinerja:")
    assert f"  kp_min_tahun_dalam_pangkat: 4  # from {NATIONAL}:{national_kp}\n" in text
    assert f"  jp_minimal: 24  # from {CHILD}:{line_of(CHILD, r'  jp_minimal:')}\n" in text
    assert f"  pembinaan-kinerja:  # from {CHILD}:{line_of(CHILD, r'  pembinaan-kinerja:')}\n" in text
    assert f"  sanksi-kinerja:  # from {NATIONAL}:{national_sanksi}\n" in text
    assert "extends_chain: [permenpanrb-6-2022]\n" in text
    assert "rencana-suksesi" not in text and "\ntests:" not in text and "\nextends:" not in text


def test_show_resolved_reads_back_to_what_is_hashed():
    text = invoke("show", CHILD, "--resolved").stdout
    root, findings = load_text(text, "resolved.yaml")
    assert findings == []
    resolved = resolve(read_document(CHILD))
    assert to_plain(root) == resolved.plain()
    data = json.dumps(to_plain(root), sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    assert hashlib.sha256(data.encode("utf-8")).hexdigest() == resolved.sha256()


def test_show_resolved_json_has_sha256_and_origins():
    result = invoke("show", CHILD, "--resolved", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["sha256"] == resolve(read_document(CHILD)).sha256()
    assert doc["params"] == {"kp_min_tahun_dalam_pangkat": 4, "kp_pilihan_min_tahun_dalam_jabatan": 1, "jp_minimal": 24,
                             "jp_maksimal_pppk": 24}
    assert doc["origins"]["rules"]["penghargaan-instansi"] == f"{CHILD}:{line_of(CHILD, r'  penghargaan-instansi:')}"
    assert doc["origins"]["tables"]["predikat"] == f"{NATIONAL}:{line_of(NATIONAL, r'  predikat:')}"


def test_show_errors(tmp_path):
    missing = invoke("show", "tidak-ada")
    assert missing.exit_code == 2
    assert missing.stderr == "kinerja: policy 'tidak-ada' not found (give a file path or a shipped policy id)\n"
    orphan = tmp_path / "yatim.yaml"
    orphan.write_text('kinerja: 1\nid: yatim\nname: Yatim\nversion: "1"\nextends: tidak-ada\n', "utf-8")
    result = invoke("show", str(orphan), "--resolved")
    assert result.exit_code == 1
    assert f'{orphan}:5:10: error K210 parent policy "tidak-ada" not found' in result.stderr
    assert invoke("show", str(orphan)).exit_code == 0  # as written it is still shown


# --- init ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("Badan Kepegawaian Negara", "badan-kepegawaian-negara"),
    ("Dinas Pendidikan & Kebudayaan, Kota Malang", "dinas-pendidikan-kebudayaan-kota-malang"),
    ("  BKPSDM  Kab. Sleman ", "bkpsdm-kab-sleman"),
    ("Pemerintah Kota Médan", "pemerintah-kota-medan"),
    ("—", ""),
])
def test_slug(name, expected):
    assert slug(name) == expected


def test_init_round_trip(tmp_path):
    folder = tmp_path / "instansi"
    result = invoke("init", "--agency", "Dinas Pendidikan Kota Malang", "--extends", "permenpanrb-6-2022",
                    "--dir", str(folder))
    assert result.exit_code == 0, result.output
    policy, tests = folder / "dinas-pendidikan-kota-malang.yaml", folder / "dinas-pendidikan-kota-malang.test.yaml"
    assert result.stdout == (f"created {policy}\ncreated {tests}\n"
                             f"next: kinerja validate {policy} && kinerja test {policy}\n")
    text = policy.read_text("utf-8")
    assert "extends: permenpanrb-6-2022\n" in text
    assert "  # jp_minimal: 20\n" in text  # national params listed as inherited choices
    assert "# Agency choice (example): a rule of the agency's own." in text
    assert invoke("validate", str(folder)).exit_code == 0
    tested = invoke("test", str(folder))
    assert tested.exit_code == 0, tested.output
    assert "  PASS  contoh: aturan instansi berlaku\n" in tested.stdout
    assert tested.stdout.endswith("1 policy, 1 test: 1 passed, 0 failed\n")


def test_init_refuses_to_overwrite(tmp_path):
    args = ["init", "--agency", "BKD", "--extends", "permenpanrb-6-2022", "--dir", str(tmp_path)]
    assert invoke(*args).exit_code == 0
    before = (tmp_path / "bkd.yaml").read_text("utf-8")
    (tmp_path / "bkd.yaml").write_text(before + "# edited\n", "utf-8")
    again = invoke(*args)
    assert again.exit_code == 2
    assert again.stderr == (f"kinerja: {tmp_path}/bkd.yaml and {tmp_path}/bkd.test.yaml already exist; "
                            "not overwriting (choose another --id or --dir)\n")
    assert (tmp_path / "bkd.yaml").read_text("utf-8") == before + "# edited\n"


def test_init_with_a_parent_path_and_an_id(tmp_path):
    result = invoke("init", "--agency", "Contoh", "--extends", "tests/cases/policytests/kecil/kecil.yaml",
                    "--dir", str(tmp_path / "a"), "--id", "contoh-kecil")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "a" / "contoh-kecil.yaml").read_text("utf-8")
    ref = re.search(r"^extends: (.*)$", text, re.M).group(1)  # relative to the new file's folder
    assert (tmp_path / "a" / ref).resolve() == (ROOT / "tests/cases/policytests/kecil/kecil.yaml").resolve()
    assert 'when: kategori == "Tinggi"' in text
    assert invoke("test", str(tmp_path / "a")).exit_code == 0


def test_init_makes_a_record_when_the_parent_has_no_tests(tmp_path):
    parent = tmp_path / "induk.yaml"
    parent.write_text((ROOT / "tests/cases/policytests/kecil/kecil.yaml").read_text("utf-8").split("\ntests:")[0]
                      .replace("id: kecil", "id: induk") + "\n", "utf-8")
    result = invoke("init", "--agency", "Anak Induk", "--extends", str(parent), "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    test_text = (tmp_path / "anak-induk.test.yaml").read_text("utf-8")
    assert "nip: '199001012020011001'" in test_text
    assert invoke("validate", str(tmp_path)).exit_code == 0
    assert invoke("test", str(tmp_path)).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--extends", "permenpanrb-6-2023"],
     'kinerja: policy "permenpanrb-6-2023" not found; did you mean "permenpanrb-6-2022"?\n'),
    (["--extends", "permenpanrb-6-2022", "--id", "Bad_Id"],
     'kinerja: "Bad_Id" is not a valid policy id: use lower-case letters, digits and -\n'),
])
def test_init_usage_errors(tmp_path, args, message):
    result = invoke("init", "--agency", "BKD", "--dir", str(tmp_path), *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert list(tmp_path.iterdir()) == []


def test_init_needs_an_id_when_the_name_gives_none(tmp_path):
    result = invoke("init", "--agency", "—", "--extends", "permenpanrb-6-2022", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == "kinerja: the agency name gives no id: pass --id\n"
