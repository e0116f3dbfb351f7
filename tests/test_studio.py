"""`kinerja studio` over real HTTP (uvicorn in a thread, urllib as the client): the token, CSRF
and origin checks, path confinement, upload caps, hostile policies, and saving one value with
the rest of the file byte for byte; then the engine side of editing (engine/policy/yaml_edit.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import uvicorn

from kinerja.cli.studio.app import create_app
from kinerja.policy.yaml_edit import EditError, apply_edits
from kinerja.workbench import MAX_UPLOAD

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
TOKEN, CSRF = "t0ken-for-tests", "csrf-for-tests"
TINGGI = ["bands", "kategori_potensial", "bands", 0, "min"]


@pytest.fixture()
def folder(tmp_path):
    work = tmp_path / "kebijakan"
    work.mkdir()
    shutil.copy(NATIONAL, work / "nasional.yaml")
    shutil.copy(SAMPLE, work / "pegawai.csv")
    (tmp_path / "rahasia.yaml").write_text("kinerja: 1\nid: rahasia\n", encoding="utf-8")
    return work


class Reply:
    def __init__(self, status: int, body: bytes, headers):
        self.status_code, self.content, self.headers = status, body, headers

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self):
        return json.loads(self.content)


class Client:
    """A tiny HTTP client that keeps cookies and sends fixed headers."""

    def __init__(self, base: str, headers: dict | None = None):
        self.base, self.headers, self.cookies = base, dict(headers or {}), {}

    def request(self, method: str, url: str, params=None, content: bytes | None = None, headers=None) -> Reply:
        full = self.base + url + (("&" if "?" in url else "?") + urllib.parse.urlencode(params) if params else "")
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(full, data=content, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                reply = Reply(r.status, r.read(), r.headers)
        except urllib.error.HTTPError as e:
            reply = Reply(e.code, e.read(), e.headers)
        for cookie in reply.headers.get_all("set-cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return reply

    def get(self, url, params=None, headers=None) -> Reply:
        return self.request("GET", url, params, None, headers)

    def post(self, url, content: bytes, headers=None) -> Reply:
        return self.request("POST", url, None, content, headers)


@pytest.fixture()
def server(folder):
    """The workbench for `folder` on a free port of 127.0.0.1, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(str(folder), TOKEN, {f"127.0.0.1:{port}"}, csrf=CSRF)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture()
def client(server):
    # the page sends its language with each request; these tests read the English messages
    return Client(server, {"X-Kinerja-Token": TOKEN, "X-Kinerja-Lang": "en"})


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body).encode(), {"X-CSRF-Token": CSRF, "Content-Type": "application/json",
                                                         **headers})


def test_every_request_needs_the_token(server):
    bare = Client(server)
    for url in ("/", "/api/files", "/api/policy?path=nasional.yaml", "/static/app.js"):
        response = bare.get(url)
        assert response.status_code == 403, url
        assert "token" in response.json()["error"]
    assert bare.get("/api/files", headers={"X-Kinerja-Token": "wrong"}).status_code == 403
    page = bare.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and f'content="{CSRF}"' in page.text
    assert bare.get("/api/files").status_code == 200  # the page set the same-site cookie


def test_other_host_is_refused(client):
    assert client.get("/api/files", headers={"Host": "evil.example"}).status_code == 403


@pytest.mark.parametrize("headers,status", [
    ({"X-CSRF-Token": ""}, 403),
    ({"X-CSRF-Token": "guess"}, 403),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "same"}, 200),
], ids=["no-csrf", "wrong-csrf", "cross-site-origin", "same-origin"])
def test_state_changing_requests_need_csrf_and_same_origin(client, server, headers, status):
    headers = {k: (server if v == "same" else v) for k, v in headers.items()}
    response = post(client, "/api/check", {"path": "nasional.yaml", "edits": []}, **headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", ["../rahasia.yaml", "/etc/passwd", "sub/../../rahasia.yaml", ".kinerja-studio/x",
                                  "tidak-ada.yaml", "", "a\\b.yaml"],
                         ids=["dotdot", "absolute", "nested-dotdot", "hidden", "missing", "empty", "backslash"])
def test_paths_outside_the_folder_are_refused(client, path):
    response = client.get("/api/policy", {"path": path})
    assert response.status_code == 400
    assert "rahasia" not in response.text or "not a file" in response.json()["error"]


