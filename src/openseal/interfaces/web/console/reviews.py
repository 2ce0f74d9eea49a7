"""(being written) console pages: reviews."""

from __future__ import annotations

from fastapi import APIRouter

from openseal.interfaces.web.console.layout import NavItem

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = []
