"""The in-process RFC 3161 TSA: checked by openssl ts -verify and by hand."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import algos, cms, core, tsp, x509
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

from openseal.core.clock import FixedClock
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.pki.service import PkiService
from openseal.core.pki.tsa import (
    ACCURACY_SECONDS,
    TSA_POLICY_OID,
    InProcessTimeStamper,
    TimestampAuthority,
)
from openseal.core.pki.tsa_parts import der_integer, generalized_time
from openseal.errors import Unavailable
from tests.support.instance import TestInstance
from tests.support.tools import require_tool


def _authority(instance: TestInstance) -> TimestampAuthority:
    with instance.wiring.context() as c:
        return c.pki.timestamp_authority()


def _fixed_authority(instance: TestInstance, now: datetime) -> TimestampAuthority:
    with instance.wiring.context() as c:
        return PkiService(c.repos, c.keystore, FixedClock(now)).timestamp_authority()


def _token_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    return token["content"]["encap_content_info"]["content"].parsed


def _request(digest: bytes, nonce: int | None = None, algo: str = "sha256") -> tsp.TimeStampReq:
    fields: dict[str, object] = {
        "version": 1, "cert_req": True,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": algo}),
                            "hashed_message": digest}}
    if nonce is not None:
        fields["nonce"] = nonce
    return tsp.TimeStampReq(fields)


def test_token_echoes_nonce_and_imprint_with_unique_serials(
    sealing_instance: TestInstance,
) -> None:
    tsa = _authority(sealing_instance)
    digest = hashlib.sha256(b"document").digest()
    serials = set()
    for _ in range(50):
        nonce = secrets.randbits(64)
        resp = tsa.respond(_request(digest, nonce))
        assert resp["status"]["status"].native == "granted"
        info = resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        assert info["nonce"].native == nonce
        assert info["message_imprint"]["hashed_message"].native == digest
        assert info["accuracy"]["seconds"].native == ACCURACY_SECONDS
        serials.add(info["serial_number"].native)
    assert len(serials) == 50


def test_wrong_digest_length_is_rejected(sealing_instance: TestInstance) -> None:
    resp = _authority(sealing_instance).respond(_request(b"short"))
    assert resp["status"]["status"].native == "rejection"
    assert "time_stamp_token" not in resp or resp["time_stamp_token"].native is None


def test_tsa_certificate_has_critical_timestamping_eku_only(
    sealing_instance: TestInstance,
) -> None:
    cert = _authority(sealing_instance).certificate
    eku = [e for e in cert["tbs_certificate"]["extensions"]
           if e["extn_id"].native == "extended_key_usage"]
    assert len(eku) == 1 and eku[0]["critical"].native is True
    assert eku[0]["extn_value"].native == ["time_stamping"]


def test_openssl_verifies_the_token(sealing_instance: TestInstance, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    data = tmp_path / "data.bin"
    data.write_bytes(b"contract text")
    resp = _authority(sealing_instance).respond(
        _request(hashlib.sha256(b"contract text").digest(), secrets.randbits(64)))
    (tmp_path / "resp.tsr").write_bytes(resp.dump())
    (tmp_path / "ca.pem").write_text(
        "".join(certificate_to_pem(r) for r in sealing_instance.roots))
    result = subprocess.run(
        [openssl, "ts", "-verify", "-data", str(data), "-in", str(tmp_path / "resp.tsr"),
         "-CAfile", str(tmp_path / "ca.pem")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout


def test_missing_tsa_fails_closed() -> None:
    import asyncio

    stamper = InProcessTimeStamper(None)
    with pytest.raises(Unavailable) as err:
        asyncio.run(stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
    assert err.value.code == "TSA_UNAVAILABLE"


def test_in_process_stamper_tokens_are_fresh_and_echo_the_digest(
    sealing_instance: TestInstance,
) -> None:
    """The direct path (no TimeStampReq): unique serial, genTime from the clock, imprint."""
    now = datetime(2026, 3, 1, 8, 30, 15, 250000, tzinfo=UTC)
    stamper = InProcessTimeStamper(_fixed_authority(sealing_instance, now))
    loop = asyncio.new_event_loop()
    serials, nonces = set(), set()
    try:
        for n in range(200):
            digest = hashlib.sha256(str(n).encode()).digest()
            info = _token_info(loop.run_until_complete(stamper.async_timestamp(digest,
                                                                               "sha256")))
            assert info["message_imprint"]["hashed_message"].native == digest
            assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
            assert info["gen_time"].native == now
            assert info["policy"].native == TSA_POLICY_OID
            assert info["accuracy"]["seconds"].native == ACCURACY_SECONDS
            serials.add(info["serial_number"].native)
            nonces.add(info["nonce"].native)
    finally:
        loop.close()
    assert len(serials) == 200 and len(nonces) == 200


def test_token_is_the_der_asn1crypto_would_encode(sealing_instance: TestInstance) -> None:
    """Joined from pre-encoded parts, yet byte for byte asn1crypto's own DER encoding."""
    now = datetime(2026, 3, 1, 8, 30, 15, 123400, tzinfo=UTC)
    tsa = _fixed_authority(sealing_instance, now)
    digest = hashlib.sha256(b"document").digest()
    der = tsa.respond(_request(digest, 2**62 + 5)).dump()
    resp = tsp.TimeStampResp.load(der)
    assert resp.dump(force=True) == der
    token = resp["time_stamp_token"]
    signed_data = token["content"]
    info = _token_info(token)
    cert = tsa.certificate
    expected_info = tsp.TSTInfo({
        "version": "v1", "policy": TSA_POLICY_OID,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": digest},
        "serial_number": info["serial_number"].native, "gen_time": now,
        "accuracy": {"seconds": ACCURACY_SECONDS}, "nonce": 2**62 + 5,
        "tsa": x509.GeneralName(name="directory_name", value=cert.subject)})
    tst_der = expected_info.dump()
    assert signed_data["encap_content_info"]["content"].contents == tst_der
    signer = signed_data["signer_infos"][0]
    attrs = cms.CMSAttributes([
        simple_cms_attribute("content_type", "tst_info"),
        simple_cms_attribute("message_digest", hashlib.sha256(tst_der).digest()),
        simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert)),
    ])
    expected = cms.ContentInfo({"content_type": "signed_data", "content": {
        "version": "v3", "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "tst_info",
                               "content": cms.ParsableOctetString(tst_der)},
        "certificates": [cms.CertificateChoices(name="certificate", value=x)
                         for x in (cert, *_chain(sealing_instance))],
        "signer_infos": [{
            "version": "v1", "sid": {"issuer_and_serial_number": {
                "issuer": cert.issuer, "serial_number": cert.serial_number}},
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signer["signature"].native}]}})
    assert token.dump() == expected.dump(force=True)