def test_symlinks_out_of_the_folder_are_refused(client, folder):
    (folder / "tautan.yaml").symlink_to(folder.parent / "rahasia.yaml")
    (folder / "dir").symlink_to(folder.parent, target_is_directory=True)
    assert client.get("/api/policy", {"path": "tautan.yaml"}).json() == \
        {"error": "'tautan.yaml' goes through a symbolic link"}
    assert client.get("/api/policy", {"path": "dir/rahasia.yaml"}).status_code == 400
    listed = client.get("/api/files").json()
    assert [p["path"] for p in listed["policies"]] == ["nasional.yaml"] and listed["records"] == ["pegawai.csv"]


def test_extends_may_not_leave_the_folder(client, folder):
    (folder / "anak.yaml").write_text('kinerja: 1\nid: anak\nname: Anak\nversion: "1"\nextends: ../rahasia.yaml\n',
                                      encoding="utf-8")
    opened = client.get("/api/policy", {"path": "anak.yaml"}).json()
    assert [(f["code"], f["line"], f["message"]) for f in opened["findings"]] == \
        [("K210", 5, '"../rahasia.yaml" would read outside the workbench folder')]


def test_hostile_policy_shows_findings(client, folder):
    (folder / "jahat.yaml").write_text("kinerja: 1\nid: [<script>]\nname: &a x\nrules: *a\n", encoding="utf-8")
    (folder / "biner.yaml").write_bytes(b"kinerja: 1\n\xff\xfe\x00")
    files = client.get("/api/files").json()
    assert {p["path"]: p["errors"] for p in files["policies"]}["jahat.yaml"] >= 1
    opened = client.get("/api/policy", {"path": "jahat.yaml"}).json()
    assert opened["findings"] and all(f["file"] == "jahat.yaml" for f in opened["findings"])
    assert client.get("/api/policy", {"path": "biner.yaml"}).status_code == 200
    response = post(client, "/api/try", {"path": "jahat.yaml", "edits": [], "records": "pegawai.csv"})
    assert response.status_code == 200 and response.json()["ok"] is False


def test_upload_is_capped(client):
    big = b"nip\n" + b"1" * (MAX_UPLOAD + 1)
    response = client.post("/api/upload", big, {"X-CSRF-Token": CSRF, "X-File-Name": "besar.csv"})
    assert response.status_code == 413
    ok = client.post("/api/upload", SAMPLE.read_bytes(), {"X-CSRF-Token": CSRF, "X-File-Name": "pegawai.csv"})
    assert ok.status_code == 200
    tried = post(client, "/api/try", {"path": "nasional.yaml", "edits": [], "records": ok.json()["records"]})
    assert tried.json()["records"] == 208


def test_check_reports_the_validators_finding_at_the_value(client):
    body = {"path": "nasional.yaml", "edits": [{"path": TINGGI, "value": "9x"}]}
    findings = post(client, "/api/check", body).json()["findings"]
    line = next(i for i, text in enumerate(NATIONAL.read_text("utf-8").splitlines(), 1)
                if text.strip() == "- {min: 90, label: Tinggi}")
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [("K103", line, 15)]


def test_save_changes_one_number_and_undo_restores(client, folder):
    before = (folder / "nasional.yaml").read_bytes()
    opened = client.get("/api/policy", {"path": "nasional.yaml"}).json()
    edits = [{"path": TINGGI, "value": "85"}]
    impact = post(client, "/api/impact", {"path": "nasional.yaml", "edits": edits, "records": "pegawai.csv"}).json()
    assert impact["report"]["summary"]["changed"] > 0
    assert all(c["nama"] for c in impact["report"]["changed"])
    saved = post(client, "/api/save", {"path": "nasional.yaml", "edits": edits, "sha256": opened["sha256"]}).json()
    assert saved["ok"]
    after = (folder / "nasional.yaml").read_bytes()
    assert after == before.replace(b"- {min: 90, label: Tinggi}", b"- {min: 85, label: Tinggi}")
    stale = post(client, "/api/save", {"path": "nasional.yaml", "edits": edits, "sha256": opened["sha256"]})
    assert stale.status_code == 400 and "changed outside the workbench" in stale.json()["error"]
    assert post(client, "/api/undo", {"path": "nasional.yaml"}).json()["ok"]
    assert (folder / "nasional.yaml").read_bytes() == before
    assert post(client, "/api/undo", {"path": "nasional.yaml"}).status_code == 400


