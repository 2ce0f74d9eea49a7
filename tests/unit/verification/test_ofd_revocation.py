"""``check_revocation``'s rules that need no SM2 hierarchy: which certificates count as
ours, what soft-fail and hard-fail say, what a CRL that does not verify is worth. The
revoked / on-hold / after-the-timestamp cases run on real instances in
tests/interfaces/test_verify_ofd_trust.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asn1crypto import crl, x509

from openseal.core.verification import reasons as R
from openseal.core.verification.ofd_revocation import check_revocation
from tests.support.ofd_tokens import ThrowawayTsa

NOW = datetime.now(UTC)


def cert_der() -> bytes:
    return bytes(ThrowawayTsa(name="Some CA").certificate.dump())


def crl_naming_issuer_of(der: bytes) -> bytes:
    """A CRL with the certificate's issuer name and a signature that verifies for nobody."""
    issuer = x509.Certificate.load(der).issuer
    tbs = crl.TbsCertList({"version": "v2", "signature": {"algorithm": "sha256_ecdsa"},
                           "issuer": issuer, "this_update": x509.Time({"utc_time": NOW}),
                           "next_update": x509.Time({"utc_time": NOW + timedelta(days=7)})})
    return bytes(crl.CertificateList({"tbs_cert_list": tbs,
                                      "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                                      "signature": b"\x30\x06\x02\x01\x01\x02\x01\x01"}).dump())


def test_a_signer_that_is_itself_the_anchor_has_nothing_to_check() -> None:
    found = check_revocation([cert_der()], [], NOW, None)
    assert (found.codes, found.revoked) == ((), None)


def test_no_crl_for_the_issuer_is_soft_fail_by_default_and_unavailable_when_strict() -> None:
    der = cert_der()
    soft = check_revocation([der, der], [b"junk"], NOW, None)
    assert (soft.codes, soft.revoked) == ((R.REVOCATION_NOT_CHECKED,), None)
    assert R.severity(R.REVOCATION_NOT_CHECKED) == R.WARNING
    for mode in ("hard-fail", "require"):
        strict = check_revocation([der, der], [], NOW, None, mode)
        assert strict.codes == (R.REVOCATION_UNAVAILABLE,)


def test_a_crl_naming_the_issuer_that_does_not_verify_makes_it_unavailable() -> None:
    """The issuer has a CRL here, so revocation is required; a CRL that does not verify
    with the issuer's key is ignored: INDETERMINATE, never a clean bill."""
    der = cert_der()
    found = check_revocation([der, der], [crl_naming_issuer_of(der)], NOW, None)
    assert (found.codes, found.revoked) == ((R.REVOCATION_UNAVAILABLE,), None)
