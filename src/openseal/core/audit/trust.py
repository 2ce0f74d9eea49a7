"""Checking a checkpoint's signer certificate, signature and timestamp token, offline.

Only the given trust roots count; nothing is fetched (``allow_fetching=False``); revocation
is soft-fail because an offline verifier has no CRL or OCSP to consult.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from openseal.core.aio import run_sync
from openseal.core.audit.canonical import format_time
from openseal.core.audit.model import HASH_HEX

if TYPE_CHECKING:
    from openseal.core.audit.checkpoint import Checkpoint

CHECKPOINT_UNTRUSTED_SIGNER = "CHECKPOINT_UNTRUSTED_SIGNER"
CHECKPOINT_BAD_SIGNATURE = "CHECKPOINT_BAD_SIGNATURE"
CHECKPOINT_BAD_TIMESTAMP = "CHECKPOINT_BAD_TIMESTAMP"
CHECKPOINT_MALFORMED = "CHECKPOINT_MALFORMED"
TIMESTAMP_TOLERANCE = timedelta(minutes=5)


def check_checkpoint(cp: Checkpoint, trust_roots: Sequence[x509.Certificate], *,
                     at: datetime | None, signer_eku: str | None) -> list[str]:
    """See ``checkpoint.verify_checkpoint``."""
    certs = _parse(cp)
    if certs is None:
        return [CHECKPOINT_MALFORMED]
    signer_ok, timestamp_ok = run_sync(_both(cp, certs, trust_roots, at or cp.time, signer_eku))
    problems = [] if signer_ok else [CHECKPOINT_UNTRUSTED_SIGNER]
    if not _signature_ok(certs[0], cp.payload(), cp.signature):
        problems.append(CHECKPOINT_BAD_SIGNATURE)
    if not timestamp_ok:
        problems.append(CHECKPOINT_BAD_TIMESTAMP)
    return problems


async def _both(cp: Checkpoint, certs: list[x509.Certificate],
                roots: Sequence[x509.Certificate], moment: datetime,
                signer_eku: str | None) -> tuple[bool, bool]:
    return (await _signer_trusted(certs, roots, moment, signer_eku),
            await _timestamp_ok(cp, roots, moment))


def _parse(cp: Checkpoint) -> list[x509.Certificate] | None:
    """The certificates, or None when the checkpoint's fields or DER are broken."""
    try:
        format_time(cp.time)
        if cp.size < 0 or not HASH_HEX.fullmatch(cp.root_hash) or not cp.certificates:
            return None
        certs = [x509.Certificate.load(der) for der in cp.certificates]
        for cert in certs:
            _ = cert.native  # parse eagerly: broken DER fails here
        return certs
    except Exception:  # noqa: BLE001 - any parse failure means malformed
        return None


async def _signer_trusted(certs: list[x509.Certificate], roots: Sequence[x509.Certificate],
                          moment: datetime, signer_eku: str | None) -> bool:
    context = ValidationContext(trust_roots=list(roots), allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    validator = CertificateValidator(certs[0], intermediate_certs=certs[1:],
                                     validation_context=context)
    try:
        await validator.async_validate_usage(
            {"digital_signature"}, extended_key_usage={signer_eku} if signer_eku else None)
    except Exception:  # noqa: BLE001 - every path-building/validation failure: untrusted
        return False
    return True


def _signature_ok(cert: x509.Certificate, payload: bytes, signature: bytes) -> bool:
    try:
        key = serialization.load_der_public_key(cert.public_key.dump())
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


async def _timestamp_ok(cp: Checkpoint, roots: Sequence[x509.Certificate],
                        moment: datetime) -> bool:
    # pyhanko.sign is heavy to import; every CLI command imports this module, few use this
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    expected = hashlib.sha256(cp.signature).digest()
    try:
        info = cms.ContentInfo.load(cp.timestamp_token)
        if info["content_type"].native != "signed_data":
            return False
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False,
                                    revocation_mode="soft-fail", moment=moment)
        kwargs = await validate_tst_signed_data(
            info["content"], context, lambda algo: expected if algo == "sha256" else b"")
        status = TimestampSignatureStatus(**kwargs)
    except Exception:  # noqa: BLE001 - a token pyHanko cannot read is a bad token
        return False
    return status.trusted and abs(status.timestamp - cp.time) <= TIMESTAMP_TOLERANCE


__all__ = ["CHECKPOINT_BAD_SIGNATURE", "CHECKPOINT_BAD_TIMESTAMP", "CHECKPOINT_MALFORMED",
           "CHECKPOINT_UNTRUSTED_SIGNER", "TIMESTAMP_TOLERANCE", "check_checkpoint"]
