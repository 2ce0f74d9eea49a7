"""Certificate profiles (STANDARDS §4), checked with openssl as an outside reader."""

from __future__ import annotations

import subprocess
from pathlib import Path

from openseal.core.pki.issuance import certificate_to_pem
from tests.support.instance import ORG_NAME, ORG_USCC, TestInstance
from tests.support.tools import require_tool


def _seal_cert_and_chain(instance: TestInstance) -> tuple[object, tuple[object, ...]]:
    seal = instance.seals["contract"]
    with instance.wiring.context() as c:
        return c.pki.certificate(seal.cert_id), c.pki.chain(seal.cert_id)


def test_seal_certificate_profile(sealing_instance: TestInstance) -> None:
    cert, chain = _seal_cert_and_chain(sealing_instance)
    subject = cert.subject.native  # type: ignore[attr-defined]
    assert subject["organization_name"] == ORG_NAME
    assert subject["common_name"] == "合同专用章"
    assert subject["organization_identifier"] == ORG_USCC
    assert cert.key_usage_value.native == {"digital_signature", "non_repudiation"}  # type: ignore[attr-defined]
    assert cert.ca is False  # type: ignore[attr-defined]
    assert cert.crl_distribution_points and cert.ocsp_urls  # type: ignore[attr-defined]
    assert len(chain) == 2
    assert chain[-1].self_signed in ("yes", "maybe")  # type: ignore[attr-defined]


def test_every_seal_has_its_own_key(sealing_instance: TestInstance) -> None:
    with sealing_instance.wiring.context() as c:
        keys = {c.pki.certificate(s.cert_id).public_key.dump()
                for s in sealing_instance.seals.values()}
    assert len(keys) == len(sealing_instance.seals)


def test_openssl_verifies_the_chain(sealing_instance: TestInstance, tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    cert, chain = _seal_cert_and_chain(sealing_instance)
    (tmp_path / "seal.pem").write_text(certificate_to_pem(cert))  # type: ignore[arg-type]
    (tmp_path / "org.pem").write_text(certificate_to_pem(chain[0]))  # type: ignore[arg-type]
    (tmp_path / "root.pem").write_text(certificate_to_pem(chain[-1]))  # type: ignore[arg-type]
    result = subprocess.run(
        [openssl, "verify", "-CAfile", str(tmp_path / "root.pem"), "-untrusted",
         str(tmp_path / "org.pem"), str(tmp_path / "seal.pem")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = subprocess.run([openssl, "x509", "-in", str(tmp_path / "seal.pem"), "-noout",
                           "-text"], capture_output=True, text=True).stdout
    assert "Digital Signature, Non Repudiation" in text
    assert "CA:FALSE" in text
    assert "OCSP - URI:" in text and "CRL Distribution Points" in text


def test_audit_certificate_carries_the_audit_log_eku_only(sealing_instance: TestInstance) -> None:
    from asn1crypto import x509 as asn1_x509

    from openseal.core.pki.profiles import AUDIT_LOG_EKU

    with sealing_instance.wiring.context() as c:
        signer = c.pki.audit_signer()
    cert = asn1_x509.Certificate.load(signer.certificates()[0])
    eku = [e for e in cert["tbs_certificate"]["extensions"]
           if e["extn_id"].native == "extended_key_usage"]
    assert len(eku) == 1 and eku[0]["critical"].native is True
    assert eku[0]["extn_value"].native == [AUDIT_LOG_EKU]
