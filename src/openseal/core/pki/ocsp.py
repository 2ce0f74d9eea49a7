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
``KeyStore.sign_raw``. The SM2 CAs are answered for alike; their CertIDs may also use SM3
and their responses are SM2-signed (``sm2_ocsp``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import core, ocsp, x509

from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki.crl import RevocationRepos
from openseal.core.pki.issuance import certificate_from_der
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.sm2_ocsp import (
    CERT_ID_HASHES,
    SM2_CA_ROLES,
    cert_id_hash,
    sign_response,
    signs_with_sm2,
)
from openseal.core.records import CertificateRecord

MAX_CERT_IDS = 10
NEXT_UPDATE = timedelta(hours=1)
CA_ROLES = (CertificateRole.ROOT_CA, CertificateRole.ORG_CA, *SM2_CA_ROLES)


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
        cas = (ca for role in CA_ROLES for ca in self._repos.list_certificates(role.value))
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
        algorithm, signature = _signature(self._keys, responder.key_id, cert, data.dump())
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
            if single["req_cert"]["hash_algorithm"]["algorithm"].native not in CERT_ID_HASHES:
                return None
    except Exception:  # noqa: BLE001 - any parse failure is the client's malformed request
        return None
    return request if 1 <= count <= MAX_CERT_IDS else None


def _names(cert_id: ocsp.CertId, ca: CertificateRecord) -> bool:
    """Whether the CertID's issuer hashes are those of ``ca`` (a CA certificate)."""
    if ca.role not in CA_ROLES:
        return False
    cert: x509.Certificate = certificate_from_der(ca.der)
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    name_hash = cert_id_hash(algorithm, cert.subject.dump())
    key_hash = cert_id_hash(algorithm, cert.public_key["public_key"].contents[1:])
    return (cert_id["issuer_name_hash"].native == name_hash
            and cert_id["issuer_key_hash"].native == key_hash)


def _signature(keystore: KeyStore, key_id: str, responder: x509.Certificate,
               tbs: bytes) -> tuple[str, bytes]:
    """(algorithm name, signature) of tbsResponseData: SM2-with-SM3 for an SM2 responder."""
    if signs_with_sm2(responder):
        return sign_response(keystore, key_id, responder, tbs)
    return keystore.signature_algorithm(key_id, "sha256"), keystore.sign_raw(key_id, tbs,
                                                                              "sha256")


def _nonce(request: ocsp.OCSPRequest) -> ocsp.TBSRequestExtension | None:
    for extension in request["tbs_request"]["request_extensions"] or []:
        if extension["extn_id"].native == "nonce":
            return extension
    return None


def _whole(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


__all__ = ["MAX_CERT_IDS", "OcspResponder", "rejection"]
