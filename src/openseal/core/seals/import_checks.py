"""Checks and storage shared by the seal imports (``importing``, ``token_import``): whose
seal it is, whether its certificate names that organisation and is valid, was not imported
before, and storing the certificate with the CA certificates that came with it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import Certificate

from openseal.core.accounts.principal import Principal
from openseal.core.clock import Clock
from openseal.core.governance.authorize import authorize
from openseal.core.governance.roles import OPERATOR
from openseal.core.identity.service import find_organization
from openseal.core.pki.pem import load_pem_certificates
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.sm2_x509 import load_certificate
from openseal.core.ports import Repositories
from openseal.core.records import (
    CertificateRecord,
    OrganizationRecord,
    SealRecord,
)
from openseal.core.seals.service import is_sandboxed
from openseal.errors import Conflict, InvalidInput, NotFound

MAX_FILE = 4 * 1024 * 1024  # an .esl, key, certificate or PKCS#12 larger than this is refused



# ---------------------------------------------------------------------- the organisation


def _organisation(repos: Repositories, org: str, principal: Principal,
                  clock: Clock) -> OrganizationRecord:
    authorize(repos, principal, "seals:manage", now=clock.now())  # type: ignore[arg-type]
    organisation = find_organization(repos, org)
    if principal.kind != OPERATOR:
        principal.owns(organisation.id, "org", org, _no_org(org))
    if is_sandboxed(repos, organisation.id):
        raise Conflict("SEAL_IMPORT_SANDBOX",
                       "单位尚未通过认证（沙箱模式），不能导入外部制作的印章",
                       "The organisation is not verified yet (sandbox): seals made elsewhere "
                       "cannot be imported", field="org")
    return organisation


def _no_org(org: str) -> NotFound:
    return NotFound("ORG_NOT_FOUND", f"找不到单位「{org}」", f"Organisation '{org}' not found",
                    field="org")


# ---------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class _Subject:
    mismatch: bool


def _checked_certificate(der: bytes, org: OrganizationRecord, now: datetime,
                         allow_name_mismatch: bool) -> _Subject:
    try:
        cert = load_certificate(der)
    except ValueError:
        raise InvalidInput("SEAL_CERT_INVALID", "签章人证书无法解析", "The signer certificate "
                           "cannot be read", field="cert") from None
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    if not start <= now <= end:
        raise InvalidInput("SEAL_CERT_NOT_VALID",
                           f"签章人证书不在有效期内（{start.isoformat()} 至 {end.isoformat()}）",
                           f"The signer certificate is not valid now (valid {start.isoformat()} "
                           f"to {end.isoformat()})", field="cert")
    usage = cert.key_usage_value
    if usage is not None and not ({"digital_signature", "non_repudiation"} & set(usage.native)):
        raise InvalidInput("SEAL_CERT_USAGE", "签章人证书的密钥用途不允许签名",
                           "The signer certificate's key usage does not allow signing",
                           field="cert")
    if _names(cert, org):
        return _Subject(False)
    if allow_name_mismatch:
        return _Subject(True)
    raise InvalidInput("SEAL_CERT_OTHER_ORG",
                       f"签章人证书（{cert.subject.human_friendly}）未载明本单位「{org.name}」"
                       f"或其统一社会信用代码 {org.uscc}",
                       f"The signer certificate ({cert.subject.human_friendly}) names neither "
                       f"the organisation '{org.name}' nor its credit code {org.uscc} "
                       "(--allow-name-mismatch imports it anyway)", field="cert")


def _names(cert: x509.Certificate, org: OrganizationRecord) -> bool:
    """The subject holds the organisation's credit code (organizationIdentifier, or any
    attribute containing it, as CAs put it in OU, serialNumber or CN), or its O is the
    organisation's name."""
    values = [str(v) for v in _subject_values(cert)]
    if any(org.uscc in v.upper() for v in values):
        return True
    names = cert.subject.native.get("organization_name")
    names = names if isinstance(names, list) else [names]
    return any(isinstance(n, str) and n.strip() == org.name.strip() for n in names)


def _subject_values(cert: x509.Certificate) -> list[object]:
    out: list[object] = []
    for value in cert.subject.native.values():
        out.extend(value if isinstance(value, list) else [value])
    return out


