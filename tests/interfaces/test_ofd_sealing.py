"""Sealing OFD files as a product (issue 9, items 5 and 7): `openseal sign IN.ofd`, POST
/api/v1/documents/seal with an OFD, the approval flow with an OFD, the public page and the
registry; SQLite and PostgreSQL, the CLI as real processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support.api import Party, World, world_on_each_backend
from tests.support.approvals import approve, ticket_of
from tests.support.ofd import make_ofd, zipped
from tests.support.pdfs import reportlab_pdf

API = "/api/v1"
OFD = "application/ofd"


class OfdCli:
    """``openseal ...`` on the world's home and database (SQLite or PostgreSQL)."""

    def __init__(self, world: World) -> None:
        self.env = {**os.environ, "OPENSEAL_HOME": str(world.wiring.settings.home),
                    "OPENSEAL_LANG": "en"}
        self.env.pop("OPENSEAL_DATABASE_URL", None)
        if world.wiring.settings.database_url:
            self.env["OPENSEAL_DATABASE_URL"] = world.wiring.settings.database_url

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openseal", *args], env=self.env,
                              capture_output=True, text=True, timeout=180)

    def json(self, *args: str, expect: int = 0) -> dict[str, Any]:
        done = self.run(*args, "--json")
        assert done.returncode == expect, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return dict(json.loads(done.stdout))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "ofd-sealing")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def cli(world: World) -> OfdCli:
    return OfdCli(world)


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


@pytest.fixture(scope="module")
def member(world: World, a: Party) -> TestClient:
    return world.login(a.member)


def new_sm2_seal(custodian: TestClient, name: str, grant_to: str | None = None) -> str:
    made = custodian.post(f"{API}/seals", json={"type": "contract", "name": name,
                                                "algorithm": "sm2"})
    assert made.status_code == 201, made.text
    seal_id = str(made.json()["id"])
    if grant_to is not None:
        granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
            "user_id": grant_to, "level": "use", "reason": "OFD 用印 / OFD sealing"})
        assert granted.status_code == 201, granted.text
    return seal_id


@pytest.fixture(scope="module")
def sm2(custodian: TestClient, a: Party) -> str:
    """An SM2 seal of A that A's member may use directly."""
    return new_sm2_seal(custodian, "SM2合同专用章", grant_to=a.member_id)


def sealed_count(world: World, seal_id: str) -> int:
    with world.wiring.context() as c:
        return c.repos.count_sealed_documents(seal_id)


def seal_over_http(http: TestClient, data: bytes, name: str = "合同.ofd",
                   **form: str) -> httpx.Response:
    answer: httpx.Response = http.post(f"{API}/documents/seal", data=form,
                                       files={"file": (name, data, OFD)})
    return answer


