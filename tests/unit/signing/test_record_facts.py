"""The facts the audit trail keeps of a seal are those of the output (issue 7 batch speed-up:
the timestamp serial comes from the token just made, the records from plain INSERTs, the
audit head moves in one statement after a transaction's first append)."""

from __future__ import annotations

from openseal.core.signing.inspect import timestamp_serial
from openseal.core.signing.pdf import SealRequest
from tests.support.instance import TestInstance


def test_sealed_timestamp_serial_is_the_outputs(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    with sealing_instance.wiring.context() as c:
        sealer = sealing_instance.cache.get(sealing_instance.seals["contract"], c.pki,
                                            c.keystore)
    done = sealer.seal_document(sample_pdf, SealRequest())
    assert done.timestamp_serial is not None
    assert done.timestamp_serial == timestamp_serial(done.pdf)


def test_seal_use_entry_and_record_match_the_output(
    sealing_instance: TestInstance, sample_pdf: bytes
) -> None:
    import hashlib

    pdf = sealing_instance.seal(sample_pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    with sealing_instance.wiring.context() as c:
        use = [e for e, _ in c.repos.list_audit(action="seal.use")][-1]
        (record,) = c.repos.find_issued([digest])
    assert use.details["timestamp_serial"] == timestamp_serial(pdf)
    assert use.details["output_sha256"] == record.output_sha256 == digest
    assert record.output_size == len(pdf) and use.details["document"] == record.id


def test_several_appends_in_one_transaction_and_a_stale_head_stay_one_chain(
    sealing_instance: TestInstance,
) -> None:
    from openseal.core.audit import verify_log

    with sealing_instance.wiring.context() as c:
        for n in range(4):
            c.audit.record("test.write", details={"n": n})
            if n == 1:  # the head is not where this writer left it: append as the first
                c.repos._head = (c.repos._head[0] + 3, "0" * 64)  # noqa: SLF001
    with sealing_instance.wiring.context() as c:
        stored, size = c.repos.list_audit(), c.repos.audit_size()
        roots = c.pki.trust_anchors()
    events = [e for e, _ in stored]
    assert [e.seq for e in events] == list(range(size))
    assert [e.details["n"] for e in events if e.action == "test.write"] == [0, 1, 2, 3]
    assert all(h == e.entry_hash() for e, h in stored)
    assert verify_log(events, [], roots).ok
