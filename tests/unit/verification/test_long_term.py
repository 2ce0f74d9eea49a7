"""Verifying "as of" a later time (``verify_pdf(now=...)``) and long-term validation (PAdES
B-LTA, ETSI EN 319 102-1 §5.6): with the clock moved past the seal certificate's 3 years a
B-LTA document is still VALID, B-T and B-LT are INDETERMINATE (certificate expired, no proof
of existence); past the timestamp authority's 10 years a B-LTA document that was not
timestamped again is INDETERMINATE and says to re-timestamp, one that was is VALID. A change
after the document timestamp, or a document timestamp from an untrusted authority, never
makes an expired seal VALID."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from asn1crypto import crl, keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from openseal.bootstrap import Wiring
from openseal.core.clock import FixedClock
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.signing import ltv
from openseal.core.signing.archive import renew
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import seal_document
from openseal.core.verification import VerificationReport, verify_pdf
from openseal.core.verification import reasons as R
from openseal.core.verification.as_of import validation_time
from openseal.core.verification.policy import local_revocation_policy
from openseal.errors import InvalidInput
from openseal.interfaces.cli.operator import operator
from tests.support.attacks import replace_page_content
from tests.support.instance import TestInstance, make_instance
from tests.support.pdfs import reportlab_pdf

YEAR = dt.timedelta(days=365)
AFTER_SEAL = 4 * YEAR
"""Past the seal certificate (3 years), before the TSA and organisation CA (10 years)."""
AFTER_TSA = 11 * YEAR
"""Past the TSA certificate (10 years), before the root (20 years)."""


@dataclass(frozen=True)
class Archive:
    instance: TestInstance
    sealed_at: dt.datetime
    docs: dict[str, bytes]
    crls: dict[dt.timedelta, list[crl.CertificateList]]
    """The instance's CRLs as it would publish them that long after sealing."""

    def verify(self, pdf: bytes, later: dt.timedelta | None,
               roots: list[x509.Certificate] | None = None) -> VerificationReport:
        now = None if later is None else self.sealed_at + later
        policy = local_revocation_policy(self.crls[later or dt.timedelta()])
        return verify_pdf(pdf, roots or self.instance.roots, policy=policy, now=now)


@dataclass(frozen=True)
class OtherTsa:
    """A timestamp authority of its own (20-year certificate) under a root of its own."""

    root: x509.Certificate
    timestamper: DummyTimeStamper


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    instance = make_instance(tmp_path_factory.mktemp("long-term") / "home")
    sealed_at = dt.datetime.now(dt.UTC)
    docs = {level: _sealed(instance, level) for level in ltv.LEVELS}
    crls = {later: _crls_at(instance, sealed_at + later)
            for later in (dt.timedelta(), AFTER_SEAL, AFTER_TSA)}
    return Archive(instance, sealed_at, docs, crls)


