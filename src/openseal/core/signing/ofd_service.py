"""Use case: seal an OFD file with an SM2 seal (GB/T 38540), and record that it was sealed.

The OFD twin of ``service.seal_document``, with the same rules and the same record:

- authorised exactly as a PDF: ``seals:use`` on the seal (a grant), or a ticket for exactly
  this file (its SHA-256) and seal with ``seals:request``; the seal must be active, and SM2
  (``SEAL_ALGORITHM_OFD`` for an ECDSA or RSA seal: PAdES seals stamp PDFs);
- sealed in memory by ``core.ofd.sign.seal_ofd_result`` with the seal's stored ``.esl``
  (SES_Seal v4) and SM2 certificate; the key store signs TBS_Sign (``sign_raw(key, data,
  "sm3")``: the key never leaves it); ``signed_at`` is the clock's now;
- SES_Signature.timeStamp: an RFC 3161 token of the instance TSA over the signature value
  (GB/T 38540: the token's messageImprint is a digest of the signature value, here of the DER
  SM2 signature bytes as they stand in SES_Signature.signature). The TSA answers SHA-256,
  SHA-384 and SHA-512 only, not SM3, so the imprint is **SHA-256**. No TSA: nothing sealed;
- TBS_Sign.extDatas lists the seal certificate's issuers (the organisation's SM2 CA;
  ``core.ofd.chain_ext``), so a verifier with only the SM2 root builds the path;
- with a ticket, the approval chain goes into TBS_Sign.extDatas (``approval_ext_data``:
  the PDF's chain, under the same OID), so it is signed with the seal;
- ``record_seal`` (shared with PDFs) spends the grant and the ticket once and writes the
  ``SealedDocumentRecord`` (field_name = the OFD signature's ID, e.g. ``s003``) and its
  ``seal.use`` audit entry in the caller's transaction.

The seal's key id, certificate, ``.esl`` and the TSA are read once per seal and process
(``SealerCache.other``), like the PDF sealers; ``forget`` drops them after a renewal or a
revocation.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms

from openseal.core.accounts.principal import Principal
from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.governance.approval_ports import ApprovalRepos
from openseal.core.keys.model import KeyStore
from openseal.core.ofd.chain_ext import issuers_ext_data
from openseal.core.ofd.ses import ExtData
from openseal.core.ofd.sign import OfdStamp, seal_ofd_result
from openseal.core.pki.service import PkiService
from openseal.core.pki.tsa import TimestampAuthority
from openseal.core.records import SealRecord
from openseal.core.seals.service import find_seal
from openseal.core.signing.approval import approval_ext_data
from openseal.core.signing.inspect import token_serial
from openseal.core.signing.service import (
    PreparedSeal,
    SealedDocument,
    SealerCache,
    active_seal,
    authorised_use,
    record_seal,
)
from openseal.core.verification.ofd_report import looks_like_ofd
from openseal.errors import InvalidInput, Unavailable

OFD_LEVEL = "GB/T 38540"
"""What ``PreparedSeal.level`` (and the audit entry's ``level``) says for an OFD seal."""
TIMESTAMP_DIGEST = "sha256"
"""The messageImprint digest of the token over the signature value (the TSA has no SM3)."""
OFD_PROVIDER = "OpenSeal"


@dataclass(frozen=True)
class OfdSealRequest:
    """Where the seal goes (``OfdStamp``: position, keyword or riding seal; several stamps
    are one signature) and whether the seal locks the document (``lock``)."""

    stamps: tuple[OfdStamp, ...] = field(default_factory=lambda: (OfdStamp(),))
    lock: bool = False


def refuse_ecdsa_for_ofd(seal: SealRecord) -> None:
    """An OFD seal (GB/T 38540) is an SM2 signature: an ECDSA or RSA seal stamps PDFs
    only."""
    if seal.algorithm != "sm2" or seal.esl is None:
        raise InvalidInput("SEAL_ALGORITHM_OFD",
                           f"印章「{seal.name}」不是 SM2 印章，不能加盖在 OFD 文件上（OFD 电子签章"
                           "须用 SM2 印章，见 docs/sm2-seals.md）",
                           f"Seal '{seal.name}' is not an SM2 seal: OFD files are sealed with "
                           "SM2 seals (GB/T 38540), see docs/sm2-seals.md", field="seal",
                           algorithm=seal.algorithm)


class OfdSealer:
    """One SM2 seal's signer for OFD files: the seal's ``.esl``, its certificate, its key in
    the key store, and the instance TSA, read once."""

    def __init__(self, seal: SealRecord, pki: PkiService, keystore: KeyStore) -> None:
        refuse_ecdsa_for_ofd(seal)
        assert seal.esl is not None
        cert = pki.certificate(seal.cert_id)
        self.esl = bytes(seal.esl)
        self.cert = cert.dump()
        self.cert_serial = f"{cert.serial_number:x}"
        issuers = [c.dump() for c in pki.chain(seal.cert_id)]
        self.issuers = issuers[:-1] if issuers else []  # the root comes from trust
        self._key_id = seal.key_id
        self._keys = keystore
        self._tsa: TimestampAuthority | None = pki.timestamp_authority()

    def sign(self, data: bytes) -> bytes:
        """The DER SM2 signature (SM3, ID 1234567812345678) of ``data``, by the key store."""
        return self._keys.sign_raw(self._key_id, data, "sm3")

    def timestamp(self, signature: bytes) -> bytes:
        """An RFC 3161 token over ``signature`` (SHA-256 imprint); fails closed."""
        if self._tsa is None:
            raise _tsa_failed()
        try:
            return self._tsa.timestamp_token(TIMESTAMP_DIGEST,
                                             hashlib.sha256(signature).digest(),
                                             secrets.randbits(63))
        except Exception as exc:  # noqa: BLE001 - any TSA fault must fail closed
            raise _tsa_failed() from exc

    def seal(self, data: bytes, request: OfdSealRequest, clock: Clock,
             chain: dict[str, Any] | None) -> tuple[bytes, str, int, str | None]:
        """(sealed file, signature ID, page of the first stamp, timestamp serial)."""
        tokens: list[bytes] = []

        def stamp(signature: bytes) -> bytes:
            tokens.append(self.timestamp(signature))
            return tokens[-1]

        done = seal_ofd_result(
            data, seal=self.esl, signer_cert=self.cert, sign=self.sign,
            stamps=request.stamps, signed_at=clock.now(), lock=request.lock,
            provider=OFD_PROVIDER, timestamp=stamp,
            ext_datas=self.ext_datas(chain))
        serial = token_serial(cms.ContentInfo.load(tokens[-1])) if tokens else None
        return done.data, done.signature_id, done.page, serial


    def ext_datas(self, chain: dict[str, Any] | None) -> list[ExtData]:
        """TBS_Sign.extDatas: the signer's issuers (``chain_ext``) and, with a ticket, the
        approval chain (``core.signing.approval``)."""
        found = [issuers_ext_data(self.issuers)] if self.issuers else []
        return found + ([approval_ext_data(chain)] if chain is not None else [])


def _tsa_failed() -> Unavailable:
    return Unavailable("TSA_UNAVAILABLE", "时间戳服务不可用，未盖章",
                       "The timestamp authority is unavailable; nothing was sealed")


def ofd_sealer(cache: SealerCache, seal: SealRecord, pki: PkiService,
               keystore: KeyStore) -> OfdSealer:
    """The process's OfdSealer of ``seal`` (built once; ``cache.forget`` drops it)."""
    refuse_ecdsa_for_ofd(seal)
    return cache.other("ofd", seal, lambda: OfdSealer(seal, pki, keystore))


def seal_ofd_document(
    repos: ApprovalRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, seal_ref: str, data: bytes, request: OfdSealRequest, *,
    audit: AuditRecorder, principal: Principal, category: str | None = None,
    ticket_id: str | None = None,
) -> SealedDocument:
    """Seal the OFD file ``data`` as ``principal`` and record it (``SealedDocument.pdf``
    holds the sealed OFD); the caller commits. Forbidden (403) unless ``principal`` may use
    the seal directly, or holds a ticket for exactly this file and seal (then the approval
    chain goes into the signature, and the ticket is used once)."""
    prepared = prepare_ofd_seal(repos, pki, keystore, clock, cache, seal_ref, data, request,
                                principal=principal, category=category, ticket_id=ticket_id)
    return record_seal(repos, pki, clock, prepared, audit=audit)


def prepare_ofd_seal(
    repos: ApprovalRepos, pki: PkiService, keystore: KeyStore, clock: Clock,
    cache: SealerCache, seal_ref: str, data: bytes, request: OfdSealRequest, *,
    principal: Principal, category: str | None = None, ticket_id: str | None = None,
    seal: SealRecord | None = None,
) -> PreparedSeal:
    """The first half of ``seal_ofd_document``: authorise (reads only) and seal in memory,
    as ``prepare_seal`` does for a PDF; ``record_seal`` records it."""
    seal = seal if seal is not None and seal.id == seal_ref else find_seal(repos, seal_ref)
    digest = hashlib.sha256(data).hexdigest()
    use = authorised_use(repos, principal, seal, digest, clock, category, ticket_id)
    chain = dict(use.ticket.chain) if use.ticket is not None else None
    refuse_ecdsa_for_ofd(seal)
    active_seal(seal)
    sealer = ofd_sealer(cache, seal, pki, keystore)
    sealed, signature_id, page, stamp = sealer.seal(data, request, clock, chain)
    return PreparedSeal(seal, principal, use.grant, use.permission, use.ticket,
                        str(uuid.uuid4()), digest, sealed, signature_id, page, (),
                        use.category, OFD_LEVEL, sealer.cert_serial,
                        hashlib.sha256(sealed).hexdigest(), stamp)


def is_ofd_upload(data: bytes, filename: str | None) -> bool:
    """Whether to seal ``data`` as an OFD: a zip, no PDF (``looks_like_ofd``), holding an
    OFD.xml; or no PDF and named ``*.ofd`` (then a damaged file is refused as a bad OFD, not
    as a bad PDF). Any other zip is "not a PDF"."""
    if b"%PDF-" in data[:1024]:
        return False
    if (filename or "").lower().endswith(".ofd"):
        return True
    if not looks_like_ofd(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.lower().lstrip("/") == "ofd.xml" for name in archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def ofd_stamps(*, page: int = 1, x_mm: float | None = None, y_mm: float | None = None,
               keyword: str | None = None, occurrence: str = "first",
               cross_page: bool = False, pages: str | None = None, edge: str = "right",
               cross_y: float | None = None) -> tuple[OfdStamp, ...]:
    """The stamps the sealing options name, as for a PDF: the seal at ``page``/``x``/``y``
    (or centred on ``keyword``, which then wins over the position), plus a riding seal
    (骑缝章) over ``pages`` at ``edge`` when ``cross_page``."""
    main = (OfdStamp(keyword=keyword, occurrence=occurrence) if keyword is not None
            else OfdStamp(page=page, x_mm=x_mm, y_mm=y_mm))
    if not cross_page:
        return (main,)
    return main, OfdStamp(cross_page=True, pages=pages, edge=edge, y_mm=cross_y)


def refuse_pdf_only(options: Sequence[str]) -> None:
    """Options that have no meaning for an OFD seal are refused, not ignored."""
    if options:
        raise InvalidInput("OFD_OPTION_UNSUPPORTED",
                           f"以下选项不适用于 OFD 盖章：{', '.join(options)}",
                           f"These options do not apply to OFD sealing: {', '.join(options)}",
                           field=options[0].lstrip("-"), options=list(options))
