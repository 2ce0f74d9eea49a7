"""Using the web console through TestClient: the form's CSRF token, and signing in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, World


def csrf_of(html: str) -> str:
    """The CSRF token of the (first) form on the page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def console_client(world: World, username: str, lang: str = "zh",
                   password: str = PASSWORD) -> TestClient:
    """A client signed in to the console as ``username`` (no second factor)."""
    http = world.client()
    form = http.get(f"/login?lang={lang}")
    answer = http.post("/login", data={"csrf_token": csrf_of(form.text), "username": username,
                                       "password": password}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return http