def test_save_refuses_a_policy_with_errors(client, folder):
    before = (folder / "nasional.yaml").read_bytes()
    opened = client.get("/api/policy", {"path": "nasional.yaml"}).json()
    result = post(client, "/api/save", {"path": "nasional.yaml", "edits": [{"path": TINGGI, "value": "abc"}],
                                        "sha256": opened["sha256"]}).json()
    assert result["ok"] is False and result["findings"][0]["code"] == "K103"
    assert (folder / "nasional.yaml").read_bytes() == before


def test_explain_one_employee(client):
    r = post(client, "/api/explain", {"path": "nasional.yaml", "edits": [], "records": "pegawai.csv", "row": 1}).json()
    assert r["ok"] and r["nama"] == "Ayu Maharani" and r["lines"][1].startswith("Pegawai: NIP 199806162022122317")


def test_handbook_in_the_workbench(client):
    page = client.get("/api/handbook", {"path": "nasional.yaml", "edits": json.dumps(
        [{"path": TINGGI, "value": "85"}])})
    assert page.status_code == 200 and 'data-label="Tinggi" data-min="85"' in page.text


# --- engine/policy/yaml_edit.py -----------------------------------------------------------------------

TEXT = """\
# komentar di atas
params:
  batas: 80      # komentar di samping
  nama: Dinas A
  kutip: 'satu'
  ganda: "dua"
rows:
  - [Baik, 100]
alasan: >-
  dua
  baris
"""


@pytest.mark.parametrize("path,typed,line", [
    (["params", "batas"], "85", "  batas: 85      # komentar di samping"),
    (["params", "batas"], "85,5", "  batas: 85.5      # komentar di samping"),
    (["params", "batas"], "abc", "  batas: abc      # komentar di samping"),
    (["params", "batas"], "1e3", "  batas: '1e3'      # komentar di samping"),
    (["params", "nama"], "Dinas B: baru", "  nama: 'Dinas B: baru'"),
    (["params", "nama"], "true", "  nama: 'true'"),
    (["params", "kutip"], "it's", "  kutip: 'it''s'"),
    (["params", "ganda"], 'a "b"', '  ganda: "a \\"b\\""'),
    (["rows", 0, 0], "Baik, sekali", "  - ['Baik, sekali', 100]"),
    (["rows", 0, 1], "90", "  - [Baik, 90]"),
], ids=["number", "decimal-comma", "word-for-number", "not-plain-number", "colon", "keyword", "single-quote",
        "double-quote", "comma-in-flow", "flow-number"])
def test_edit_changes_only_that_value(path, typed, line):
    new = apply_edits(TEXT, [(path, typed)])
    old_lines, new_lines = TEXT.splitlines(), new.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert len(old_lines) == len(new_lines) and len(changed) == 1 and new_lines[changed[0]] == line


@pytest.mark.parametrize("path,message", [
    (["params", "tidak"], "no value at params/tidak"),
    (["params"], "params is not a single value"),
    (["alasan"], "alasan spans several lines; edit it in the file"),
], ids=["missing", "mapping", "block-scalar"])
def test_edit_refused(path, message):
    with pytest.raises(EditError, match=message):
        apply_edits(TEXT, [(path, "x")])


def test_edit_keeps_a_byte_order_mark_and_crlf():
    text = "\ufeffparams:\r\n  batas: 80\r\n  lain: 1\r\n"
    assert apply_edits(text, [(["params", "lain"], "2")]) == "\ufeffparams:\r\n  batas: 80\r\n  lain: 2\r\n"


def test_studio_command_usage_errors(tmp_path):
    from click.testing import CliRunner

    from kinerja.cli.main import main

    result = CliRunner().invoke(main, ["studio", str(tmp_path / "tidak-ada"), "--no-browser"])
    assert result.exit_code == 2 and "kinerja: cannot open" in result.stderr
    assert os.path.exists(tmp_path)


def test_messages_follow_the_language_the_page_asks_for(server):
    indonesian = Client(server, {"X-Kinerja-Token": TOKEN, "X-Kinerja-Lang": "id"})
    english = Client(server, {"X-Kinerja-Token": TOKEN, "X-Kinerja-Lang": "en"})
    path = "/api/policy?path=../rahasia.yaml"
    assert indonesian.get(path).json()["error"] == "'../rahasia.yaml' bukan berkas di dalam folder meja kerja"
    assert english.get(path).json()["error"] == "'../rahasia.yaml' is not a file inside the workbench folder"
