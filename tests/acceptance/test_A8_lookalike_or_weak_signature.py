"""A8 lookalike_or_weak_signature.

(a) A lookalike: a certificate with exactly our seal's subject DN (organisation, seal name,
credit code), self-signed or under a fake CA carrying our CAs' exact names, and our seal's
image as the appearance. It is ``UNTRUSTED_SIGNER``, ``trusted: false``, INDETERMINATE, in
the family "not sealed by a seal this platform knows"; the organisation the certificate
claims is shown only as a claim ("NOT verified"), never as our verified company; the registry
does not know the document.
(b) Signatures with a SHA-1 or MD5 message digest (pyHanko signs both), by a signer whose
root *is* trusted here: INVALID ``WEAK_ALGORITHM`` (family "broken").
"""

from __future__ import annotations

import pytest
from asn1crypto import x509
from cryptography import x509 as cx509
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from pyhanko.sign import fields

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.api.app import create_app
from tests.support.attacks import SEAL_BOX, Pki, make_pki, seal_style, sign_new_field, subject_of
from tests.support.instance import ORG_NAME, TestInstance
from tests.support.pdfs import reportlab_pdf


def our_certificates(instance: TestInstance) -> tuple[x509.Certificate, ...]:
    """The contract seal's certificate and its chain (issuing CA ... root)."""
    seal = instance.seals["contract"]
    with instance.wiring.context() as c:
        return (c.pki.certificate(seal.cert_id), *c.pki.chain(seal.cert_id))


def lookalikes(instance: TestInstance) -> dict[str, Pki]:
    ours = our_certificates(instance)
    return {"self-signed": make_pki(subject_of(ours[0]), self_signed=True),
            "fake-chain": make_pki(subject_of(ours[0]), intermediate=True,
                                   root_subject=subject_of(ours[-1]),
                                   issuer_subject=subject_of(ours[1]))}


@pytest.fixture(scope="module")
def forged(sealing_instance: TestInstance) -> dict[str, bytes]:
    style = seal_style(sealing_instance)
    return {name: sign_new_field(reportlab_pdf(), pki.signer(), "OpenSeal1", SEAL_BOX,
                                 style=style)
            for name, pki in lookalikes(sealing_instance).items()}


@pytest.mark.parametrize("kind", ["self-signed", "fake-chain"])
def test_A8_lookalike_is_untrusted(sealing_instance: TestInstance, forged: dict[str, bytes],
                                   kind: str) -> None:
    with sealing_instance.wiring.context() as c:
        policies = (None, local_revocation_policy(c.pki.revocation_lists()))
        test_roots = c.pki.test_anchors()
    for policy in policies:
        kwargs = {} if policy is None else {"policy": policy}
        report = verify_pdf(forged[kind], sealing_instance.roots, test_roots=test_roots,
                            **kwargs)  # type: ignore[arg-type]
        assert report.verdict == R.INDETERMINATE, report.to_dict()
        assert R.UNTRUSTED_SIGNER in report.reasons and R.TEST_SEAL not in report.reasons
        (sig,) = report.signatures
        assert sig.trusted is False and sig.test_seal is False and sig.intact is True
        assert sig.organization == ORG_NAME  # what the certificate claims...
        assert R.family_of(report.reasons) == R.UNKNOWN_SIGNER
        for lang, claim in (("zh", "证书自称，未经验证"), ("en", "NOT verified")):
            summary = report.summary(lang)
            line = next(x for x in summary.splitlines() if ORG_NAME in x)
            assert claim in line, summary  # ...is never shown as verified
            assert R.family_text(R.UNKNOWN_SIGNER, lang) in summary


def test_A8_lookalike_over_the_api(sealing_instance: TestInstance,
                                   forged: dict[str, bytes]) -> None:
    client = TestClient(create_app(sealing_instance.wiring), raise_server_exceptions=False)
    for kind, data in forged.items():
        answer = client.post("/api/v1/verify", files={"file": (f"{kind}.pdf", data)})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verdict"] == R.INDETERMINATE and R.UNTRUSTED_SIGNER in body["reasons"]
        assert body["signatures"][0]["trusted"] is False
        assert body.get("registry", {}).get("status", "unknown") == "unknown"


def test_A8_our_real_seal_is_trusted(sealing_instance: TestInstance) -> None:
    """The control: the genuine seal, same name and image, is VALID and trusted."""
    report = verify_pdf(sealing_instance.seal(reportlab_pdf()), sealing_instance.roots)
    assert report.verdict == R.VALID and report.signatures[0].trusted is True
    assert "未经验证" not in report.summary("zh")


@pytest.mark.parametrize("digest", ["sha1", "md5"])
@pytest.mark.parametrize("subfilter", [fields.SigSeedSubFilter.PADES,
                                       fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED])
def test_A8_weak_digest_is_invalid(digest: str, subfilter: fields.SigSeedSubFilter) -> None:
    pki = make_pki(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Weak digest")]))
    data = sign_new_field(reportlab_pdf(), pki.signer(), "Weak", md=digest,
                          subfilter=subfilter)
    report = verify_pdf(data, [pki.root])
    assert report.verdict == R.INVALID, report.to_dict()
    assert R.WEAK_ALGORITHM in report.reasons
    assert report.signatures[0].intact is True  # not tampered: too weak to mean anything
    assert R.family_of(report.reasons) == R.BROKEN


def test_A8_strong_digest_control() -> None:
    pki = make_pki(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Strong digest")]))
    report = verify_pdf(sign_new_field(reportlab_pdf(), pki.signer(), "Strong"), [pki.root])
    assert report.verdict == R.VALID and report.reasons == (R.NO_TIMESTAMP,), report.to_dict()
