"""Every page of the console and the public pages, in both languages, seen by each kind of
person: the pages are found in the routers themselves (a new page is covered without being
listed here) and their ids come from a world with one of everything. Each answer is a page
or a file, never a 500; no page looks up a message id the catalogues lack
(``i18n.MISSING`` stays empty); no Chinese page shows an English-only message."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from openseal.interfaces.web import i18n, pages
from openseal.interfaces.web.console.routes import ROUTERS
from tests.support.api import ADMIN, World, make_world
from tests.support.console import console_client
from tests.support.routes import ID_OF

PEOPLE = ("platform", "admin", "custodian", "approver", "member")
# Where a route takes other values than ID_OF gives (a grant's actions are not a seal's).
VALUES_OF = {"/grants/{grant_id}/{action}": {"action": "revoke"}}
NOT_PAGES = ("application/pdf", "image/", "text/csv", "application/zip",
             "application/octet-stream")


def page_paths(world: World) -> list[str]:
    """Each GET route of the console and the public pages, its ids filled from party A."""
    party = world.parties["A"]
    paths = []
    for router in [*ROUTERS, pages.router]:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                path, own = route.path, VALUES_OF.get(route.path, {})
                for name in re.findall(r"{(\w+)}", path):
                    assert name in ID_OF, f"{route.path}: add {name} to ID_OF"
                    value = own.get(name) or getattr(party, ID_OF[name])
                    path = path.replace("{" + name + "}", value)
                paths.append(path)
    return sorted(set(paths))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-every-page") / "home")


def _username(world: World, who: str) -> tuple[str, str | None]:
    party = world.parties["A"]
    if who == "platform":
        return ADMIN[0], ADMIN[2]
    return getattr(party, who), None


def _english_only() -> list[str]:
    """Message ids whose Chinese differs: any of them on a Chinese page was not translated."""
    return [m.id for m in i18n.read_catalogue("zh") if isinstance(m.id, str) and m.id
            and m.string != m.id and len(m.id) >= 12 and not re.search(r"[{}%]", m.id)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_for_everyone_is_translated_and_never_a_500(world: World,
                                                               lang: str) -> None:
    paths = page_paths(world)
    assert len(paths) >= 40, paths  # the console's pages, the review and public pages
    english_only = _english_only() if lang == "zh" else []
    i18n.MISSING.clear()
    seen: dict[str, set[int]] = {}
    for who in PEOPLE:
        username, password = _username(world, who)
        http = console_client(world, username, lang, *filter(None, [password]))
        for path in paths:
            page = http.get(path)
            seen.setdefault(path, set()).add(page.status_code)
            assert page.status_code < 500, f"{who} {path}: {page.status_code}"
            kind = page.headers.get("content-type", "")
            if kind.startswith(NOT_PAGES):
                continue
            assert kind.startswith("text/html"), f"{who} {path}: {kind}"
            text = re.sub(r"<[^>]+>", " ", page.text)
            left = [m for m in english_only if m in text]
            assert left == [], f"{who} {path}: English on a Chinese page: {left[:3]}"
    assert i18n.MISSING == set(), sorted(i18n.MISSING)[:10]
    assert [p for p, codes in seen.items() if codes <= {404}] == [], "ids that fit no page"
