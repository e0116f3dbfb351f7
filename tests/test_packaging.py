"""The package installs under one namespace and reads shipped files through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

from click.testing import CliRunner

from kinerja import __version__
from kinerja.cli.main import main


def test_no_generic_top_level_names(tmp_path):
    for name in ("engine", "cli", "schemas", "policies"):
        proc = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode != 0, f"`import {name}` must fail outside the checkout"
        assert "ModuleNotFoundError" in proc.stderr


def test_shipped_files_are_resources():
    assert resources.files("kinerja.schemas").joinpath("policy.schema.json").is_file()
    assert resources.files("kinerja.policies").joinpath("nasional", "permenpanrb-6-2022.yaml").is_file()
    templates = resources.files("kinerja.report").joinpath("templates")  # package-data in pyproject
    for name in ("base.html.j2", "charts.html.j2", "compare.html.j2", "compare.js", "report.css"):
        assert templates.joinpath(name).is_file()


def test_version_and_schema_commands():
    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and res.stdout == f"kinerja {__version__}\n"
    res = CliRunner().invoke(main, ["schema", "policy"])
    assert res.exit_code == 0 and '"title": "kinerja policy, format v1"' in res.stdout


def test_shipped_policy_resolves_by_id_from_any_directory(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "from kinerja.cli.main import main; main()", "validate",
                           str(resources.files("kinerja.policies").joinpath("nasional"))],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_policies_only_skips_other_yaml(tmp_path):
    other = tmp_path / "workflow.yml"
    other.write_text("name: ci\non: push\n")
    res = CliRunner().invoke(main, ["validate", "--policies-only", str(other)])
    assert res.exit_code == 0 and res.stdout == "0 file(s) checked, no problems found\n"
    res = CliRunner().invoke(main, ["validate", str(other)])
    assert res.exit_code == 1 and "K102" in res.stdout


def test_extends_by_id_prefers_a_policy_beside_the_child(tmp_path, monkeypatch):
    from kinerja.policy.documents import read_document, resolve

    monkeypatch.chdir(tmp_path)
    (tmp_path / "nasional").mkdir()
    (tmp_path / "agency").mkdir()
    shipped = resources.files("kinerja.policies").joinpath("nasional", "permenpanrb-6-2022.yaml").read_text("utf-8")
    (tmp_path / "agency" / "lokal.yaml").write_text(shipped.replace('version: "2024.2"', 'version: "lokal"'))
    (tmp_path / "nasional" / "lain.yaml").write_text(shipped.replace('version: "2024.2"', 'version: "lain"'))
    (tmp_path / "agency" / "anak.yaml").write_text(
        'kinerja: 1\nid: anak\nname: Anak\nversion: "1"\nextends: permenpanrb-6-2022\n')
    resolved = resolve(read_document("agency/anak.yaml"))
    assert resolved.findings == []
    parent = resolved.sections["tables"]["predikat"].doc
    assert parent.file == "agency/lokal.yaml" and parent.data["version"] == "lokal"
    (tmp_path / "agency" / "lokal.yaml").unlink()  # nothing beside it: the shipped policy, not a sibling folder
    parent = resolve(read_document("agency/anak.yaml")).sections["tables"]["predikat"].doc
    assert parent.data["version"] == "2024.2" and parent.file.startswith("policies/")
