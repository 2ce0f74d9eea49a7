"""The console's permission reviews (权限审核): the list with what is overdue, starting a review,
its items (keep or revoke each; never one's own grant), closing it, the CSV report (the API's
bytes) and the schedule; permissions, other organisations' ids, CSRF, bad input, both
languages."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from openseal.core.governance.review_records import ReviewCampaignRecord, ReviewItemRecord
from openseal.core.seals.service import SealOrder, create_seal
from tests.support.api import World, make_world
from tests.support.console import console_client, csrf_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("console-reviews") / "home")


def console(world: World, username: str, lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


def successes(world: World, action: str) -> int:
    return sum(e["outcome"] == "success" for e in world.audit(action))


def seal_with_grants(world: World, name: str, *grantees: dict[str, str]) -> str:
    """A new seal of A, granted (over the API, by the custodian) to each of ``grantees``."""
    a = world.parties["A"]
    with world.wiring.context() as c:
        seal = create_seal(c.repos, c.pki, c.clock, SealOrder(a.org_id, "contract", name),
                           c.settings.base_url, audit=c.audit)
    custodian = world.login(a.custodian)
    for grantee in grantees:
        made = custodian.post(f"/api/v1/seals/{seal.id}/grants",
                              json={"level": "use", "reason": "审核测试", **grantee})
        assert made.status_code == 201, made.text
    return seal.id


def start_via_form(http: TestClient, **values: str) -> TestClient:
    token = csrf_of(http.get("/reviews").text)
    return http.post("/reviews", data={"csrf_token": token, **values}, follow_redirects=False)


def review_of(world: World, review_id: str) -> ReviewCampaignRecord:
    with world.wiring.context() as c:
        found = c.repos.get_review(review_id)
        assert found is not None
        return found


def items_of(world: World, review_id: str) -> list[ReviewItemRecord]:
    with world.wiring.context() as c:
        return c.repos.list_review_items(review_id)


def new_review(world: World, http: TestClient, seal_id: str) -> tuple[str, list[ReviewItemRecord]]:
    started = start_via_form(http, seal_id=seal_id, name="季度审核")
    assert started.status_code == 303, started.text
    review_id = started.headers["location"].rsplit("/", 1)[1]
    return review_id, items_of(world, review_id)


def decide(http: TestClient, review_id: str, item_id: str, decision: str, comment: str = "",
           token: str | None = None) -> TestClient:
    token = token if token is not None else csrf_of(http.get(f"/reviews/{review_id}").text)
    return http.post(f"/reviews/{review_id}/items/{item_id}/{decision}",
                     data={"csrf_token": token, "comment": comment}, follow_redirects=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_shows_the_organisations_reviews(world: World, lang: str) -> None:
    a, b = world.parties["A"], world.parties["B"]
    page = console(world, a.custodian, lang).get("/reviews")
    assert page.status_code == 200 and 'href="/reviews"' in page.text
    assert f'href="/reviews/{a.review_id}"' in page.text and b.review_id not in page.text
    assert 'id="start-form"' in page.text and 'name="seal_id"' in page.text
    assert ("权限审核" if lang == "zh" else "Permission reviews") in page.text
    admin = console(world, a.admin, lang).get("/reviews")
    assert admin.status_code == 200 and 'id="start-form"' not in admin.text
    member = console(world, a.member, lang)
    assert 'href="/reviews"' not in member.get("/home").text
    assert member.get("/reviews").status_code == 403


def test_starting_a_review_lists_each_grant(world: World) -> None:
    a = world.parties["A"]
    seal_id = seal_with_grants(world, "审核测试章一", {"user_id": a.member_id})
    http = console(world, a.custodian, "en")
    before = successes(world, "review.start")
    for values, status, code in (({"due_at": "2020-01-01T00:00"}, 422, "REVIEW_DUE"),
                                 ({"due_at": "tomorrow"}, 422, "GRANT_TIME_FORMAT"),
                                 ({"name": " " * 3 + "x" * 101}, 422, "TEXT_FORMAT"),
                                 ({"seal_id": world.parties["B"].seal_id}, 404,
                                  "SEAL_NOT_FOUND")):
        refused = start_via_form(http, **values)
        assert refused.status_code == status, (values, refused.text[:300])
        assert f'data-code="{code}"' in refused.text and 'id="start-form"' in refused.text
    assert successes(world, "review.start") == before
    review_id, items = new_review(world, http, seal_id)
    assert successes(world, "review.start") == before + 1
    assert [(i.grantee_kind, i.grantee) for i in items] == [("user", a.member_id)]
    page = http.get(f"/reviews/{review_id}")
    assert page.status_code == 200 and "季度审核" in page.text and "审核测试章一" in page.text
    assert f'id="item-{items[0].id}"' in page.text and 'data-decision="pending"' in page.text
    assert f'id="confirm-{items[0].id}"' in page.text and f'id="revoke-{items[0].id}"' in page.text
    assert 'id="close-review"' in page.text


def test_a_review_past_its_due_time_is_listed_as_overdue(world: World) -> None:
    a = world.parties["A"]
    seal_id = seal_with_grants(world, "审核逾期测试章", {"user_id": a.member_id})
    http = console(world, a.custodian, "zh")
    due = (world.clock.now() + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    started = start_via_form(http, seal_id=seal_id, name="逾期审核", due_at=due)
    assert started.status_code == 303, started.text
    review_id = started.headers["location"].rsplit("/", 1)[1]
    assert 'id="overdue"' not in http.get("/reviews").text
    world.clock.advance(minutes=5)
    page = http.get("/reviews")
    overdue = re.search(r'<section[^>]*id="overdue">.*?</section>', page.text, flags=re.S)
    assert overdue is not None and f'href="/reviews/{review_id}"' in overdue.group(0)
    assert "还有 1 项待审核" in overdue.group(0)
    assert "已逾期" in http.get(f"/reviews/{review_id}").text


def test_keeping_and_revoking_items(world: World) -> None:
    a = world.parties["A"]
    seal_id = seal_with_grants(world, "审核测试章二", {"user_id": a.member_id},
                               {"client_id": a.client_id})
    http = console(world, a.custodian, "zh")
    review_id, items = new_review(world, http, seal_id)
    keep, drop = items
    kept = decide(http, review_id, keep.id, "confirm", "仍在岗")
    assert kept.status_code == 303 and kept.headers["location"].endswith("?done=confirm")
    again = decide(http, review_id, keep.id, "confirm")
    assert again.status_code == 409 and 'data-code="REVIEW_ITEM_DECIDED"' in again.text
    assert "该审核项已有结论" in again.text
    no_comment = decide(http, review_id, drop.id, "revoke", "  ")
    assert no_comment.status_code == 422 and 'data-code="TEXT_FORMAT"' in no_comment.text
    assert {i.id: i.decision for i in items_of(world, review_id)}[drop.id] == "pending"
    revoked = decide(http, review_id, drop.id, "revoke", "已调岗")
    assert revoked.status_code == 303
    decisions = {i.id: (i.decision, i.comment) for i in items_of(world, review_id)}
    assert decisions == {keep.id: ("confirmed", "仍在岗"), drop.id: ("revoked", "已调岗")}
    with world.wiring.context() as c:
        grant = c.repos.get_grant(drop.grant_id)
        assert grant is not None and grant.status == "revoked"
    assert any(e["target"] == f"review:{review_id}" for e in world.audit("review.confirm"))
    assert any(e["target"] == f"review:{review_id}" for e in world.audit("review.revoke"))
    assert any(e["target"] == f"grant:{drop.grant_id}" for e in world.audit("grant.revoke"))
    page = http.get(f"/reviews/{review_id}")
    assert 'data-decision="confirmed"' in page.text and 'data-decision="revoked"' in page.text
    assert "已调岗" in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nobody_reviews_their_own_grant(world: World, lang: str) -> None:
    a = world.parties["A"]
    seal_id = seal_with_grants(world, f"审核测试章{lang}", {"role": "custodian",
                                                             "level": "manage"})
    http = console(world, a.custodian, lang)
    review_id, [item] = new_review(world, http, seal_id)
    for decision, comment in (("confirm", ""), ("revoke", "自己撤销")):
        refused = decide(http, review_id, item.id, decision, comment)
        assert refused.status_code == 403, refused.text[:300]
        assert 'data-code="REVIEW_OWN_GRANT"' in refused.text
        assert ("不能审核自己持有的授权" if lang == "zh"
                else "You may not review an authorisation you hold yourself") in refused.text
    assert items_of(world, review_id)[0].decision == "pending"
    with world.wiring.context() as c:
        assert c.repos.get_grant(item.grant_id).status == "active"  # type: ignore[union-attr]


def test_closing_a_review_and_its_report(world: World) -> None:
    a = world.parties["A"]
    seal_id = seal_with_grants(world, "审核测试章三", {"user_id": a.member_id})
    http = console(world, a.custodian, "en")
    review_id, [item] = new_review(world, http, seal_id)
    token = csrf_of(http.get(f"/reviews/{review_id}").text)
    closed = http.post(f"/reviews/{review_id}/close", data={"csrf_token": token},
                       follow_redirects=False)
    assert closed.status_code == 303 and review_of(world, review_id).status == "closed"
    assert any(e["target"] == f"review:{review_id}" for e in world.audit("review.close"))
    page = http.get(f"/reviews/{review_id}")
    assert 'data-status="closed"' in page.text and 'data-decision="not_reviewed"' in page.text
    assert 'id="close-review"' not in page.text and f'id="confirm-{item.id}"' not in page.text
    late = decide(http, review_id, item.id, "confirm", token=token)
    assert late.status_code == 409 and 'data-code="REVIEW_CLOSED"' in late.text
    twice = http.post(f"/reviews/{review_id}/close", data={"csrf_token": token})
    assert twice.status_code == 409
    report = http.get(f"/reviews/{review_id}/report.csv")
    api = world.login(a.custodian).get(f"/api/v1/reviews/{review_id}/report.csv")
    assert report.status_code == 200 and report.content == api.content
    assert report.content.startswith("\ufeff".encode()) and "未审核".encode() in report.content
    assert report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    assert console(world, a.admin, "en").get(f"/reviews/{review_id}/report.csv"
                                             ).content == api.content


def test_who_may_only_read_is_refused_and_nothing_changes(world: World) -> None:
    a = world.parties["A"]
    before = items_of(world, a.review_id)
    admin = console(world, a.admin, "en")
    page = admin.get(f"/reviews/{a.review_id}")
    assert page.status_code == 200 and 'id="close-review"' not in page.text
    assert 'id="confirm-' not in page.text
    token = csrf_of(page.text)
    for path in (f"/reviews/{a.review_id}/items/{a.review_item_id}/confirm",
                 f"/reviews/{a.review_id}/items/{a.review_item_id}/revoke",
                 f"/reviews/{a.review_id}/close", "/reviews"):
        answer = admin.post(path, data={"csrf_token": token, "comment": "x"})
        assert answer.status_code == 403 and 'data-code="FORBIDDEN"' in answer.text, path
    member = console(world, a.member, "en")
    for path in (f"/reviews/{a.review_id}", f"/reviews/{a.review_id}/report.csv",
                 "/reviews/schedule"):
        assert member.get(path).status_code == 403, path
    assert items_of(world, a.review_id) == before
    assert review_of(world, a.review_id).status == "open"


def test_another_organisations_review_is_not_found(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    http = console(world, a.custodian, "en")
    token = csrf_of(http.get("/reviews").text)
    for path in (f"/reviews/{b.review_id}", f"/reviews/{b.review_id}/report.csv",
                 "/reviews/no-such-review"):
        answer = http.get(path)
        assert answer.status_code == 404 and "REVIEW_NOT_FOUND" in answer.text, path
    before = items_of(world, b.review_id)
    for path in (f"/reviews/{b.review_id}/items/{b.review_item_id}/confirm",
                 f"/reviews/{b.review_id}/items/{b.review_item_id}/revoke",
                 f"/reviews/{b.review_id}/close",
                 f"/reviews/{a.review_id}/items/{b.review_item_id}/confirm"):
        answer = http.post(path, data={"csrf_token": token, "comment": "x"})
        assert answer.status_code == 404 and "NOT_FOUND" in answer.text, path
    assert items_of(world, b.review_id) == before
    assert review_of(world, b.review_id).status == "open"


def test_forms_without_the_right_token_are_refused(world: World) -> None:
    a = world.parties["A"]
    http = console(world, a.custodian, "en")
    before, reviews = items_of(world, a.review_id), successes(world, "review.start")
    for token in (None, "", "wrong"):
        extra = {} if token is None else {"csrf_token": token}
        for path in ("/reviews", f"/reviews/{a.review_id}/items/{a.review_item_id}/confirm",
                     f"/reviews/{a.review_id}/items/{a.review_item_id}/revoke",
                     f"/reviews/{a.review_id}/close", "/reviews/schedule",
                     "/reviews/schedule/remove"):
            answer = http.post(path, data={**extra, "comment": "x", "interval_days": "30",
                                           "due_days": "7"})
            assert answer.status_code == 403 and "CSRF_FAILED" in answer.text, path
    assert items_of(world, a.review_id) == before
    assert successes(world, "review.start") == reviews
    assert review_of(world, a.review_id).status == "open"
    assert 'id="interval">无' in console(world, a.custodian, "zh").get("/reviews/schedule").text


def test_the_schedule_is_shown_set_and_removed(world: World) -> None:
    a = world.parties["B"]  # its own organisation: the other tests leave it unscheduled
    http = console(world, a.custodian, "en")
    page = http.get("/reviews/schedule")
    assert page.status_code == 200 and 'id="schedule-form"' in page.text
    assert 'id="remove-form"' not in page.text
    token = csrf_of(page.text)
    for values, code in (({"interval_days": "abc", "due_days": "14"}, "REVIEW_DAYS_FORMAT"),
                         ({"interval_days": "0", "due_days": "14"}, "REVIEW_INTERVAL"),
                         ({"interval_days": "90", "due_days": "400"}, "REVIEW_DUE")):
        refused = http.post("/reviews/schedule", data={"csrf_token": token, **values})
        assert refused.status_code == 422 and f'data-code="{code}"' in refused.text, values
        assert f'value="{values["interval_days"]}"' in refused.text
    assert successes(world, "review.schedule") == 0
    done = http.post("/reviews/schedule", data={"csrf_token": token, "interval_days": "90",
                                                "due_days": "14"}, follow_redirects=False)
    assert done.status_code == 303
    shown = http.get(done.headers["location"])
    assert 'id="schedule-done"' in shown.text and "every 90 days" in shown.text
    assert 'id="next-due"' in shown.text and 'id="remove-form"' in shown.text
    entry = world.audit("review.schedule")[-1]
    assert entry["details"]["after"] == {"interval_days": 90, "due_days": 14}  # type: ignore[index]
    assert "every 90 days" in http.get("/reviews").text
    admin = console(world, a.admin, "en")
    assert 'id="schedule-form"' not in admin.get("/reviews/schedule").text
    assert admin.post("/reviews/schedule/remove", data={"csrf_token": csrf_of(
        admin.get("/reviews/schedule").text)}).status_code == 403
    removed = http.post("/reviews/schedule/remove", data={"csrf_token": token},
                        follow_redirects=False)
    assert removed.status_code == 303 and "every 90 days" not in http.get("/reviews").text
    again = http.post("/reviews/schedule/remove", data={"csrf_token": token})
    assert again.status_code == 404 and 'data-code="REVIEW_SCHEDULE_NOT_FOUND"' in again.text
    assert successes(world, "review.schedule") == 2


def test_every_page_is_translated_labelled_and_without_inline_code(world: World) -> None:
    from openseal.interfaces.web import i18n

    a = world.parties["A"]
    zh = {str(m.id): str(m.string) for m in i18n.read_catalogue("zh") if m.id}
    english_only = [k for k, v in zh.items() if v != k and len(k) >= 12]
    i18n.MISSING.clear()
    for lang in ("zh", "en"):
        for name in (a.custodian, a.admin):
            http = console(world, name, lang)
            for path in ("/reviews", f"/reviews/{a.review_id}", "/reviews/schedule"):
                page = http.get(path)
                assert page.status_code == 200, path
                assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", page.text), path
                for control in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"',
                                          page.text):
                    assert f'for="{control}"' in page.text, (path, control)
                if lang == "zh":
                    shown = re.sub(r"<[^>]+>", " ", page.text)
                    assert [m for m in english_only if m in shown] == [], path
    assert i18n.MISSING == set()


def test_help_links_land_on_the_manuals_sections(world: World) -> None:
    a = world.parties["A"]
    http = console(world, a.custodian, "zh")
    manual = http.get("/help?page=authorisations")
    for path in ("/reviews", f"/reviews/{a.review_id}", "/reviews/schedule"):
        link = re.search(r'href="([^"]+)" id="help"', http.get(path).text)
        assert link is not None, path
        href = unquote(link.group(1))
        assert href.startswith("/help?page=authorisations#"), href
        assert f'id="{href.split("#", 1)[1]}"' in manual.text, href
