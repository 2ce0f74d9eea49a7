"""/help?page=<page>: the user manual (docs/manual/ in the source tree), shown as a page so
each page's help link lands on its section. Headings get GitHub-style ids, so the same
``#section`` works on the published manual (settings ``docs_url``). Only headings,
paragraphs, lists, code blocks, links to other chapters (``[text](page.md#section)``) and
figures (``![caption](images/<name>.jpg)`` on a line of its own: the screenshots the
browser tests take, ``make manual-shots``) are rendered: the manual is written to that
subset."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup, escape

from openseal.errors import NotFound
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import Refused

router = APIRouter(include_in_schema=False)
MANUAL_DIR = Path(__file__).resolve().parents[5] / "docs" / "manual"
MANUAL = Page("console/manual.html", "User manual", "index")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_LINK = re.compile(r"\[([^\]]+)\]\(([a-z0-9][a-z0-9_-]{0,63})\.md(#[\w-]+)?\)")
_FIGURE = re.compile(r"!\[([^\]]*)\]\(images/([a-z0-9][a-z0-9_-]{0,63})\.jpg\)")


def manual_missing(name: str) -> NotFound:
    return NotFound("MANUAL_PAGE_MISSING", f"用户手册中没有「{name}」这一页",
                    f"The user manual has no page '{name}'", page=name)


@router.get("/help", response_class=HTMLResponse)
def manual_page(request: Request, page: str = "index") -> Response:
    """docs/manual/<page>.md as a page (a query, not a path: no id-like path parameter)."""
    path = MANUAL_DIR / f"{page}.md"
    if not _NAME.fullmatch(page) or not path.is_file():
        raise Refused(manual_missing(page))
    return show(request, MANUAL, body=markdown_subset(path.read_text(encoding="utf-8")))


@router.get("/help/figure", response_class=FileResponse)
def manual_figure(name: str) -> Response:
    """docs/manual/images/<name>.jpg, a figure of the manual."""
    path = MANUAL_DIR / "images" / f"{name}.jpg"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise Refused(manual_missing(f"images/{name}.jpg"))
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "public, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def markdown_subset(source: str) -> Markup:
    """Headings, paragraphs, ``-`` lists, fenced code, figures and links between chapters,
    all text escaped."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", source.strip()):
        out.append(_block(block))
    return Markup("\n".join(out))


def _block(block: str) -> str:
    if block.startswith("```"):
        code = "\n".join(block.splitlines()[1:]).removesuffix("```").rstrip()
        return f"<pre><code>{escape(code)}</code></pre>"
    figure = _FIGURE.fullmatch(block.strip())
    if figure:
        caption, name = escape(figure.group(1)), figure.group(2)
        return (f'<figure><img src="/help/figure?name={name}" alt="{caption}" loading="lazy">'
                f"<figcaption>{caption}</figcaption></figure>")
    heading = re.match(r"(#{1,6})\s+(.*)", block)
    if heading and "\n" not in block:
        level, text = min(len(heading.group(1)) + 1, 6), heading.group(2)
        return f'<h{level} id="{escape(slug(text))}">{escape(text)}</h{level}>'
    lines = block.splitlines()
    if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
        items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    return f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>"


def _inline(text: str) -> str:
    """``text`` escaped; links to other chapters (``[text](page.md#section)``) kept."""
    out, last = [], 0
    for link in _LINK.finditer(text):
        out.append(str(escape(text[last:link.start()])))
        target = f"/help?page={link.group(2)}{link.group(3) or ''}"
        out.append(f'<a href="{escape(target)}">{escape(link.group(1))}</a>')
        last = link.end()
    out.append(str(escape(text[last:])))
    return "".join(out)
