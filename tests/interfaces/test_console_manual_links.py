"""Every console page's Help link lands on a section of the user manual (docs/manual/):
the page file exists and one of its headings has the link's anchor."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import openseal.interfaces.web.console as console
from openseal.interfaces.web.console.layout import Page
from openseal.interfaces.web.console.manual import MANUAL_DIR, slug

TEMPLATES = Path(console.__file__).resolve().parents[1] / "templates"


def _help_targets() -> set[str]:
    targets = set()
    for info in pkgutil.iter_modules(console.__path__):
        module = importlib.import_module(f"{console.__name__}.{info.name}")
        targets |= {v.help for v in vars(module).values() if isinstance(v, Page)}
    for template in TEMPLATES.rglob("*.html"):
        targets |= set(re.findall(r"help_url\(request, '([^']+)'\)", template.read_text()))
    return targets


def _anchors(page: str) -> set[str]:
    text = (MANUAL_DIR / f"{page}.md").read_text(encoding="utf-8")
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.*)$", text, flags=re.M)}


def test_every_help_link_lands_on_a_manual_section() -> None:
    targets = _help_targets()
    assert len(targets) > 5
    broken = []
    for target in sorted(targets):
        page, _, anchor = target.partition("#")
        if not (MANUAL_DIR / f"{page}.md").is_file():
            broken.append(f"{target}: no docs/manual/{page}.md")
        elif anchor and anchor not in _anchors(page):
            broken.append(f"{target}: no such heading")
    assert broken == []
