"""The pages' words: gettext catalogues with English message ids
(``locale/<lang>/LC_MESSAGES/*.po``: ``messages.po`` and one file per console feature,
merged), compiled in memory once per process (no build
step), and how a request picks its language: ``?lang=``, then the ``lang`` cookie, then
Accept-Language; Chinese by default.

Every lookup of a message id that the catalogue lacks is noted in ``MISSING``: the tests
render every page in both languages and require it to stay empty.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"
MISSING: set[str] = set()


class Catalogue(gettext.GNUTranslations):
    """A language's translations; a message id it lacks is shown as is and noted."""

    def gettext(self, message: str) -> str:
        if message and message not in self._catalog:  # type: ignore[attr-defined]
            MISSING.add(message)
        return super().gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        if (msgid1, 0) not in self._catalog:  # type: ignore[attr-defined]
            MISSING.add(msgid1)
        return super().ngettext(msgid1, msgid2, n)


def catalogue_files(lang: str) -> list[Path]:
    """``messages.po`` and one ``<feature>.po`` per console feature, all read as one."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def read_catalogue(lang: str) -> Catalog:
    """Every .po file of ``lang`` merged (a message id must be in one file only)."""
    merged: Catalog | None = None
    for path in catalogue_files(lang):
        with path.open("rb") as fh:
            po = read_po(fh, locale=lang)
        if merged is None:
            merged = po
            continue
        for message in po:
            if message.id:
                merged[message.id] = message
    assert merged is not None, f"no catalogue for {lang}"
    return merged


@cache
def catalogue(lang: str) -> Catalogue:
    """The compiled catalogue of ``lang`` (read from its .po files once per process)."""
    compiled = io.BytesIO()
    write_mo(compiled, read_catalogue(lang))
    compiled.seek(0)
    return Catalogue(compiled)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Marks ``message`` for the catalogue; translated where it is shown."""
    return message


def text(lang: str, message: str, **values: Any) -> str:
    """``message`` in ``lang``, with ``%(name)s`` placeholders filled from ``values``."""
    translated = catalogue(lang).gettext(message)
    return translated % values if values else translated


def language(request: Request) -> str:
    """``?lang=en|zh`` first, then the ``lang`` cookie, then the browser's Accept-Language;
    Chinese by default."""
    for asked in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        chosen = _known(asked)
        if chosen:
            return chosen
    return _accepted(request.headers.get("accept-language", ""))


def asked_language(request: Request) -> str | None:
    """The language chosen with ``?lang=`` on this request (to remember in the cookie)."""
    return _known(request.query_params.get("lang"))


def _known(value: str | None) -> str | None:
    tag = (value or "").strip().lower()
    return next((lang for lang in LANGS if tag.startswith(lang)), None)


def _accepted(header: str) -> str:
    """The first of our languages in Accept-Language, by quality then order."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            ranked.append((-float(quality), order, tag))
        except ValueError:
            continue
    for _, _, tag in sorted(ranked):
        chosen = _known(tag)
        if chosen:
            return chosen
    return DEFAULT_LANG
