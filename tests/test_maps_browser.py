"""The overview web map as a person sees it: headless Chromium, offline basemap, no network.

Needs Debian's chromium (and chromium-driver for the interaction test), installed by
``scripts/install_chromium.sh``; skipped with that reason when Chromium is missing.
"""

from __future__ import annotations

import html as _html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gisxz.maps.web import layer_titles, web_map, write_web_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
_SKIP = "chromium is not installed; run scripts/install_chromium.sh (Debian: chromium)"
# Chromium's own flags for a closed network; every host lookup fails, so a page that
# needed a CDN would show errors.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1400,1000"]


@pytest.fixture(scope="module")
def overview(layers, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(_SKIP)
    path = tmp_path_factory.mktemp("web") / "overview.html"
    write_web_map(layers, path, basemaps="none")
    return path, layer_titles(web_map(layers))


def _run_chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    lines = [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]
    return [ln for ln in lines if re.search(r"Uncaught|Error|Failed to load", ln)]


def test_overview_renders_without_js_errors(overview):
    path, titles = overview
    proc = _run_chromium("--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000",
                         "--dump-dom", path.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _console_errors(proc.stderr) == []
    dom = proc.stdout
    # the map drew its features (SVG paths) and its controls
    assert dom.count("leaflet-interactive") > 50
    for cls in ("leaflet-control-layers", "leaflet-control-scale", "leaflet-control-measure",
                "leaflet-control-zoom-fullscreen", "gx-legend"):
        assert cls in dom, cls
    block = dom[dom.index("leaflet-control-layers-overlays"):]
    names = [_html.unescape(n).strip() for n in re.findall(r"<span>\s*([^<]*)</span>", block)]
    for title in titles:
        assert title in names, f"{title!r} not in the layer control"


def test_screenshot(overview, tmp_path):
    path, _ = overview
    shot = tmp_path / "overview.png"
    proc = _run_chromium(f"--screenshot={shot}", "--virtual-time-budget=8000", "--hide-scrollbars",
                         path.as_uri())
    assert proc.returncode == 0 and shot.exists() and shot.stat().st_size > 20_000


def test_legend_toggles_with_layer(overview):
    if CHROMEDRIVER is None:
        pytest.skip("chromedriver is not installed; run scripts/install_chromium.sh "
                    "(Debian: chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                    "(pip install -e .[test])")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    path, titles = overview
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp()
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(path.as_uri())
        driver.implicitly_wait(5)
        labels = driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
        shown = [lab.text.strip() for lab in labels]
        assert shown == titles
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
        # untick the first visible layer: its legend block disappears, and comes back
        blocks = driver.find_elements(By.CSS_SELECTOR, ".gx-legend .gx-block")
        i, block = next((k, b) for k, lab in enumerate(labels)
                        if lab.find_element(By.TAG_NAME, "input").is_selected()
                        for b in blocks if titles[k] in b.text.replace("\n", " "))
        box = labels[i].find_element(By.TAG_NAME, "input")
        assert block.is_displayed()
        box.click()
        assert not block.is_displayed()
        box.click()
        assert block.is_displayed()
        # a feature's tooltip is bilingual HTML (hover a place marker)
        assert driver.execute_script("return document.querySelectorAll("
                                     "'path.leaflet-interactive').length") > 50
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _driver(width: int, height: int):
    if CHROMEDRIVER is None:
        pytest.skip("chromedriver is not installed; run scripts/install_chromium.sh "
                    "(Debian: chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                    "(pip install -e .[test])")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp()
    for flag in [*FLAGS[:-1], f"--window-size={width},{height}", f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts), profile


@pytest.mark.parametrize("width, height, collapsed", [(1366, 768, True), (1920, 1080, False)])
def test_furniture_collapsed_on_laptop_screens(overview, width, height, collapsed):
    path, _ = overview
    driver, profile = _driver(width, height)
    from selenium.webdriver.common.by import By
    try:
        driver.get(path.as_uri())
        driver.implicitly_wait(5)
        legend = driver.find_element(By.CSS_SELECTOR, ".gx-legend")
        control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
        is_collapsed = "gx-collapsed" in legend.get_attribute("class")
        assert is_collapsed == collapsed
        assert ("leaflet-control-layers-expanded" not in control.get_attribute("class")) \
            == collapsed
        legend.find_element(By.CSS_SELECTOR, ".gx-head").click()  # toggles
        assert ("gx-collapsed" in legend.get_attribute("class")) != collapsed
        # no two visible labels overlap once the page has decluttered them (it does so
        # asynchronously after every move; run it now so a loaded machine cannot race it)
        rects = driver.execute_script(
            "if (window.gxDeclutter) { window.gxDeclutter(); }"
            "return Array.from(document.querySelectorAll('.gx-label'))"
            ".filter(e => e.style.visibility !== 'hidden')"
            ".map(e => {const r = e.getBoundingClientRect(); return [r.left, r.top, r.right,"
            " r.bottom];}).filter(r => r[2] > r[0]);")
        assert len(rects) > 10
        for k, a in enumerate(rects):
            for b in rects[k + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_skip_reason_names_installer():
    assert "install_chromium.sh" in _SKIP and Path(__file__).parents[1].joinpath(
        "scripts", "install_chromium.sh").exists()


def test_title_follows_the_scenario_shown(tmp_path):
    if CHROMIUM is None:
        pytest.skip(_SKIP)
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    from gisxz.maps.recipes import Recipe

    iso = gpd.GeoDataFrame({"scenario": ["current", "plan"], "mode": ["multimodal"] * 2,
                            "hours": [1.0, 1.0]},
                           geometry=[Polygon([(90, 29), (92, 29), (92, 30), (90, 30)])] * 2,
                           crs=4490)
    places = gpd.GeoDataFrame({"name_zh": ["拉萨"], "kind": ["prefecture_seat"]},
                              geometry=[Point(91.11, 29.65)], crs=4490)
    rec = Recipe("t", "拉萨三小时经济圈", extent=[88, 28, 94, 31], layers=(
        {"layer": "three_hour_circle", "split_by": ["scenario"]},
        {"layer": "places", "labels": True}))
    path = write_web_map({"three_hour_circle": iso, "places": places}, tmp_path / "c.html",
                         recipe=rec)
    driver, profile = _driver(1920, 1080)
    from selenium.webdriver.common.by import By

    try:
        driver.get(path.as_uri())
        driver.implicitly_wait(5)
        scn = driver.find_element(By.CSS_SELECTOR, ".gx-title .gx-scn")
        assert scn.text == "（现状 current）"
        boxes = driver.find_elements(By.CSS_SELECTOR,
                                     ".leaflet-control-layers-overlays label input")
        boxes[0].click()  # hide current
        boxes[1].click()  # show plan
        assert scn.text == "（规划 plan）"
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
