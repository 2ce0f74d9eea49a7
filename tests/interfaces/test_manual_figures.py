"""The user manual's figures are the browser tests' screenshots: every screenshot a browser
test names for the manual (``shot(page, ..., manual="<name>")``) is in docs/manual/images/
(``make manual-shots`` takes them again) and shown in a chapter, every figure a chapter shows
exists, and /help serves them as JPEG, nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openseal.interfaces.web.console.manual import MANUAL_DIR, markdown_subset
from tests.support.api import World, make_world

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
IMAGES = MANUAL_DIR / "images"


def _named_for_the_manual() -> set[str]:
    names: set[str] = set()
    for test in BROWSER_TESTS.glob("test_*.py"):
        names |= set(re.findall(r'manual="([a-z0-9-]+)"', test.read_text(encoding="utf-8")))
    return names


def _shown_in_the_manual() -> dict[str, str]:
    shown = {}
    for chapter in MANUAL_DIR.glob("*.md"):
        for name in re.findall(r"\]\(images/([^)]+)\.jpg\)", chapter.read_text("utf-8")):
            shown[name] = chapter.name
    return shown


def test_every_screenshot_named_for_the_manual_is_a_figure_of_it() -> None:
    named, shown = _named_for_the_manual(), _shown_in_the_manual()
    assert len(named) >= 10
    assert named - set(shown) == set(), "named by a browser test, shown in no chapter"
    missing = sorted(name for name in named if not (IMAGES / f"{name}.jpg").is_file())
    assert missing == [], "run: make manual-shots"


def test_every_figure_of_the_manual_exists_and_comes_from_a_test() -> None:
    shown = _shown_in_the_manual()
    assert {n: c for n, c in shown.items() if not (IMAGES / f"{n}.jpg").is_file()} == {}
    assert set(shown) - _named_for_the_manual() == set(), "a figure no test takes"
    for image in IMAGES.glob("*.jpg"):
        assert image.read_bytes()[:3] == b"\xff\xd8\xff", image.name
        assert image.stem in shown, f"{image.name} is shown in no chapter"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("manual-figures") / "home")


def test_help_shows_and_serves_the_figures(world: World) -> None:
    body = str(markdown_subset("![印章列表 <b>](images/seals-gallery.jpg)"))
    assert body == ('<figure><img src="/help/figure?name=seals-gallery" alt="印章列表 &lt;b&gt;"'
                    ' loading="lazy"><figcaption>印章列表 &lt;b&gt;</figcaption></figure>')
    page = world.client().get("/help?page=seals")
    assert '<img src="/help/figure?name=seals-gallery"' in page.text
    figure = world.client().get("/help/figure?name=seals-gallery")
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/jpeg"
    assert figure.content == (IMAGES / "seals-gallery.jpg").read_bytes()


@pytest.mark.parametrize("name", ["nothing", "../manual/index", "seals-gallery.jpg", "",
                                  "SEALS-GALLERY", "x" * 70])
def test_help_serves_nothing_but_the_figures(world: World, name: str) -> None:
    answer = world.client().get("/help/figure", params={"name": name, "lang": "en"})
    assert answer.status_code == 404
    assert "The user manual has no page" in answer.text
    assert "image/jpeg" not in answer.headers["content-type"]
