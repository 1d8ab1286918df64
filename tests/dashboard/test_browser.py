"""The dashboard in a real browser: Debian's headless chromium driven by Selenium through chromium-driver.

Logs in with a link, reads the numbers on each page and compares them with the database, checks refused
links and cross-workspace access, and saves a screenshot of each page under test-artifacts/dashboard/
(UPDATE_DOCS_IMAGES=1 also writes them to docs/images/). Skips with the reason when chromium or its driver
is missing; with REQUIRE_BROWSER=1 (CI) that is a failure instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.core.clock import ManualClock
from bot.core.events import UserRef
from bot.dashboard import Dashboard
from bot.dashboard.wiring import build_dashboard
from bot.http_server import HttpServer
from content.loader import load_bundle
from storage.sqlite import SqliteRepository
from tests.dashboard.seed import NOW, A, Seeded, seed

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("DASHBOARD_ARTIFACTS", ROOT / "test-artifacts" / "dashboard"))
DOCS_IMAGES = ROOT / "docs" / "images"
BROWSER_ZONE = "Europe/Berlin"  # the browser's own zone: the inline script must pick it up
CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _need_browser() -> None:
    if CHROMIUM and DRIVER:
        return
    reason = (
        "browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


class Server:
    """The dashboard on its own event loop in a thread, so the blocking Selenium calls cannot stall it."""

    def __init__(self, db_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clock = ManualClock(NOW)
        self.repo: SqliteRepository = self.run(SqliteRepository.open(str(db_path)))
        self.seeded: Seeded = self.run(seed(self.repo))
        self.dashboard: Dashboard = build_dashboard(self.repo, load_bundle(), self.clock, "", 3)
        self.http = HttpServer(self._app(), "127.0.0.1", 0)
        port = self.run(self.http.start())
        self.base = f"http://127.0.0.1:{port}"
        self.dashboard.access.base_url = self.base

    def _app(self) -> Any:
        from aiohttp import web

        app = web.Application()
        self.dashboard.mount(app)
        return app

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def link(self, user: UserRef | None = None) -> str:
        who = user or UserRef(A.platform, A.workspace_id, "Uadmin")
        return self.run(self.dashboard.issue_login_link(who, self.clock.now()))

    def close(self) -> None:
        self.run(self.http.stop())
        self.run(self.repo.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _need_browser()
    s = Server(tmp_path_factory.mktemp("browser") / "dash.db")
    try:
        yield s
    finally:
        s.close()


def _driver(javascript: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    if not javascript:
        options.add_argument("--blink-settings=scriptEnabled=false")
    service = Service(executable_path=DRIVER, env={**os.environ, "TZ": BROWSER_ZONE})
    return webdriver.Chrome(service=service, options=options)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    driver = _driver()
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: Any, name: str) -> Path:
    """A full-page screenshot as a test artefact (and the README's picture with UPDATE_DOCS_IMAGES=1)."""
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(4000, int(height) + 140))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / f"dashboard-{name}.png")
    driver.set_window_size(width, 900)
    assert path.stat().st_size > 1000
    return path


