"""End to end in headless Chromium (Debian's chromium and chromium-driver, through Selenium):
open a shipped policy in the workbench, type a bad band threshold and see the validator's
finding under it, fix it, see the impact panel list exactly the employees `kinerja compare`
says change, save, and find the file changed in that one number with every comment intact."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinerja.cli.main import main

ROOT = Path(__file__).parents[1]
NATIONAL = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.yaml"
SAMPLE = ROOT / "policies" / "nasional" / "permenpanrb-6-2022.sample.csv"
TINGGI = json.dumps(["bands", "kategori_potensial", "bands", 0, "min"], separators=(",", ":"))
SHOTS = os.environ.get("KINERJA_STUDIO_SHOTS")  # a folder: also write the screenshots for docs/


def _driver(browser: str):
    webdriver = pytest.importorskip("selenium.webdriver")
    driver_path = shutil.which("chromedriver")
    if not driver_path:
        pytest.skip("no chromedriver: apt-get install chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))


@pytest.fixture()
def studio(tmp_path):
    import uvicorn

    from kinerja.cli.studio.app import create_app

    folder = tmp_path / "kebijakan"
    folder.mkdir()
    shutil.copy(NATIONAL, folder / "permenpanrb-6-2022.yaml")
    shutil.copy(SAMPLE, folder / "pegawai.csv")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(str(folder), "token-e2e", {f"127.0.0.1:{port}"})
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield folder, f"http://127.0.0.1:{port}/?token=token-e2e"
    server.should_exit = True
    thread.join(10)
    sock.close()


def wait(driver, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def shot(driver, name):
    if SHOTS:
        driver.save_screenshot(str(Path(SHOTS) / name))


def test_change_a_threshold_see_the_impact_and_save(studio, tmp_path, chromium):
    from selenium.webdriver.common.by import By

    folder, url = studio
    before = (folder / "permenpanrb-6-2022.yaml").read_text("utf-8")
    driver = _driver(chromium.executable)
    try:
        driver.get(url)
        wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        driver.find_element(By.CSS_SELECTOR, 'li[data-path="permenpanrb-6-2022.yaml"]').click()
        wait(driver, lambda d: d.find_element(By.ID, "title").text == "permenpanrb-6-2022.yaml")
        shot(driver, "studio-pedoman.png")
        driver.find_element(By.CSS_SELECTOR, 'button[data-tab="edit"]').click()
        box = driver.find_element(By.CSS_SELECTOR, f"input[data-path='{TINGGI}']")
        assert box.get_attribute("value") == "90"
        box.clear()
        box.send_keys("9o")  # a typo: the letter o for a zero
        finding = wait(driver, lambda d: box.find_element(By.XPATH, "..").find_elements(
            By.CSS_SELECTOR, '.finding [data-code="K103"]'))
        assert "min harus berupa angka" in finding[0].text  # the page is Indonesian, so are its findings
        assert driver.find_element(By.ID, "save").get_attribute("disabled") == "true"
        shot(driver, "studio-temuan.png")
        box.clear()
        box.send_keys("85")
        wait(driver, lambda d: not d.find_element(By.ID, "save").get_attribute("disabled"))
        assert not box.find_element(By.XPATH, "..").find_elements(By.CSS_SELECTOR, ".finding [data-code]")
        driver.find_element(By.CSS_SELECTOR, 'button[data-tab="impact"]').click()
        summary = wait(driver, lambda d: d.find_element(By.ID, "impact-summary").get_attribute("data-changed")
                       and d.find_element(By.ID, "impact-summary"))
        listed = [tr.get_attribute("data-nip")
                  for tr in driver.find_elements(By.CSS_SELECTOR, "#impact-table tr[data-row]")]
        shot(driver, "studio-dampak.png")
        # the same change compared by the CLI, independently of the workbench
        edited = tmp_path / "edited.yaml"
        edited.write_text(before.replace("- {min: 90, label: Tinggi}", "- {min: 85, label: Tinggi}"), "utf-8")
        cli = CliRunner().invoke(main, ["compare", str(folder / "permenpanrb-6-2022.yaml"), str(edited),
                                        str(SAMPLE), "--format", "json"])
        want = [c["nip"] for c in json.loads(cli.stdout)["changed"]]
        assert want and listed == want
        assert summary.get_attribute("data-changed") == str(len(want))
        driver.find_element(By.ID, "save").click()
        wait(driver, lambda d: d.find_element(By.ID, "status").text.startswith("Tersimpan"))
    finally:
        driver.quit()
    after = (folder / "permenpanrb-6-2022.yaml").read_text("utf-8")
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    assert [(a, b) for a, b in zip(old, new) if a != b] == \
        [("      - {min: 90, label: Tinggi}\n", "      - {min: 85, label: Tinggi}\n")]
    assert [line for line in new if "#" in line] == [line for line in old if "#" in line]
