"""An OCSP responder (RFC 6960) for every CA the instance holds.

Each CA has its own delegated responder certificate (EKU id-kp-OCSPSigning, id-pkix-ocsp-nocheck,
issued by that CA; see ``PkiService.ocsp_responder``). A request names certificates by
CertID (issuer name hash, issuer key hash, serial). Answers:

- a certificate this CA issued: ``good``, or ``revoked`` with time and reason (a suspended
  seal's certificate is ``revoked`` with reason certificateHold until it is resumed);
- a serial this CA never issued: ``unknown``;
- an issuer that is not one of our CAs, or CertIDs of more than one CA: ``unauthorized``
  (RFC 6960 §2.3), unsigned;
- anything that does not parse, or more than ``MAX_CERT_IDS`` CertIDs: ``malformedRequest``.

The response echoes the request's nonce, carries thisUpdate/nextUpdate, the responder
certificate and (below a root) the CA's certificate, and is signed through
``KeyStore.sign_raw``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import core, ocsp, x509

from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki.crl import RevocationRepos, is_ca
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.records import CertificateRecord

MAX_CERT_IDS = 10
NEXT_UPDATE = timedelta(hours=1)
HASHES = ("sha1", "sha256", "sha384", "sha512")


@dataclass(frozen=True)
class Answer:
    """One CertID's status for the response."""

    cert_id: ocsp.CertId
    status: ocsp.CertStatus


def rejection(status: str) -> bytes:
    """An unsigned OCSPResponse with an error status (malformed_request, unauthorized ...)."""
    return ocsp.OCSPResponse({"response_status": status}).dump()


class OcspResponder:
    def __init__(self, repos: RevocationRepos, keystore: KeyStore, clock: Clock,
                 responder_for: Callable[[CertificateRecord], CertificateRecord]) -> None:
        self._repos = repos
        self._keys = keystore
        self._clock = clock
        self._responder_for = responder_for

    def respond(self, request_der: bytes) -> bytes:
        """The DER OCSPResponse to a DER OCSPRequest. Never raises on bad input."""
        request = _parse(request_der)
        if request is None:
            return rejection("malformed_request")
        cert_ids = [single["req_cert"] for single in request["tbs_request"]["request_list"]]
        issuers = {self._issuer_of(cert_id) for cert_id in cert_ids}
        if len(issuers) != 1 or None in issuers:
            return rejection("unauthorized")
        ca = issuers.pop()
        assert ca is not None
        answers = [Answer(cert_id, self._status(cert_id, ca)) for cert_id in cert_ids]
        return self._signed(ca, answers, _nonce(request))

    def _issuer_of(self, cert_id: ocsp.CertId) -> CertificateRecord | None:
        """The CA the CertID names, if it is one of ours (by name and key hash)."""
        serial = f"{cert_id['serial_number'].native:x}"
        issued = self._repos.certificate_by_serial(serial)
        if issued is not None and issued.issuer_id:
            ca = self._repos.get_certificate(issued.issuer_id)
            if ca is not None and _names(cert_id, ca):
                return ca
        cas = [*self._repos.list_certificates("root-ca"), *self._repos.list_certificates("org-ca")]
        return next((ca for ca in cas if _names(cert_id, ca)), None)

    def _status(self, cert_id: ocsp.CertId, ca: CertificateRecord) -> ocsp.CertStatus:
        issued = self._repos.certificate_by_serial(f"{cert_id['serial_number'].native:x}")
        if issued is None or issued.issuer_id != ca.id or issued.id == ca.id:
            return ocsp.CertStatus(name="unknown", value=core.Null())
        revoked = self._repos.revocation_of(issued.id)
        if revoked is None:
            return ocsp.CertStatus(name="good", value=core.Null())
        return ocsp.CertStatus(name="revoked", value={
            "revocation_time": _whole(revoked.revoked_at),
            "revocation_reason": revoked.reason})

    def _signed(self, ca: CertificateRecord, answers: list[Answer],
                nonce: ocsp.TBSRequestExtension | None) -> bytes:
        responder = self._responder_for(ca)
        assert responder.key_id is not None
        cert = certificate_from_der(responder.der)
        now = _whole(self._clock.now())
        data = ocsp.ResponseData({
            "responder_id": ocsp.ResponderId(name="by_key", value=cert.public_key.sha1),
            "produced_at": now,
            "responses": [{"cert_id": a.cert_id, "cert_status": a.status, "this_update": now,
                           "next_update": now + NEXT_UPDATE} for a in answers],
        })
        if nonce is not None:
            data["response_extensions"] = [{"extn_id": "nonce", "critical": False,
                                            "extn_value": nonce["extn_value"].parsed}]
        algorithm = self._keys.signature_algorithm(responder.key_id, "sha256")
        signature = self._keys.sign_raw(responder.key_id, data.dump(), "sha256")
        chain = [cert] if ca.issuer_id in (None, ca.id) else [cert, certificate_from_der(ca.der)]
        basic = ocsp.BasicOCSPResponse({
            "tbs_response_data": data, "signature_algorithm": {"algorithm": algorithm},
            "signature": signature, "certs": chain})
        return ocsp.OCSPResponse({"response_status": "successful", "response_bytes": {
            "response_type": "basic_ocsp_response", "response": basic}}).dump()


def _parse(der: bytes) -> ocsp.OCSPRequest | None:
    try:
        request = ocsp.OCSPRequest.load(der)
        _ = request.native
        count = len(request["tbs_request"]["request_list"])
        for single in request["tbs_request"]["request_list"]:
            if single["req_cert"]["hash_algorithm"]["algorithm"].native not in HASHES:
                return None
    except Exception:  # noqa: BLE001 - any parse failure is the client's malformed request
        return None
    return request if 1 <= count <= MAX_CERT_IDS else None


def _names(cert_id: ocsp.CertId, ca: CertificateRecord) -> bool:
    """Whether the CertID's issuer hashes are those of ``ca`` (a CA certificate)."""
    if not is_ca(ca):
        return False
    cert: x509.Certificate = certificate_from_der(ca.der)
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    name_hash = hashlib.new(algorithm, cert.subject.dump()).digest()
    key_hash = hashlib.new(algorithm, cert.public_key["public_key"].contents[1:]).digest()
    return (cert_id["issuer_name_hash"].native == name_hash
            and cert_id["issuer_key_hash"].native == key_hash)


def _nonce(request: ocsp.OCSPRequest) -> ocsp.TBSRequestExtension | None:
    for extension in request["tbs_request"]["request_extensions"] or []:
        if extension["extn_id"].native == "nonce":
            return extension
    return None


def _whole(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


__all__ = ["MAX_CERT_IDS", "OcspResponder", "rejection"]
