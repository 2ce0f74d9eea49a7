"""Seal-use approval over HTTP: policies (and the two-person rule of 公章), requests with
their documents, the inbox, approve / reject / withdraw, tickets (one per document and
copy), sealing with a ticket, and a verification report that names who approved."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.api import Party, World, make_world
from tests.support.approvals import (
    API,
    add_approver,
    approve,
    approved_ticket,
    contract,
    made,
    request_use,
    seal_with,
    ticket_of,
)
from tests.support.tools import require_tool


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("api-approvals") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def approver(world: World, a: Party) -> TestClient:
    return world.login(a.approver)


@pytest.fixture(scope="module")
def member(world: World, a: Party) -> TestClient:
    return world.login(a.member)


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


def _official_seal(world: World, a: Party, custodian: TestClient) -> str:
    made_seal = custodian.post(f"{API}/seals", json={"type": "official", "name": "公章"})
    assert made_seal.status_code == 201, made_seal.text
    seal_id = str(made_seal.json()["id"])
    granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
        "user_id": a.member_id, "level": "use", "reason": "行政专员 / office clerk"})
    assert granted.status_code == 201, granted.text
    return seal_id


# policies -------------------------------------------------------------------------------


def test_official_seal_needs_approval_even_with_a_direct_use_grant(
        world: World, a: Party, custodian: TestClient, member: TestClient,
        approver: TestClient) -> None:
    seal_id = _official_seal(world, a, custodian)
    policy = member.get(f"{API}/seals/{seal_id}/approval-policy").json()
    assert policy["always_required"] is True and policy["steps"][0]["role"] == "approver"
    pdf = contract("公章")
    refused = seal_with(member, seal_id, pdf)
    assert refused.status_code == 403 and refused.json()["code"] == "APPROVAL_REQUIRED"
    assert "双人规则" in refused.json()["detail"] or "two-person" in refused.text
    ticket = approved_ticket(member, approver, seal_id, pdf)
    assert seal_with(member, seal_id, pdf, ticket).status_code == 200


def test_contract_seal_default_policy_allows_direct_use(a: Party, member: TestClient) -> None:
    policy = member.get(f"{API}/seals/{a.seal_id}/approval-policy").json()
    assert policy["always_required"] is False
    assert seal_with(member, a.seal_id, contract()).status_code == 200


@pytest.mark.parametrize("step, field", [
    ({"name": "x", "required": 1, "role": "approver", "users": ["approver-a"]}, "steps[0]"),
    ({"name": "x", "required": 1}, "steps[0]"),
    ({"name": "x", "required": 1, "role": "seal_user"}, "steps[0].role"),
    ({"name": "x", "required": 9, "role": "approver"}, "steps[0].required"),
    ({"name": "x", "required": 2, "users": ["approver-a"]}, "steps[0].required"),
    ({"name": "x", "required": 1, "users": ["member-a"]}, "steps[0].users"),
])
def test_policy_that_cannot_work_is_refused_by_field(
        a: Party, custodian: TestClient, approver: TestClient, step: dict[str, object],
        field: str) -> None:
    before = custodian.get(f"{API}/seals/{a.seal_id}/approval-policy").json()
    answer = custodian.put(f"{API}/seals/{a.seal_id}/approval-policy", json={"steps": [step]})
    assert answer.status_code == 422, answer.text
    assert answer.json().get("field") == field, answer.json()
    assert custodian.get(f"{API}/seals/{a.seal_id}/approval-policy").json() == before


def test_only_a_custodian_sets_a_policy(world: World, a: Party, member: TestClient,
                                        approver: TestClient) -> None:
    body = {"steps": [{"name": "审批", "required": 1, "role": "approver"}]}
    for http in (member, approver, world.login(a.admin)):
        answer = http.put(f"{API}/seals/{a.seal_id}/approval-policy", json=body)
        assert answer.status_code == 403, answer.text


# requests -------------------------------------------------------------------------------


def test_request_binds_documents_and_approver_reads_them(
        world: World, a: Party, member: TestClient, approver: TestClient) -> None:
    one, two = contract("一"), contract("二")
    request = made(member, a.seal_id, one, two, copies=2, purpose="投标文件")
    assert [d["sha256"] for d in request["documents"]] == [
        hashlib.sha256(one).hexdigest(), hashlib.sha256(two).hexdigest()]
    assert request["status"] == "pending" and request["requester_name"] == a.member
    inbox = [r["id"] for r in approver.get(f"{API}/approvals/inbox").json()]
    assert request["id"] in inbox
    sha = request["documents"][1]["sha256"]
    got = approver.get(f"{API}/requests/{request['id']}/documents/{sha}")
    assert got.status_code == 200 and got.content == two
    decided = approve(approver, request["id"])
    tickets = decided.json()["request"]["tickets"]
    assert len(tickets) == 4 and sorted({t["document_sha256"] for t in tickets}) == sorted(
        d["sha256"] for d in request["documents"])
    assert request["id"] not in [r["id"] for r in approver.get(f"{API}/approvals/inbox").json()]


def test_request_refuses_bad_input_and_stores_nothing(
        world: World, a: Party, member: TestClient) -> None:
    before = len(member.get(f"{API}/requests").json())
    for files, form, status, code in (
            ([b"GIF89a not a pdf"], {}, 415, "NOT_A_PDF"),
            ([contract()], {"purpose": " "}, 422, "TEXT_FORMAT"),
            ([contract()] * 21, {}, 422, "REQUEST_DOCUMENTS")):
        answer = request_use(member, a.seal_id, *files, **form)  # type: ignore[arg-type]
        assert answer.status_code == status and answer.json()["code"] == code, answer.text
    assert len(member.get(f"{API}/requests").json()) == before


def test_requesting_needs_a_grant(world: World, a: Party) -> None:
    stranger, _ = add_approver(world, a, role="seal_user")
    answer = request_use(stranger, a.seal_id, contract())
    assert answer.status_code == 403 and answer.json()["code"] == "GRANT_REQUIRED"


def test_other_people_cannot_read_a_request(world: World, a: Party, member: TestClient) -> None:
    request = made(member, a.seal_id, contract())
    stranger, _ = add_approver(world, a, role="seal_user")
    assert stranger.get(f"{API}/requests/{request['id']}").status_code == 404
    sha = request["documents"][0]["sha256"]
    assert stranger.get(f"{API}/requests/{request['id']}/documents/{sha}").status_code == 404
    b = world.login(world.parties["B"].custodian)
    assert b.get(f"{API}/requests/{request['id']}").status_code == 404


def test_rejected_request_ends_without_tickets(a: Party, member: TestClient,
                                               approver: TestClient) -> None:
    request = made(member, a.seal_id, contract())
    rejected = approver.post(f"{API}/requests/{request['id']}/reject",
                             json={"comment": "金额不符 / wrong amount"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["request"]["status"] == "rejected"
    assert rejected.json()["request"]["tickets"] == []
    late = approve(approver, request["id"])
    assert late.status_code == 409 and late.json()["code"] == "REQUEST_CLOSED"


def test_withdrawn_request_voids_its_tickets(a: Party, member: TestClient,
                                             approver: TestClient) -> None:
    pdf = contract()
    request = made(member, a.seal_id, pdf)
    ticket = ticket_of(approve(approver, request["id"]))
    withdrawn = member.post(f"{API}/requests/{request['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    refused = seal_with(member, a.seal_id, pdf, ticket)
    assert refused.status_code == 403 and refused.json()["code"] == "APPROVAL_INVALID"


# the approval chain in the signature ----------------------------------------------------


def test_verification_report_names_requester_and_approvers(
        world: World, a: Party, member: TestClient, approver: TestClient,
        tmp_path: Path) -> None:
    pdf = contract("report")
    request = made(member, a.seal_id, pdf, purpose="签订采购合同")
    ticket = ticket_of(approve(approver, request["id"], "同意盖章"))
    sealed = seal_with(member, a.seal_id, pdf, ticket)
    assert sealed.status_code == 200, sealed.text
    report = world.client().post(f"{API}/verify", files={
        "file": ("sealed.pdf", sealed.content, "application/pdf")}).json()
    assert report["verdict"] == "VALID", report
    approval = report["signatures"][0]["approval"]
    assert approval["ticket"] == ticket and approval["request"] == request["id"]
    assert approval["requester"]["name"] == a.member
    assert [x["name"] for x in approval["approvers"]] == ["approver-a"]
    assert approval["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert approval["document_matches"] is True and approval["purpose"] == "签订采购合同"
    used = [e for e in world.audit("seal.use") if e["details"].get("ticket") == ticket]
    assert used[0]["details"]["approvers"][0]["name"] == "approver-a"  # type: ignore[index]
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed.content)
    out = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                         timeout=60, check=False).stdout
    assert "Signature Validation: Signature is Valid." in out, out


def test_direct_seal_carries_no_approval(world: World, a: Party, member: TestClient) -> None:
    sealed = seal_with(member, a.seal_id, contract())
    report = world.client().post(f"{API}/verify", files={
        "file": ("sealed.pdf", sealed.content, "application/pdf")}).json()
    assert report["signatures"][0]["approval"] is None


def test_request_expires_at_its_step_deadline(world: World, a: Party, custodian: TestClient,
                                              approver: TestClient) -> None:
    policy = {"steps": [{"name": "限时审批", "required": 1, "role": "approver", "hours": 2}]}
    assert custodian.put(f"{API}/seals/{a.seal_id}/approval-policy",
                         json=policy).status_code == 200
    try:
        request = made(world.login(a.member), a.seal_id, contract())
        world.clock.advance(hours=2, seconds=1)
        late = approve(world.login("approver-a"), request["id"])
        assert late.status_code == 403 and late.json()["code"] == "REQUEST_EXPIRED", late.text
        shown = world.login(a.member).get(f"{API}/requests/{request['id']}").json()
        assert shown["status"] == "expired"
    finally:  # runs last: the module's logged-in clients idled out now
        default = {"steps": [{"name": "审批", "required": 1, "role": "approver"}]}
        assert world.login(a.custodian).put(f"{API}/seals/{a.seal_id}/approval-policy",
                                            json=default).status_code == 200
