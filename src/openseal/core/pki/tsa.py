"""An RFC 3161 timestamp authority that runs in-process.

Unique serial per token, nonce and messageImprint echoed, accuracy stated. The TSA key
lives in the KeyStore like every other key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypeVar

from asn1crypto import algos, cms, tsp, x509
from asn1crypto.core import Asn1Value
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps.api import TimeStamper

from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki.issuance import new_serial
from openseal.errors import Unavailable

T = TypeVar("T", bound=Asn1Value)

# OpenSeal's TSA policy OID lives under the "example" arc until an enterprise number exists.
TSA_POLICY_OID = "1.3.6.1.4.1.55555.1.1"
ACCURACY_SECONDS = 1
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True)
class TsaIdentity:
    key_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


class TimestampAuthority:
    """Answers TimeStampReq with TimeStampResp (RFC 3161 §2.4)."""

    def __init__(self, identity: TsaIdentity, keystore: KeyStore, clock: Clock) -> None:
        self._id = identity
        self._keys = keystore
        self._clock = clock
        self._algorithm = keystore.signature_algorithm(identity.key_id, "sha256")
        # Constant parts, encoded once: asn1crypto re-encodes constructed values on each dump.
        self._certificates = _preencoded(cms.CertificateSet,
                                         [identity.certificate, *identity.chain])
        self._sid = _preencoded(cms.SignerIdentifier, {"issuer_and_serial_number": {
            "issuer": identity.certificate.issuer,
            "serial_number": identity.certificate.serial_number}})
        self._ess = _preencoded(tsp.SigningCertificateV2,
                                as_signing_certificate_v2(identity.certificate))
        self._tsa_name = _preencoded(x509.GeneralName, x509.GeneralName(
            name="directory_name", value=identity.certificate.subject))

    @property
    def certificate(self) -> x509.Certificate:
        return self._id.certificate

    def respond(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = request["message_imprint"]
        digest_name = imprint["hash_algorithm"]["algorithm"].native
        expected = _DIGEST_SIZES.get(digest_name)
        if expected is None or len(imprint["hashed_message"].native) != expected:
            return _rejection("bad_alg")
        if request["req_policy"].native not in (None, TSA_POLICY_OID):
            return _rejection("unaccepted_policy")
        info = self._tst_info(request)
        token = self._sign(info.dump())
        status = tsp.PKIStatusInfo({"status": "granted"})
        return tsp.TimeStampResp({"status": status, "time_stamp_token": token})

    def _tst_info(self, request: tsp.TimeStampReq) -> tsp.TSTInfo:
        fields: dict[str, object] = {
            "version": "v1",
            "policy": TSA_POLICY_OID,
            "message_imprint": request["message_imprint"],
            "serial_number": new_serial(),
            "gen_time": self._clock.now(),
            "accuracy": {"seconds": ACCURACY_SECONDS},
            "tsa": self._tsa_name,
        }
        if request["nonce"].native is not None:
            fields["nonce"] = request["nonce"]
        return tsp.TSTInfo(fields)

    def _sign(self, tst_info_der: bytes) -> cms.ContentInfo:
        attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("message_digest", hashlib.sha256(tst_info_der).digest()),
            simple_cms_attribute("signing_certificate_v2", self._ess),
        ])
        signature = self._keys.sign_raw(self._id.key_id, attrs.dump(), "sha256")
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": self._sid,
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": self._algorithm}),
            "signature": signature,
        })
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": cms.ParsableOctetString(tst_info_der)},
            "certificates": self._certificates,
            "signer_infos": [signer],
        })
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _preencoded(spec: type[T], value: object) -> T:
    """Build ``spec`` from ``value`` and re-parse it, so its encoding is kept."""
    built = value if isinstance(value, spec) else spec(value)
    return spec.load(built.dump())


def _rejection(fail: str) -> tsp.TimeStampResp:
    status = tsp.PKIStatusInfo({"status": "rejection",
                                "fail_info": tsp.PKIFailureInfo({fail})})
    return tsp.TimeStampResp({"status": status})


class InProcessTimeStamper(TimeStamper):
    """pyHanko TimeStamper that asks our TimestampAuthority directly, with no network.

    Any failure is Unavailable: signing fails closed, never falls back to the local clock.
    """

    def __init__(self, authority: TimestampAuthority | None) -> None:
        super().__init__(include_nonce=True)
        self._authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        if self._authority is None:
            raise Unavailable("TSA_UNAVAILABLE", "时间戳服务不可用，未盖章",
                              "The timestamp authority is unavailable; nothing was sealed")
        try:
            return self._authority.respond(req)
        except Exception as exc:  # noqa: BLE001 - any TSA fault must fail closed
            raise Unavailable("TSA_UNAVAILABLE", "时间戳服务出错，未盖章",
                              "The timestamp authority failed; nothing was sealed") from exc


__all__ = ["TimestampAuthority", "InProcessTimeStamper", "TsaIdentity", "TSA_POLICY_OID"]
