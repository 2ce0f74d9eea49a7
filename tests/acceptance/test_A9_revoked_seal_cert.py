"""A9 revoked_seal_cert: a seal certificate revoked at T.

Verified with revocation required and the instance's CRLs (or OCSP answers) supplied
locally, nothing fetched:
- a document sealed before T with a trusted signature timestamp stays VALID (point-in-time
  validation at the timestamp's time; reason REVOKED_AFTER_TIMESTAMP, a warning);
- a document signed after T is INVALID, REVOKED. OpenSeal refuses to seal with a revoked
  seal, so it is made as an attacker holding a copy of the key would: with the seal's key
  directly (with a timestamp from our public TSA, and without one);
- a document signed before T but without a timestamp has no proof of when it was made: REVOKED;
- never "forged": no SIGNATURE_BROKEN, the signatures are intact.
The config test: our own seals are never checked in soft-fail mode.
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import replace
from datetime import datetime

import pytest
from asn1crypto import ocsp, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from openseal.core.pki.crl import load_crl
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import seal_document
from openseal.core.signing.signer import KeyStoreSigner
from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import (
    DEFAULT_POLICY,
    OWN_REVOCATION_MODE,
    VerificationPolicy,
    local_revocation_policy,
    validation_context,
)
from openseal.errors import Conflict
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def forged_with_key(instance: TestInstance, pdf: bytes, timestamped: bool) -> bytes:
    """Sign with the seal's own key, bypassing every check of the sealing service."""
    seal = instance.seals["contract"]
    if timestamped:  # the cached sealer: key, chain and our (public) TSA, no status check
        with instance.wiring.context() as c:
            sealer = instance.cache.get(seal, c.pki, c.keystore)
        return sealer.seal(pdf, SealRequest(Placement(1)))[0]
    with instance.wiring.context() as c:
        signer = KeyStoreSigner(c.keystore, seal.key_id, c.pki.certificate(seal.cert_id),
                                c.pki.chain(seal.cert_id))
    meta = signers.PdfSignatureMetadata(field_name="Forged", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, output=out)
    return out.getvalue()


def revoke(instance: TestInstance) -> datetime:
    with instance.wiring.context() as c:
        done = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).revoke(
            instance.seals["contract"].id, "钥匙泄露 key copied", "key_compromise")
    return done.at


def crl_policy(instance: TestInstance) -> VerificationPolicy:
    with instance.wiring.context() as c:
        return local_revocation_policy(c.pki.revocation_lists())


def ocsp_request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    cert_id = {"hash_algorithm": {"algorithm": "sha1"},
               "issuer_name_hash": hashlib.sha1(issuer.subject.dump()).digest(),
               "issuer_key_hash": issuer.public_key.sha1,
               "serial_number": cert.serial_number}
    return ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}}).dump()


def ocsp_policy(instance: TestInstance) -> VerificationPolicy:
    """The seal certificate's status from our OCSP responder; the root's CRL for the
    certificates without an OCSP address (organisation CA, TSA)."""
    with instance.wiring.context() as c:
        seal = instance.seals["contract"]
        answer = c.pki.ocsp_respond(ocsp_request(c.pki.certificate(seal.cert_id),
                                                 c.pki.chain(seal.cert_id)[0]))
        root_crl = load_crl(c.pki.crl(c.pki.crl_issuer("root")).der)
    return VerificationPolicy(revocation_mode="require", crls=(root_crl,),
                              ocsps=(ocsp.OCSPResponse.load(answer),))


@pytest.fixture()
def revoked_world(db_instance: TestInstance) -> dict[str, object]:
    pdf = reportlab_pdf()
    before = db_instance.seal(pdf)
    before_no_ts = forged_with_key(db_instance, pdf, timestamped=False)
    time.sleep(1.1)  # CRL times have whole seconds: keep T clearly after the timestamp
    t = revoke(db_instance)
    return {"before": before, "before_no_ts": before_no_ts, "t": t,
            "after": forged_with_key(db_instance, pdf, timestamped=True),
            "after_no_ts": forged_with_key(db_instance, pdf, timestamped=False)}