@pytest.fixture(scope="module")
def other_tsa() -> OtherTsa:
    root_key, tsa_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                         for _ in range(2))  # pyHanko's DummyTimeStamper is RSA-only
    root_name, tsa_name = _name("Other Root CA"), _name("Other Timestamp Authority")
    root = _certificate(root_name, root_name, root_key.public_key(), root_key, ca=True)
    tsa = _certificate(tsa_name, root_name, tsa_key.public_key(), root_key, ca=False)
    key = keys.PrivateKeyInfo.load(tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return OtherTsa(_der(root), DummyTimeStamper(_der(tsa), key, [_der(root)]))


def test_lta_stays_valid_after_the_seal_certificate_expired(archive: Archive) -> None:
    today = archive.verify(archive.docs["B-LTA"], None)
    assert today.verdict == R.VALID and today.reasons == (), today.to_dict()
    assert "validation_time" not in today.to_dict()
    later = archive.verify(archive.docs["B-LTA"], AFTER_SEAL)
    assert later.verdict == R.VALID, later.to_dict()
    seal, stamp = later.signatures
    assert seal.reasons == (R.LONG_TERM_VALIDATED,) and seal.pades_level == "B-LTA"
    assert seal.proof_time == seal.timestamp_time and seal.proof_time is not None
    assert stamp.verdict == R.VALID and stamp.reasons == ()
    data = later.to_dict()
    assert data["validation_time"].startswith(str((archive.sealed_at + AFTER_SEAL).year))
    assert data["signatures"][0]["proof_time"].endswith("Z")
    assert "Validated long-term as of" in later.summary("en")
    assert "长期验证" in later.summary("zh") and "验证时间" in later.summary("zh")


@pytest.mark.parametrize("level", ["B-T", "B-LT"])
def test_without_a_document_timestamp_an_expired_seal_is_indeterminate(
        archive: Archive, level: str) -> None:
    """AdES §5.5: a signature timestamp proves when the seal was made, but nothing proves
    its revocation data existed before the certificate expired (B-LT's DSS included)."""
    assert archive.verify(archive.docs[level], None).verdict == R.VALID
    report = archive.verify(archive.docs[level], AFTER_SEAL)
    assert report.verdict == R.INDETERMINATE
    assert report.reasons == (R.CERTIFICATE_EXPIRED,), report.to_dict()
    assert report.signatures[0].proof_time is None
    assert "expired" in R.describe(R.CERTIFICATE_EXPIRED, "en")
    assert "过期" in R.describe(R.CERTIFICATE_EXPIRED, "zh")


def test_lta_past_the_tsa_certificate_says_to_re_timestamp(archive: Archive) -> None:
    report = archive.verify(archive.docs["B-LTA"], AFTER_TSA)
    assert report.verdict == R.INDETERMINATE
    assert set(report.reasons) == {R.CERTIFICATE_EXPIRED, R.ARCHIVE_TIMESTAMP_EXPIRED}
    assert report.signatures[1].reasons == (R.ARCHIVE_TIMESTAMP_EXPIRED,)
    for lang in ("en", "zh"):
        assert "openseal archive refresh" in report.summary(lang)


def test_a_renewed_timestamp_chain_keeps_it_valid(archive: Archive, other_tsa: OtherTsa
                                                  ) -> None:
    """Timestamped again (``archive refresh``) by an authority whose certificate outlives
    the first: the first document timestamp is proven by the second."""
    roots = [*archive.instance.roots, other_tsa.root]
    context = ltv.validation_context(roots, archive.crls[dt.timedelta()])
    renewed = renew(archive.docs["B-LTA"], context, other_tsa.timestamper)
    report = archive.verify(renewed, AFTER_TSA, roots)
    assert report.verdict == R.VALID, report.to_dict()
    seal, first, second = report.signatures
    assert seal.reasons == (R.LONG_TERM_VALIDATED,)
    assert first.reasons == (R.LONG_TERM_VALIDATED,)
    assert first.proof_time == second.timestamp_time
    assert second.reasons == ()
    assert archive.verify(renewed, AFTER_TSA).verdict == R.INDETERMINATE  # other root untrusted


def test_modified_after_the_document_timestamp_is_invalid_at_any_clock(archive: Archive
                                                                       ) -> None:
    tampered = replace_page_content(archive.docs["B-LTA"])
    for later in (None, AFTER_SEAL, AFTER_TSA):
        report = archive.verify(tampered, later)
        assert report.verdict == R.INVALID, (later, report.to_dict())
        assert R.MODIFIED_AFTER_SEAL in report.reasons
        assert R.LONG_TERM_VALIDATED not in report.reasons


def test_a_document_timestamp_from_an_untrusted_authority_proves_nothing(
        archive: Archive, other_tsa: OtherTsa) -> None:
    stamped = _document_timestamp(archive.docs["B-LT"], other_tsa.timestamper)
    report = archive.verify(stamped, AFTER_SEAL)
    assert report.verdict == R.INDETERMINATE
    assert report.signatures[0].reasons == (R.CERTIFICATE_EXPIRED,), report.to_dict()
    assert report.signatures[1].reasons == (R.UNTRUSTED_SIGNER,)
    trusted = archive.verify(stamped, AFTER_SEAL, [*archive.instance.roots, other_tsa.root])
    assert trusted.verdict == R.VALID, trusted.to_dict()  # the same file, its TSA trusted


def test_sealed_after_revocation_is_invalid_at_any_clock(tmp_path_factory: pytest.TempPathFactory
                                                         ) -> None:
    """A document timestamp proves when the seal existed; if the certificate was already
    revoked then, the seal is INVALID ``REVOKED``, also years later."""
    instance = make_instance(tmp_path_factory.mktemp("revoked") / "home")
    seal = instance.seals["contract"]
    with instance.wiring.context() as c:
        SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).revoke(
            seal.id, "钥匙泄露 key copied", "key_compromise")
        sealer = instance.cache.get(seal, c.pki, c.keystore)  # the key, without status checks
        forged = sealer.seal(reportlab_pdf(title="forged"), SealRequest(Placement(1)))[0]
        context = ltv.validation_context(instance.roots, c.pki.revocation_lists())
        stamped = ltv.archive_timestamp(forged, context,
                                        InProcessTimeStamper(c.pki.timestamp_authority()))
    now = dt.datetime.now(dt.UTC)
    for later in (dt.timedelta(), AFTER_SEAL):
        policy = local_revocation_policy(_crls_at(instance, now + later))
        report = verify_pdf(stamped, instance.roots, policy=policy, now=now + later)
        assert report.verdict == R.INVALID, (later, report.to_dict())
        assert report.signatures[0].reasons == (R.REVOKED,)


