"""The in-process RFC 3161 TSA: checked by openssl ts -verify and by hand."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
from pathlib import Path

import pytest
from asn1crypto import algos, tsp

from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.pki.tsa import ACCURACY_SECONDS, InProcessTimeStamper, TimestampAuthority
from openseal.errors import Unavailable
from tests.support.instance import TestInstance
from tests.support.tools import require_tool


def _authority(instance: TestInstance) -> TimestampAuthority:
    with instance.wiring.context() as c:
        return c.pki.timestamp_authority()


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
