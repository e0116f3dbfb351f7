"""Fixtures shared by the tests: a clean language and environment for every test, timing by
ratios, headless Chromium and an HTML reader, a CLI runner, and builders for records and policy
variants of the national policy.

Tests run with `--import-mode=importlib` (a test module cannot import another one), and under
`pytest -n auto` in any order in several processes: whatever a test depends on is set here,
per test, and each test writes only below its own tmp_path."""

from __future__ import annotations

import csv
import gc
import shutil
import subprocess
import time
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kinerja import i18n
from kinerja.cli.main import main

DA, SE, DB = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"


# --- global state: every test starts from the same language and environment -------------------------

# Read by kinerja at run time; a developer's shell or CI may set any of them.
ENVIRONMENT = ("KINERJA_LANG", "LC_ALL", "LC_MESSAGES", "GITHUB_ACTIONS", "KINERJA_DEBUG", "KINERJA_START_METHOD")


@pytest.fixture(autouse=True, scope="session")
def clean_environment():
    """The same for the whole session, so that module-scoped fixtures see it too."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ENVIRONMENT:
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        yield


@pytest.fixture(autouse=True)
def clean_state(monkeypatch):
    """English messages from a neutral locale, no CI or debug switches, no --lang left set by a
    command run in-process before (i18n keeps the chosen language in a module global)."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_lang(None)
    yield
    i18n.set_lang(None)


# --- timing: ratios against a baseline in the same process, never wall-clock limits -----------------

class Timing:
    """Seconds of a call, the best of several runs with the garbage collector off (as timeit does),
    so that a busy machine or a collection in the middle shows as noise that a ratio rides out."""

    def best(self, fn: Callable[[], Any], repeat: int = 3, budget: float = 0.25) -> float:
        """The fastest of at least `repeat` runs; a fast call runs more often, until `budget` seconds."""
        best, spent, runs = float("inf"), 0.0, 0
        while runs < repeat or (spent < budget and runs < 50):
            seconds = self._once(fn)
            best, spent, runs = min(best, seconds), spent + seconds, runs + 1
        return best

    def ratio(self, fn: Callable[[], Any], baseline: Callable[[], Any], repeat: int = 3) -> float:
        """best(fn) / best(baseline), the two measured alternately so that load hits both alike."""
        ours, theirs = float("inf"), float("inf")
        for _ in range(repeat):
            ours = min(ours, self.best(fn, repeat=1, budget=0.05))
            theirs = min(theirs, self.best(baseline, repeat=1, budget=0.05))
        return ours / theirs

    def within(self, fn: Callable[[], Any], limit: float, retries: int = 2) -> tuple[float, Any]:
        """Seconds and value of fn, run again (up to `retries` times) only while it is over
        `limit`: a slow first run on a busy machine gets a second chance, a slow call does not."""
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
        for _ in range(retries):
            if seconds < limit:
                break
            seconds = min(seconds, self._once(fn))
        return seconds, value

    @staticmethod
    def _once(fn: Callable[[], Any]) -> float:
        enabled = gc.isenabled()
        gc.disable()
        try:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started
        finally:
            if enabled:
                gc.enable()


@pytest.fixture(scope="session")
def timing() -> Timing:
    return Timing()


