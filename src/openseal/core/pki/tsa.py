"""An RFC 3161 timestamp authority that runs in-process.

Unique serial per token, nonce and messageImprint echoed, accuracy stated. The TSA key
lives in the KeyStore like every other key. Tokens are joined from parts encoded once per
authority (see ``tsa_parts``); only what differs per token is encoded per token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, tsp, x509
from pyhanko.sign.timestamps.api import TimeStamper

from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.pki.issuance import new_serial
from openseal.core.pki.tsa_parts import (
    DIGEST_SIZES,
    TokenParts,
    der_integer,
    granted,
    message_imprint,
)
from openseal.errors import OpenSealError, Unavailable

# OpenSeal's TSA policy OID lives under the "example" arc until an enterprise number exists.
TSA_POLICY_OID = "1.3.6.1.4.1.55555.1.1"
ACCURACY_SECONDS = 1


@dataclass(frozen=True)
class TsaIdentity:
    key_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


class TimestampAuthority:
    """Answers TimeStampReq with TimeStampResp (RFC 3161 §2.4). Thread-safe."""

    def __init__(self, identity: TsaIdentity, keystore: KeyStore, clock: Clock) -> None:
        self._id = identity
        self._keys = keystore
        self._clock = clock
        with _fail_closed():
            mechanism = keystore.signature_algorithm(identity.key_id, "sha256")
        self._parts = TokenParts.build(
            identity.certificate, identity.chain, TSA_POLICY_OID, ACCURACY_SECONDS, mechanism)

    @property
    def certificate(self) -> x509.Certificate:
        return self._id.certificate

    def respond(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = request["message_imprint"]
        digest_name = imprint["hash_algorithm"]["algorithm"].native
        expected = DIGEST_SIZES.get(digest_name)
        if expected is None or len(imprint["hashed_message"].native) != expected:
            return _rejection("bad_alg")
        if request["req_policy"].native not in (None, TSA_POLICY_OID):
            return _rejection("unaccepted_policy")
        nonce = request["nonce"]
        # messageImprint and nonce are echoed exactly as the request encoded them.
        token = self._token(imprint.dump(), None if nonce.native is None else nonce.dump())
        return tsp.TimeStampResp.load(granted(token))

    def timestamp_token(self, digest_algorithm: str, digest: bytes, nonce: int | None) -> bytes:
        """A token (DER ContentInfo) for ``digest``, as ``respond`` would grant it.

        For in-process callers: the same token without encoding a request and a response
        around it. Raises ValueError for a digest ``respond`` would reject.
        """
        if DIGEST_SIZES.get(digest_algorithm) != len(digest):
            raise ValueError(f"no {digest_algorithm} digest of {len(digest)} bytes")
        return self._token(message_imprint(digest_algorithm, digest),
                           None if nonce is None else der_integer(nonce))

    def _token(self, imprint: bytes, nonce: bytes | None) -> bytes:
        info = self._parts.tst_info(imprint, new_serial(), self._clock.now(), nonce)
        with _fail_closed():
            return self._parts.token(
                info, lambda attrs: self._keys.sign_raw(self._id.key_id, attrs, "sha256"))


@contextmanager
def _fail_closed() -> Iterator[None]:
    """The TSA's key cannot be used (file gone, token unreachable, wrong PIN): no token, so
    nothing is sealed (D4: sealing fails closed with 503, never a silent B-B downgrade)."""
    try:
        yield
    except (OpenSealError, OSError) as exc:
        raise Unavailable("TSA_UNAVAILABLE", "时间戳服务不可用，文件未盖章，请稍后重试",
                          "The timestamp authority is unavailable: nothing was sealed; retry "
                          "later", cause=getattr(exc, "code", type(exc).__name__)) from exc


def _rejection(fail: str) -> tsp.TimeStampResp:
    status = tsp.PKIStatusInfo({"status": "rejection",
                                "fail_info": tsp.PKIFailureInfo({fail})})
    return tsp.TimeStampResp({"status": status})


class InProcessTimeStamper(TimeStamper):
    """pyHanko TimeStamper that asks our TimestampAuthority directly, with no network.

    The authority is in this process, so a token is requested with the digest itself rather
    than a TimeStampReq encoded, answered and checked again (pyHanko's ``async_timestamp``);
    the token still carries a fresh nonce. ``async_request_tsa_response`` keeps the RFC 3161
    request/response path for anything that wants it.

    Any failure is Unavailable: signing fails closed, never falls back to the local clock.
    """

    def __init__(self, authority: TimestampAuthority | None) -> None:
        super().__init__(include_nonce=True)
        self._authority = authority

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        authority = self._available()
        try:
            der = authority.timestamp_token(md_algorithm.lower(), message_digest,
                                            secrets.randbits(63))
            return cms.ContentInfo.load(der)
        except Exception as exc:  # noqa: BLE001 - any TSA fault must fail closed
            raise _failed() from exc

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        authority = self._available()
        try:
            return authority.respond(req)
        except Exception as exc:  # noqa: BLE001 - any TSA fault must fail closed
            raise _failed() from exc

    def _available(self) -> TimestampAuthority:
        if self._authority is None:
            raise Unavailable("TSA_UNAVAILABLE", "时间戳服务不可用，未盖章",
                              "The timestamp authority is unavailable; nothing was sealed")
        return self._authority


class RecordingTimeStamper(TimeStamper):
    """A TimeStamper for ONE signature: asks ``inner`` and keeps the tokens it hands out,
    so the signer's own timestamp is known without reading it back out of the output."""

    def __init__(self, inner: TimeStamper) -> None:
        super().__init__(include_nonce=inner.include_nonce)
        self._inner = inner
        self.tokens: list[cms.ContentInfo] = []

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await self._inner.async_timestamp(message_digest, md_algorithm)
        self.tokens.append(token)
        return token

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await self._inner.async_request_tsa_response(req)

    async def async_dummy_response(self, md_algorithm: str) -> cms.ContentInfo:
        return await self._inner.async_dummy_response(md_algorithm)  # not a real token

    def validation_paths(self, validation_context: Any) -> Any:
        return self._inner.validation_paths(validation_context)


def _failed() -> Unavailable:
    return Unavailable("TSA_UNAVAILABLE", "时间戳服务出错，未盖章",
                       "The timestamp authority failed; nothing was sealed")


__all__ = ["TimestampAuthority", "InProcessTimeStamper", "RecordingTimeStamper", "TsaIdentity",
           "TSA_POLICY_OID"]
