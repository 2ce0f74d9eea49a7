"""Browser test fixtures: one Playwright + Chromium per module, a fresh context and page per
test (Chinese by default), screenshots kept as artifacts, and a live `openseal serve`."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import LOCALES, VIEWPORTS, PageWatch, Shots, launch, require_chromium
from tests.support.instance import ORG_NAME, make_instance
from tests.support.server import Server

SEAL_NAME = "合同专用章"  # the contract seal of tests.support.instance
__all__ = ["ORG_NAME", "SEAL_NAME"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(item.path).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Playwright and Chromium for one test module. Not for the session: Playwright's sync
    API keeps an asyncio loop running in this thread while it is started, and every other
    test that runs a loop (in-process sealing, pyHanko) would then fail with "Cannot run the
    event loop while another loop is running". For the same reason a browser test seals
    through the CLI or HTTP, never in-process."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A page in its own fresh browser context, watched for errors from its first load."""

    page: Any
    watch: PageWatch


OpenPage = Callable[..., Tab]


@pytest.fixture()
def open_page(chromium: Any) -> Iterator[OpenPage]:
    """``open_page(lang="zh"|"en", viewport="desktop"|"phone")``: a new context and page."""
    contexts: list[Any] = []

    def open_(lang: str = "zh", viewport: str = "desktop") -> Tab:
        context = chromium.new_context(locale=LOCALES[lang], viewport=VIEWPORTS[viewport],
                                       device_scale_factor=1, timezone_id="Asia/Shanghai")
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        return Tab(page, PageWatch.on(page))

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture()
def shot(request: pytest.FixtureRequest) -> Shots:
    """``shot(page, name)``: a full-page screenshot kept under test-artifacts/browser/."""
    node = request.node
    return Shots(f"{Path(node.path).stem}/{node.name}",
                 lambda path: node.user_properties.append(("screenshot", str(path))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    shots = [v for k, v in item.user_properties if k == "screenshot"]
    if report.when == "call" and shots:
        report.sections.append(("screenshots", "\n".join(shots)))


class Live:
    """A real `openseal serve` on a fresh instance: one organisation and its contract seal.
    The server starts in the background; ``url`` waits until it answers (so the CLI can
    seal documents meanwhile)."""

    def __init__(self, server: Server, seal_id: str) -> None:
        self.server, self.seal_id = server, seal_id
        self._started: list[subprocess.Popen[bytes] | BaseException] = []
        self._starting = threading.Thread(target=self._start, daemon=True)
        self._starting.start()

    def _start(self) -> None:
        try:
            self._started.append(self.server.start())
        except BaseException as failed:  # noqa: BLE001 - raised again by ``url``
            self._started.append(failed)

    @property
    def url(self) -> str:
        self._starting.join()
        if isinstance(self._started[0], BaseException):
            raise self._started[0]
        return self.server.url

    def stop(self) -> None:
        self._starting.join()
        process = self._started[0]
        if isinstance(process, subprocess.Popen):
            process.terminate()
            process.wait(timeout=20)

    def cli_json(self, *args: str) -> dict[str, Any]:
        return dict(json.loads(self.server.cli(*args, "--json")))

    def sign(self, pdf: bytes, folder: Path) -> bytes:
        """``pdf`` sealed by the CLI (``openseal sign``) with the instance's seal."""
        source, out = folder / "in.pdf", folder / "sealed.pdf"
        source.write_bytes(pdf)
        self.cli_json("sign", str(source), "--seal", self.seal_id, "-o", str(out))
        return out.read_bytes()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Without Chromium the tests skip before a server is started. The instance is made in
    this process (starting `openseal` costs seconds a command on a busy machine); documents
    are sealed by the CLI and served by `openseal serve`, real processes."""
    require_chromium()
    home = tmp_path_factory.mktemp("browser") / "home"
    instance = make_instance(home)
    live = Live(Server(home, None), instance.seals["contract"].id)
    yield live
    live.stop()