def cells(driver: Any, table_id: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [[c.text.strip() for c in r.find_elements(By.CSS_SELECTOR, "th, td")] for r in rows]


def click_and_wait(driver: Any, element: Any, js: bool = True) -> None:
    """Click something that loads a new page, and wait until it has."""
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    WebDriverWait(driver, 15).until(lambda _: gone(element))
    if js:
        settle(driver)


def gone(element: Any) -> bool:
    """The element's page has been replaced. Chromium sometimes says so as an inspector error ("Node with
    given id does not belong to the document") rather than a stale-element error: both mean gone."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def settle(driver: Any) -> None:
    """Wait for the page, and for the one reload the time-zone script does on a browser's first visit."""
    from selenium.webdriver.support.ui import WebDriverWait

    def ready(d: Any) -> bool:
        state = d.execute_script(
            "return [document.readyState, document.documentElement.dataset.tz, !!document.querySelector('nav')]"
        )
        done, zone, signed_in = state[0] == "complete", state[1], state[2]
        return bool(done and (not signed_in or zone == BROWSER_ZONE))

    WebDriverWait(driver, 15).until(ready)


def open_link(driver: Any, link: str, js: bool = True) -> None:
    """Open a login link and press its button. With a session already open, the page's time-zone script may
    reload it once (base.html) between finding the button and clicking it: wait for the page the browser
    settles on, then press."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(link)

    clicked: list[Any] = []

    def pressed(d: Any) -> bool:
        if d.execute_script("return document.readyState") != "complete":
            return False
        try:
            button = d.find_element(By.ID, "open")
            button.click()
        except (StaleElementReferenceException, WebDriverException):
            return False  # the page reloaded under us: find the button again
        clicked.append(button)
        return True

    WebDriverWait(driver, 30).until(pressed)
    WebDriverWait(driver, 15).until(lambda _: gone(clicked[0]))
    if js:
        settle(driver)


def text_of(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, element_id).text)


def test_log_in_and_read_the_overview(server: Server, browser: Any) -> None:
    open_link(browser, server.link())
    assert browser.current_url == server.base + "/dashboard/"
    db = server.repo.db
    answered, people = server.run(
        db.fetchrow(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT a.user_id) AS p FROM answers a JOIN rounds r ON r.id = a.round_id "
            "JOIN teams t ON t.id = r.team_id WHERE t.workspace_id = $1",
            A.workspace_id,
        )
    ).values()  # type: ignore[union-attr]
    assert text_of(browser, "team-count") == "2" and text_of(browser, "known-members") == str(people)
    assert sum(int(r[3]) for r in cells(browser, "teams")) == int(answered)
    assert sum(int(r[4]) for r in cells(browser, "weeks")) == int(answered)
    shoot(browser, "overview")


def test_team_page_numbers(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/dashboard/")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Platform team"))
    team_id = server.seeded.teams["Platform team"]
    total = server.run(
        server.repo.db.fetchval(
            "SELECT COUNT(*) FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.team_id = $1", team_id
        )
    )
    assert text_of(browser, "team-name") == "Platform team" and text_of(browser, "team-answers") == str(total)
    shown = [c for row in cells(browser, "heatmap") for c in row[1:] if c != "—"]
    assert sum(int(c.split("(")[1].split("/")[1].rstrip(")")) for c in shown) == total
    shoot(browser, "team")


def test_onboarding_filter_and_the_browser_time_zone(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/dashboard/onboarding")
    assert "Started (Europe/Berlin)" in browser.page_source  # picked up by the inline script
    field = browser.find_element(By.ID, "days")
    field.clear()
    field.send_keys("7")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.filter button"))
    assert sorted(r[0] for r in cells(browser, "course")) == ["Ben", "Cleo"]
    assert (
        browser.find_element(By.ID, "csv").get_attribute("href").endswith("/dashboard/onboarding.csv?days=7")
    )
    shoot(browser, "onboarding")


def test_flags_clear_and_audit_log(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/dashboard/flags")
    assert sorted(r[0].split()[0] for r in cells(browser, "flags")) == [
        "ec2-private-key-in-git",
        "ec2-ssh-open-world",
    ]
    shoot(browser, "flags")
    row = browser.find_element(By.CSS_SELECTOR, '#flags tr[data-scenario="ec2-ssh-open-world"]')
    click_and_wait(browser, row.find_element(By.TAG_NAME, "button"))
    assert "Cleared the flags on ec2-ssh-open-world" in browser.page_source, browser.find_element(
        By.TAG_NAME, "main"
    ).text
    assert [f.scenario_id for f in server.run(server.repo.open_flags(A))] == ["ec2-private-key-in-git"]
    browser.get(server.base + "/dashboard/audit")
    newest = cells(browser, "audit")[0]
    assert newest[1:3] == ["Uadmin", "flags-clear"]
    export = next(r for r in cells(browser, "audit") if r[2] == "export")
    assert export[0] == "2026-06-26 17:00"  # 15:00 UTC in the browser's Europe/Berlin
    shoot(browser, "audit")


def test_reused_and_expired_links_are_refused(server: Server, browser: Any) -> None:
    link = server.link()
    open_link(browser, link)
    browser.delete_all_cookies()
    open_link(browser, link)
    assert "This link cannot be used" in browser.page_source
    late = server.link()
    server.clock.advance(timedelta(minutes=16))
    try:
        open_link(browser, late)
        assert "This link cannot be used" in browser.page_source
        browser.get(server.base + "/dashboard/")
        assert "Please sign in" in browser.page_source
    finally:
        server.clock.set(NOW)


def test_workspace_a_cannot_read_workspace_b(server: Server, browser: Any) -> None:
    open_link(browser, server.link())
    browser.get(f"{server.base}/dashboard/teams/{server.seeded.teams['Other company']}")
    assert "No such team" in browser.page_source and "Other company" not in browser.page_source
    browser.get(server.base + "/dashboard/onboarding")
    assert "Other Person" not in browser.page_source


def test_phone_width_and_no_javascript(server: Server, browser: Any) -> None:
    open_link(browser, server.link())
    browser.set_window_size(390, 844)
    try:
        browser.get(server.base + "/dashboard/")
        overflow = browser.execute_script("return document.body.scrollWidth - window.innerWidth")
        assert int(overflow) <= 0  # wide tables scroll inside their own box, the page does not
        shoot(browser, "overview-phone")
    finally:
        browser.set_window_size(1200, 900)
    plain = _driver(javascript=False)
    try:
        open_link(plain, server.link(), js=False)
        plain.get(server.base + "/dashboard/audit")
        assert "When (UTC)" in plain.page_source  # no script: dates fall back to UTC
        assert cells(plain, "audit")[-1][2] == "setup"
    finally:
        plain.quit()
