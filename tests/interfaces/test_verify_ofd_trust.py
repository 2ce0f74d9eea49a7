"""The OFD verifier checks the timestamp token and the signer's revocation (issue 9 item 6):
real OFD files sealed by a real instance (API, SM2 seal, the instance TSA), then tampered
with, revoked or suspended, verified through ``verify_document`` with exactly what the
instance hands its verifiers, and through ``POST /api/v1/verify``; SQLite and PostgreSQL.

Timing without timed assertions: a seal is applied with the instance clock set 5 s back, so
a revocation made afterwards ("now") lies strictly after the token's genTime whatever the
CRL's whole-second precision."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openseal.core.pki.anchors import sm2_verification_anchors, verification_inputs
from openseal.core.verification import VerificationReport, verify_document
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import VerificationPolicy, local_revocation_policy
from tests.support.api import Party, World, world_on_each_backend
from tests.support.ofd import make_ofd
from tests.support.ofd_tokens import (
    ThrowawayTsa,
    flipped_signature,
    signature_of,
    token_of,
    token_over,
    with_token,
)

API = "/api/v1"
OFD = "application/ofd"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from world_on_each_backend(request, tmp_path_factory, "ofd-trust")


@pytest.fixture(scope="module")
def a(world: World) -> Party:
    return world.parties["A"]


@pytest.fixture(scope="module")
def custodian(world: World, a: Party) -> TestClient:
    return world.login(a.custodian)


@pytest.fixture(scope="module")
def member(world: World, a: Party) -> TestClient:
    return world.login(a.member)


@dataclass
class Sealed:
    seal_id: str
    data: bytes


def seal_new(world: World, custodian: TestClient, member: TestClient, a: Party,
             name: str) -> Sealed:
    """A new SM2 seal of A, made, granted and used once by A's member 5 s in the past (see
    the module docstring)."""
    world.clock.advance(seconds=-5)
    try:
        made = custodian.post(f"{API}/seals", json={"type": "contract", "name": name,
                                                    "algorithm": "sm2"})
        assert made.status_code == 201, made.text
        seal_id = str(made.json()["id"])
        granted = custodian.post(f"{API}/seals/{seal_id}/grants", json={
            "user_id": a.member_id, "level": "use", "reason": "OFD 验证测试 / OFD verify test"})
        assert granted.status_code == 201, granted.text
        answer = member.post(f"{API}/documents/seal", data={"seal_id": seal_id},
                             files={"file": ("合同.ofd", make_ofd(), OFD)})
    finally:
        world.clock.advance(seconds=5)
    assert answer.status_code == 200, answer.text
    return Sealed(seal_id, answer.content)


def lifecycle(custodian: TestClient, seal_id: str, action: str, **extra: str) -> None:
    done = custodian.post(f"{API}/seals/{seal_id}/{action}",
                          json={"reason": "测试 test", **extra})
    assert done.status_code == 200, done.text


@dataclass(frozen=True)
class Inputs:
    roots: list[Any]
    test_roots: list[Any]
    crls: list[Any]
    sm2_anchors: list[bytes]
    sm2_crls: list[bytes]


def instance_inputs(world: World) -> Inputs:
    """What the instance hands every verifier (``verifying.check``), read now."""
    with world.wiring.context() as c:
        roots, test_roots, crls = verification_inputs(c.pki, c.repos)
        return Inputs(roots, test_roots, crls, sm2_verification_anchors(c.pki, c.repos),
                      c.pki.sm2_revocation_lists())


def verify(world: World, data: bytes, *, sm2_crls: list[bytes] | None = None,
           policy: VerificationPolicy | None = None) -> VerificationReport:
    got = instance_inputs(world)
    return verify_document(data, got.roots, policy=policy or local_revocation_policy(got.crls),
                           test_roots=got.test_roots, sm2_anchors=got.sm2_anchors,
                           sm2_crls=got.sm2_crls if sm2_crls is None else sm2_crls)


def api_verify(world: World, data: bytes) -> dict[str, Any]:
    answer = world.client().post(f"{API}/verify", files={"file": ("x.ofd", data, OFD)})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def cli_verify(world: World, path: Path) -> tuple[int, dict[str, Any]]:
    """``openseal verify FILE --json`` as a real process on the world's instance."""
    env = {**os.environ, "OPENSEAL_HOME": str(world.wiring.settings.home),
           "OPENSEAL_LANG": "en"}
    env.pop("OPENSEAL_DATABASE_URL", None)
    if world.wiring.settings.database_url:
        env["OPENSEAL_DATABASE_URL"] = world.wiring.settings.database_url
    done = subprocess.run([sys.executable, "-m", "openseal", "verify", str(path), "--json"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, dict(json.loads(done.stdout))


def codes_of(report: VerificationReport) -> set[str]:
    [sig] = report.signatures
    return set(sig.reasons)


# ---------------------------------------------------------------- the timestamp


def test_sealed_ofd_is_valid_with_its_timestamp_verified(world: World, custodian: TestClient,
                                                         member: TestClient, a: Party) -> None:
    sealed = seal_new(world, custodian, member, a, "时间戳验证章")
    report = verify(world, sealed.data)
    [sig] = report.signatures
    assert report.verdict == "VALID" and set(report.reasons) == set(), report.reasons
    assert sig.timestamp_time is not None and sig.revoked is False and sig.trusted
    assert sig.signing_time is not None and sig.timestamp_time >= sig.signing_time
    over_http = api_verify(world, sealed.data)
    assert over_http["verdict"] == "VALID" and over_http["reasons"] == []
    assert over_http["signatures"][0]["timestamp_time"] and \
        over_http["signatures"][0]["revoked"] is False


def test_a_token_over_other_bytes_is_invalid(world: World, custodian: TestClient,
                                             member: TestClient, a: Party) -> None:
    sealed = seal_new(world, custodian, member, a, "印记不符章")
    with world.wiring.context() as c:
        forged = token_over(c.pki.timestamp_authority(), b"some other signature value")
    report = verify(world, with_token(sealed.data, forged))
    [sig] = report.signatures
    assert report.verdict == "INVALID" and R.SES_TIMESTAMP_INVALID in sig.reasons
    assert sig.timestamp_time is None and sig.intact and sig.valid  # only the token is bad
    assert R.family_of(report.reasons) == R.BROKEN
    assert api_verify(world, with_token(sealed.data, forged))["verdict"] == "INVALID"


def test_a_token_with_a_flipped_signature_byte_is_invalid(world: World, custodian: TestClient,
                                                          member: TestClient, a: Party) -> None:
    sealed = seal_new(world, custodian, member, a, "时间戳签名章")
    broken = with_token(sealed.data, flipped_signature(token_of(sealed.data)))
    report = verify(world, broken)
    assert report.verdict == "INVALID" and R.SES_TIMESTAMP_INVALID in codes_of(report)
    assert report.signatures[0].timestamp_time is None


def test_a_token_from_an_untrusted_tsa_is_not_relied_on(world: World, custodian: TestClient,
                                                        member: TestClient, a: Party) -> None:
    sealed = seal_new(world, custodian, member, a, "陌生时间戳章")
    value = signature_of(sealed.data).signature
    stranger = with_token(sealed.data, ThrowawayTsa().token(value))
    report = verify(world, stranger)
    [sig] = report.signatures
    # judged as without a token: valid at its claimed time, the token's time unused
    assert report.verdict == "VALID" and R.SES_TIMESTAMP_UNTRUSTED in sig.reasons
    assert sig.timestamp_time is None and sig.trusted and R.NO_TIMESTAMP not in sig.reasons
    assert sig.ofd is not None and any(d["code"] == R.SES_TIMESTAMP_UNTRUSTED and
                                       "Throwaway TSA" in (d["detail"] or "")
                                       for d in sig.ofd.details)
    page = world.client().post("/verify?lang=en", files={"file": ("x.ofd", stranger, OFD)})
    assert page.status_code == 200 and "its time is not relied on" in page.text
    assert "Trusted time" not in page.text


# ---------------------------------------------------------------- revocation


def test_revoked_after_sealing_stays_valid_by_its_timestamp(world: World, custodian: TestClient,
                                                            member: TestClient,
                                                            a: Party) -> None:
    sealed = seal_new(world, custodian, member, a, "事后吊销章")
    lifecycle(custodian, sealed.seal_id, "revoke", reason_code="key_compromise")
    report = verify(world, sealed.data)
    [sig] = report.signatures
    assert report.verdict == "VALID" and R.REVOKED_AFTER_TIMESTAMP in sig.reasons, sig.reasons
    assert sig.revoked is True and R.REVOKED not in sig.reasons
    over_http = api_verify(world, sealed.data)
    assert over_http["verdict"] == "VALID" and over_http["signatures"][0]["revoked"] is True
    assert R.REVOKED_AFTER_TIMESTAMP in over_http["reasons"]


def test_revoked_signer_without_a_timestamp_is_invalid(world: World, custodian: TestClient,
                                                       member: TestClient, a: Party) -> None:
    """Nothing proves when a token-less signature was made: any revocation counts."""
    sealed = seal_new(world, custodian, member, a, "无时间戳吊销章")
    bare = with_token(sealed.data, None)
    assert verify(world, bare).verdict == "VALID"  # NO_TIMESTAMP is a warning
    lifecycle(custodian, sealed.seal_id, "revoke")
    report = verify(world, bare)
    [sig] = report.signatures
    assert report.verdict == "INVALID" and R.REVOKED in sig.reasons and sig.revoked is True
    assert R.NO_TIMESTAMP in sig.reasons and sig.timestamp_time is None
    assert api_verify(world, bare)["verdict"] == "INVALID"


def test_an_early_token_from_an_untrusted_tsa_cannot_rescue_a_revoked_seal(
        world: World, custodian: TestClient, member: TestClient, a: Party) -> None:
    """The attack: the seal is revoked; someone swaps in a token of their own TSA dated
    before the revocation. Only a trusted timestamp proves a time: it stays REVOKED."""
    sealed = seal_new(world, custodian, member, a, "伪造早期时间戳章")
    lifecycle(custodian, sealed.seal_id, "revoke", reason_code="key_compromise")
    early = signature_of(sealed.data).signed_at
    assert early is not None
    value = signature_of(sealed.data).signature
    forged = with_token(sealed.data, ThrowawayTsa().token(value, early))
    report = verify(world, forged)
    [sig] = report.signatures
    assert report.verdict == "INVALID" and R.REVOKED in sig.reasons, sig.reasons
    assert R.SES_TIMESTAMP_UNTRUSTED in sig.reasons and R.REVOKED_AFTER_TIMESTAMP not in \
        sig.reasons and sig.timestamp_time is None
    assert api_verify(world, forged)["verdict"] == "INVALID"


def test_suspended_after_sealing_then_resumed(world: World, custodian: TestClient,
                                              member: TestClient, a: Party,
                                              tmp_path: Path) -> None:
    sealed = seal_new(world, custodian, member, a, "挂失恢复章")
    lifecycle(custodian, sealed.seal_id, "suspend")
    held = verify(world, sealed.data)
    assert held.verdict == "VALID" and R.REVOKED_AFTER_TIMESTAMP in codes_of(held)
    assert held.signatures[0].revoked is True
    bare = verify(world, with_token(sealed.data, None))
    assert bare.verdict == "INVALID" and R.REVOKED in codes_of(bare)  # on hold, no proof
    (tmp_path / "held.ofd").write_bytes(sealed.data)
    (tmp_path / "bare.ofd").write_bytes(with_token(sealed.data, None))
    code, report = cli_verify(world, tmp_path / "held.ofd")
    assert (code, report["reasons"]) == (0, [R.REVOKED_AFTER_TIMESTAMP]), report
    assert report["signatures"][0]["revoked"] is True
    code, report = cli_verify(world, tmp_path / "bare.ofd")
    assert code == 1 and R.REVOKED in report["reasons"]
    lifecycle(custodian, sealed.seal_id, "resume")
    lifted = verify(world, sealed.data)
    assert lifted.verdict == "VALID" and lifted.reasons == () and \
        lifted.signatures[0].revoked is False


def test_a_crl_that_does_not_verify_is_ignored(world: World, custodian: TestClient,
                                               member: TestClient, a: Party) -> None:
    """Our own signer with only altered CRLs: revocation unknown, never VALID."""
    sealed = seal_new(world, custodian, member, a, "伪造吊销列表章")
    crls = instance_inputs(world).sm2_crls
    altered = [crl[:-1] + bytes([crl[-1] ^ 0x01]) for crl in crls]
    report = verify(world, sealed.data, sm2_crls=altered)
    [sig] = report.signatures
    assert report.verdict == "INDETERMINATE" and R.REVOCATION_UNAVAILABLE in sig.reasons
    assert sig.revoked is None


def test_no_revocation_data_follows_the_policy(world: World, custodian: TestClient,
                                               member: TestClient, a: Party) -> None:
    """A signer whose CA has no CRL here (as an imported seal's): soft-fail says so, a
    stricter policy makes it INDETERMINATE."""
    sealed = seal_new(world, custodian, member, a, "无吊销信息章")
    soft = verify(world, sealed.data, sm2_crls=[])
    assert soft.verdict == "VALID" and R.REVOCATION_NOT_CHECKED in codes_of(soft)
    assert soft.signatures[0].revoked is None
    strict = verify(world, sealed.data, sm2_crls=[],
                    policy=VerificationPolicy(revocation_mode="hard-fail"))
    assert strict.verdict == "INDETERMINATE" and R.REVOCATION_UNAVAILABLE in codes_of(strict)


def test_rebuilding_with_the_same_token_changes_nothing(world: World, custodian: TestClient,
                                                        member: TestClient, a: Party) -> None:
    """The control for the tampered copies above: re-packing with the genuine token is
    still VALID, so what fails there is the token, not the re-packing."""
    sealed = seal_new(world, custodian, member, a, "对照章")
    again = with_token(sealed.data, token_of(sealed.data))
    assert hashlib.sha256(again).digest() != hashlib.sha256(sealed.data).digest()
    report = verify(world, again)
    assert report.verdict == "VALID" and report.reasons == ()
    assert report.signatures[0].timestamp_time is not None
