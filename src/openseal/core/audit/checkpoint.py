"""Checkpoints: signed, timestamped tree heads (size, root hash, time) of the audit log.

The platform audit key signs ``payload()``; the TSA timestamps SHA-256 of that signature, so
a checkpoint proves the log had this root no later than the TSA's time, and a copy kept
outside the platform pins the whole log up to ``size``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import x509

from openseal.core.audit.canonical import canonical_json, format_time, parse_time
from openseal.core.audit.model import HASH_HEX
from openseal.core.audit.trust import (
    CHECKPOINT_BAD_SIGNATURE,
    CHECKPOINT_BAD_TIMESTAMP,
    CHECKPOINT_MALFORMED,
    CHECKPOINT_UNTRUSTED_SIGNER,
    TIMESTAMP_TOLERANCE,
    check_checkpoint,
)
from openseal.errors import InvalidInput

_KEYS = frozenset({"log_id", "size", "root_hash", "time", "signature", "certificates",
                   "timestamp_token"})


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head. ``certificates`` are DER, the signer's first, then its chain;
    ``timestamp_token`` is a DER CMS ContentInfo (RFC 3161) over SHA-256(signature)."""

    log_id: str
    size: int
    root_hash: str
    time: datetime
    signature: bytes
    certificates: tuple[bytes, ...]
    timestamp_token: bytes

    def payload(self) -> bytes:
        """What the audit key signs: canonical JSON of log_id, size, root_hash and time."""
        return canonical_json({"log_id": self.log_id, "size": self.size,
                               "root_hash": self.root_hash, "time": format_time(self.time)})

    def to_json(self) -> dict[str, Any]:
        """A JSON object (``"type": "checkpoint"``), binary fields in standard base64."""
        return {"type": "checkpoint", "log_id": self.log_id, "size": self.size,
                "root_hash": self.root_hash, "time": format_time(self.time),
                "signature": _b64(self.signature),
                "certificates": [_b64(c) for c in self.certificates],
                "timestamp_token": _b64(self.timestamp_token)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Checkpoint:
        """The inverse of ``to_json``. Checks shape and encodings, not signatures.

        Raises InvalidInput AUDIT_CHECKPOINT_MALFORMED.
        """
        if not isinstance(d, Mapping):
            raise _malformed("not a JSON object")
        keys = set(d) - {"type"}
        if keys != _KEYS or d.get("type", "checkpoint") != "checkpoint":
            raise _malformed(f"fields {sorted(keys ^ _KEYS)} are wrong")
        size, root, log_id = d["size"], d["root_hash"], d["log_id"]
        if type(size) is not int or size < 0:
            raise _malformed("size must be a non-negative integer")
        if not isinstance(root, str) or not HASH_HEX.fullmatch(root):
            raise _malformed("root_hash must be 64 lower-case hex digits")
        if not isinstance(log_id, str) or not isinstance(d["certificates"], list):
            raise _malformed("log_id must be text and certificates a list")
        try:
            time = parse_time(d["time"])
        except ValueError as exc:
            raise _malformed(str(exc)) from exc
        return cls(log_id, size, root, time, _unb64(d["signature"]),
                   tuple(_unb64(c) for c in d["certificates"]), _unb64(d["timestamp_token"]))


def make_checkpoint(
    log_id: str, size: int, root_hash: str, time: datetime, *,
    sign: Callable[[bytes], bytes], certificates: Sequence[bytes],
    timestamp: Callable[[bytes], bytes],
) -> Checkpoint:
    """Sign and timestamp the tree head (``size``, ``root_hash``) at ``time``.

    ``sign(payload)`` returns a DER ECDSA or RSA PKCS#1 v1.5 signature with SHA-256;
    ``timestamp(sha256(signature))`` returns a DER timestamp token. Raises ValueError for a
    negative size, a root that is not 64 lower-case hex digits or a naive time.
    """
    if size < 0 or not HASH_HEX.fullmatch(root_hash):
        raise ValueError("a checkpoint needs a size >= 0 and a 64-hex-digit root hash")
    format_time(time)  # refuses a naive time
    unsigned = Checkpoint(log_id, size, root_hash, time, b"", tuple(certificates), b"")
    signature = sign(unsigned.payload())
    token = timestamp(hashlib.sha256(signature).digest())
    return Checkpoint(log_id, size, root_hash, time, signature, tuple(certificates), token)


def verify_checkpoint(cp: Checkpoint, trust_roots: Sequence[x509.Certificate], *,
                      at: datetime | None = None, signer_eku: str | None = None) -> list[str]:
    """Problem codes for ``cp``; [] when it is sound. Nothing is fetched from the network.

    Checks that the signer certificate (``certificates[0]``) chains to ``trust_roots``
    through the other certificates, allows digitalSignature (and ``signer_eku`` when
    given) and is valid at ``at`` (default: the checkpoint's time); that the signature
    over ``payload()`` verifies with its key (ECDSA or RSA, SHA-256); and that the
    timestamp token is intact, from a TSA chaining to ``trust_roots``, over SHA-256 of the
    signature, with a time within ``TIMESTAMP_TOLERANCE`` of the checkpoint's.
    """
    return check_checkpoint(cp, trust_roots, at=at, signer_eku=signer_eku)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise _malformed("a binary field is not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed("a binary field is not valid base64") from exc


def _malformed(why: str) -> InvalidInput:
    return InvalidInput("AUDIT_CHECKPOINT_MALFORMED", f"检查点格式错误：{why}",
                        f"The checkpoint is malformed: {why}", field="checkpoint")


__all__ = ["CHECKPOINT_BAD_SIGNATURE", "CHECKPOINT_BAD_TIMESTAMP", "CHECKPOINT_MALFORMED",
           "CHECKPOINT_UNTRUSTED_SIGNER", "TIMESTAMP_TOLERANCE", "Checkpoint", "make_checkpoint",
           "verify_checkpoint"]