def _not_imported_yet(repos: Repositories, der: bytes) -> None:
    serial = f"{load_certificate(der).serial_number:x}"
    for known in repos.list_certificates():
        if known.serial_hex != serial:
            continue
        if known.der == der:
            raise Conflict("SEAL_ALREADY_IMPORTED", "这枚印章（其证书）已经导入过了",
                           "This seal (its certificate) was imported already", field="cert",
                           cert=known.id)
        raise Conflict("SEAL_CERT_SERIAL_TAKEN", f"已有另一张序列号为 {serial} 的证书",
                       f"Another certificate with serial {serial} is stored already",
                       field="cert")


def _store_chain(repos: Repositories, leaf: bytes, chain: list[Certificate], org_id: str
                 ) -> str | None:
    """Store the CA certificates from the PKCS#12 that the leaf chains through (by name),
    as IMPORTED_CA records (reused when already stored); the leaf's issuer id, or None."""
    ders = [c.public_bytes(serialization.Encoding.DER) for c in chain]
    by_subject = {load_certificate(d).subject.dump(): d for d in ders}
    path: list[bytes] = []
    current = load_certificate(leaf)
    while current.issuer.dump() in by_subject and len(path) < 10:
        der = by_subject.pop(current.issuer.dump())
        path.append(der)
        current = load_certificate(der)
        if current.self_signed:
            break
    known = {c.der: c.id for c in repos.list_certificates(CertificateRole.IMPORTED_CA.value)}
    ids = [known.get(der) or str(uuid.uuid4()) for der in path]
    for index in reversed(range(len(path))):
        if path[index] in known:
            continue
        parent = ids[index + 1] if index + 1 < len(path) else None
        if parent is None and load_certificate(path[index]).self_signed:
            parent = ids[index]
        record = _cert_record(path[index], CertificateRole.IMPORTED_CA, None, parent, org_id,
                              cert_id=ids[index])
        repos.add_certificate(record)
    return ids[0] if ids else None


def _cert_record(der: bytes, role: CertificateRole, key_id: str | None, issuer_id: str | None,
                 org_id: str | None, cert_id: str | None = None) -> CertificateRecord:
    cert = load_certificate(der)
    validity = cert["tbs_certificate"]["validity"]
    return CertificateRecord(
        id=cert_id or str(uuid.uuid4()), role=role, der=der, key_id=key_id,
        issuer_id=issuer_id, org_id=org_id, serial_hex=f"{cert.serial_number:x}",
        subject=str(cert.subject.human_friendly), not_before=validity["not_before"].native,
        not_after=validity["not_after"].native)


def _one_certificate(data: bytes) -> bytes:
    try:
        found = load_pem_certificates(_sized(data, "cert"))
    except (ValueError, TypeError, InvalidInput):
        found = []
    if len(found) != 1:
        raise InvalidInput("SEAL_CERT_INVALID", "请给出一张签章人证书（PEM 或 DER）",
                           "Give one signer certificate (PEM or DER)", field="cert")
    return bytes(found[0].dump())


def _subject(der: bytes) -> str:
    try:
        return str(load_certificate(der).subject.human_friendly)
    except ValueError:
        return "?"


def _common_name(der: bytes) -> str | None:
    value = load_certificate(der).subject.native.get("common_name")
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------- helpers


def _name(value: str) -> str:
    name = (value or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("SEAL_NAME", "印章名称应为 1–100 个字符（可用 --name 指定）",
                           "The seal name must have 1-100 characters (give one with --name)",
                           field="name")
    return name


def _sized(data: bytes, field: str) -> bytes:
    if not data:
        raise InvalidInput("IMPORT_FILE_EMPTY", f"文件为空（{field}）", f"The file is empty "
                           f"({field})", field=field)
    if len(data) > MAX_FILE:
        raise InvalidInput("IMPORT_FILE_TOO_LARGE", f"文件过大（{field}，上限 {MAX_FILE} 字节）",
                           f"The file is too large ({field}, at most {MAX_FILE} bytes)",
                           field=field)
    return bytes(data)


def _add_seal(repos: Repositories, record: SealRecord) -> None:
    try:
        repos.add_seal(record)
    except Conflict as exc:
        if exc.code != "SEAL_ES_ID_TAKEN":
            raise
        raise Conflict("SEAL_ES_ID_TAKEN", f"已有一枚印章使用电子印章编码 {record.es_id}",
                       f"A seal with the seal code (esID) {record.es_id} exists already",
                       field="esl") from None
