"""Document templates (文档模板) over HTTP: create, list, show, change, delete; sealing with a
template of two seals (公章 + contract seal, one by keyword) that pdfsig and qpdf accept;
requests following the template's approval steps and category; and the refusals (another
organisation's template, no grants:manage, another organisation's seal, bad positions,
a template mixed with seals)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.api import Party, World, make_world
from tests.support.approvals import API, approved_ticket, contract, request_use
from tests.support.templates import template_body
from tests.support.tools import require_tool


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("api-templates") / "home")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


@pytest.fixture(scope="module")
def member(world: World, a: Party) -> TestClient:
    return world.login(a.member)


@pytest.fixture(scope="module")
def official(world: World, a: Party, custodian: TestClient) -> str:
    """A 公章 the member may use directly: its custodian lifted the two-person rule."""
    made = custodian.post(f"{API}/seals", json={"type": "official", "name": "公章"})
    assert made.status_code == 201, made.text
    seal_id = str(made.json()["id"])
    granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
        "user_id": a.member_id, "level": "use", "reason": "合同专员 / contracts clerk"})
    assert granted.status_code == 201, granted.text
    policy = custodian.put(f"{API}/seals/{seal_id}/approval-policy", json={
        "steps": [{"name": "审批", "required": 1, "role": "approver"}],
        "always_required": False})
    assert policy.status_code == 200, policy.text
    return seal_id


def _templates(http: TestClient, a: Party) -> list[dict[str, object]]:
    listed = http.get(f"{API}/orgs/{a.org_id}/templates")
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def test_create_list_show_change_delete(world: World, a: Party, custodian: TestClient,
                                        member: TestClient) -> None:
    made = custodian.post(f"{API}/orgs/{a.org_id}/templates",
                          json=template_body(a.seal_id, "临时模板"))
    assert made.status_code == 201, made.text
    template = made.json()
    assert template["version"] == 1 and template["stamps"][0]["x"] == 120
    assert any(t["id"] == template["id"] for t in _templates(member, a))
    assert member.get(f"{API}/templates/{template['id']}").json() == template
    changed = custodian.put(f"{API}/templates/{template['id']}", json=template_body(
        a.seal_id, "临时模板", level="B-LT", version=1))
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["level"] == "B-LT"
    stale = custodian.put(f"{API}/templates/{template['id']}",
                          json=template_body(a.seal_id, "临时模板", version=1))
    assert stale.status_code == 409 and stale.json()["code"] == "TEMPLATE_CHANGED"
    taken = custodian.post(f"{API}/orgs/{a.org_id}/templates",
                           json=template_body(a.seal_id, "临时模板"))
    assert taken.status_code == 409 and taken.json()["field"] == "name"
    assert custodian.delete(f"{API}/templates/{template['id']}").status_code == 204
    assert member.get(f"{API}/templates/{template['id']}").status_code == 404
    actions = [e["action"] for e in world.audit() if e["target"] == f"template:{template['id']}"]
    assert actions == ["template.create", "template.change", "template.delete"]
    change = world.audit("template.change")[-1]["details"]
    assert change["before"]["version"] == 1 and change["after"]["version"] == 2  # type: ignore[index]


@pytest.fixture(scope="module")
def two_seals(a: Party, custodian: TestClient, official: str) -> str:
    """A template: the 公章 on the keyword 甲方, the contract seal at a position."""
    made = custodian.post(f"{API}/orgs/{a.org_id}/templates", json={
        "name": "双章合同", "category": "contract", "stamps": [
            {"seal_id": official, "keyword": "甲方", "offset_y": -15},
            {"seal_id": a.seal_id, "page": 1, "x": 30, "y": 40}]})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _signatures(pdf: bytes, tmp_path: Path) -> int:
    """How many signatures pdfsig finds valid; qpdf --check must accept the file."""
    out = tmp_path / "sealed.pdf"
    out.write_bytes(pdf)
    report = subprocess.run([require_tool("pdfsig"), str(out)], capture_output=True,
                            text=True, check=False).stdout
    subprocess.run([require_tool("qpdf"), "--check", str(out)], check=True,
                   capture_output=True)
    assert report.count("Signature #") == report.count("Signature is Valid."), report
    return report.count("Signature is Valid.")


def _seal(http: TestClient, pdf: bytes, **data: str) -> httpx.Response:
    answer: httpx.Response = http.post(f"{API}/documents/seal", data=data,
                                       files={"file": ("合同.pdf", pdf, "application/pdf")})
    return answer


def test_sealing_with_a_template_of_two_seals(a: Party, member: TestClient, two_seals: str,
                                              tmp_path: Path) -> None:
    sealed = _seal(member, contract("双章"), template_id=two_seals)
    assert sealed.status_code == 200, sealed.text
    assert _signatures(sealed.content, tmp_path) == 2
    mixed = member.post(f"{API}/documents/seal", data={
        "template_id": two_seals, "seal_id": a.seal_id},
        files={"file": ("合同.pdf", contract(), "application/pdf")})
    assert mixed.status_code == 422 and mixed.json()["code"] == "TEMPLATE_WITH_OPTIONS"
    assert mixed.json()["field"] == "seal_id"


def test_a_ticket_applies_only_its_seals_stamp(world: World, a: Party, member: TestClient,
                                               custodian: TestClient, official: str,
                                               two_seals: str, tmp_path: Path) -> None:
    pdf = contract("凭证")
    ticket = approved_ticket(member, world.login(a.approver), a.seal_id, pdf)
    only_official = custodian.post(f"{API}/orgs/{a.org_id}/templates",
                                   json=template_body(official, "仅公章"))
    assert only_official.status_code == 201, only_official.text
    refused = _seal(member, pdf, template_id=only_official.json()["id"], ticket=ticket)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "TEMPLATE_SEAL_NOT_IN_TEMPLATE"
    sealed = _seal(member, pdf, template_id=two_seals, ticket=ticket)
    assert sealed.status_code == 200, sealed.text
    assert _signatures(sealed.content, tmp_path) == 1


def test_a_request_follows_the_template_and_keeps_it(world: World, a: Party,
                                                     custodian: TestClient,
                                                     member: TestClient) -> None:
    steps = [{"name": "法务审核", "required": 1, "role": "approver", "users": [], "hours": 24},
             {"name": "负责人", "required": 1, "role": None, "users": [a.approver_id],
              "hours": None}]
    body = template_body(a.seal_id, "需审批模板", category="采购",
                         policy={"steps": steps, "request_hours": 48, "ticket_hours": 6})
    made = custodian.post(f"{API}/orgs/{a.org_id}/templates", json=body)
    assert made.status_code == 201, made.text
    template_id = made.json()["id"]
    answer = member.post(f"{API}/requests", data={"template_id": template_id,
                                                  "purpose": "按模板申请"},
                         files={"files": ("合同.pdf", contract("模板"), "application/pdf")})
    assert answer.status_code == 201, answer.text
    request = answer.json()
    assert request["seal_id"] == a.seal_id and request["category"] == "采购"
    assert request["steps"] == steps
    assert (request["template_id"], request["template_version"]) == (template_id, 1)
    changed = custodian.put(f"{API}/templates/{template_id}", json={
        **body, "policy": {"steps": steps[:1]}, "category": "其他"})
    assert changed.status_code == 200, changed.text
    again = member.get(f"{API}/requests/{request['id']}").json()
    assert {k: again[k] for k in ("steps", "category", "template_version", "expires_at")} == \
        {k: request[k] for k in ("steps", "category", "template_version", "expires_at")}
    wrong_seal = member.post(f"{API}/requests", data={
        "template_id": template_id, "seal_id": world.parties["B"].seal_id, "purpose": "x"},
        files={"files": ("合同.pdf", contract(), "application/pdf")})
    assert wrong_seal.status_code == 422, wrong_seal.text
    assert wrong_seal.json()["code"] == "TEMPLATE_SEAL_NOT_IN_TEMPLATE"


def test_the_template_sets_how_long_the_tickets_last(a: Party, custodian: TestClient,
                                                   member: TestClient,
                                                   world: World) -> None:
    """The seal's own policy gives 24 h tickets; the template's policy says 6 h."""
    steps = [{"name": "审批", "required": 1, "role": "approver", "users": [], "hours": None}]
    made = custodian.post(f"{API}/orgs/{a.org_id}/templates", json=template_body(
        a.seal_id, "六小时凭证", policy={"steps": steps, "request_hours": 48,
                                        "ticket_hours": 6}))
    assert made.status_code == 201, made.text
    asked = member.post(f"{API}/requests", data={"template_id": made.json()["id"],
                                                 "purpose": "短时凭证"},
                        files={"files": ("合同.pdf", contract("六小时"), "application/pdf")})
    assert asked.status_code == 201, asked.text
    approved = world.login(a.approver).post(f"{API}/requests/{asked.json()['id']}/approve",
                                            json={"comment": "同意"})
    assert approved.status_code == 200, approved.text
    request = approved.json()["request"]
    ticket = request["tickets"][0]
    lifetime = (datetime.fromisoformat(ticket["expires_at"].replace("Z", "+00:00"))
                - datetime.fromisoformat(request["decided_at"].replace("Z", "+00:00")))
    assert abs(lifetime - timedelta(hours=6)) < timedelta(minutes=1), lifetime


def test_another_organisation_neither_reads_nor_uses_nor_changes_it(
        world: World, a: Party) -> None:
    b = world.parties["B"]
    body = template_body(b.seal_id, "改名")
    for http in (world.login(b.custodian), world.login(b.admin)):
        assert http.get(f"{API}/templates/{a.template_id}").status_code == 404
        assert http.put(f"{API}/templates/{a.template_id}", json=body).status_code == 404
        assert http.delete(f"{API}/templates/{a.template_id}").status_code == 404
        assert http.get(f"{API}/orgs/{a.org_id}/templates").status_code == 404
    outsider = world.login(b.member)
    sealed = outsider.post(f"{API}/documents/seal", data={"template_id": a.template_id},
                           files={"file": ("c.pdf", contract(), "application/pdf")})
    assert sealed.status_code == 404 and sealed.json()["code"] == "TEMPLATE_NOT_FOUND"
    asked = request_use(outsider, b.seal_id, contract())
    assert asked.status_code == 201  # the outsider may request their own seal ...
    via = outsider.post(f"{API}/requests", data={"template_id": a.template_id,
                                                 "purpose": "x"},
                        files={"files": ("c.pdf", contract(), "application/pdf")})
    assert via.status_code == 404, via.text  # ... not through A's template
    assert world.login(a.member).get(f"{API}/templates/{a.template_id}").json()["version"] == 1


def test_who_may_save_a_template_and_naming_which_seals(world: World, a: Party,
                                                        custodian: TestClient,
                                                        member: TestClient) -> None:
    before = _templates(member, a)
    refused = member.post(f"{API}/orgs/{a.org_id}/templates",
                          json=template_body(a.seal_id, "越权"))
    assert refused.status_code == 403, refused.text
    foreign = custodian.post(f"{API}/orgs/{a.org_id}/templates",
                             json=template_body(world.parties["B"].seal_id, "他人印章"))
    assert foreign.status_code == 404 and foreign.json()["code"] == "SEAL_NOT_FOUND"
    assert foreign.json()["field"] == "stamps[0].seal_id"
    assert _templates(member, a) == before


@pytest.mark.parametrize("stamp, field", [
    ({"keyword": "甲方", "x": 10, "y": 10}, "stamps[0].keyword"),
    ({"page": 0, "x": 10, "y": 10}, "stamps[0].page"),
    ({"x": 10}, "stamps[0].x"),
    ({"page": 1, "cross_page": {"edge": "top"}}, "stamps[0].cross_page.edge"),
])
def test_an_impossible_position_is_refused_by_field(a: Party, custodian: TestClient,
                                                    stamp: dict[str, object],
                                                    field: str) -> None:
    before = _templates(custodian, a)
    answer = custodian.post(f"{API}/orgs/{a.org_id}/templates", json={
        "name": "坏位置", "stamps": [{"seal_id": a.seal_id, **stamp}]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field, answer.json()
    assert _templates(custodian, a) == before