def only_input(folder: Path, *names: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


# ---------------------------------------------------------------- the command line


def test_cli_seals_an_ofd_and_verify_says_valid(world: World, cli: OfdCli, sm2: str,
                                                tmp_path: Path) -> None:
    src = tmp_path / "in.ofd"
    src.write_bytes(make_ofd())
    out = tmp_path / "out.ofd"
    done = cli.json("sign", str(src), "--seal", sm2, "-o", str(out), "--page", "2",
                    "--x", "120", "--y", "40")
    data = out.read_bytes()
    assert done["field"] == "s001" and done["format"] == "OFD"
    assert done["sha256"] == hashlib.sha256(data).hexdigest() and done["size"] == len(data)
    only_input(tmp_path, "in.ofd", "out.ofd")  # no temporary file left
    report = cli.json("verify", str(out))  # the instance's SM2 root is the anchor
    assert report["verdict"] == "VALID" and report["format"] == "OFD", report
    [sig] = report["signatures"]
    assert sig["trusted"] and sig["seal_name"] == "SM2合同专用章"
    assert [s["page"] for s in sig["stamps"]] == [2] and sig["timestamp_time"]
    uses = [e for e in world.audit("seal.use") if e["outcome"] == "success"
            and e["details"]["document"] == done["id"]]
    assert len(uses) == 1 and uses[0]["details"]["output_sha256"] == done["sha256"]
    assert uses[0]["details"]["input_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    with world.wiring.context() as c:
        (issued,) = c.repos.find_issued([done["sha256"]])
    assert issued.id == done["id"] and issued.seal_id == sm2 and issued.field_name == "s001"


def test_cli_keyword_riding_seal_and_lock(cli: OfdCli, sm2: str, tmp_path: Path) -> None:
    src = tmp_path / "in.ofd"
    src.write_bytes(make_ofd(pages=3))
    out = tmp_path / "locked.ofd"
    cli.json("sign", str(src), "--seal", sm2, "-o", str(out), "--keyword", "甲方（盖章）",
             "--cross-page", "--pages", "1-3", "--edge", "left", "--lock")
    report = cli.json("verify", str(out))
    assert report["verdict"] == "VALID", report
    assert [s["page"] for s in report["signatures"][0]["stamps"]] == [3, 1, 2, 3]
    again = cli.json("sign", str(out), "--seal", sm2, "-o", str(tmp_path / "twice.ofd"),
                     expect=2)
    assert again["error"] == "OFD_LOCKED"
    only_input(tmp_path, "in.ofd", "locked.ofd")


def test_cli_refusals_leave_no_file(cli: OfdCli, a: Party, sm2: str, tmp_path: Path) -> None:
    (tmp_path / "in.ofd").write_bytes(make_ofd())
    (tmp_path / "in.pdf").write_bytes(reportlab_pdf())
    (tmp_path / "junk.ofd").write_bytes(b"this is neither an OFD nor a PDF")
    out = str(tmp_path / "out")
    ecdsa = cli.json("sign", str(tmp_path / "in.ofd"), "--seal", a.seal_id, "-o", out,
                     expect=2)
    assert ecdsa["error"] == "SEAL_ALGORITHM_OFD" and "SM2" in ecdsa["message"]
    pdf = cli.json("sign", str(tmp_path / "in.pdf"), "--seal", sm2, "-o", out, expect=2)
    assert pdf["error"] == "SEAL_ALGORITHM_PDF" and "OFD" in pdf["message"]
    junk = cli.json("sign", str(tmp_path / "junk.ofd"), "--seal", sm2, "-o", out, expect=2)
    assert junk["error"] == "OFD_NOT_ZIP" and "OFD" in junk["message"]
    (tmp_path / "zip.pdf").write_bytes(zipped({"contract.txt": b"x"}))
    plain_zip = cli.json("sign", str(tmp_path / "zip.pdf"), "--seal", a.seal_id, "-o", out,
                         expect=2)
    assert plain_zip["error"] == "NOT_A_PDF"
    keyword = cli.json("sign", str(tmp_path / "in.ofd"), "--seal", sm2, "-o", out,
                       "--keyword", "不存在的字", expect=2)
    assert keyword["error"] == "KEYWORD_NOT_FOUND"
    option = cli.json("sign", str(tmp_path / "in.ofd"), "--seal", sm2, "-o", out, "--qr",
                      expect=2)
    assert option["error"] == "OFD_OPTION_UNSUPPORTED" and "--qr" in option["message"]
    lock = cli.json("sign", str(tmp_path / "in.pdf"), "--seal", a.seal_id, "-o", out,
                    "--lock", expect=2)
    assert lock["error"] == "LOCK_OFD_ONLY"
    only_input(tmp_path, "in.ofd", "in.pdf", "junk.ofd", "zip.pdf")


# ---------------------------------------------------------------- over HTTP


def test_api_seals_an_ofd(world: World, member: TestClient, sm2: str) -> None:
    data = make_ofd()
    answer = seal_over_http(member, data, "采购合同.ofd", seal_id=sm2, keyword="甲方（盖章）")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == OFD
    document_id = answer.headers["X-OpenSeal-Document-Id"]
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "-sealed.ofd" in disposition
    assert "filename*=UTF-8''%E9%87%87%E8%B4%AD%E5%90%88%E5%90%8C-sealed.ofd" in disposition
    verified = world.client().post(f"{API}/verify", files={"file": ("x.ofd", answer.content,
                                                                    OFD)}).json()
    assert verified["verdict"] == "VALID", verified
    assert verified["registry"]["status"] == "issued"
    assert verified["registry"]["document_id"] == document_id
    page = world.client().get(f"/v/{document_id}")
    assert page.status_code == 200 and document_id in page.text
    copy = world.client().post(f"/v/{document_id}?lang=en",
                               files={"file": ("x.ofd", answer.content, OFD)})
    assert copy.status_code == 200 and "exactly the document issued" in copy.text
    with world.wiring.context() as c:
        record = c.repos.get_sealed_document(document_id)
    assert record is not None and record.output_sha256 == hashlib.sha256(
        answer.content).hexdigest() and record.input_sha256 == hashlib.sha256(data).hexdigest()


def test_api_refusals(world: World, a: Party, custodian: TestClient, member: TestClient,
                      sm2: str) -> None:
    data = make_ofd()
    ecdsa = seal_over_http(member, data, seal_id=a.seal_id)
    assert ecdsa.status_code == 422 and ecdsa.json()["code"] == "SEAL_ALGORITHM_OFD"
    english = member.post(f"{API}/documents/seal", data={"seal_id": sm2},
                          files={"file": ("c.pdf", reportlab_pdf(), "application/pdf")},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 422 and english.json()["code"] == "SEAL_ALGORITHM_PDF"
    assert english.headers["content-type"].startswith("application/problem+json")
    assert "SM2 seal" in english.json()["detail"]
    option = seal_over_http(member, data, seal_id=sm2, qr="true")
    assert option.status_code == 422 and option.json()["code"] == "OFD_OPTION_UNSUPPORTED"
    missing = seal_over_http(member, data, seal_id=sm2, keyword="不存在的字")
    assert missing.status_code == 422 and missing.json()["code"] == "KEYWORD_NOT_FOUND"
    before = sealed_count(world, sm2)
    ungranted = new_sm2_seal(custodian, "SM2未授权章")
    refused = seal_over_http(member, data, seal_id=ungranted)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "GRANT_REQUIRED"
    assert [e for e in world.audit() if e["outcome"] in ("refused", "denied")
            and e["target"] == f"seal:{ungranted}" and e["details"].get("error") ==
            "GRANT_REQUIRED"]
    assert sealed_count(world, ungranted) == 0 and sealed_count(world, sm2) == before


def test_api_locked_ofd_and_suspended_seal(world: World, custodian: TestClient,
                                           member: TestClient, a: Party) -> None:
    seal_id = new_sm2_seal(custodian, "SM2停用章", grant_to=a.member_id)
    locked = seal_over_http(member, make_ofd(), seal_id=seal_id, lock="true")
    assert locked.status_code == 200, locked.text
    again = seal_over_http(member, locked.content, seal_id=seal_id)
    assert again.status_code == 422 and again.json()["code"] == "OFD_LOCKED"
    assert sealed_count(world, seal_id) == 1
    suspended = custodian.post(f"{API}/seals/{seal_id}/suspend", json={"reason": "测试 test"})
    assert suspended.status_code == 200, suspended.text
    inactive = seal_over_http(member, make_ofd(), seal_id=seal_id)
    assert inactive.status_code == 409 and inactive.json()["code"] == "SEAL_INACTIVE"
    assert sealed_count(world, seal_id) == 1


# ---------------------------------------------------------------- with a ticket


def request_ofd(http: TestClient, seal_id: str, data: bytes,
                name: str = "合同.ofd") -> httpx.Response:
    answer: httpx.Response = http.post(f"{API}/requests", data={
        "seal_id": seal_id, "purpose": "签订 OFD 合同"}, files={"files": (name, data, OFD)})
    return answer


def test_ticket_flow_names_requester_and_approvers(world: World, a: Party, cli: OfdCli,
                                                   member: TestClient, sm2: str,
                                                   tmp_path: Path) -> None:
    src = tmp_path / "contract.ofd"
    src.write_bytes(make_ofd())
    made = cli.json("request", "create", str(src), "--seal", sm2, "--purpose", "签约",
                    "--as", a.member)
    assert made["documents"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    approved = cli.json("approve", made["id"], "--as", a.approver, "--comment", "同意")
    ticket = approved["tickets"][0]["id"]
    other = make_ofd(pages=2)  # another document: the ticket does not cover it
    wrong = seal_over_http(member, other, seal_id=sm2, ticket=ticket)
    assert wrong.status_code == 403 and wrong.json()["code"] == "APPROVAL_INVALID"
    with world.wiring.context() as c:
        found = c.repos.get_ticket(ticket)
        assert found is not None and found.status == "unused"
    out = tmp_path / "sealed.ofd"
    sealed = cli.json("sign", str(src), "--seal", sm2, "-o", str(out), "--ticket", ticket)
    report = cli.json("verify", str(out))
    assert report["verdict"] == "VALID", report
    approval = report["signatures"][0]["approval"]
    assert approval["ticket"] == ticket and approval["requester"]["name"] == a.member
    assert [x["name"] for x in approval["approvers"]] == [a.approver]
    assert approval["document_sha256"] == made["documents"][0]["sha256"]
    text = cli.run("verify", str(out)).stdout
    assert a.member in text and a.approver in text
    use = [e for e in world.audit("seal.use") if e["outcome"] == "success"
           and e["details"]["document"] == sealed["id"]]
    assert use[0]["details"]["ticket"] == ticket
    again = cli.json("sign", str(src), "--seal", sm2, "-o", str(tmp_path / "2.ofd"),
                     "--ticket", ticket, expect=2)
    assert again["error"] == "TICKET_USED" and not (tmp_path / "2.ofd").exists()


def test_api_ticket_and_request_checks(world: World, a: Party, member: TestClient,
                                       sm2: str) -> None:
    data = make_ofd()
    made = request_ofd(member, sm2, data)
    assert made.status_code == 201, made.text
    approver = world.login(a.approver)
    stored = approver.get(f"{API}/requests/{made.json()['id']}/documents/"
                          f"{made.json()['documents'][0]['sha256']}")
    assert stored.status_code == 200 and stored.headers["content-type"] == OFD
    assert stored.content == data
    ticket = ticket_of(approve(approver, made.json()["id"]))
    answer = seal_over_http(member, data, seal_id=sm2, ticket=ticket)
    assert answer.status_code == 200, answer.text
    verified = world.client().post(f"{API}/verify", files={"file": ("x.ofd", answer.content,
                                                                    OFD)}).json()
    assert verified["signatures"][0]["approval"]["requester"]["name"] == a.member
    ecdsa = request_ofd(member, a.seal_id, make_ofd())
    assert ecdsa.status_code == 422 and ecdsa.json()["code"] == "SEAL_ALGORITHM_OFD"
    locked = request_ofd(member, sm2, seal_over_http(member, make_ofd(), seal_id=sm2,
                                                     lock="true").content)
    assert locked.status_code == 422 and locked.json()["code"] == "OFD_LOCKED"
    junk = member.post(f"{API}/requests", data={"seal_id": sm2, "purpose": "x"},
                       files={"files": ("x.ofd", b"junk", OFD)})
    assert junk.status_code == 422 and junk.json()["code"] == "OFD_NOT_ZIP"
    plain_zip = member.post(f"{API}/requests", data={"seal_id": a.seal_id, "purpose": "x"},
                            files={"files": ("x.pdf", zipped({"a.txt": b"x"}), OFD)})
    assert plain_zip.status_code == 415 and plain_zip.json()["code"] == "NOT_A_PDF"
