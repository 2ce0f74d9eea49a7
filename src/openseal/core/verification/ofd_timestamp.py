"""The timestamp of an OFD electronic signature (SES_Signature.timeStamp), checked in full.

GB/T 38540 lets a signer add an RFC 3161 TimeStampToken "over the signature value": its
TSTInfo.messageImprint is the hash, with the imprint's own digest algorithm, of the bytes of
SES_Signature.signature (the signer's DER SM2 signature, as ``core.ofd.sign`` timestamps it).
``check_timestamp`` accepts the token's time as the trusted signing time only when:

1. the token is a CMS SignedData encapsulating a TSTInfo;
2. messageImprint equals that hash (SHA-2 or SM3; MD5 and SHA-1 are refused);
3. the CMS signature verifies and its messageDigest attribute matches the TSTInfo (pyHanko's
   ``validate_tst_signed_data``, the code the PDF side relies on for its timestamps);
4. the TSA certificate chains to the trust roots given (OpenSeal's instance TSA: the PDF
   trust roots), with its revocation checked against the locally supplied CRLs (required
   for our own CAs, ``VerificationPolicy.mode_for``), and carries the extended key usage
   ``id-kp-timeStamping``, critical and alone (RFC 3161 §2.3).

Outcomes: 1-3 failing is ``SES_TIMESTAMP_INVALID`` (INVALID: the token does not belong to
this signature or was altered); a sound token whose TSA is not trusted (4) is
``SES_TIMESTAMP_UNTRUSTED``; a token signed with an algorithm pyHanko cannot check (an SM2
TSA) is ``SES_TIMESTAMP_UNSUPPORTED``. In all three cases its time is not used. Nothing is
ever fetched from the network.

Why the last two are warnings, not INDETERMINATE: the token lies outside TBS_Sign, so anyone
can strip it, and a signature without one is judged at its claimed time (``NO_TIMESTAMP``, a
warning). A token we cannot vouch for is treated exactly so: it never makes a verdict
better (a revoked seal stays ``REVOKED``, validity is judged at the claimed time), so it
need not make it worse than no token at all. A token that is *wrong* (1-3) is another
matter: it is evidence of tampering.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, tsp, x509
from pyhanko.sign.validation.generic_cms import (
    extract_certs_for_validation,
    validate_tst_signed_data,
)
from pyhanko.sign.validation.status import TimestampSignatureStatus

from openseal.core.aio import run_sync
from openseal.core.gm import sm2
from openseal.core.ofd.certs import certificate_info
from openseal.core.ofd.results import SignatureCheck
from openseal.core.verification import reasons as R
from openseal.core.verification.policy import VerificationPolicy, validation_context

SM3_OID = "1.2.156.10197.1.401"
SM2_OIDS = frozenset({"1.2.156.10197.1.501", "1.2.156.10197.1.301.1", "1.2.156.10197.1.301"})
WEAK_IMPRINTS = frozenset({"md2", "md5", "sha1"})


@dataclass(frozen=True)
class TimestampCheck:
    """``code`` None: verified and trusted, ``gen_time`` is the trusted signing time.
    Otherwise the reason code, and ``gen_time`` None (the token's time is not used)."""

    code: str | None
    gen_time: datetime | None
    claimed_time: datetime | None = None
    """genTime as read from the token, trusted or not (for the report's details)."""
    tsa: str | None = None
    """The TSA certificate's subject, when known."""
    detail: str = ""

    @property
    def trusted(self) -> bool:
        return self.code is None and self.gen_time is not None


def check_timestamp(token: bytes, signature_value: bytes, trust_roots: list[x509.Certificate],
                    policy: VerificationPolicy, at: datetime | None) -> TimestampCheck:
    """Check the timestamp ``token`` over ``signature_value`` (see the module docstring);
    never raises on a bad token."""
    try:
        signed, info = _read(token)
    except Exception as exc:  # noqa: BLE001 - a token from the file: never a crash
        return TimestampCheck(R.SES_TIMESTAMP_INVALID, None, detail=f"unreadable: {exc}")
    when = info["gen_time"].native
    claimed = when if isinstance(when, datetime) else None
    algorithm = signed["signer_infos"][0]["signature_algorithm"]["algorithm"].dotted
    if algorithm in SM2_OIDS:
        return TimestampCheck(R.SES_TIMESTAMP_UNSUPPORTED, None, claimed,
                              detail="SM2-signed timestamp token")
    imprint = info["message_imprint"]
    expected = imprint_of(imprint["hash_algorithm"]["algorithm"], signature_value)
    if expected is None or expected != imprint["hashed_message"].native:
        return TimestampCheck(R.SES_TIMESTAMP_INVALID, None, claimed,
                              detail="messageImprint does not match the signature value")
    try:
        status = _validate(signed, expected, trust_roots, policy, at)
    except Exception as exc:  # noqa: BLE001 - pyHanko's structural errors and the like
        return TimestampCheck(R.SES_TIMESTAMP_INVALID, None, claimed,
                              detail=f"{type(exc).__name__}: {exc}")
    return _judge(status, claimed)


def _read(token: bytes) -> tuple[cms.SignedData, tsp.TSTInfo]:
    content = cms.ContentInfo.load(bytes(token), strict=True)
    if content["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed = content["content"]
    encapsulated = signed["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        raise ValueError("SignedData does not encapsulate a TSTInfo")
    info = encapsulated["content"].parsed
    if not isinstance(info, tsp.TSTInfo) or len(signed["signer_infos"]) != 1:
        raise ValueError("not one TSTInfo signed by one signer")
    _ = info.native  # parse everything now: junk fails here
    return signed, info


def imprint_of(algorithm: Any, data: bytes) -> bytes | None:
    """``data`` hashed with the imprint's digest algorithm; None for a weak or unknown one."""
    if algorithm.dotted == SM3_OID:
        return sm2.sm3(data)
    name = algorithm.native
    if name in WEAK_IMPRINTS or name not in hashlib.algorithms_available:
        return None
    return hashlib.new(name, data).digest()


def _validate(signed: cms.SignedData, expected: bytes, trust_roots: list[x509.Certificate],
              policy: VerificationPolicy, at: datetime | None) -> TimestampSignatureStatus:
    tsa_cert = extract_certs_for_validation(signed).signer_cert
    context = validation_context(trust_roots, policy, policy.mode_for(tsa_cert), at=at)
    found = run_sync(validate_tst_signed_data(signed, context, lambda _name: expected))
    return TimestampSignatureStatus(**found)


def _judge(status: TimestampSignatureStatus, claimed: datetime | None) -> TimestampCheck:
    cert = status.signing_cert
    tsa = cert.subject.human_friendly if cert is not None else None
    if not status.intact or not status.valid:
        return TimestampCheck(R.SES_TIMESTAMP_INVALID, None, claimed, tsa,
                              "the token's signature does not verify")
    if not status.trusted:
        indication = getattr(status.trust_problem_indic, "name", "")
        return TimestampCheck(R.SES_TIMESTAMP_UNTRUSTED, None, claimed, tsa,
                              f"TSA not trusted ({indication or 'no path'})")
    if not timestamping_only(cert):
        return TimestampCheck(R.SES_TIMESTAMP_UNTRUSTED, None, claimed, tsa,
                              "TSA certificate without the critical timeStamping EKU")
    if claimed is None:
        return TimestampCheck(R.SES_TIMESTAMP_INVALID, None, None, tsa, "no genTime")
    return TimestampCheck(None, claimed, claimed, tsa)


def times_at(check: SignatureCheck, when: datetime) -> list[str]:
    """The signer certificate's and the seal's validity judged at ``when`` (the trusted
    timestamp's time) instead of the claimed timeInfo: the codes that apply then."""
    found = []
    signer = certificate_info(check.signer_cert) if check.signer_cert else None
    if signer is not None and signer.valid_at(when) is False:
        found.append("CERT_NOT_VALID_AT_SIGNING")
    seal = check.seal
    if seal is not None and not seal.valid_from <= when <= seal.valid_until:
        found.append("SEAL_NOT_VALID_AT_SIGNING")
    return found


def timestamping_only(cert: x509.Certificate) -> bool:
    """RFC 3161 §2.3: extendedKeyUsage present, critical, with only id-kp-timeStamping."""
    for extension in cert["tbs_certificate"]["extensions"]:
        if extension["extn_id"].native == "extended_key_usage":
            return bool(extension["critical"].native) and \
                list(extension["extn_value"].native) == ["time_stamping"]
    return False


__all__ = ["TimestampCheck", "check_timestamp", "imprint_of", "times_at", "timestamping_only"]
