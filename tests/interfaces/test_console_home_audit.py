"""The console's home page (my tasks, recent seal uses, the weekly chart, expiring
certificates) and the audit log (filters, paging, CSV / JSON lines export, the signed
checkpoint), without a browser: each block only for who may see it, another organisation's
entries never shown, a member without audit:read refused."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from openseal.core.seals.service import SealOrder, create_seal
from openseal.interfaces.web.console import audit_log
from tests.support.api import World, invite, make_world
from tests.support.console import console_client, csrf_of
from tests.support.pdfs import reportlab_pdf

ODD_SEAL = '<b>测试&章"'  # a seal name the chart and the page must escape
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = make_world(tmp_path_factory.mktemp("console-home-audit") / "home")
    a, b = world.parties["A"], world.parties["B"]
    invite(world, world.login(a.admin), "auditor-a", "auditor")
    invite(world, world.login(b.admin), "auditor-b", "auditor")
    pending = world.login(a.member).post("/api/v1/requests", data={
        "seal_id": a.seal_id, "purpose": "待审批的合同 pending contract"},
        files={"files": ("c.pdf", reportlab_pdf(title="pending"), "application/pdf")})
    assert pending.status_code == 201, pending.text
    with world.wiring.context() as c:
        odd = create_seal(c.repos, c.pki, c.clock, SealOrder(a.org_id, "contract", ODD_SEAL),
                          c.settings.base_url, audit=c.audit)
        for _ in range(3):
            c.audit.record("seal.use", org_id=a.org_id, target=f"seal:{odd.id}",
                           details={"document": "d"})
        c.audit.record("test.formula", "failed", org_id=a.org_id, target=FORMULA)
        c.audit.record("test.other-org", org_id=b.org_id, target="secret-of-b")
        for n in range(60):  # enough entries of one action for two pages
            c.audit.record("test.paging", org_id=a.org_id, target=f"page-{n}")
    world.odd_seal_id = odd.id  # type: ignore[attr-defined]
    world.wiring.make_checkpoint()
    return world


def console(world: World, username: str, lang: str = "zh") -> TestClient:
    return console_client(world, username, lang)


# Home -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_shows_the_approver_the_request_waiting_for_them(world: World, lang: str) -> None:
    page = console(world, "approver-a", lang).get("/home")
    assert page.status_code == 200
    assert 'id="waiting"' in page.text and "pending contract" in page.text
    assert re.search(r'id="waiting-count">1<', page.text)
    assert ("Waiting for my approval" in page.text) == (lang == "en")
    assert 'href="/approvals"' in page.text
    assert 'id="use-chart"' not in page.text  # an approver reads no audit trail


def test_home_shows_the_requester_their_open_request(world: World) -> None:
    page = console(world, "member-a", "en").get("/home")
    mine = page.text[page.text.index('id="my-requests"'):]
    assert "pending contract" in mine and "step 1 of 1" in mine
    assert 'id="waiting"' not in page.text  # not an approver
    assert 'href="/requests"' in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_shows_the_auditor_recent_uses_and_the_escaped_chart(world: World,
                                                                  lang: str) -> None:
    page = console(world, "auditor-a", lang).get("/home")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>")]
    assert ODD_SEAL not in page.text and "&lt;b&gt;测试&amp;章&quot;" in svg
    assert "<script" not in svg and "style=" not in svg and " on" not in svg.replace(
        " one", "")
    assert ("Seal uses per week" in svg) == (lang == "en")
    assert 'id="recent-uses"' in page.text
    assert f'href="/seals/{world.odd_seal_id}"' in page.text  # type: ignore[attr-defined]
    assert 'href="/audit?action=seal.use"' in page.text
    # Another organisation's auditor sees none of A's seals.
    other = console(world, "auditor-b", lang).get("/home")
    assert "测试" not in other.text and world.parties["A"].seal_id not in other.text


def test_home_of_the_platform_administrator_has_no_organisation_blocks(world: World) -> None:
    http = world.client()
    form = http.get("/login?lang=en")
    from tests.support.api import ADMIN
    http.post("/login", data={"csrf_token": csrf_of(form.text), "username": ADMIN[0],
                              "password": ADMIN[2]})
    page = http.get("/home")
    assert page.status_code == 200 and "Nothing is waiting for you." in page.text


# Audit log ------------------------------------------------------------------------------
def rows(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)">', html)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audit_log_lists_the_organisations_entries_newest_first(world: World,
                                                                 lang: str) -> None:
    http = console(world, "auditor-a", lang)
    page = http.get("/audit")
    assert page.status_code == 200
    seqs = rows(page.text)
    assert len(seqs) == audit_log.PAGE_SIZE and seqs == sorted(seqs, reverse=True)
    assert "secret-of-b" not in page.text
    assert ('href="/audit"' in page.text) and (("Audit log" in page.text) == (lang == "en"))
    assert 'id="checkpoint-download"' in page.text
    assert "/help?page=audit#checkpoint" in page.text


def test_audit_log_filters_and_pages_back(world: World) -> None:
    http = console(world, "auditor-a", "en")
    first = http.get("/audit?action=test.paging")
    seqs = rows(first.text)
    assert len(seqs) == audit_log.PAGE_SIZE
    older = re.search(r'href="(/audit\?[^"]+)" id="older"', first.text)
    assert older is not None
    second = http.get(older.group(1).replace("&amp;", "&"))
    rest = rows(second.text)
    assert len(rest) == 10 and max(rest) < min(seqs) and 'id="older"' not in second.text
    assert 'id="newest"' in second.text
    failed = http.get("/audit?outcome=failed")
    assert "HYPERLINK" in failed.text and "page-1" not in failed.text
    by_actor = http.get("/audit?actor=approver-a")
    assert by_actor.status_code == 200 and "page-1" not in by_actor.text
    future = http.get("/audit?from=2999-01-01")
    assert rows(future.text) == [] and 'id="no-entries"' in future.text
    past = http.get("/audit?to=2000-01-01")
    assert rows(past.text) == []
    odd = http.get("/audit?before=-1")  # a hand-made page number: the newest page
    assert odd.status_code == 200 and len(rows(odd.text)) == audit_log.PAGE_SIZE


@pytest.mark.parametrize(("query", "field"), [("action=Bad Action", "action"),
                                              ("outcome=maybe", "outcome"),
                                              ("from=yesterday", "from"),
                                              ("from=2026-02-02&to=2026-01-01", "from")])
def test_audit_log_names_a_bad_filter(world: World, query: str, field: str) -> None:
    page = console(world, "auditor-a", "en").get(f"/audit?{query}")
    assert page.status_code == 422 and 'id="form-error"' in page.text
    assert f'id="f-{field}"' in page.text
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', page.text)


def test_csv_export_defuses_formulas_and_keeps_to_the_organisation(world: World) -> None:
    answer = console(world, "auditor-a").get("/audit/export.csv?outcome=failed")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:6] == ["seq", "time", "actor", "actor_kind", "action", "outcome"]
    targets = [row[6] for row in table[1:]]
    assert "'" + FORMULA in targets and FORMULA not in targets
    everything = console(world, "auditor-a").get("/audit/export.csv").content.decode()
    assert "secret-of-b" not in everything and "page-59" in everything


def test_jsonl_export_is_what_the_cli_exports(world: World) -> None:
    answer = console(world, "auditor-a").get("/audit/export.jsonl?action=test.paging")
    lines = [json.loads(x) for x in answer.text.splitlines()]
    assert len(lines) == 60 and all(x["type"] == "event" and x["entry_hash"] for x in lines)
    assert [x["seq"] for x in lines] == sorted(x["seq"] for x in lines)
    assert {x["org_id"] for x in lines} == {world.parties["A"].org_id}


def test_checkpoint_download_is_the_signed_checkpoint(world: World) -> None:
    answer = console(world, "auditor-a").get("/audit/checkpoint.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["size"] > 0 and document["root_hash"]
    with world.wiring.context() as c:
        latest = c.repos.latest_checkpoint()
    assert latest is not None and json.loads(latest.document) == document


@pytest.mark.parametrize("path", ["/audit", "/audit/export.csv", "/audit/export.jsonl",
                                  "/audit/checkpoint.json"])
def test_a_member_without_audit_read_is_refused(world: World, path: str) -> None:
    for who in ("member-a", "admin-a"):
        answer = console(world, who, "en").get(path)
        assert answer.status_code == 403, (who, path)
        assert "FORBIDDEN" in answer.text and "page-1" not in answer.text
    nav = console(world, "member-a").get("/home")
    assert 'href="/audit"' not in nav.text


def test_another_organisations_auditor_sees_none_of_its_entries(world: World) -> None:
    http = console(world, "auditor-b")
    page = http.get("/audit?action=test.paging")
    assert rows(page.text) == []
    assert "secret-of-b" in http.get("/audit").text
    exported = http.get("/audit/export.csv").content.decode()
    assert "page-1" not in exported and "HYPERLINK" not in exported


def test_not_signed_in_goes_to_login(world: World) -> None:
    answer = world.client().get("/audit", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


# Last: it moves the clock ----------------------------------------------------------------
def test_home_warns_of_a_certificate_about_to_expire(world: World) -> None:
    with world.wiring.context() as c:
        seal = c.repos.get_seal(world.odd_seal_id)  # type: ignore[attr-defined]
        assert seal is not None
        cert = c.repos.get_certificate(seal.cert_id)
        assert cert is not None
        now = c.clock.now()
    before = world.clock.offset
    world.clock.advance(days=(cert.not_after - now).days - 30)
    try:
        page = console(world, "custodian-a", "en").get("/home")
        block = page.text[page.text.index('id="expiring"'):]
        assert "days left" in block and f'/seals/{seal.id}' in block
        assert "&lt;b&gt;测试" in block
    finally:
        world.clock.offset = before
    calm = console(world, "custodian-a", "en").get("/home")
    assert "No seal certificate expires within 60 days." in calm.text


def test_chart_data_covers_twelve_weeks() -> None:
    from datetime import UTC, datetime

    from openseal.interfaces.web.console.home import SealUse, weekly

    now = datetime(2026, 11, 29, tzinfo=UTC)
    uses = [SealUse(1, now, "s", "公章", "x", None)]
    weeks = {w for _, w, _ in weekly(uses, now)}
    assert weeks == {"2026-W37", "2026-W48"}
    assert weekly([], now) == []




def test_pages_keep_the_strict_csp_and_their_manual_sections_exist(world: World) -> None:
    from tests.interfaces.test_console_foundation import CSP

    http = console(world, "auditor-a", "en")
    for path, anchor in (("/home", "home#overview"), ("/audit", "audit#log")):
        page = http.get(path)
        assert page.headers["content-security-policy"] == CSP
        assert " style=" not in page.text and "<script>" not in page.text
        assert re.search(r"\son[a-z]+=", page.text) is None
        name, section = anchor.split("#")
        manual = http.get(f"/help?page={name}")
        assert manual.status_code == 200 and f'id="{section}"' in manual.text
    assert 'id="checkpoint"' in http.get("/help?page=audit").text
    assert 'id="errors"' in http.get("/help?page=home").text
