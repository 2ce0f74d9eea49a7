"""The user manual's figures and links. Its figures are the browser tests' screenshots:
every screenshot a browser test names for the manual (``shot(page, ..., manual="<name>")``)
is in docs/manual/images/ (``make manual-shots`` takes them again) and shown in a chapter,
every figure a chapter shows exists, and /help serves them as JPEG, nothing else. A link
from one chapter to another lands on a chapter and one of its sections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openseal.interfaces.web.console.manual import MANUAL_DIR, markdown_subset, slug
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


def test_links_between_chapters_land_on_a_chapter_and_section() -> None:
    body = str(markdown_subset(
        "见[审核 <b>](organisation.md#审核单位认证-review)与 [x](../README.md)"))
    assert body == ('<p>见<a href="/help?page=organisation#审核单位认证-review">审核 &lt;b&gt;</a>'
                    "与 [x](../README.md)</p>")
    broken = []
    for chapter in MANUAL_DIR.glob("*.md"):
        text = chapter.read_text("utf-8")
        for page, anchor in re.findall(r"\]\(([a-z0-9_-]+)\.md(?:#([\w-]+))?\)", text):
            target = MANUAL_DIR / f"{page}.md"
            headings = re.findall(r"^#{1,6}\s+(.*)$", target.read_text("utf-8"), flags=re.M) \
                if target.is_file() else []
            if not target.is_file() or (anchor and anchor not in map(slug, headings)):
                broken.append(f"{chapter.name}: {page}.md#{anchor}")
    assert broken == []


@pytest.mark.parametrize("name", ["nothing", "../manual/index", "seals-gallery.jpg", "",
                                  "SEALS-GALLERY", "x" * 70])
def test_help_serves_nothing_but_the_figures(world: World, name: str) -> None:
    answer = world.client().get("/help/figure", params={"name": name, "lang": "en"})
    assert answer.status_code == 404
    assert "The user manual has no page" in answer.text
    assert "image/jpeg" not in answer.headers["content-type"]
