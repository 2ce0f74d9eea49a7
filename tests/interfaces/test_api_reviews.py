"""Permission reviews (权限审核) over HTTP, on SQLite and PostgreSQL: start, confirm, revoke
(through the grant's revocation: history, audit trail, sealing refused at once), close, the
overdue list, the CSV report, the schedule; and every refusal: the grantee reviewing their
own grant, another custodian's item, another organisation's review, deciding twice, a
closed review, the auditor deciding."""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support import people
from tests.support.api import Party, World, invite, world_on_each_backend
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "api-reviews")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


@pytest.fixture(scope="module")
def admin(world: World, a: Party) -> TestClient:
    return world.login(a.admin)


def new_seal(custodian: TestClient) -> str:
    return people.new_seal(custodian, "审核测试章")


def new_person(world: World, admin: TestClient, role: str = "seal_user"
               ) -> tuple[str, TestClient]:
    return people.new_person(world, admin, role, "r")


def grant(custodian: TestClient, seal_id: str, **terms: Any) -> str:
    made = custodian.post(f"{API}/seals/{seal_id}/grants",
                          json={"reason": "测试 / test", **terms})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def seal_with(http: TestClient, seal_id: str) -> httpx.Response:
    answer: httpx.Response = http.post(
        f"{API}/documents/seal", data={"seal_id": seal_id},
        files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")})
    return answer


def start(custodian: TestClient, **body: Any) -> dict[str, Any]:
    made = custodian.post(f"{API}/reviews", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def items_of(http: TestClient, review_id: str, **query: str) -> list[dict[str, Any]]:
    listed = http.get(f"{API}/reviews/{review_id}/items", params=query)
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def item_for(http: TestClient, review_id: str, grant_id: str) -> dict[str, Any]:
    return next(i for i in items_of(http, review_id) if i["grant_id"] == grant_id)


def decide(http: TestClient, review_id: str, item_id: str, action: str,
           comment: str | None = "审核 / reviewed", **headers: str) -> httpx.Response:
    answer: httpx.Response = http.post(
        f"{API}/reviews/{review_id}/items/{item_id}/{action}",
        json={} if comment is None else {"comment": comment}, headers=headers)
    return answer


def test_review_confirm_revoke_close_with_history_and_audit(
        world: World, admin: TestClient, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    keep_id, keeper = new_person(world, admin)
    drop_id, dropped = new_person(world, admin)
    kept_grant = grant(custodian, seal_id, user_id=keep_id, max_uses=10,
                       categories=["合同"])
    dropped_grant = grant(custodian, seal_id, user_id=drop_id)
    assert seal_with(dropped, seal_id).status_code == 200
    review = start(custodian, name="季度审核 Q4", seal_id=seal_id)
    assert (review["status"], review["seal_id"], review["started_by"]) == \
        ("open", seal_id, f"user:{world.parties['A'].custodian}")
    assert review["progress"] == {"total": 2, "pending": 2, "confirmed": 0, "revoked": 0}
    listed = items_of(custodian, review["id"])
    assert {i["grant_id"] for i in listed} == {kept_grant, dropped_grant}
    kept = item_for(custodian, review["id"], kept_grant)
    assert kept["terms"]["max_uses"] == 10 and kept["terms"]["categories"] == ["合同"]
    assert kept["reviewer_id"] is None  # the seal has no custodian: any custodian reviews
    assert kept["grantee_name"].startswith("r-seal-user") and kept["seal_name"]

    confirmed = decide(custodian, review["id"], kept["id"], "confirm", None)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["decision"] == "confirmed"
    assert confirmed.json()["decided_by"] == f"user:{world.parties['A'].custodian}"
    twice = decide(custodian, review["id"], kept["id"], "revoke")
    assert twice.status_code == 409 and twice.json()["code"] == "REVIEW_ITEM_DECIDED"
    assert seal_with(keeper, seal_id).json()["code"] == "CATEGORY_NOT_ALLOWED"  # untouched

    dropped_item = item_for(custodian, review["id"], dropped_grant)
    revoked = decide(custodian, review["id"], dropped_item["id"], "revoke", "已调岗")
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["decision"], revoked.json()["comment"]) == ("revoked", "已调岗")
    refused = seal_with(dropped, seal_id)  # at once: the very next request
    assert refused.status_code == 403 and refused.json()["code"] == "GRANT_REQUIRED"
    assert custodian.get(f"{API}/grants/{dropped_grant}").json()["status"] == "revoked"
    history = custodian.get(f"{API}/grants/{dropped_grant}/history").json()
    assert history[-1]["action"] == "revoke"
    assert history[-1]["reason"] == \
        f"权限审核撤销 / revoked in review 季度审核 Q4 ({review['id']}): 已调岗"
    again = decide(custodian, review["id"], dropped_item["id"], "revoke")
    assert again.status_code == 409 and again.json()["code"] == "REVIEW_ITEM_DECIDED"

    shown = custodian.get(f"{API}/reviews/{review['id']}").json()
    assert shown["progress"] == {"total": 2, "pending": 0, "confirmed": 1, "revoked": 1}
    assert [i["decision"] for i in items_of(custodian, review["id"], decision="revoked")] \
        == ["revoked"]
    closed = custodian.post(f"{API}/reviews/{review['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == f"user:{world.parties['A'].custodian}"
    assert custodian.post(f"{API}/reviews/{review['id']}/close").json()["code"] == \
        "REVIEW_CLOSED"
    assert review["id"] in {r["id"] for r in custodian.get(
        f"{API}/reviews", params={"status": "closed"}).json()}

    audited = [e for e in world.audit() if e["target"] == f"review:{review['id']}"]
    assert [e["action"] for e in audited] == ["review.start", "review.confirm",
                                              "review.revoke", "review.close"]
    assert audited[0]["details"]["items"] == 2  # type: ignore[index]
    assert audited[2]["details"]["comment"] == "已调岗"  # type: ignore[index]
    assert audited[3]["details"]["revoked"] == 1  # type: ignore[index]
    assert any(e["action"] == "grant.revoke" for e in world.audit()
               if e["target"] == f"grant:{dropped_grant}")

    # restoring a grant revoked by mistake: the ordinary restore, with a reason
    restored = custodian.post(f"{API}/grants/{dropped_grant}/restore",
                              json={"reason": "审核误撤销，恢复"})
    assert restored.status_code == 200 and restored.json()["status"] == "active"
    assert seal_with(dropped, seal_id).status_code == 200


def test_closed_review_refuses_decisions_and_reports_not_reviewed(
        world: World, admin: TestClient, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    grant_id = grant(custodian, seal_id, user_id=user_id)
    review = start(custodian, seal_id=seal_id)
    assert review["name"].startswith("权限审核 ")
    item = item_for(custodian, review["id"], grant_id)
    assert custodian.post(f"{API}/reviews/{review['id']}/close").status_code == 200
    for action in ("confirm", "revoke"):
        late = decide(custodian, review["id"], item["id"], action)
        assert late.status_code == 409 and late.json()["code"] == "REVIEW_CLOSED", late.text
    assert custodian.get(f"{API}/grants/{grant_id}").json()["status"] == "active"
    assert item_for(custodian, review["id"], grant_id)["decision"] == "not_reviewed"
    rows = _csv(custodian, review["id"])
    assert rows[1][9] == "未审核 / not reviewed"


def test_grantee_never_reviews_own_grant_and_items_go_to_the_seal_custodian(
        world: World, a: Party, admin: TestClient, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    keeper_name = f"r-keeper-{next(_names)}"
    keeper_id, _ = invite(world, admin, keeper_name, "custodian")
    keeper = world.login(keeper_name)
    own_grant = grant(custodian, seal_id, user_id=keeper_id, level="manage")
    clerk_id, _ = new_person(world, admin)
    clerk_grant = grant(custodian, seal_id, user_id=clerk_id)
    review = start(custodian, seal_id=seal_id)
    own = item_for(custodian, review["id"], own_grant)
    clerks = item_for(custodian, review["id"], clerk_grant)
    assert own["reviewer_id"] is None  # the seal's only custodian holds it: someone else
    assert (clerks["reviewer_id"], clerks["reviewer_name"]) == (keeper_id, keeper_name)
    assert {i["id"] for i in items_of(keeper, review["id"], mine="true")} == \
        {own["id"], clerks["id"]}
    assert [i["id"] for i in items_of(custodian, review["id"], mine="true")] == [own["id"]]

    for lang, words in (("zh", "职责分离"), ("en", "separation of duties")):
        self_review = decide(keeper, review["id"], own["id"], "confirm",
                             **{"Accept-Language": lang})
        assert self_review.status_code == 403, self_review.text
        assert self_review.json()["code"] == "REVIEW_OWN_GRANT"
        assert words in self_review.json()["detail"]
    assert decide(keeper, review["id"], own["id"], "revoke").json()["code"] == \
        "REVIEW_OWN_GRANT"
    denied = [e for e in world.audit("authz.denied")
              if e["target"] == f"review-item:{own['id']}"]
    assert len(denied) == 3 and denied[0]["details"]["error"] == "REVIEW_OWN_GRANT"  # type: ignore[index]

    not_theirs = decide(custodian, review["id"], clerks["id"], "confirm")
    assert not_theirs.status_code == 403 and not_theirs.json()["code"] == "REVIEW_NOT_REVIEWER"
    assert decide(keeper, review["id"], clerks["id"], "confirm").status_code == 200
    assert decide(custodian, review["id"], own["id"], "confirm").status_code == 200

    # the assigned reviewer leaves: any custodian may then decide their items
    late_id, _ = new_person(world, admin)
    late_grant = grant(custodian, seal_id, user_id=late_id)
    second = start(custodian, seal_id=seal_id)
    late = item_for(custodian, second["id"], late_grant)
    assert late["reviewer_id"] == keeper_id
    assert admin.post(f"{API}/users/{keeper_id}/disable").status_code == 200
    assert decide(custodian, second["id"], late["id"], "confirm").status_code == 200


def test_role_grant_is_not_reviewed_by_its_holders(world: World, a: Party,
                                                  custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    role_grant = grant(custodian, seal_id, role="custodian", level="view")
    review = start(custodian, seal_id=seal_id)
    item = item_for(custodian, review["id"], role_grant)
    refused = decide(custodian, review["id"], item["id"], "revoke")
    assert refused.status_code == 403 and refused.json()["code"] == "REVIEW_OWN_GRANT"


def test_auditor_and_admin_read_but_never_decide(world: World, a: Party, admin: TestClient,
                                                 custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    grant_id = grant(custodian, seal_id, user_id=user_id)
    review = start(custodian, seal_id=seal_id)
    item = item_for(custodian, review["id"], grant_id)
    _, auditor = new_person(world, admin, "auditor")
    for reader in (auditor, admin):
        assert reader.get(f"{API}/reviews").status_code == 200
        assert reader.get(f"{API}/reviews/{review['id']}").status_code == 200
        assert len(items_of(reader, review["id"])) == 1
        assert reader.get(f"{API}/reviews/{review['id']}/report.csv").status_code == 200
        assert reader.get(f"{API}/reviews/overdue").status_code == 200
        assert reader.get(f"{API}/review-schedule").status_code == 200
        writes = [decide(reader, review["id"], item["id"], "confirm"),
                  decide(reader, review["id"], item["id"], "revoke"),
                  reader.post(f"{API}/reviews/{review['id']}/close"),
                  reader.post(f"{API}/reviews", json={}),
                  reader.post(f"{API}/reviews/run-due"),
                  reader.put(f"{API}/review-schedule", json={"interval_days": 1}),
                  reader.delete(f"{API}/review-schedule")]
        for refused in writes:
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "FORBIDDEN"
    assert item_for(custodian, review["id"], grant_id)["decision"] == "pending"
    for outsider in (world.login(a.member), world.bearer(a.client_secret)):
        assert outsider.get(f"{API}/reviews").json()["code"] == "FORBIDDEN"
        assert outsider.get(f"{API}/reviews/{review['id']}/report.csv").status_code == 403


def test_another_organisations_review_is_not_found(world: World, a: Party,
                                                   custodian: TestClient) -> None:
    b = world.parties["B"]
    theirs = start(world.login(b.custodian))
    their_item = items_of(world.login(b.custodian), theirs["id"])[0]
    mine = start(custodian, seal_id=new_seal(custodian))
    paths = [("GET", f"/reviews/{theirs['id']}"), ("GET", f"/reviews/{theirs['id']}/items"),
             ("GET", f"/reviews/{theirs['id']}/report.csv"),
             ("POST", f"/reviews/{theirs['id']}/close"),
             ("POST", f"/reviews/{theirs['id']}/items/{their_item['id']}/confirm"),
             ("POST", f"/reviews/{theirs['id']}/items/{their_item['id']}/revoke")]
    for method, path in paths:
        answer = custodian.request(method, API + path, json={"comment": "x"}
                                   if method == "POST" else None)
        assert answer.status_code == 404, f"{method} {path}: {answer.text}"
        assert answer.json()["code"] == "REVIEW_NOT_FOUND"
    crossed = decide(custodian, mine["id"], their_item["id"], "confirm")
    assert crossed.status_code == 404 and crossed.json()["code"] == "REVIEW_ITEM_NOT_FOUND"
    assert theirs["id"] not in {r["id"] for r in custodian.get(f"{API}/reviews").json()}
    assert item_for(world.login(b.custodian), theirs["id"],
                    their_item["grant_id"])["decision"] == "pending"
    other_seal = custodian.post(f"{API}/reviews", json={"seal_id": b.seal_id})
    assert other_seal.status_code == 404 and other_seal.json()["code"] == "SEAL_NOT_FOUND"


def test_csv_report_has_bom_and_defuses_formulas(world: World, admin: TestClient,
                                                 custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    names = {}
    comments = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "普通意见"]
    for comment in comments:
        user_id, _ = new_person(world, admin)
        names[grant(custodian, seal_id, user_id=user_id, max_uses=7)] = comment
    review = start(custodian, seal_id=seal_id, name="=cmd|' /C calc'!A0")
    for item in items_of(custodian, review["id"]):
        assert decide(custodian, review["id"], item["id"], "confirm",
                      names[item["grant_id"]]).status_code == 200
    answer = custodian.get(f"{API}/reviews/{review['id']}/report.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert f'filename="review-{review["id"]}.csv"' in answer.headers["content-disposition"]
    rows = _csv(custodian, review["id"])
    assert rows[0][0] == "印章 / seal" and len(rows) == 1 + len(comments)
    assert sorted(r[12] for r in rows[1:]) == sorted(
        ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "普通意见"])
    for row in rows[1:]:
        assert row[1] == "user" and row[2].startswith("r-seal-user") and row[3] == "use"
        assert (row[7], row[9]) == ("0/7", "确认保留 / confirmed")
        assert row[11] and row[10] == f"user:{world.parties['A'].custodian}"
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
    history = custodian.get(f"{API}/grants/{next(iter(names))}/history").json()
    assert [e["action"] for e in history] == ["create"]  # a confirmation changes nothing


def test_schedule_run_due_and_overdue(world: World, a: Party, custodian: TestClient) -> None:
    assert custodian.get(f"{API}/review-schedule").json()["interval_days"] is None
    assert custodian.post(f"{API}/reviews/run-due").json() == {"started": []}
    bad = custodian.put(f"{API}/review-schedule", json={"interval_days": 0})
    assert bad.status_code == 422
    put = custodian.put(f"{API}/review-schedule", json={"interval_days": 30, "due_days": 7})
    assert put.status_code == 200, put.text
    assert put.json()["last_started_at"] is None  # no review of every seal yet: due now
    started = custodian.post(f"{API}/reviews/run-due").json()["started"]
    assert len(started) == 1 and started[0]["seal_id"] is None
    first = started[0]
    assert first["name"].startswith("定期权限审核")
    assert _at(first["due_at"]) - _at(first["started_at"]) == timedelta(days=7)
    everything = [g for s in custodian.get(f"{API}/seals").json()
                  for g in custodian.get(f"{API}/seals/{s['id']}/grants").json()
                  if g["status"] == "active"]
    assert first["progress"]["total"] == len(everything)
    assert custodian.post(f"{API}/reviews/run-due").json() == {"started": []}  # not due yet
    schedule = custodian.get(f"{API}/review-schedule").json()
    assert _at(schedule["next_due_at"]) == _at(first["started_at"]) + timedelta(days=30)

    world.clock.advance(days=31)
    try:
        later = world.login(a.custodian)
        overdue = later.get(f"{API}/reviews/overdue").json()
        late = next(o for o in overdue if o["review"]["id"] == first["id"])
        assert late["review"]["overdue"] is True
        assert len(late["items"]) == first["progress"]["total"]
        assert all(i["decision"] == "pending" for i in late["items"])
        client_item = next(i for i in late["items"] if i["grantee_kind"] == "client")
        assert decide(later, first["id"], client_item["id"], "confirm").status_code == 200
        again = next(o for o in later.get(f"{API}/reviews/overdue").json()
                     if o["review"]["id"] == first["id"])
        assert len(again["items"]) == len(late["items"]) - 1
        second = later.post(f"{API}/reviews/run-due").json()["started"]
        assert len(second) == 1 and second[0]["id"] != first["id"]
        later.post(f"{API}/reviews/{first['id']}/close")
        assert first["id"] not in {o["review"]["id"] for o in
                                   later.get(f"{API}/reviews/overdue").json()}
    finally:
        world.clock.advance(days=-31)

    assert custodian.delete(f"{API}/review-schedule").status_code == 204
    gone = custodian.delete(f"{API}/review-schedule")
    assert gone.status_code == 404 and gone.json()["code"] == "REVIEW_SCHEDULE_NOT_FOUND"
    assert custodian.get(f"{API}/review-schedule").json()["interval_days"] is None
    changes = [e["details"] for e in world.audit("review.schedule")
               if e["org_id"] == a.org_id]
    assert changes == [{"before": None, "after": {"interval_days": 30, "due_days": 7}},
                       {"before": {"interval_days": 30, "due_days": 7}, "after": None}]


def test_invalid_input_is_refused(world: World, custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for body in ({"due_at": past}, {"seal_id": seal_id,
                                    "due_at": (datetime.now(UTC) + timedelta(days=400))
                                    .isoformat()}):
        refused = custodian.post(f"{API}/reviews", json=body)
        assert refused.status_code == 422 and refused.json()["code"] == "REVIEW_DUE"
    assert custodian.post(f"{API}/reviews", json={"name": " "}).json()["code"] == \
        "TEXT_FORMAT"
    user_grant = grant(custodian, seal_id, role="seal_user")
    review = start(custodian, seal_id=seal_id)
    item = item_for(custodian, review["id"], user_grant)
    for comment in (" ", "\x07"):
        empty = decide(custodian, review["id"], item["id"], "revoke", comment)
        assert empty.status_code == 422 and empty.json()["code"] == "TEXT_FORMAT"
    missing = custodian.post(f"{API}/reviews/{review['id']}/items/{item['id']}/revoke",
                             json={})
    assert missing.status_code == 422
    assert item_for(custodian, review["id"], user_grant)["decision"] == "pending"


def test_grant_revoked_meanwhile_cannot_be_confirmed(world: World, admin: TestClient,
                                                      custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    grant_id = grant(custodian, seal_id, user_id=user_id)
    review = start(custodian, seal_id=seal_id)
    item = item_for(custodian, review["id"], grant_id)
    assert custodian.post(f"{API}/grants/{grant_id}/revoke",
                          json={"reason": "离职"}).status_code == 200
    kept = decide(custodian, review["id"], item["id"], "confirm")
    assert kept.status_code == 409 and kept.json()["code"] == "REVIEW_GRANT_INACTIVE"
    dropped = decide(custodian, review["id"], item["id"], "revoke")
    assert dropped.status_code == 409 and dropped.json()["code"] == "GRANT_ALREADY_REVOKED"
    assert item_for(custodian, review["id"], grant_id)["decision"] == "pending"


def test_concurrent_decisions_on_one_item_decide_once(world: World, admin: TestClient,
                                                      custodian: TestClient) -> None:
    seal_id = new_seal(custodian)
    user_id, _ = new_person(world, admin)
    grant_id = grant(custodian, seal_id, user_id=user_id)
    review = start(custodian, seal_id=seal_id)
    item = item_for(custodian, review["id"], grant_id)
    callers = [world.login(world.parties["A"].custodian) for _ in range(4)]
    answers: list[int] = []
    barrier = threading.Barrier(len(callers))

    def go(http: TestClient, action: str) -> None:
        barrier.wait()
        answers.append(decide(http, review["id"], item["id"], action).status_code)

    threads = [threading.Thread(target=go, args=(h, ("confirm", "revoke")[n % 2]))
               for n, h in enumerate(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409, 409, 409], answers
    decided = item_for(custodian, review["id"], grant_id)["decision"]
    status = custodian.get(f"{API}/grants/{grant_id}").json()["status"]
    assert (decided, status) in (("confirmed", "active"), ("revoked", "revoked"))
    assert len([e for e in world.audit() if e["target"] == f"review:{review['id']}"]) == 2


def _csv(http: TestClient, review_id: str) -> list[list[str]]:
    answer = http.get(f"{API}/reviews/{review_id}/report.csv")
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
