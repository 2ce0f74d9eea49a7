"""OFD page previews in the console (issue 9 item 7): the pages are drawn by core.ofd.render
at the PDF previews' size, a page that cannot be drawn keeps its outline with "No preview"
(zh and en), the request page links real page pictures, and a seal dropped on the drawn page
lands where it was dropped (the page's mm size makes the drop's mm)."""

from __future__ import annotations

import io
import re

from PIL import Image

from openseal.interfaces.web.ofd_previews import OFD, blank_png, ofd_preview
from openseal.interfaces.web.previews import LONG_SIDE, NO_SUCH_PAGE, UNREADABLE
from tests.interfaces import test_console_ofd_requests as ofd_requests
from tests.interfaces.test_console_ofd_requests import (
    _approve,
    _made,
    _outlines,
    _pictures,
    _seal,
    _verified,
)
from tests.interfaces.test_console_signin import console_login, visible
from tests.support.api import Party, World
from tests.support.ofd import make_ofd, unzipped, zipped

world, a, sm2 = ofd_requests.world, ofd_requests.a, ofd_requests.sm2  # the same fixtures


def _broken_second_page(pages: int = 3) -> bytes:
    files = unzipped(make_ofd(pages))
    files["Doc_0/Pages/Page_1/Content.xml"] = b"<ofd:Page><not-closed>"
    return zipped(files)


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).convert("L")


def _darkest(png: bytes) -> int:
    """The darkest grey of a picture (255: white all over)."""
    low, _high = _image(png).getextrema()
    assert isinstance(low, int)
    return low


def test_ofd_pages_are_drawn_at_the_pdf_preview_size() -> None:
    document = make_ofd(3)  # the zip members carry the time: make it once for the cache check below
    shown = ofd_preview(document, 1, 2)
    assert shown.page_count == 3 and shown.problem is None and len(shown.pages) == 2
    for number, page in enumerate(shown.pages, 1):
        assert page.page == number and page.skipped is None and page.png
        image = _image(page.png)
        assert image.size == page.pixels and max(image.size) == LONG_SIDE
        assert _darkest(page.png) < 100  # its text is drawn
        assert (page.width_mm, page.height_mm) == (210.0, 297.0)
    assert shown.pages[0].point_mm(0.5, 0.5) == (105.0, 148.5)
    again = ofd_preview(document, 2, 1)  # from the cache: the same picture
    assert again.pages[0].png is shown.pages[1].png


def test_a_page_that_cannot_be_drawn_keeps_its_outline() -> None:
    shown = ofd_preview(_broken_second_page(), 1, 3)
    first, second, third = shown.pages
    assert first.png and third.png and first.skipped is None
    assert second.png is None and second.skipped == OFD
    assert (second.width_mm, second.height_mm) == (210.0, 297.0)
    assert _darkest(blank_png(second, 600)) == 255


def test_unreadable_files_and_missing_pages() -> None:
    assert ofd_preview(b"PK\x05\x06 not an ofd").problem == UNREADABLE
    assert ofd_preview(make_ofd(2), 3, 1).problem == NO_SUCH_PAGE


def test_the_request_page_shows_drawn_pages(world: World, a: Party, sm2: str) -> None:
    clerk = console_login(world, a.member)
    request_id = _made(clerk, sm2, make_ofd(pages=3))
    detail = clerk.get(f"/requests/{request_id}")
    pictures = _pictures(detail.text)
    assert len(pictures) == 2 and _outlines(detail.text) == []
    for address in pictures:
        answer = clerk.get(address)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert _darkest(answer.content) < 100
    stranger = console_login(world, world.parties["B"].member)
    assert stranger.get(pictures[0]).status_code in (403, 404)


def test_a_broken_page_says_no_preview_in_both_languages(world: World, a: Party,
                                                          sm2: str) -> None:
    clerk = console_login(world, a.member)
    request_id = _made(clerk, sm2, _broken_second_page())
    for lang, words in (("zh", "OFD 页面暂不提供预览"), ("en", "No preview for OFD pages")):
        page = clerk.get(f"/requests/{request_id}?lang={lang}")
        assert page.status_code == 200
        assert len(_pictures(page.text)) == 1 and _outlines(page.text) == ["0 0 210.0 297.0"]
        assert words in visible(page.text)
    address = re.sub(r"/1\.png$", "/2.png", _pictures(page.text)[0])
    blank = clerk.get(address)  # the outline's page: a white picture, never a broken image
    assert blank.status_code == 200 and _darkest(blank.content) == 255


def test_a_seal_dropped_on_the_drawn_page_lands_there(world: World, a: Party,
                                                       sm2: str) -> None:
    clerk = console_login(world, a.member, lang="en")
    request_id = _made(clerk, sm2, make_ofd(pages=1))
    assert _approve(console_login(world, a.approver), request_id).status_code == 303
    form = clerk.get(f"/requests/{request_id}/seal?lang=en")
    assert len(_pictures(form.text)) == 1 and 'id="stage"' in form.text
    assert "then seal and download the OFD file." in visible(form.text)
    assert "OFD pages are not shown" not in visible(form.text)
    sealed = _seal(clerk, request_id, "en", fx="0.5", fy="0.25")
    assert sealed.status_code == 200, sealed.text[:2000]
    [signature] = _verified(world, sealed.content)["signatures"]
    x, y, w, h = signature["stamps"][0]["boundary_mm"]  # OFD: from the top-left
    assert abs(x + w / 2 - 105) < 0.6 and abs(y + h / 2 - 297 * 0.25) < 0.6, (x, y, w, h)