def _chain(instance: TestInstance) -> tuple[x509.Certificate, ...]:
    with instance.wiring.context() as c:
        tsa_cert_id = c.repos.get_instance().tsa_cert_id  # type: ignore[union-attr]
        return c.pki.chain(tsa_cert_id)


def test_request_imprint_and_nonce_are_echoed_as_sent(sealing_instance: TestInstance) -> None:
    """An imprint with explicit NULL parameters (as openssl sends it) comes back unchanged."""
    digest = hashlib.sha256(b"x").digest()
    request = tsp.TimeStampReq({
        "version": 1, "nonce": 1,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm(
            {"algorithm": "sha256", "parameters": core.Null()}), "hashed_message": digest}})
    request = tsp.TimeStampReq.load(request.dump())
    token = _authority(sealing_instance).respond(request)["time_stamp_token"]
    info = _token_info(token)
    assert info["message_imprint"].dump() == request["message_imprint"].dump()
    assert info["nonce"].native == 1


def test_openssl_verifies_an_in_process_token(
    sealing_instance: TestInstance, tmp_path: Path,
) -> None:
    openssl = require_tool("openssl")
    data = tmp_path / "data.bin"
    data.write_bytes(b"signature value")
    token = asyncio.run(InProcessTimeStamper(_authority(sealing_instance)).async_timestamp(
        hashlib.sha256(b"signature value").digest(), "sha256"))
    (tmp_path / "token.der").write_bytes(token.dump())
    (tmp_path / "ca.pem").write_text(
        "".join(certificate_to_pem(r) for r in sealing_instance.roots))
    result = subprocess.run(
        [openssl, "ts", "-verify", "-data", str(data), "-in", str(tmp_path / "token.der"),
         "-token_in", "-CAfile", str(tmp_path / "ca.pem")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout


@pytest.mark.parametrize("digest, algorithm", [
    (b"short", "sha256"), (hashlib.sha256(b"x").digest(), "md5"),
    (hashlib.sha256(b"x").digest(), "sha512")])
def test_in_process_stamper_fails_closed_on_a_bad_digest(
    sealing_instance: TestInstance, digest: bytes, algorithm: str,
) -> None:
    stamper = InProcessTimeStamper(_authority(sealing_instance))
    with pytest.raises(Unavailable) as err:
        asyncio.run(stamper.async_timestamp(digest, algorithm))
    assert err.value.code == "TSA_UNAVAILABLE"


def test_in_process_stamper_fails_closed_when_the_authority_fails(
    sealing_instance: TestInstance,
) -> None:
    class Broken(FixedClock):
        def now(self) -> datetime:
            raise OSError("clock unavailable")

    with sealing_instance.wiring.context() as c:
        tsa = PkiService(c.repos, c.keystore, Broken(datetime.now(UTC))).timestamp_authority()
    stamper = InProcessTimeStamper(tsa)
    for call in (stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"),
                 stamper.async_request_tsa_response(_request(hashlib.sha256(b"x").digest()))):
        with pytest.raises(Unavailable) as err:
            asyncio.run(call)
        assert err.value.code == "TSA_UNAVAILABLE"


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, 2**63 - 1, 2**126 + 12345])
def test_integer_encoding_matches_asn1crypto(value: int) -> None:
    assert der_integer(value) == core.Integer(value).dump()


@pytest.mark.parametrize("value", [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 100000, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 10, tzinfo=UTC),
    datetime(2026, 1, 2, 1, 4, 5, 500, tzinfo=timezone(timedelta(hours=8))),
])
def test_generalized_time_matches_asn1crypto(value: datetime) -> None:
    assert generalized_time(value) == core.GeneralizedTime(value).dump()