def _verify(instance: TestInstance, data: bytes, policy: VerificationPolicy) -> dict[str, object]:
    report = verify_pdf(data, instance.roots, policy=policy).to_dict()
    assert R.SIGNATURE_BROKEN not in report["reasons"], report  # never "forged"
    assert all(s["intact"] for s in report["signatures"]), report
    return report


def test_A9_revoked_seal_cert(db_instance: TestInstance, revoked_world: dict[str, object]
                              ) -> None:
    policy = crl_policy(db_instance)
    before = _verify(db_instance, revoked_world["before"], policy)  # type: ignore[arg-type]
    assert before["verdict"] == "VALID", before
    assert before["reasons"] == [R.REVOKED_AFTER_TIMESTAMP], before
    (sig,) = before["signatures"]  # type: ignore[misc]
    assert sig["revoked"] is True and sig["pades_level"] == "B-T"
    for name in ("after", "after_no_ts", "before_no_ts"):
        report = _verify(db_instance, revoked_world[name], policy)  # type: ignore[arg-type]
        assert report["verdict"] == "INVALID", (name, report)
        assert R.REVOKED in report["reasons"], (name, report)
        assert R.REVOKED_AFTER_TIMESTAMP not in report["reasons"], (name, report)


def test_A9_sealing_after_revocation_is_refused(db_instance: TestInstance,
                                                revoked_world: dict[str, object]) -> None:
    with pytest.raises(Conflict), db_instance.wiring.context() as c:
        seal_document(c.repos, c.pki, c.keystore, c.clock, db_instance.cache,
                      db_instance.seals["contract"].id, reportlab_pdf(), SealRequest(),
                      audit=c.audit, principal=operator(db_instance.org.id))


def test_A9_local_ocsp_answer_says_revoked(db_instance: TestInstance,
                                           revoked_world: dict[str, object]) -> None:
    """Our OCSP responder's answer, supplied locally, makes the after-T document REVOKED.
    For the before-T document pyHanko (0.38) takes an OCSP "revoked at T" answer as no
    conclusion about an earlier time; the CRL is conclusive, so with it the document is
    VALID: the verifier is given every CA's CRL (PkiService.revocation_lists)."""
    policy = ocsp_policy(db_instance)
    after = _verify(db_instance, revoked_world["after"], policy)  # type: ignore[arg-type]
    assert after["verdict"] == "INVALID" and R.REVOKED in after["reasons"], after
    with db_instance.wiring.context() as c:
        both = replace(policy, crls=tuple(c.pki.revocation_lists()))
    before = _verify(db_instance, revoked_world["before"], both)  # type: ignore[arg-type]
    assert before["verdict"] == "VALID", before


def test_A9_own_seals_never_soft_fail(sealing_instance: TestInstance) -> None:
    """Config: even the default policy checks our own seals with revocation required, and
    the context never fetches; without our CRLs an own seal is not VALID."""
    with sealing_instance.wiring.context() as c:
        seal = sealing_instance.seals["contract"]
        cert = c.pki.certificate(seal.cert_id)
        policy = local_revocation_policy(c.pki.revocation_lists())
    assert DEFAULT_POLICY.revocation_mode == "soft-fail"  # only for foreign signers
    assert policy.mode_for(cert) == OWN_REVOCATION_MODE == "require"
    context = validation_context(sealing_instance.roots, policy, policy.mode_for(cert))
    assert not context.fetching_allowed
    rules = context.revinfo_policy.revocation_checking_policy
    assert not rules.ee_certificate_rule.tolerant
    assert not rules.intermediate_ca_cert_rule.tolerant


def test_A9_own_seal_without_our_crls_is_not_valid(sealing_instance: TestInstance) -> None:
    """Revocation required and no data for it: INDETERMINATE, never VALID by soft-fail.
    (pyHanko reports missing revocation data as a general chain failure: UNTRUSTED_SIGNER.)"""
    sealed = sealing_instance.seal(reportlab_pdf())
    report = verify_pdf(sealed, sealing_instance.roots,
                        policy=VerificationPolicy(revocation_mode="require"))
    assert report.verdict == "INDETERMINATE", report
    assert report.signatures[0].trusted is False
