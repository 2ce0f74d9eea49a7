"""Seal-use requests (用印申请): new request, the approval inbox with page previews,
approve or reject; sealing with a ticket or directly, placing the seal by dragging it on the
page."""

from __future__ import annotations

from fastapi import APIRouter

from openseal.interfaces.web.console.layout import NavItem

router = APIRouter(include_in_schema=False)

# This feature's entries in the console's navigation (added in order by routes.install).
NAV_ITEMS: list[NavItem] = []
