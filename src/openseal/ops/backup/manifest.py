"""The manifest of a backup: what it holds, with the SHA-256 of every member, signed by the
platform's audit key (the key that signs audit checkpoints).

A restore checks the signature and the chain of the signing certificate to the platform
root carried in the signature, and every member against its recorded hash, before it
writes anything. The root's fingerprint is reported; ``trusted_root`` (the platform root
exported earlier with ``openseal ca export``) pins it, so a backup made by anyone else is
refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from openseal.errors import IntegrityViolation

FORMAT = "openseal-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig.json"


@dataclass(frozen=True)
class SignedManifest:
    body: dict[str, Any]
    root_fingerprint: str


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def members_of(staging: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``staging`` (but the manifest) with its SHA-256 and size."""
    return {p.relative_to(staging).as_posix(): {"sha256": file_digest(p),
                                               "size": p.stat().st_size}
            for p in sorted(staging.rglob("*"))
            if p.is_file() and p.name not in (MANIFEST, SIGNATURE)}


def write_manifest(staging: Path, body: dict[str, Any], sign: Callable[[bytes], bytes],
                   certificates: Sequence[bytes]) -> None:
    data = canonical(body)
    (staging / MANIFEST).write_bytes(data)
    signature = {"algorithm": "sha256", "signature": _b64(sign(data)),
                 "certificates": [_b64(c) for c in certificates]}
    (staging / SIGNATURE).write_text(json.dumps(signature, sort_keys=True))


def read_manifest(folder: Path, trusted_root: bytes | None = None) -> SignedManifest:
    """The manifest in ``folder``, its signature and members checked; IntegrityViolation."""
    try:
        data = (folder / MANIFEST).read_bytes()
        signature = json.loads((folder / SIGNATURE).read_text())
        body = json.loads(data)
        certs = [x509.load_der_x509_certificate(base64.b64decode(c))
                 for c in signature["certificates"]]
        sig = base64.b64decode(signature["signature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _bad("BACKUP_MANIFEST_MALFORMED", "备份清单缺失或格式错误",
                   "The backup's manifest is missing or malformed") from exc
    if body.get("format") != FORMAT or len(certs) < 1:
        raise _bad("BACKUP_MANIFEST_MALFORMED", "备份清单格式不受支持",
                   "The backup's manifest format is not supported")
    root = _check_signature(data, sig, certs)
    fingerprint = root.fingerprint(hashes.SHA256()).hex()
    if trusted_root is not None and _fingerprint(trusted_root) != fingerprint:
        raise _bad("BACKUP_NOT_OURS", "备份不是由指定的平台根证书签署的",
                   "The backup is not signed under the platform root given")
    _check_members(folder, body.get("members", {}))
    return SignedManifest(body, fingerprint)


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode()


def _check_signature(data: bytes, sig: bytes, certs: list[x509.Certificate]) -> x509.Certificate:
    signer, root = certs[0], certs[-1]
    try:
        _verify(signer.public_key(), sig, data)
        for child, parent in zip(certs, certs[1:], strict=False):
            child.verify_directly_issued_by(parent)
        root.verify_directly_issued_by(root)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise _bad("BACKUP_SIGNATURE_INVALID", "备份清单的平台签名无效：备份可能被篡改",
                   "The platform's signature over the backup's manifest is invalid: the "
                   "backup may have been tampered with") from exc
    return root


def _verify(key: Any, sig: bytes, data: bytes) -> None:
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise TypeError("unsupported key")


def _check_members(folder: Path, members: dict[str, Any]) -> None:
    found = members_of(folder)
    if set(found) != set(members):
        extra = sorted(set(found) ^ set(members))[:3]
        raise _bad("BACKUP_MEMBERS_CHANGED", f"备份中的文件与清单不符：{', '.join(extra)}",
                   f"The backup's files differ from its manifest: {', '.join(extra)}")
    for name, entry in members.items():
        if found[name]["sha256"] != entry.get("sha256"):
            raise _bad("BACKUP_MEMBER_CHANGED", f"备份中的文件已被修改：{name}",
                       f"A file in the backup was changed: {name}")


def _fingerprint(pem_or_der: bytes) -> str:
    try:
        cert = (x509.load_pem_x509_certificate(pem_or_der) if b"-----BEGIN" in pem_or_der
                else x509.load_der_x509_certificate(pem_or_der))
    except ValueError as exc:
        raise _bad("BACKUP_TRUSTED_ROOT_UNREADABLE", "无法读取指定的平台根证书",
                   "The platform root given cannot be read") from exc
    return cert.fingerprint(hashes.SHA256()).hex()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bad(code: str, zh: str, en: str) -> IntegrityViolation:
    return IntegrityViolation(code, zh, en)
