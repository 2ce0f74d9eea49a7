"""Seal-use approval over HTTP, for tests: approvers, requests, decisions, tickets."""

from __future__ import annotations

import itertools

import httpx
from fastapi.testclient import TestClient

from tests.support.api import Party, World, invite
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
_n = itertools.count()


def contract(label: str = "") -> bytes:
    """A PDF no other call returns (its SHA-256 is its own)."""
    return reportlab_pdf(title=f"用印合同 {label} #{next(_n)}")


def add_approver(world: World, party: Party, name: str | None = None,
                 role: str = "approver") -> tuple[TestClient, str]:
    """A new user of ``party`` with ``role``, logged in: (client, user id)."""
    username = name or f"approver-{party.key.lower()}-{next(_n)}"
    user_id, _ = invite(world, world.login(party.admin), username, role)
    return world.login(username), user_id


def request_use(http: TestClient, seal_id: str, *pdfs: bytes, purpose: str = "签订采购合同",
                copies: int = 1, category: str | None = None) -> httpx.Response:
    data: dict[str, str] = {"seal_id": seal_id, "purpose": purpose, "copies": str(copies)}
    if category is not None:
        data["category"] = category
    files = [("files", (f"合同{i}.pdf", pdf, "application/pdf")) for i, pdf in enumerate(pdfs)]
    answer: httpx.Response = http.post(f"{API}/requests", data=data, files=files)
    return answer


def made(http: TestClient, seal_id: str, *pdfs: bytes, **form: object) -> dict[str, object]:
    answer = request_use(http, seal_id, *pdfs, **form)  # type: ignore[arg-type]
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def approve(http: TestClient, request_id: object, comment: str = "同意") -> httpx.Response:
    answer: httpx.Response = http.post(f"{API}/requests/{request_id}/approve",
                                       json={"comment": comment})
    return answer


def ticket_of(decided: httpx.Response, n: int = 0) -> str:
    assert decided.status_code == 200, decided.text
    tickets = decided.json()["request"]["tickets"]
    assert tickets, decided.text
    return str(tickets[n]["id"])


def approved_ticket(requester: TestClient, approver: TestClient, seal_id: str,
                    pdf: bytes) -> str:
    """Request the use of ``seal_id`` for ``pdf`` and approve it: the ticket."""
    request = made(requester, seal_id, pdf)
    return ticket_of(approve(approver, request["id"]))


def seal_with(http: TestClient, seal_id: str, pdf: bytes, ticket: str | None = None,
              name: str = "contract.pdf") -> httpx.Response:
    data = {"seal_id": seal_id} if ticket is None else {"seal_id": seal_id, "ticket": ticket}
    answer: httpx.Response = http.post(f"{API}/documents/seal", data=data,
                                       files={"file": (name, pdf, "application/pdf")})
    return answer
