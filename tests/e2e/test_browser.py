"""The consumer pages in a real browser (QBT-12.1, QBT-12.2, GEN-18, GEN-30, QBT-T14.2).

Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser)
against a real `suyuan serve` process over the small test world. Phone-size (390x844)
screenshots are taken of every page; they replace docs/screenshots/ only when
SUYUAN_UPDATE_SCREENSHOTS=1 (otherwise they go to a temporary directory, so a test run
leaves the working tree clean). A missing Chromium fails these tests: CI installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from public_world import World, world_copy

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
DOC_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The tiny world on SQLite, built once."""
    directory = tmp_path_factory.mktemp("browser")
    with world_copy("sqlite", directory) as copy:
        yield copy


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    """A real uvicorn server (`suyuan serve`) on a free port."""
    port = _free_port()
    env = os.environ | {
        "SUYUAN_DATABASE_URL": world.settings.database_url,
        "SUYUAN_KEY_DIR": str(world.settings.key_dir),
        "SUYUAN_RESOLVER_URL": f"http://127.0.0.1:{port}",
        "SUYUAN_SCAN_FLUSH_SECONDS": "0",
    }
    command = [sys.executable, "-m", "suyuan", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None:
                assert process.stderr is not None
                raise AssertionError(process.stderr.read().decode()[-2000:])
            try:
                if httpx.get(base + "/", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium through Playwright; fails (not skips) when Chromium is missing."""
    assert CHROMIUM.exists(), "Debian's chromium is required: apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-size page."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/screenshots/ when asked to update them."""
    if os.environ.get("SUYUAN_UPDATE_SCREENSHOTS") == "1":
        return DOC_SHOTS
    return tmp_path_factory.mktemp("screenshots")


def _shot(page: Page, directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=False)


def test_scanning_a_genuine_bottle_shows_its_public_information(
    page: Page, server: str, world: World, shots: Path
) -> None:
    p = page
    p.goto(server + world.codes["genuine"])
    verdict = p.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "genuine"
    assert "正品" in verdict.inner_text()
    assert "宜宾某某酒业有限公司" in p.locator("#items").inner_text()
    assert p.locator("#flow li").count() >= 2
    _shot(p, shots, "resolver-genuine")


def test_a_recalled_bottle_shows_the_recall_warning(
    page: Page, server: str, world: World, shots: Path
) -> None:
    p = page
    p.goto(server + world.codes["recalled"])
    verdict = p.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "recalled"
    assert "请勿饮用" in verdict.inner_text()
    _shot(p, shots, "resolver-recalled")


def test_a_forged_code_is_not_genuine(page: Page, server: str, world: World, shots: Path) -> None:
    key = world.codes["genuine"]
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    p = page
    p.goto(server + forged)
    verdict = p.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "forged"
    assert "非正品追溯码" in verdict.inner_text()
    assert p.locator("#items").count() == 0
    _shot(p, shots, "resolver-forged")


def test_typing_the_printed_code_checks_it(
    page: Page, server: str, world: World, shots: Path
) -> None:
    key = world.codes["sold"]
    printed = f"88.118.8/{key[4:18]}{key[22:]}"
    p = page
    p.goto(server + "/")
    p.fill("#code", printed)
    _shot(p, shots, "resolver-home")
    p.click("button[type=submit]")
    p.wait_for_selector("#verdict")
    assert p.locator("#verdict").get_attribute("data-verdict") in ("genuine", "suspicious")
    assert printed in p.locator("#code-text").inner_text()


def test_the_language_switch_gives_english(
    page: Page, server: str, world: World, shots: Path
) -> None:
    p = page
    p.goto(server + world.codes["genuine"])
    p.click("#lang-switch")
    p.wait_for_selector("html[lang=en]")
    assert "Genuine" in p.locator("#verdict").inner_text()
    assert "Product name" in p.locator("#items").inner_text()
    _shot(p, shots, "resolver-genuine-en")


def test_a_consumer_can_complain(page: Page, server: str, world: World, shots: Path) -> None:
    p = page
    p.goto(server + world.codes["failed_qc"])
    p.fill("#c-contact", "13800138000")
    p.fill("#c-content", "酒的味道不对，怀疑质量问题")
    p.click("#complaint-form button[type=submit]")
    p.wait_for_selector("#complaint-thanks")
    assert "已收到" in p.locator("#complaint-thanks").inner_text()
    _shot(p, shots, "resolver-complaint")