# --- the command line -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kinerja() -> Callable[..., Result]:
    """`kinerja ARGS…` in this process (each argument through str(), so paths may be Path); a
    traceback or an exception other than the exit fails the test at once with the output."""

    def invoke(*args: Any, input: str | bytes | None = None) -> Result:
        result = CliRunner().invoke(main, [str(a) for a in args], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output, result.output
        return result

    return invoke


@pytest.fixture(scope="session")
def write_csv() -> Callable[[Path, list[dict]], Path]:
    """Records as a CSV file: the columns in the order they first appear, '\\n' line ends."""

    def write(path: Path, rows: list[dict]) -> Path:
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


# --- records and variants of the national policy (PermenPANRB 6/2022) --------------------------------

def _national_record(i: int, **changes: str) -> dict:
    """The i-th of a deterministic spread of national-policy records, every combination of the two
    ratings, three jabatan and three units, as text the way a CSV gives it."""
    record = {"nip": f"1986092620150{5 + i % 2}{1 + i % 2}{i % 1000:03d}", "jenis_asn": "PNS", "golongan": "III/b",
              "jenis_jabatan": ("Pelaksana", "Pengawas", "Fungsional")[i % 3],
              "jenjang_fungsional": "Ahli Muda" if i % 3 == 2 else "",
              "unit_kerja": ("Dinas A", "Dinas B", "Dinas C")[i % 3 if i % 7 else 0],
              "tahun_dalam_pangkat": str(2 + i % 4), "rating_hasil_kerja": (DA, SE, DB)[i % 3],
              "rating_perilaku_kerja": (DA, SE, SE, DB)[i % 4],
              "predikat_tahun_lalu": ("Baik", "Sangat Baik", "Butuh Perbaikan")[i % 3],
              "jp_pengembangan": str(i % 30), "hukuman_disiplin": "tidak_ada",
              "potensial": str(Decimal(70) + Decimal(i % 61) / 2)}
    record.update(changes)
    return record


@pytest.fixture(scope="session")
def national_record() -> Callable[..., dict]:
    return _national_record


def _policy_variant(id: str = "variant", *, name: str | None = None, version: str = "2",
                    kp_after: int | None = None, tinggi_from: int | None = None, menengah_from: int = 78,
                    band_label: str | None = None) -> str:
    """A policy that extends the national one and changes one or two things: KP after `kp_after`
    years in rank, or the bands of kategori_potensial: Tinggi from `tinggi_from` (90 in the
    national policy), Menengah from `menengah_from`."""
    text = f'kinerja: 1\nid: {id}\nextends: permenpanrb-6-2022\nname: {name or id}\nversion: "{version}"\n'
    if kp_after is not None:
        text += f"params:\n  kp_min_tahun_dalam_pangkat: {kp_after}\n"
    if tinggi_from is not None:
        text += ("bands:\n  kategori_potensial:\n" + (f"    label: {band_label}\n" if band_label else "")
                 + "    input: potensial\n    range: {min: 0, max: 100}\n    bands:\n"
                 + f"      - {{min: {tinggi_from}, label: Tinggi}}\n"
                 + f"      - {{min: {menengah_from}, label: Menengah}}\n      - {{min: 0, label: Rendah}}\n")
    return text


@pytest.fixture(scope="session")
def policy_variant() -> Callable[..., str]:
    return _policy_variant


# --- HTML: read back what a page holds, and headless Chromium -----------------------------------------

class Dom(HTMLParser):
    """Elements with their attributes, their text and the elements inside them, in document order.
    `find("div", data_action="x", class_="y")` matches attributes data-action and class."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self, html: str = ""):
        super().__init__()
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        if html:
            self.feed(html)

    def _add(self, tag: str, attrs: list) -> dict:
        element = {"tag": tag, **dict(attrs), "_text": "", "_kids": []}
        for parent in self.stack:
            parent["_kids"].append(element)
        self.elements.append(element)
        return element

    def handle_starttag(self, tag, attrs):
        element = self._add(tag, attrs)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):  # <rect …/>: an element with nothing inside
        self._add(tag, attrs)

    def handle_endtag(self, tag):
        if any(e["tag"] == tag for e in self.stack):  # a stray end tag closes nothing
            while self.stack.pop()["tag"] != tag:
                pass

    def handle_data(self, data):
        for element in self.stack:
            element["_text"] += data

    def find(self, tag: str | None = None, within: dict | None = None, **attrs: str) -> list[dict]:
        pool = within["_kids"] if within is not None else self.elements
        return [e for e in pool if (tag is None or e["tag"] == tag)
                and all(e.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]


@pytest.fixture(scope="session")
def parse_html() -> type[Dom]:
    """Dom(html): the parsed page (a class, so a module-scoped fixture can use it too)."""
    return Dom


CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Chromium:
    """Headless Chromium, each run with a fresh profile folder of its own (two runs at once, in one
    test or in two pytest-xdist workers, never share one)."""

    def __init__(self, executable: str, profiles: Path):
        self.executable = executable
        self.profiles = profiles

    def run(self, *args: str) -> subprocess.CompletedProcess:
        profile = self.profiles / f"profile-{len(list(self.profiles.iterdir()))}"
        return subprocess.run([self.executable, *CHROME_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)

    def dom(self, url: str, *args: str) -> Dom:
        """The page after its scripts ran (--dump-dom), read into a Dom."""
        proc = self.run(*args, "--dump-dom", url)
        assert proc.returncode == 0 and proc.stdout, proc.stderr[-2000:]
        return Dom(proc.stdout)

    def screenshot(self, url: str, png: Path, window: str = "1280,2000") -> bytes:
        proc = self.run(f"--screenshot={png}", f"--window-size={window}", url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return png.read_bytes()

    def pdf(self, url: str, pdf: Path) -> bytes:
        proc = self.run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
        assert proc.returncode == 0 and pdf.is_file(), proc.stderr[-2000:]
        return pdf.read_bytes()


@pytest.fixture()
def chromium(tmp_path_factory) -> Chromium:
    """Headless Chromium, or the test is skipped with how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        executable = shutil.which(name)
        if executable:
            return Chromium(executable, tmp_path_factory.mktemp("chromium"))
    pytest.skip("no Chromium: install it (apt-get install chromium) to render HTML in a browser")
