"""Browser tests: the real application, as `marac serve --demo` makes it, served by uvicorn on a
free loopback port over a SQLite file, driven by Playwright in Debian's Chromium (launched by
its path: never a browser download). Each test runs with JavaScript on and off, since every page
must work without it; `accessible` runs axe-core on a page at WCAG 2.0, 2.1 and 2.2 A and AA.

Marked `browser`: CI installs Chromium and fails when any of them was skipped (.ci/run).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from api.app import create_app
from api.bootstrap import Platform, build_platform
from api.demo import seed_demo
from api.settings import Settings
from tests.e2e.test_demo_server import free_port

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class Demo:
    """The running demo: its address, its platform (to read what it recorded) and its cases
    by the names seed_demo gives them."""

    url: str
    platform: Platform
    cases: dict[str, UUID] = field(default_factory=dict)


@contextmanager
def serving_demo(data: Path) -> Iterator[Demo]:
    """The demo served from `data` until the block ends."""
    port = free_port()
    settings = Settings(data_dir=data, demo=True, port=port,
                        database_url=f"sqlite:///{(data / 'marac.sqlite').as_posix()}")
    platform = build_platform(settings)
    seeded = seed_demo(platform.marac)
    platform.runner.catch_up()
    # A browser still open keeps connections alive: the server does not wait for them.
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=port,
                                           log_config=None, access_log=False,
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the demo stopped"
        assert time.monotonic() < deadline, "the demo did not start"
        time.sleep(0.05)
    yield Demo(f"http://127.0.0.1:{port}", platform, dict(seeded.cases))
    server.should_exit = True
    thread.join(timeout=10)
    platform.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with serving_demo(tmp_path_factory.mktemp("browser-demo")) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()


@pytest.fixture(params=["javascript", "no_javascript"])
def javascript(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "javascript")


@pytest.fixture
def context(browser: Browser, javascript: bool) -> Iterator[BrowserContext]:
    made = browser.new_context(java_script_enabled=javascript)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A new page; whatever the pages' Content-Security-Policy refused while the test ran (a
    script, a style, a frame) fails the test: the policy and the pages must agree."""
    made = context.new_page()
    refused: list[str] = []
    made.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield made
    assert not refused, refused


class Accessibility:
    """axe-core on the page as it stands, at WCAG 2.0, 2.1 and 2.2 A and AA: no violation. A
    page shown without JavaScript is checked as that browser has it: its HTML, without its
    scripts, loaded at its own address in a page that may run axe (axe is JavaScript): one
    such page for the session (`axe_page`), whose cache keeps the styles between checks."""

    def __init__(self, page: Page, javascript: bool, axe_page: Page) -> None:
        self.page = page
        self.javascript = javascript
        self.axe_page = axe_page

    def __call__(self) -> None:
        target = self.page
        if not self.javascript:
            target = self.axe_page
            url = self.page.url
            html = re.sub(r"<script\b[^>]*>.*?</script>", "", self.page.content(),
                          flags=re.DOTALL | re.IGNORECASE)

            def fulfil(route: Route) -> None:
                route.fulfill(status=200, content_type="text/html", body=html)

            target.route(url, fulfil)
            try:
                target.goto(url)
            finally:
                target.unroute(url, fulfil)
        results = AXE.run(target, options={"runOnly": {"type": "tag", "values": WCAG_A_AA},
                                           "resultTypes": ["violations"]})
        assert results.violations_count == 0, results.generate_report()


@pytest.fixture(scope="session")
def axe_page(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript on, for checking what a page without it showed (Accessibility)."""
    context = browser.new_context(java_script_enabled=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def accessible(page: Page, javascript: bool, axe_page: Page) -> Accessibility:
    return Accessibility(page, javascript, axe_page)
