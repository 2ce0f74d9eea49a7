"""The audit log on real SQLite and PostgreSQL: one line under concurrency, and atomic with
the action it records."""

from __future__ import annotations

import threading

import pytest

from openseal.core.audit import inclusion_proof, root_hash, verify_inclusion, verify_log
from openseal.core.identity.service import create_organization
from openseal.errors import InvalidInput
from tests.support.instance import TestInstance

WRITERS, EVENTS = 20, 50


@pytest.fixture()
def instance(db_instance: TestInstance) -> TestInstance:
    return db_instance


def _write(instance: TestInstance, writer: int, errors: list[BaseException]) -> None:
    try:
        for n in range(EVENTS):
            with instance.wiring.context() as c:
                c.audit.record("test.write", target=f"writer:{writer}",
                               details={"writer": writer, "n": n})
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_concurrent_writers_make_one_linear_log(instance: TestInstance) -> None:
    with instance.wiring.context() as c:
        start = c.repos.audit_size()
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_write, args=(instance, w, errors))
               for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with instance.wiring.context() as c:
        stored = c.repos.list_audit()
        roots = c.pki.trust_anchors()
    events = [e for e, _ in stored]
    assert [e.seq for e in events] == list(range(start + WRITERS * EVENTS))
    written = [(e.details["writer"], e.details["n"]) for e in events
               if e.action == "test.write"]
    assert sorted(written) == [(w, n) for w in range(WRITERS) for n in range(EVENTS)]
    report = verify_log(events, [], roots)
    assert report.ok, report.problems
    leaves = [bytes.fromhex(h) for _, h in stored]
    root = root_hash(leaves)
    for index in range(0, len(leaves), 7):
        proof = inclusion_proof(index, leaves)
        assert verify_inclusion(index, len(leaves), leaves[index], proof, root)


def test_rolled_back_action_leaves_no_audit_entry(instance: TestInstance) -> None:
    with instance.wiring.context() as c:
        before = c.repos.audit_size()
    with pytest.raises(RuntimeError):
        with instance.wiring.context() as c:
            create_organization(c.repos, c.pki, c.clock, "回滚公司", "91110000802100433B",
                                audit=c.audit)
            raise RuntimeError("fault after the action and its audit entry")
    with instance.wiring.context() as c:
        assert c.repos.audit_size() == before
        assert c.repos.get_organization("91110000802100433B") is None


def test_failed_audit_append_rolls_the_action_back(instance: TestInstance) -> None:
    with pytest.raises(InvalidInput) as err:
        with instance.wiring.context() as c:
            create_organization(c.repos, c.pki, c.clock, "失败公司", "91110000802100433B",
                                audit=c.audit)
            c.audit.record("org.note", details={"password": "never logged"})
    assert err.value.code == "AUDIT_SECRET_FIELD"
    with instance.wiring.context() as c:
        assert c.repos.get_organization("91110000802100433B") is None


def test_everything_that_exists_records_into_the_log(instance: TestInstance) -> None:
    instance.seal(instance_pdf())
    with instance.wiring.context() as c:
        actions = [e.action for e, _ in c.repos.list_audit()]
    for action in ("cert.issue", "instance.init", "org.create", "seal.create", "seal.use"):
        assert action in actions
    with instance.wiring.context() as c:
        use = [e for e, _ in c.repos.list_audit(action="seal.use")][-1]
    assert len(use.details["input_sha256"]) == 64 and len(use.details["output_sha256"]) == 64
    assert use.details["cert_serial"] and use.details["timestamp_serial"]


def instance_pdf() -> bytes:
    from tests.support.pdfs import reportlab_pdf

    return reportlab_pdf()