def test_as_of_a_time_before_the_seal_existed_is_never_valid(archive: Archive) -> None:
    before = archive.sealed_at - 2 * YEAR
    report = verify_pdf(archive.docs["B-LTA"], archive.instance.roots, now=before)
    assert report.verdict != R.VALID
    assert R.CERTIFICATE_EXPIRED not in report.reasons
    assert R.LONG_TERM_VALIDATED not in report.reasons
    naive = verify_pdf(archive.docs["B-T"], archive.instance.roots,
                       now=(archive.sealed_at + dt.timedelta(hours=1)).replace(tzinfo=None))
    assert naive.verdict == R.VALID and naive.to_dict()["validation_time"].endswith("Z")


def test_the_validation_time_is_read_as_iso_8601_utc() -> None:
    assert validation_time("2036-01-01T00:00:00Z") == dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    assert validation_time("2036-01-01") == dt.datetime(2036, 1, 1, tzinfo=dt.UTC)
    assert validation_time("2036-01-01T08:00:00+08:00") == dt.datetime(2036, 1, 1,
                                                                        tzinfo=dt.UTC)
    with pytest.raises(InvalidInput) as caught:
        validation_time("in ten years")
    assert caught.value.code == "VALIDATION_TIME"


def _sealed(instance: TestInstance, level: str) -> bytes:
    with instance.wiring.context() as c:
        return seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache,
                             instance.seals["contract"].id, reportlab_pdf(title=level),
                             SealRequest(), audit=c.audit, principal=operator(instance.org.id),
                             level=level).pdf


def _crls_at(instance: TestInstance, moment: dt.datetime) -> list[crl.CertificateList]:
    with Wiring(instance.wiring.settings, FixedClock(moment)).context() as c:
        return c.pki.revocation_lists()


def _document_timestamp(pdf: bytes, timestamper: DummyTimeStamper) -> bytes:
    out = io.BytesIO()
    signers.PdfTimeStamper(timestamper, field_name="OtherArchive1").timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", output=out)
    return out.getvalue()


def _name(common_name: str) -> cx509.Name:
    return cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Other Trust Inc."),
                       cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: cx509.Name, issuer: cx509.Name, public_key: rsa.RSAPublicKey,
                 issuer_key: rsa.RSAPrivateKey, *, ca: bool) -> cx509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (cx509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(cx509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + 20 * YEAR)
               .add_extension(cx509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(cx509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _der(cert: cx509.Certificate) -> x509.Certificate:
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


