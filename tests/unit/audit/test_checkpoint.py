"""Checkpoints: signed by the audit key, timestamped by the TSA, verified offline."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from openseal.core.audit import (
    CHECKPOINT_BAD_SIGNATURE,
    CHECKPOINT_BAD_TIMESTAMP,
    CHECKPOINT_MALFORMED,
    CHECKPOINT_UNTRUSTED_SIGNER,
    Checkpoint,
    make_checkpoint,
    verify_checkpoint,
)
from openseal.errors import InvalidInput
from tests.unit.audit.conftest import Pki, make_pki

ROOT = "ab" * 32


def test_a_fresh_checkpoint_verifies(pki: Pki) -> None:
    cp = pki.checkpoint(30, ROOT)
    assert verify_checkpoint(cp, pki.roots) == []
    assert cp.payload() == (
        '{"log_id":"test-log","root_hash":"' + ROOT + '","size":30,"time":"'
        + cp.to_json()["time"] + '"}').encode()


def test_json_round_trip(pki: Pki) -> None:
    cp = pki.checkpoint(7, ROOT)
    document = json.loads(json.dumps(cp.to_json()))
    assert document["type"] == "checkpoint"
    back = Checkpoint.from_json(document)
    assert back == cp
    assert verify_checkpoint(back, pki.roots) == []


def test_an_rsa_signer_verifies() -> None:
    rsa_pki = make_pki("RSA Audit", signer_key=rsa.generate_private_key(65537, 2048))
    assert verify_checkpoint(rsa_pki.checkpoint(1, ROOT), rsa_pki.roots) == []


def test_a_changed_head_breaks_the_signature(pki: Pki) -> None:
    cp = pki.checkpoint(30, ROOT)
    for changed in (replace(cp, root_hash="cd" * 32), replace(cp, size=29),
                    replace(cp, log_id="other"),
                    replace(cp, time=cp.time + timedelta(seconds=1))):
        assert verify_checkpoint(changed, pki.roots) == [CHECKPOINT_BAD_SIGNATURE]


def test_a_changed_signature_breaks_signature_and_timestamp(pki: Pki) -> None:
    cp = pki.checkpoint(30, ROOT)
    forged = pki.sign(b"something else")
    assert verify_checkpoint(replace(cp, signature=forged), pki.roots) == [
        CHECKPOINT_BAD_SIGNATURE, CHECKPOINT_BAD_TIMESTAMP]


def test_a_timestamp_from_another_checkpoint_is_refused(pki: Pki) -> None:
    cp, other = pki.checkpoint(30, ROOT), pki.checkpoint(31, ROOT)
    assert verify_checkpoint(replace(cp, timestamp_token=other.timestamp_token),
                             pki.roots) == [CHECKPOINT_BAD_TIMESTAMP]


def test_a_timestamp_far_from_the_checkpoint_time_is_refused(pki: Pki) -> None:
    now = datetime.now(UTC)
    late = pki.tsa_at(now + timedelta(hours=1))
    cp = make_checkpoint("test-log", 3, ROOT, now, sign=pki.sign,
                         certificates=(pki.signer.dump(), pki.root.dump()),
                         timestamp=lambda d: late.timestamp_token("sha256", d, None))
    assert verify_checkpoint(cp, pki.roots) == [CHECKPOINT_BAD_TIMESTAMP]
    near = pki.tsa_at(now + timedelta(minutes=2))
    cp = make_checkpoint("test-log", 3, ROOT, now, sign=pki.sign,
                         certificates=(pki.signer.dump(), pki.root.dump()),
                         timestamp=lambda d: near.timestamp_token("sha256", d, None))
    assert verify_checkpoint(cp, pki.roots) == []


def test_another_pki_is_not_trusted(pki: Pki, other_pki: Pki) -> None:
    theirs = other_pki.checkpoint(30, ROOT)
    assert verify_checkpoint(theirs, other_pki.roots) == []
    assert verify_checkpoint(theirs, pki.roots) == [CHECKPOINT_UNTRUSTED_SIGNER,
                                                    CHECKPOINT_BAD_TIMESTAMP]
    ours = pki.checkpoint(30, ROOT)
    assert verify_checkpoint(ours, []) == [CHECKPOINT_UNTRUSTED_SIGNER,
                                           CHECKPOINT_BAD_TIMESTAMP]


def test_a_self_made_signer_with_a_real_timestamp_is_untrusted(pki: Pki,
                                                                other_pki: Pki) -> None:
    cp = make_checkpoint("test-log", 30, ROOT, datetime.now(UTC), sign=other_pki.sign,
                         certificates=(other_pki.signer.dump(), other_pki.root.dump()),
                         timestamp=pki.timestamp)
    assert verify_checkpoint(cp, pki.roots) == [CHECKPOINT_UNTRUSTED_SIGNER]


def test_the_tsa_certificate_cannot_sign_checkpoints(pki: Pki) -> None:
    cp = make_checkpoint("test-log", 1, ROOT, datetime.now(UTC),
                         sign=lambda p: pki.keystore.sign_raw("tsa", p, "sha256"),
                         certificates=(pki.tsa.certificate.dump(), pki.root.dump()),
                         timestamp=pki.timestamp)
    # the TSA certificate's EKU is timeStamping only (critical): not a checkpoint signer
    assert verify_checkpoint(cp, pki.roots, signer_eku="1.3.6.1.4.1.55555.1.2") == [
        CHECKPOINT_UNTRUSTED_SIGNER]


def test_a_required_signer_eku_is_enforced(pki: Pki) -> None:
    cp = pki.checkpoint(1, ROOT)
    assert verify_checkpoint(cp, pki.roots, signer_eku="1.3.6.1.4.1.55555.1.2") == [
        CHECKPOINT_UNTRUSTED_SIGNER]


def test_certificates_are_checked_at_the_given_moment(pki: Pki) -> None:
    cp = pki.checkpoint(1, ROOT)
    assert verify_checkpoint(cp, pki.roots, at=datetime.now(UTC) + timedelta(days=2 * 365))[
        0] == CHECKPOINT_UNTRUSTED_SIGNER  # the signer certificate has expired by then


def test_garbage_is_malformed_or_bad(pki: Pki) -> None:
    cp = pki.checkpoint(1, ROOT)
    assert verify_checkpoint(replace(cp, certificates=(b"junk",)), pki.roots) == [
        CHECKPOINT_MALFORMED]
    assert verify_checkpoint(replace(cp, certificates=()), pki.roots) == [
        CHECKPOINT_MALFORMED]
    assert verify_checkpoint(replace(cp, root_hash="xyz"), pki.roots) == [
        CHECKPOINT_MALFORMED]
    assert verify_checkpoint(replace(cp, timestamp_token=b"\x30\x00"), pki.roots) == [
        CHECKPOINT_BAD_TIMESTAMP]
    assert verify_checkpoint(replace(cp, signature=b""), pki.roots) == [
        CHECKPOINT_BAD_SIGNATURE, CHECKPOINT_BAD_TIMESTAMP]


def test_verification_works_inside_a_running_event_loop(pki: Pki) -> None:
    cp = pki.checkpoint(1, ROOT)

    async def inside() -> list[str]:
        return verify_checkpoint(cp, pki.roots)

    assert asyncio.run(inside()) == []


def test_make_checkpoint_refuses_bad_heads(pki: Pki) -> None:
    for size, root, moment in ((-1, ROOT, datetime.now(UTC)), (1, "AB" * 32, datetime.now(UTC)),
                               (1, ROOT, datetime(2025, 1, 1))):
        with pytest.raises(ValueError):
            make_checkpoint("log", size, root, moment, sign=pki.sign, certificates=(),
                            timestamp=pki.timestamp)


@pytest.mark.parametrize("change", [
    {"size": -1}, {"size": "3"}, {"root_hash": "AB" * 32}, {"root_hash": "ab"},
    {"time": "2025-01-01"}, {"signature": "not base64!"}, {"certificates": "x"},
    {"certificates": [5]}, {"timestamp_token": None}, {"type": "event"}, {"extra": 1},
    {"log_id": 7},
])
def test_from_json_refuses_malformed(pki: Pki, change: dict[str, Any]) -> None:
    document = pki.checkpoint(1, ROOT).to_json() | change
    with pytest.raises(InvalidInput) as info:
        Checkpoint.from_json(document)
    assert info.value.code == "AUDIT_CHECKPOINT_MALFORMED"


def test_to_json_uses_standard_base64(pki: Pki) -> None:
    cp = pki.checkpoint(1, ROOT)
    document = cp.to_json()
    assert base64.b64decode(document["signature"]) == cp.signature
    assert [base64.b64decode(c) for c in document["certificates"]] == list(cp.certificates)
